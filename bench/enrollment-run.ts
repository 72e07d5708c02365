/**
 * `npm run bench:enroll` (issues 18 and 19, W4): how long an enrolment run
 * over the whole book takes, every screening rule on, with contact caps
 * beside without, by connections side by side.
 *   npm run bench:enroll -- [--customers 100000] [--connections 1,2,4] [--chunk-size 25000] [--rounds 2]
 *     [--caps on,off] [--business-date YYYY-MM-DD] [--explain] [--append] [--database-prefix c360_enroll_bench] [--drop]
 *     [--out enrollment-run-<customers>.json]
 * 100,000 customers: the benchmark's seeded data set (bench-database.ts),
 * seeded once. 1,000,000: that data set copied ten times over (new ids and
 * numbers) in the tables screening reads (customers, consents, risk
 * assessments, tags, and the campaign contacts the FREQUENCY_CAPPED rule
 * counts), which takes minutes where seeding takes an hour on a busy machine;
 * holdings and the other interactions are not copied (screening reads
 * neither). The seed dates nothing on or after its reference day, so a data
 * set built early in a month holds few of the month's contacts: both sizes
 * get the same share of customers contacted in the business date's month
 * (contactsThisMonth below). Each round starts a run of a new APPROVED
 * campaign with an R4 product (so suitability, assessments and the 65+ rule
 * all apply) and no target criteria (the whole book), through the job runner
 * the server uses (LeasedJobRunner, EnrollmentJob, on a pool of its own), once
 * with caps and once without (the FREQUENCY_CAPPED rule and the contact count
 * left out of the statement), interleaved, and reports the run's own
 * start-to-end time (the database's clock), with the machine's load average.
 * --explain first writes EXPLAIN (ANALYZE, BUFFERS, WAL) of one range's screening
 * statement with caps (rolled back). --rounds 0 only builds the data set.
 * Each run records the `jit` setting its connections start with
 * (PGOPTIONS='-c jit=off' changes it); EnrollmentJob now turns JIT off for
 * each range itself, so it only told apart the runs measured before that
 * (enrollment-run.md). Writes
 * bench/results/enrollment-run-<customers>.json (or --out, in bench/results) after every run (--append:
 * after the runs the file holds already, for runs of one sitting); the
 * summary is kept by hand in bench/results/enrollment-run.md.
 */
import 'reflect-metadata';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { randomUUID } from 'node:crypto';
import { businessToday } from '../src/common/business-date';
import { ContactCapSettings, loadConfig } from '../src/config';
import { SqlParams } from '../src/db/parent-relations';
import { screeningSql } from '../src/modules/campaign/enrollment-screening';
import { businessDateStartSql, capPeriodOf } from '../src/modules/interaction/contact-caps';
import { createDataSource } from '../src/db/data-source';
import { runMigrations } from '../src/db/migrate';
import { LeasedJobRunner } from '../src/jobs/leased-job-runner';
import { EnrollmentJob, idRanges } from '../src/modules/campaign/enrollment-job';
import { asAdmin, benchDatabaseUrl, reuseOrCreateSeededDatabase } from './bench-database';

const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const BASE_CUSTOMERS = 100_000;
/** The synthetic campaign contacts of contactsThisMonth, told apart from the seed's by their source. */
const BENCH_SOURCE = 'w4-bench';

async function main() {
  const config = loadConfig({});
  const { values } = parseArgs({
    options: {
      customers: { type: 'string', default: '100000' },
      connections: { type: 'string', default: '1,2,4' },
      'chunk-size': { type: 'string', default: '25000' },
      rounds: { type: 'string', default: '2' },
      caps: { type: 'string', default: 'on,off' },
      'business-date': { type: 'string', default: businessToday(config.businessTimeZone) },
      explain: { type: 'boolean', default: false },
      append: { type: 'boolean', default: false },
      'database-prefix': { type: 'string', default: 'c360_enroll_bench' },
      drop: { type: 'boolean', default: false },
      out: { type: 'string' },
    },
  });
  const customers = Number(values.customers);
  const prefix = values['database-prefix']!;
  const businessDate = values['business-date']!;
  const chunkSize = Number(values['chunk-size']);
  const capSettings = values.caps!.split(',').map((v) => {
    if (v !== 'on' && v !== 'off') throw new Error(`--caps takes on and off, not ${v}`);
    return v === 'on';
  });
  const url = await dataSet(prefix, customers);
  const contacted = await contactsThisMonth(url, config.contactCaps, businessDate);
  console.log(JSON.stringify({ businessDate, contactedThisMonth: contacted }));
  const out = path.join(__dirname, 'results', values.out ?? `enrollment-run-${customers}.json`);
  if (values.explain) {
    const plan = await explainOneRange(url, config.contactCaps, businessDate, chunkSize);
    const planOut = path.join(__dirname, 'results', `enrollment-run-${customers}-explain.txt`);
    writeFileSync(planOut, `${plan}\n`);
    console.log(`wrote ${planOut}`);
  }
  const results: Record<string, unknown>[] =
    values.append && existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')).results : [];
  const firstRound = results.reduce((last, r) => Math.max(last, Number(r.round)), 0) + 1;
  for (let round = firstRound; round < firstRound + Number(values.rounds); round++) {
    for (const connections of values.connections!.split(',').map(Number)) {
      // Caps and no caps one after the other, so both see the same load.
      for (const capsOn of capSettings) {
        const caps = capsOn ? config.contactCaps : null;
        const result = await measure(url, { connections, chunkSize, caps, businessDate });
        console.log(JSON.stringify({ round, ...result }));
        results.push({ round, ...result });
        writeFileSync(
          out,
          `${JSON.stringify(
            {
              customers,
              businessDate,
              contactedThisMonth: contacted,
              machine: { cpus: cpus().length, model: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30) },
              results,
            },
            null,
            2,
          )}\n`,
        );
      }
    }
  }
  if (results.length > 0) console.log(`wrote ${out}`);
  if (values.drop) {
    await asAdmin(ADMIN_URL, async (c) => c.query(`DROP DATABASE IF EXISTS ${prefix}_${customers} WITH (FORCE)`));
    if (customers !== BASE_CUSTOMERS)
      await asAdmin(ADMIN_URL, async (c) =>
        c.query(`DROP DATABASE IF EXISTS ${prefix}_${BASE_CUSTOMERS} WITH (FORCE)`),
      );
  }
}

async function dataSet(prefix: string, customers: number): Promise<string> {
  const config = loadConfig({});
  const base = await reuseOrCreateSeededDatabase(ADMIN_URL, `${prefix}_${BASE_CUSTOMERS}`, {
    customers: BASE_CUSTOMERS,
    applicationName: 'bench-enroll',
    segmentWith: config,
  });
  await base.ds.destroy();
  if (customers === BASE_CUSTOMERS) return base.url;
  const copies = customers / BASE_CUSTOMERS;
  if (!Number.isInteger(copies)) throw new Error(`--customers must be a multiple of ${BASE_CUSTOMERS}`);
  const name = `${prefix}_${customers}`;
  const url = benchDatabaseUrl(ADMIN_URL, name);
  const exists = await asAdmin(
    ADMIN_URL,
    async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1,
  );
  if (exists) {
    const db = new Client({ connectionString: url });
    await db.connect();
    const { rows } = await db.query('SELECT count(*)::int AS n FROM customer');
    await db.end();
    if (rows[0].n === customers) {
      console.log(`reusing ${name}`);
      await migrate(url);
      return url;
    }
  }
  const started = Date.now();
  await asAdmin(ADMIN_URL, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${name} TEMPLATE ${prefix}_${BASE_CUSTOMERS}`);
  });
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    // A copy, not new facts: no outbox events, no foreign-key checks of rows copied from valid ones.
    await db.query(`SET session_replication_role = replica`);
    await db.query(`CREATE TEMP TABLE copy_of AS SELECT g AS k FROM generate_series(1, ${copies - 1}) g`);
    await db.query(`
      CREATE TEMP TABLE id_map AS
      SELECT c.id AS old_id, md5(c.id::text || '/' || k)::uuid AS new_id, k FROM customer c, copy_of`);
    await db.query(`
      INSERT INTO customer (id, customer_no, name, gender, birth_date, id_type, id_number, id_number_bidx, pii_digest,
        phone, email,
        address_province, address_city, address_district, address_street, city, branch_id, relationship_manager_id,
        kyc_status, onboarded_on, aum, tier, lifecycle_stage, churn_signals, segmented_at, created_at,
        personalised_marketing_withdrawn)
      SELECT m.new_id, c.customer_no || 'x' || m.k, c.name, c.gender, c.birth_date, c.id_type, c.id_number,
        -- The copy's ID number is the original's ciphertext; its blind index only has to be unique.
        c.id_number_bidx || 'x' || m.k, c.pii_digest, c.phone, c.email, c.address_province, c.address_city, c.address_district, c.address_street, c.city, c.branch_id,
        c.relationship_manager_id, c.kyc_status, c.onboarded_on, c.aum, c.tier, c.lifecycle_stage, c.churn_signals,
        c.segmented_at, c.created_at, c.personalised_marketing_withdrawn
      FROM customer c JOIN id_map m ON m.old_id = c.id`);
    await db.query(`
      INSERT INTO consent (customer_id, purpose, channel, granted, updated_at)
      SELECT m.new_id, k.purpose, k.channel, k.granted, k.updated_at FROM consent k JOIN id_map m ON m.old_id = k.customer_id`);
    await db.query(`
      INSERT INTO risk_assessment (customer_id, risk_tolerance, credit_grade, aml_rating, assessed_at, valid_until)
      SELECT m.new_id, r.risk_tolerance, r.credit_grade, r.aml_rating, r.assessed_at, r.valid_until
      FROM risk_assessment r JOIN id_map m ON m.old_id = r.customer_id`);
    await db.query(`
      INSERT INTO customer_tag (customer_id, tag_id, source, confidence, assigned_at, expires_at)
      SELECT m.new_id, t.tag_id, t.source, t.confidence, t.assigned_at, t.expires_at
      FROM customer_tag t JOIN id_map m ON m.old_id = t.customer_id`);
    // The campaign contacts the cap counts (the seed's; contactsThisMonth adds the month's share to every copy).
    await db.query(`
      INSERT INTO interaction (customer_id, channel, type, occurred_at, summary, staff_id, partner_id, campaign_id,
        outcome, recorded_at, compliance_flags)
      SELECT m.new_id, i.channel, i.type, i.occurred_at, i.summary, i.staff_id, i.partner_id, i.campaign_id,
        i.outcome, i.recorded_at, i.compliance_flags
      FROM interaction i JOIN id_map m ON m.old_id = i.customer_id
      WHERE i.type = 'CAMPAIGN_CONTACT' AND i.source_system IS NULL`);
    await db.query(`SET session_replication_role = origin`);
    await db.query(`VACUUM ANALYZE`);
  } finally {
    await db.end();
  }
  await migrate(url);
  console.log(`copied ${name} from ${prefix}_${BASE_CUSTOMERS} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return url;
}

interface Measurement {
  connections: number;
  chunkSize: number;
  /** Null: the run screens without contact caps. */
  caps: ContactCapSettings | null;
  businessDate: string;
}

/**
 * The share of customers contacted in the business date's month, the same at
 * every size, chosen by a hash of the id: 20% once, 10% twice, 5% four
 * times, 2% six times (37% contacted; the monthly cap is 2 for MASS and
 * POTENTIAL, 4 for WEALTH, 6 for PRIVATE_BANKING, so 17%, 7% and 2% of
 * those tiers have used it up). Allowed CAMPAIGN_CONTACTs spread evenly from
 * the month's start to the business date's (all on the 1st when it is the
 * 1st): early in a month they break the daily cap, which the monthly count
 * the run reads does not look at. Made once per month and data set (a
 * previous month's are removed), without outbox events. Answers the number
 * of customers contacted this month (the seed's contacts included).
 */
async function contactsThisMonth(url: string, caps: ContactCapSettings, businessDate: string): Promise<number> {
  const period = capPeriodOf(businessDate);
  // Each statement binds what it uses (an unused placeholder has no type PostgreSQL can infer).
  const statement = (sql: (at: (date: string) => string, bind: SqlParams['bind']) => string) => {
    const params = new SqlParams();
    return {
      text: sql((date) => businessDateStartSql(params.bind, date, caps.timeZone), params.bind),
      values: params.values,
    };
  };
  const planned = `
    SELECT c.id AS customer_id, n FROM customer c,
      LATERAL (SELECT ((hashtextextended(c.id::text, 19) % 100) + 100) % 100 AS bucket) h,
      LATERAL (SELECT CASE WHEN bucket < 20 THEN 1 WHEN bucket < 30 THEN 2 WHEN bucket < 35 THEN 4
                           WHEN bucket < 37 THEN 6 ELSE 0 END AS n) k
    WHERE n > 0`;
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    const [{ expected, present }] = (
      await db.query(
        statement(
          (at, bind) => `SELECT (SELECT coalesce(sum(n), 0)::int FROM (${planned}) p) AS expected,
             (SELECT count(*)::int FROM interaction i WHERE i.source_system = ${bind(BENCH_SOURCE, 'text')}
                AND i.occurred_at >= ${at(period.month)} AND i.occurred_at < ${at(period.nextMonth)}) AS present`,
        ),
      )
    ).rows;
    if (expected !== present) {
      const started = Date.now();
      await db.query('BEGIN');
      await db.query(`SET LOCAL session_replication_role = replica`);
      await db.query(`DELETE FROM interaction WHERE source_system = $1`, [BENCH_SOURCE]);
      await db.query(
        statement(
          (at, bind) => `INSERT INTO interaction
             (customer_id, channel, type, occurred_at, summary, compliance_flags, source_system, source_ref)
           SELECT p.customer_id, 'MOBILE_APP', 'CAMPAIGN_CONTACT',
             ${at(period.month)} + greatest(${at(businessDate)} - ${at(period.month)}, interval '1 hour') * ((k - 0.5) / p.n),
             '营销触达（W4 bench）', '{}', ${bind(BENCH_SOURCE, 'text')},
             p.customer_id || '/' || ${bind(period.month, 'text')} || '/' || k
           FROM (${planned}) p, generate_series(1, p.n) k`,
        ),
      );
      await db.query('COMMIT');
      await db.query('ANALYZE interaction');
      console.log(`made ${expected} campaign contacts this month in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    const { rows } = await db.query(
      statement(
        (at) => `SELECT count(DISTINCT customer_id)::int AS n FROM interaction
         WHERE type = 'CAMPAIGN_CONTACT' AND compliance_flags = '{}'
           AND occurred_at >= ${at(period.month)} AND occurred_at < ${at(period.nextMonth)}`,
      ),
    );
    return rows[0].n;
  } finally {
    await db.end();
  }
}

/** A new APPROVED campaign over the whole book with an R4 product, and a RUNNING run of it. */
async function startRun(db: Client, businessDate: string): Promise<{ campaignId: string; runId: string }> {
  const campaignId = randomUUID();
  const runId = randomUUID();
  const { rows: staff } = await db.query(`SELECT id FROM staff ORDER BY id LIMIT 1`);
  const { rows: product } = await db.query(`SELECT id FROM product WHERE risk_level = 'R4' ORDER BY code LIMIT 1`);
  await db.query(
    `INSERT INTO campaign (id, code, name, status, target_tiers, target_lifecycle_stages, target_tag_codes, channels,
       product_id, budget, cost, created_by)
     VALUES ($1, $2, 'W4 bench', 'APPROVED', '{}', '{}', '{}', '{MOBILE_APP,WECHAT,CALL_CENTER}', $3, 0, 0, $4)`,
    [campaignId, `W4-${campaignId.slice(0, 8)}`, product[0]?.id ?? null, staff[0].id],
  );
  await db.query(
    `INSERT INTO enrollment_run (id, campaign_id, requested_by, requested_roles, request_id, business_date)
     VALUES ($1, $2, $3, '{MARKETING_MANAGER}', 'bench', $4)`,
    [runId, campaignId, staff[0].id, businessDate],
  );
  return { campaignId, runId };
}

/**
 * EXPLAIN (ANALYZE, BUFFERS, WAL) of the screening statement of the book's
 * second range of ids, with caps, as EnrollmentJob.step runs it
 * (same work_mem and jit), in a transaction rolled back.
 */
async function explainOneRange(url: string, caps: ContactCapSettings, businessDate: string, chunkSize: number) {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    await db.query('BEGIN');
    await db.query(`SET LOCAL work_mem = '64MB'`);
    await db.query(`SET LOCAL jit = off`);
    const { campaignId, runId } = await startRun(db, businessDate);
    // The second range of ids, cut as EnrollmentJob.plan cuts them.
    const { rows: book } = await db.query(
      `SELECT count(*)::int AS total, pg_snapshot_xmin(pg_current_snapshot())::text AS planned_at FROM customer`,
    );
    const range = idRanges(book[0].total, chunkSize)[1] ?? idRanges(book[0].total, chunkSize)[0];
    const { rows: campaign } = await db.query(`SELECT channels, product_id FROM campaign WHERE id = $1`, [campaignId]);
    const params = new SqlParams();
    const sql = screeningSql(params.bind, {
      runId,
      campaignId,
      channels: campaign[0].channels,
      customerIds: null,
      listedScope: null,
      segment: {},
      productId: campaign[0].product_id,
      today: businessDate,
      caps,
      part: { kind: 'ids', fromId: range.fromId, toId: range.toId, plannedAt: book[0].planned_at },
      partSeq: 1,
    });
    const { rows } = await db.query(`EXPLAIN (ANALYZE, BUFFERS, WAL) ${sql}`, params.values);
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  } finally {
    await db.query('ROLLBACK');
    await db.end();
  }
}

/** One run over the whole book, through the job runner the server uses. */
async function measure(url: string, m: Measurement) {
  const setup = new Client({ connectionString: url });
  await setup.connect();
  let started: { campaignId: string; runId: string } | undefined;
  try {
    const [{ jit }] = (await setup.query('SHOW jit')).rows;
    // Each run starts with no checkpoint under way: the one a previous run's WAL set off would write beside it.
    await setup.query('CHECKPOINT');
    const before = loadavg();
    // The whole server's WAL while the run runs: on a quiet machine, the run's (checkpoints add their own).
    const [{ lsn: walBefore }] = (await setup.query('SELECT pg_current_wal_insert_lsn() AS lsn')).rows;
    started = await startRun(setup, m.businessDate);
    const { runId } = started;
    const pool = createDataSource(url, {
      poolSize: m.connections + 1,
      applicationName: 'bench-enroll-job',
      preparedStatements: false,
    });
    await pool.initialize();
    const runner = new LeasedJobRunner(
      pool,
      new EnrollmentJob({ chunkSize: m.chunkSize, statementTimeoutMs: 600_000, caps: m.caps }),
      { pollMs: 10, connections: m.connections, leaseMs: 30_000, maxClaims: 5 },
      { info: () => undefined, error: (details, message) => console.error(message, details) },
    );
    runner.start();
    for (;;) {
      const { rows } = await setup.query(`SELECT status FROM enrollment_run WHERE id = $1`, [runId]);
      if (rows[0].status !== 'RUNNING') break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await runner.stop();
    await pool.destroy();
    const after = loadavg();
    const [{ bytes: walBytes }] = (
      await setup.query('SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), $1) AS bytes', [walBefore])
    ).rows;
    const { rows } = await setup.query(
      `SELECT status, total, enrolled, skipped, extract(epoch FROM finished_at - started_at) AS seconds
       FROM enrollment_run WHERE id = $1`,
      [runId],
    );
    return {
      connections: m.connections,
      chunkSize: m.chunkSize,
      caps: m.caps !== null,
      jit,
      seconds: Number(Number(rows[0].seconds).toFixed(2)),
      status: rows[0].status,
      customers: rows[0].total,
      enrolled: rows[0].enrolled,
      skipped: rows[0].skipped,
      loadAverage1mBefore: Number(before[0].toFixed(2)),
      loadAverage1mAfter: Number(after[0].toFixed(2)),
      walMB: Math.round(Number(walBytes) / 1e6),
    };
  } finally {
    // The next round starts from the same data.
    if (started) {
      const { campaignId, runId } = started;
      await setup.query(`SET session_replication_role = replica`);
      await setup.query(`DELETE FROM enrollment_skip WHERE run_id = $1`, [runId]);
      await setup.query(`DELETE FROM campaign_enrollment WHERE campaign_id = $1`, [campaignId]);
      await setup.query(`DELETE FROM outbox_event WHERE payload->>'campaignId' = $1`, [campaignId]);
      await setup.query(`DELETE FROM audit_record WHERE detail->>'runId' = $1`, [runId]);
      await setup.query(`DELETE FROM enrollment_run_chunk WHERE run_id = $1`, [runId]);
      await setup.query(`DELETE FROM enrollment_run WHERE id = $1`, [runId]);
      await setup.query(`DELETE FROM campaign WHERE id = $1`, [campaignId]);
      await setup.query(`SET session_replication_role = origin`);
    }
    await setup.end();
  }
}

async function migrate(url: string) {
  const ds = createDataSource(url, { poolSize: 2, applicationName: 'bench-enroll-migrate' });
  await ds.initialize();
  try {
    await runMigrations(ds);
  } finally {
    await ds.destroy();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
