import type { DataSource, EntityManager } from 'typeorm';

/** A month's partition of audit_record: its name and bounds (UTC months). */
export interface MonthPartition {
  name: string;
  from: string;
  to: string;
}

export function monthPartition(year: number, month: number): MonthPartition {
  const from = new Date(Date.UTC(year, month, 1));
  const to = new Date(Date.UTC(year, month + 1, 1));
  const name = `audit_record_p${from.getUTCFullYear()}${String(from.getUTCMonth() + 1).padStart(2, '0')}`;
  return { name, from: from.toISOString(), to: to.toISOString() };
}

const PARTITION_NAME = /^audit_record_p(\d{4})(\d{2})$/;

/** The month partition a table name stands for; undefined for any other table (the default partition). */
export function monthPartitionNamed(name: string): MonthPartition | undefined {
  const match = PARTITION_NAME.exec(name);
  if (!match) return undefined;
  const month = Number(match[2]);
  return month >= 1 && month <= 12 ? monthPartition(Number(match[1]), month - 1) : undefined;
}

/**
 * `months` calendar months before `date` (UTC), the day kept or, where the
 * month is shorter, its last day: 31 March less one month is 28 or 29
 * February, not 3 March.
 */
export function monthsBefore(date: Date, months: number): Date {
  const target = new Date(date);
  target.setUTCDate(1);
  target.setUTCMonth(target.getUTCMonth() - months);
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(date.getUTCDate(), lastDay));
  return target;
}

/** This month's partition and the next `monthsAhead`. */
export function partitionsAhead(now: Date, monthsAhead: number): MonthPartition[] {
  return Array.from({ length: monthsAhead + 1 }, (_, i) => monthPartition(now.getUTCFullYear(), now.getUTCMonth() + i));
}

/**
 * Creates the month partitions of audit_record that do not exist yet, from
 * this month to `monthsAhead` ahead, so that records never land in the
 * default partition (the safety net for a month nobody created). Each in its
 * own statement: a partition another instance created meanwhile is skipped;
 * one whose month already has rows in the default partition fails (those
 * rows would have to be moved first) and is reported, the others still made.
 */
export async function createAuditPartitions(
  db: DataSource | EntityManager,
  now: Date,
  monthsAhead: number,
): Promise<{ created: string[]; failed: { name: string; error: unknown }[] }> {
  const created: string[] = [];
  const failed: { name: string; error: unknown }[] = [];
  for (const p of partitionsAhead(now, monthsAhead)) {
    const [exists] = await db.query(`SELECT 1 FROM pg_class WHERE relname = $1`, [p.name]);
    if (exists) continue;
    try {
      // Creating a partition locks audit_record exclusively: queued behind a long reader (audit:verify, auditLog),
      // it would hold every audit insert, and so every audited request, behind it. It gives up instead; the next
      // hourly pass tries again, months ahead of need.
      await db.transaction(async (tx) => {
        await tx.query(`SET LOCAL lock_timeout = '2s'`);
        await tx.query(
          `CREATE TABLE IF NOT EXISTS ${p.name} PARTITION OF audit_record FOR VALUES FROM ('${p.from}') TO ('${p.to}')`,
        );
      });
      created.push(p.name);
    } catch (error) {
      failed.push({ name: p.name, error });
    }
  }
  return { created, failed };
}
