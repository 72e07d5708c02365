import { MigrationInterface, QueryRunner } from 'typeorm';
import { CHANNEL_CHECKS } from './1765612800000-CampaignContent';

/**
 * The channel CHECKs that CampaignContent widened to SMS, validated in a
 * transaction of their own: VALIDATE CONSTRAINT takes SHARE UPDATE
 * EXCLUSIVE, so reads and writes go on while it scans each table.
 */
export class ValidateChannelChecks1765612800001 implements MigrationInterface {
  name = 'ValidateChannelChecks1765612800001';

  async up(q: QueryRunner): Promise<void> {
    for (const { table, name } of CHANNEL_CHECKS) await q.query(`ALTER TABLE ${table} VALIDATE CONSTRAINT ${name}`);
  }

  async down(): Promise<void> {
    // Nothing to undo: CampaignContent's down replaces these constraints and validates the narrower ones.
  }
}
