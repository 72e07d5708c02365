import { Column, CreateDateColumn, Entity } from 'typeorm';

/**
 * The first result of an idempotent mutation, keyed by caller and key. The
 * primary key makes a concurrent duplicate fail to insert rather than write twice.
 */
@Entity('idempotency_record')
export class IdempotencyRecordEntity {
  @Column('text', { name: 'principal_id', primary: true })
  principalId: string;

  @Column('text', { primary: true })
  key: string;

  @Column('text')
  operation: string;

  /** Hash of the canonical input: the same key with another input is a CONFLICT. */
  @Column('text', { name: 'request_hash' })
  requestHash: string;

  @Column('jsonb', { nullable: true })
  response: unknown;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column('timestamptz', { name: 'expires_at' })
  expiresAt: Date;
}
