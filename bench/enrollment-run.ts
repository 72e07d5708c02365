/**
 * `npm run bench:enroll` (issue 18, W4): how long an enrolment run over the
 * whole book takes, every screening rule on, by connections side by side.
 *   npm run bench:enroll -- [--customers 100000] [--connections 1,2,4] [--chunk-size 25000] [--rounds 2]
 *     [--database-prefix c360_enroll_bench] [--drop]
 * 100,000 customers: the benchmark's seeded data set (bench-database.ts),
 * seeded once. 1,000,000: that data set copied ten times over (new ids and
 * numbers) in the tables screening reads (customers, consents, risk
 * assessments, tags), which takes a minute where seeding takes an hour on a
 * busy machine; holdings and interactions are not copied (screening reads
 * neither). Each round starts a run of a new APPROVED campaign with an R4
 * product (so suitability, assessments and the 65+ rule all apply) and no
 * target criteria (the whole book), through the job runner the server uses
 * (LeasedJobRunner, EnrollmentJob, on a pool of its own), and reports the
 * run's own start-to-end time (the database's clock), with the machine's
 * load average. Writes bench/results/enrollment-run-<customers>.json; the
 * summary is kept by hand in bench/results/enrollment-run.md.
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../src/config';
import { createDataSource } from '../src/db/data-source';
import { runMigrations } from '../src/db/migrate';
import { LeasedJobRunner } from '../src/jobs/leased-job-runner';
import { EnrollmentJob } from '../src/modules/campaign/enrollment-job';
import { asAdmin, benchDatabaseUrl, reuseOrCreateSeededDatabase } from './bench-database';

const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const BASE_CUSTOMERS = 100_000;

async function main() {
  const { values } = parseArgs({
    options: {
      customers: { type: 'string', default: '100000' },
      connections: { type: 'string', default: '1,2,4' },
      'chunk-size': { type: 'string', default: '25000' },
      rounds: { type: 'string', default: '2' },
      'database-prefix': { type: 'string', default: 'c360_enroll_bench' },
      drop: { type: 'boolean', default: false },
    },
  });
  const customers = Number(values.customers);
  const prefix = values['database-prefix']!;
  const url = await dataSet(prefix, customers);
  const results: Record<string, unknown>[] = [];
  for (let round = 1; round <= Number(values.rounds); round++) {
    for (const connections of values.connections!.split(',').map(Number)) {
      const result = await measure(url, connections, Number(values['chunk-size']));
      console.log(JSON.stringify({ round, ...result }));
      results.push({ round, ...result });
    }
  }
  const out = path.join(__dirname, 'results', `enrollment-run-${customers}.json`);
  writeFileSync(
    out,
    `${JSON.stringify(
      {
        customers,
        machine: { cpus: cpus().length, model: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30) },
        results,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`wrote ${out}`);
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
    await db.query(`SET session_replication_role = origin`);
    await db.query(`VACUUM ANALYZE`);
  } finally {
    await db.end();
  }
  await migrate(url);
  console.log(`copied ${name} from ${prefix}_${BASE_CUSTOMERS} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return url;
}

/** One run over the whole book, through the job runner the server uses. */
async function measure(url: string, connections: number, chunkSize: number) {
  const setup = new Client({ connectionString: url });
  await setup.connect();
  const campaignId = randomUUID();
  const runId = randomUUID();
  try {
    const { rows: staff } = await setup.query(`SELECT id FROM staff ORDER BY id LIMIT 1`);
    const { rows: product } = await setup.query(`SELECT id FROM product WHERE risk_level = 'R4' ORDER BY code LIMIT 1`);
    await setup.query(
      `INSERT INTO campaign (id, code, name, status, target_tiers, target_lifecycle_stages, target_tag_codes, channels,
         product_id, budget, cost, created_by)
       VALUES ($1, $2, 'W4 bench', 'APPROVED', '{}', '{}', '{}', '{MOBILE_APP,WECHAT,CALL_CENTER}', $3, 0, 0, $4)`,
      [campaignId, `W4-${campaignId.slice(0, 8)}`, product[0]?.id ?? null, staff[0].id],
    );
    const before = loadavg();
    await setup.query(
      `INSERT INTO enrollment_run (id, campaign_id, requested_by, requested_roles, request_id, business_date)
       VALUES ($1, $2, $3, '{MARKETING_MANAGER}', 'bench', current_date)`,
      [runId, campaignId, staff[0].id],
    );
    const pool = createDataSource(url, {
      poolSize: connections + 1,
      applicationName: 'bench-enroll-job',
      preparedStatements: false,
    });
    await pool.initialize();
    const runner = new LeasedJobRunner(
      pool,
      new EnrollmentJob({ chunkSize, statementTimeoutMs: 600_000, caps: loadConfig({}).contactCaps }),
      { pollMs: 10, connections, leaseMs: 30_000, maxClaims: 5 },
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
    const { rows } = await setup.query(
      `SELECT status, total, enrolled, skipped, extract(epoch FROM finished_at - started_at) AS seconds
       FROM enrollment_run WHERE id = $1`,
      [runId],
    );
    return {
      connections,
      chunkSize,
      seconds: Number(Number(rows[0].seconds).toFixed(2)),
      status: rows[0].status,
      customers: rows[0].total,
      enrolled: rows[0].enrolled,
      skipped: rows[0].skipped,
      loadAverage1mBefore: Number(before[0].toFixed(2)),
      loadAverage1mAfter: Number(after[0].toFixed(2)),
    };
  } finally {
    // The next round starts from the same data.
    await setup.query(`SET session_replication_role = replica`);
    await setup.query(`DELETE FROM enrollment_skip WHERE run_id = $1`, [runId]);
    await setup.query(`DELETE FROM campaign_enrollment WHERE campaign_id = $1`, [campaignId]);
    await setup.query(`DELETE FROM outbox_event WHERE payload->>'campaignId' = $1`, [campaignId]);
    await setup.query(`DELETE FROM audit_record WHERE detail->>'runId' = $1`, [runId]);
    await setup.query(`DELETE FROM enrollment_run WHERE id = $1`, [runId]);
    await setup.query(`DELETE FROM campaign WHERE id = $1`, [campaignId]);
    await setup.query(`SET session_replication_role = origin`);
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
