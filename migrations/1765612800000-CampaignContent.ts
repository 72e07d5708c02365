import { MigrationInterface, QueryRunner } from 'typeorm';

const OLD_CHANNELS = `'MOBILE_APP','WECHAT','BRANCH','CALL_CENTER','WEB','PARTNER'`;
const NEW_CHANNELS = `${OLD_CHANNELS},'SMS'`;

/** Every CHECK that lists the channels, by the name PostgreSQL gave it in the initial schema. */
export const CHANNEL_CHECKS = [
  { table: 'interaction', name: 'interaction_channel_check', check: (list: string) => `channel IN (${list})` },
  {
    table: 'campaign',
    name: 'campaign_channels_check',
    check: (list: string) => `cardinality(channels) > 0 AND channels <@ ARRAY[${list}]::text[]`,
  },
  {
    table: 'campaign_enrollment',
    name: 'campaign_enrollment_channel_check',
    check: (list: string) => `channel IN (${list})`,
  },
  { table: 'consent', name: 'consent_channel_check', check: (list: string) => `channel IN (${list})` },
  { table: 'lead', name: 'lead_source_channel_check', check: (list: string) => `source_channel IN (${list})` },
];

/**
 * Campaign content that passes compliance (issue 19, item 4): the message per
 * channel and the risk disclosure that submitCampaign checks, who rejected a
 * campaign, and SMS as a channel (with its own marketing consent).
 */
export class CampaignContent1765612800000 implements MigrationInterface {
  name = 'CampaignContent1765612800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE campaign
        ADD COLUMN messages jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(messages) = 'array'),
        ADD COLUMN risk_disclosure text CHECK (char_length(risk_disclosure) <= 2000),
        ADD COLUMN rejected_by uuid,
        ADD CONSTRAINT campaign_rejected_by_checker CHECK (rejected_by IS NULL OR rejected_by <> created_by)`);
    await this.replaceChannelChecks(q, NEW_CHANNELS, { validate: false });
  }

  async down(q: QueryRunner): Promise<void> {
    await this.replaceChannelChecks(q, OLD_CHANNELS, { validate: true });
    await q.query(`
      ALTER TABLE campaign
        DROP CONSTRAINT campaign_rejected_by_checker,
        DROP COLUMN rejected_by,
        DROP COLUMN risk_disclosure,
        DROP COLUMN messages`);
  }

  /**
   * Added NOT VALID: DROP and ADD hold an exclusive lock on the table until
   * this migration's transaction commits, so the scan that validates the
   * wider list (of the large interaction table too) is left to the next
   * migration, in a transaction of its own, under a lock that lets reads and
   * writes go on. Narrowing it back (down) must check the rows at once.
   */
  private async replaceChannelChecks(q: QueryRunner, list: string, { validate }: { validate: boolean }): Promise<void> {
    for (const { table, name, check } of CHANNEL_CHECKS) {
      await q.query(`ALTER TABLE ${table} DROP CONSTRAINT ${name}`);
      await q.query(`ALTER TABLE ${table} ADD CONSTRAINT ${name} CHECK (${check(list)}) NOT VALID`);
      if (validate) await q.query(`ALTER TABLE ${table} VALIDATE CONSTRAINT ${name}`);
    }
  }
}
