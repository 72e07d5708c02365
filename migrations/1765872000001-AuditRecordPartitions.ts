import { MigrationInterface, QueryRunner } from 'typeorm';

const COLUMNS = `id, occurred_at, actor_id, actor_roles, customer_id, fields, operation, operation_name, request_id, detail, xid`;

/**
 * audit_record partitioned by month of occurred_at (UTC months), so that
 * retention can drop whole months and a month's scans stay in its own
 * partition. PostgreSQL cannot partition a table in place: a partitioned
 * table is made beside it, every record copied with its id, xid and time
 * (so the audit chain still verifies), the names swapped and the old table
 * dropped, all in this migration's one transaction, with writers held off
 * by the lock taken first (they wait, then write into the new table).
 *
 * The primary key must include the partition key: (id, occurred_at). Ids
 * still come from one identity sequence, continued past the highest copied.
 * Partitions exist from the oldest record's month to three months ahead;
 * the server creates later ones ahead of time (audit-partitions.ts), and a
 * default partition takes whatever falls outside them rather than failing
 * the write that carries an audit record.
 */
export class AuditRecordPartitions1765872000001 implements MigrationInterface {
  name = 'AuditRecordPartitions1765872000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`LOCK TABLE audit_record IN EXCLUSIVE MODE`);
    await q.query(`
      CREATE TABLE audit_record_partitioned (
        id bigint GENERATED ALWAYS AS IDENTITY,
        occurred_at timestamptz(3) NOT NULL DEFAULT now(),
        actor_id text NOT NULL,
        actor_roles text[] NOT NULL,
        customer_id uuid,
        fields text[] NOT NULL DEFAULT '{}',
        operation text NOT NULL,
        operation_name text,
        request_id text NOT NULL,
        detail jsonb,
        xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
        PRIMARY KEY (id, occurred_at)
      ) PARTITION BY RANGE (occurred_at)`);
    await q.query(`CREATE TABLE audit_record_default PARTITION OF audit_record_partitioned DEFAULT`);
    const months: { name: string; from: string; to: string }[] = await q.query(`
      SELECT 'audit_record_p' || to_char(m, 'YYYYMM') AS name,
             to_char(m, 'YYYY-MM-DD') || 'T00:00:00Z' AS from,
             to_char(m + interval '1 month', 'YYYY-MM-DD') || 'T00:00:00Z' AS to
      FROM generate_series(
        date_trunc('month', coalesce((SELECT min(occurred_at) FROM audit_record), now()) AT TIME ZONE 'UTC'),
        date_trunc('month', now() AT TIME ZONE 'UTC') + interval '3 months',
        interval '1 month') AS m`);
    for (const m of months) {
      await q.query(
        `CREATE TABLE ${m.name} PARTITION OF audit_record_partitioned FOR VALUES FROM ('${m.from}') TO ('${m.to}')`,
      );
    }
    await q.query(
      `INSERT INTO audit_record_partitioned (${COLUMNS}) OVERRIDING SYSTEM VALUE SELECT ${COLUMNS} FROM audit_record`,
    );
    await continueIds(q, 'audit_record_partitioned');
    await q.query(`DROP TABLE audit_record`);
    await q.query(`ALTER TABLE audit_record_partitioned RENAME TO audit_record`);
    await q.query(`ALTER SEQUENCE audit_record_partitioned_id_seq RENAME TO audit_record_id_seq`);
    await q.query(`ALTER TABLE audit_record RENAME CONSTRAINT audit_record_partitioned_pkey TO audit_record_pkey`);
    await createIndexes(q);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`LOCK TABLE audit_record IN EXCLUSIVE MODE`);
    await q.query(`
      CREATE TABLE audit_record_plain (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        occurred_at timestamptz(3) NOT NULL DEFAULT now(),
        actor_id text NOT NULL,
        actor_roles text[] NOT NULL,
        customer_id uuid,
        fields text[] NOT NULL DEFAULT '{}',
        operation text NOT NULL,
        operation_name text,
        request_id text NOT NULL,
        detail jsonb,
        xid xid8 NOT NULL DEFAULT pg_current_xact_id()
      )`);
    await q.query(
      `INSERT INTO audit_record_plain (${COLUMNS}) OVERRIDING SYSTEM VALUE SELECT ${COLUMNS} FROM audit_record`,
    );
    await continueIds(q, 'audit_record_plain');
    // Dropping the partitioned table drops its partitions.
    await q.query(`DROP TABLE audit_record`);
    await q.query(`ALTER TABLE audit_record_plain RENAME TO audit_record`);
    await q.query(`ALTER SEQUENCE audit_record_plain_id_seq RENAME TO audit_record_id_seq`);
    await q.query(`ALTER TABLE audit_record RENAME CONSTRAINT audit_record_plain_pkey TO audit_record_pkey`);
    await createIndexes(q);
  }
}

/** The new table's next id follows the highest copied one (1 when none was). */
async function continueIds(q: QueryRunner, table: string): Promise<void> {
  await q.query(
    `SELECT setval(pg_get_serial_sequence('${table}', 'id'), coalesce(max(id), 1), max(id) IS NOT NULL) FROM audit_record`,
  );
}

/** The indexes audit_record had (InitialSchema, AuditChain), on whichever table now bears the name. */
async function createIndexes(q: QueryRunner): Promise<void> {
  await q.query(`CREATE INDEX audit_record_time_idx ON audit_record (occurred_at DESC, id DESC)`);
  await q.query(`CREATE INDEX audit_record_customer_idx ON audit_record (customer_id, occurred_at DESC)`);
  await q.query(`CREATE INDEX audit_record_actor_idx ON audit_record (actor_id, occurred_at DESC)`);
  await q.query(`CREATE INDEX audit_record_fields_idx ON audit_record USING gin (fields)`);
  await q.query(`CREATE INDEX audit_record_seal_idx ON audit_record (xid, id)`);
  // AuditedReveal's (1765785600000): the table it was made on is the one this migration replaces.
  await q.query(
    `CREATE INDEX audit_record_reveal_idx ON audit_record (occurred_at DESC, id DESC) WHERE operation = 'revealField'`,
  );
}
