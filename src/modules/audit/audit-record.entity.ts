import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Who read which sensitive fields of which customer, or ran which mutation. Never updated or deleted. */
@Entity('audit_record')
export class AuditRecordEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint' })
  id: string;

  @Column('timestamptz', { name: 'occurred_at', default: () => 'now()' })
  occurredAt: Date;

  @Column('text', { name: 'actor_id' })
  actorId: string;

  @Column('text', { name: 'actor_roles', array: true })
  actorRoles: string[];

  @Column('uuid', { name: 'customer_id', nullable: true })
  customerId: string | null;

  /** GraphQL field names read in full, such as `phone`. */
  @Column('text', { array: true })
  fields: string[];

  @Column('text')
  operation: string;

  @Column('text', { name: 'operation_name', nullable: true })
  operationName: string | null;

  @Column('text', { name: 'request_id' })
  requestId: string;

  @Column('jsonb', { nullable: true })
  detail: Record<string, unknown> | null;
}
