import type { DataSource, EntityManager } from 'typeorm';
import { businessToday } from '../common/business-date';
import { suppressEventsInTransaction } from '../events/outbox';
import { generateCustomerChunk, generateReferenceData } from './demo-data';
import { BinaryType, encodeArray } from './pg-binary';
import { MAX_CUSTOMERS } from './profile';
import { ReferenceData } from './reference-data';
import { CustomerChunk } from './rows';
import { ENCRYPTION, Keyring, KeyScope } from '../privacy/encryption/keyring';
import { keyringFor } from '../privacy/encryption/keyrings';

/**
 * Loads the demo data set, set-based: per table and chunk one
 * `INSERT ... SELECT FROM unnest($1::uuid[], $2::text[], ...)`, which is
 * plain SQL over the ordinary protocol and so also works on PGlite (no
 * COPY); most arrays travel in binary (see pg-binary.ts). Reference data
 * and each chunk commit on their own, so a failure leaves whole chunks
 * only. Segment columns (aum, tier, lifecycle_stage, churn_signals) keep
 * their defaults: the caller runs segmentation next. Expects empty tables.
 */

export interface SeedOptions {
  customers: number;
  seed?: number;
  /** 'YYYY-MM-DD' the generated history leads up to; default today in Asia/Shanghai. */
  referenceDate?: string;
  log?: (msg: string) => void;
  /** Customers per transaction. */
  chunkSize?: number;
  /** Chunks inserted at once on separate connections; keep 1 for a single-connection database. */
  concurrency?: number;
  /** What encrypts customers' and holdings' personal data; default: the data source's (keyringFor). */
  keyring?: Keyring;
}

type PgType = BinaryType | 'numeric' | 'text[]';
type TableSpec = { table: string; columns: ReadonlyArray<readonly [string, PgType]> };

const spec = (table: string, ...columns: Array<readonly [string, PgType]>): TableSpec => ({ table, columns });

const REFERENCE_TABLES = [
  spec('branch', ['id', 'uuid'], ['code', 'text'], ['name', 'text'], ['city', 'text']),
  spec('staff', ['id', 'uuid'], ['employee_no', 'text'], ['name', 'text'], ['branch_id', 'uuid'], ['title', 'text']),
  spec('tag', ['id', 'uuid'], ['code', 'text'], ['name', 'text'], ['category', 'text']),
  spec('product', ['id', 'uuid'], ['code', 'text'], ['name', 'text'], ['type', 'text'], ['risk_level', 'text']),
  spec('fx_rate', ['currency', 'text'], ['rate_date', 'date'], ['cny_per_unit', 'numeric']),
  spec(
    'campaign',
    ['id', 'uuid'],
    ['code', 'text'],
    ['name', 'text'],
    ['objective', 'text'],
    ['status', 'text'],
    ['target_tiers', 'text[]'],
    ['target_lifecycle_stages', 'text[]'],
    ['target_tag_codes', 'text[]'],
    ['target_aum_min', 'numeric'],
    ['target_aum_max', 'numeric'],
    ['channels', 'text[]'],
    ['product_id', 'uuid'],
    ['budget', 'numeric'],
    ['cost', 'numeric'],
    ['starts_on', 'date'],
    ['ends_on', 'date'],
    ['created_by', 'uuid'],
    ['approved_by', 'uuid'],
    ['rejection_reason', 'text'],
    ['version', 'int4'],
    ['created_at', 'timestamptz'],
    ['updated_at', 'timestamptz'],
  ),
];

/** In foreign-key order. */
const CHUNK_TABLES: ReadonlyArray<TableSpec & { table: keyof CustomerChunk }> = [
  spec(
    'customer',
    ['id', 'uuid'],
    ['customer_no', 'text'],
    ['name', 'text'],
    ['gender', 'text'],
    ['birth_date', 'date'],
    ['id_type', 'text'],
    ['id_number', 'text'],
    ['phone', 'text'],
    ['email', 'text'],
    ['address_province', 'text'],
    ['address_city', 'text'],
    ['address_district', 'text'],
    ['address_street', 'text'],
    ['city', 'text'],
    ['branch_id', 'uuid'],
    ['relationship_manager_id', 'uuid'],
    ['kyc_status', 'text'],
    ['onboarded_on', 'date'],
    ['id_number_bidx', 'text'],
    ['pii_digest', 'text'],
  ),
  spec('customer_aum_snapshot', ['customer_id', 'uuid'], ['month', 'date'], ['aum', 'numeric']),
  spec(
    'customer_tag',
    ['customer_id', 'uuid'],
    ['tag_id', 'uuid'],
    ['source', 'text'],
    ['confidence', 'numeric'],
    ['assigned_at', 'timestamptz'],
    ['expires_at', 'timestamptz'],
  ),
  spec(
    'holding',
    ['id', 'uuid'],
    ['customer_id', 'uuid'],
    ['product_id', 'uuid'],
    ['account_no', 'text'],
    ['balance', 'numeric'],
    ['currency', 'text'],
    ['opened_on', 'date'],
    ['maturity_date', 'date'],
    ['status', 'text'],
    ['account_no_bidx', 'text'],
  ),
  spec(
    'risk_assessment',
    ['id', 'uuid'],
    ['customer_id', 'uuid'],
    ['risk_tolerance', 'text'],
    ['assessed_at', 'timestamptz'],
    ['valid_until', 'date'],
    ['credit_grade', 'text'],
    ['aml_rating', 'text'],
  ),
  spec(
    'consent',
    ['id', 'uuid'],
    ['customer_id', 'uuid'],
    ['purpose', 'text'],
    ['channel', 'text'],
    ['granted', 'bool'],
    ['updated_at', 'timestamptz'],
  ),
  spec(
    'campaign_enrollment',
    ['id', 'uuid'],
    ['campaign_id', 'uuid'],
    ['customer_id', 'uuid'],
    ['status', 'text'],
    ['channel', 'text'],
    ['revenue', 'numeric'],
    ['enrolled_at', 'timestamptz'],
    ['contacted_at', 'timestamptz'],
    ['responded_at', 'timestamptz'],
    ['converted_at', 'timestamptz'],
    ['updated_at', 'timestamptz'],
  ),
  spec(
    'interaction',
    ['id', 'uuid'],
    ['customer_id', 'uuid'],
    ['channel', 'text'],
    ['type', 'text'],
    ['occurred_at', 'timestamptz'],
    ['summary', 'text'],
    ['staff_id', 'uuid'],
    ['partner_id', 'text'],
    ['campaign_id', 'uuid'],
    ['outcome', 'text'],
    ['recorded_at', 'timestamptz'],
  ),
] as ReadonlyArray<TableSpec & { table: keyof CustomerChunk }>;

const sqlCache = new Map<string, string>();

/**
 * Array-typed columns travel as array literals inside a text[] and are cast
 * back per row: unnest would flatten a two-dimensional array.
 */
function insertSql(s: TableSpec): string {
  let sql = sqlCache.get(s.table);
  if (!sql) {
    const names = s.columns.map(([name]) => name);
    const params = s.columns.map(([, type], i) => `$${i + 1}::${type === 'text[]' ? 'text' : type}[]`);
    const select = s.columns.map(([name, type]) => (type === 'text[]' ? `${name}::text[]` : name));
    sql = `INSERT INTO ${s.table} (${names.join(', ')}) SELECT ${select.join(', ')} FROM unnest(${params.join(', ')}) AS t(${names.join(', ')})`;
    sqlCache.set(s.table, sql);
  }
  return sql;
}

const getters = new Map<string, (row: object) => unknown>();

/**
 * `row[name]` at one shared call site goes megamorphic across tables and
 * showed up in profiles; a compiled accessor per column stays monomorphic.
 * Names come from the specs above, never from input.
 */
function getter(name: string): (row: object) => unknown {
  let get = getters.get(name);
  if (!get) {
    if (!/^[a-z_]+$/.test(name)) throw new Error(`Bad column name ${name}`);
    get = new Function('row', `return row.${name};`) as (row: object) => unknown;
    getters.set(name, get);
  }
  return get;
}

function quote(text: string): string {
  return `"${text.replace(/["\\]/g, '\\$&')}"`;
}

/**
 * numeric has no simple binary form, and array-valued columns (campaigns
 * only) do not nest in unnest: those travel as text array literals.
 */
function textLiteral(values: ReadonlyArray<unknown>, type: 'numeric' | 'text[]'): string {
  const parts = values.map((value) => {
    if (value === null || value === undefined) return 'NULL';
    return type === 'numeric' ? String(value) : quote(`{${(value as string[]).map(quote).join(',')}}`);
  });
  return `{${parts.join(',')}}`;
}

function columnParam(rows: ReadonlyArray<object>, name: string, type: PgType): Buffer | string {
  const get = getter(name);
  const values = new Array<unknown>(rows.length);
  for (let i = 0; i < rows.length; i++) values[i] = get(rows[i]);
  return type === 'numeric' || type === 'text[]' ? textLiteral(values, type) : encodeArray(type, values);
}

async function insertRows(m: EntityManager, s: TableSpec, rows: ReadonlyArray<object>): Promise<void> {
  if (rows.length === 0) return;
  const params = s.columns.map(([name, type]) => columnParam(rows, name, type));
  try {
    await m.query(insertSql(s), params);
  } catch (error) {
    // The driver's error carries every parameter (megabytes of text): keep the message only.
    const { message, detail } = error as { message?: string; detail?: string };
    throw new Error(`Seeding ${s.table} failed: ${message ?? String(error)}${detail ? ` (${detail})` : ''}`);
  }
}

/**
 * A generated chunk as stored: customers' and holdings' personal data
 * encrypted in Node, with blind indexes and digest, the way the app writes
 * them (a local AES call per value: 100k customers stay seconds).
 */
function sealedChunk(chunk: CustomerChunk, keyring: Keyring): Record<string, ReadonlyArray<object>> {
  const seal = <R extends object>(scope: KeyScope, rows: readonly R[]) =>
    rows.map((row) => {
      const plain = Object.fromEntries(
        ENCRYPTION[scope].columns.map((c) => [c, (row as Record<string, string | null>)[c] ?? null]),
      );
      return { ...row, ...keyring.sealRow(scope, plain) };
    });
  return { ...chunk, customer: seal('customer', chunk.customer), holding: seal('holding', chunk.holding) };
}

function referenceRows(ref: ReferenceData): Record<string, ReadonlyArray<object>> {
  return {
    branch: ref.branches.map((b) => b.row),
    staff: ref.staff,
    tag: ref.tags.map((t) => t.row),
    product: ref.products.map((p) => p.row),
    fx_rate: ref.fxRates,
    campaign: ref.campaigns.map((c) => c.row),
  };
}

export async function seedDatabase(ds: DataSource, options: SeedOptions): Promise<void> {
  const log = options.log ?? (() => undefined);
  const seed = options.seed ?? 42;
  const referenceDate = options.referenceDate ?? businessToday('Asia/Shanghai');
  const chunkSize = options.chunkSize ?? 2000;
  const concurrency = Math.max(1, options.concurrency ?? 1);
  if (!Number.isInteger(options.customers) || options.customers < 0 || options.customers > MAX_CUSTOMERS) {
    throw new Error(`customers must be an integer from 0 to ${MAX_CUSTOMERS}`);
  }
  if (!Number.isInteger(seed)) throw new Error('seed must be an integer');

  const started = Date.now();
  const ref = generateReferenceData(seed, referenceDate);
  const referenceTables = referenceRows(ref);
  const keyring = options.keyring ?? keyringFor(ds);
  // The keys exist before the chunks' transactions: each chunk then only encrypts.
  for (const scope of ['customer', 'holding'] as const) await keyring.ensure(ds, scope);
  await ds.transaction(async (m) => {
    // Synthetic history is no change for downstream systems to follow: no outbox events.
    await suppressEventsInTransaction(m);
    for (const s of REFERENCE_TABLES) await insertRows(m, s, referenceTables[s.table]);
  });
  log(
    `seed ${seed}, reference date ${referenceDate}: ${ref.branches.length} branches, ${ref.staff.length} staff, ` +
      `${ref.tags.length} tags, ${ref.products.length} products, ${ref.fxRates.length} fx rates, ${ref.campaigns.length} campaigns`,
  );

  const totals = new Map<string, number>(CHUNK_TABLES.map((s) => [s.table, 0]));
  const inFlight = new Set<Promise<void>>();
  let failure: unknown = null;
  let done = 0;
  let nextReport = 0.1;
  for (let start = 0; start < options.customers && failure === null; start += chunkSize) {
    // Generating the next chunk overlaps with the database inserting the previous ones.
    const chunk = generateCustomerChunk(ref, start, Math.min(chunkSize, options.customers - start));
    const stored = sealedChunk(chunk, keyring);
    while (inFlight.size >= concurrency) await Promise.race(inFlight);
    if (failure !== null) break;
    const task = ds
      .transaction(async (m) => {
        await suppressEventsInTransaction(m);
        for (const s of CHUNK_TABLES) await insertRows(m, s, stored[s.table]);
      })
      .then(() => {
        for (const s of CHUNK_TABLES) totals.set(s.table, totals.get(s.table)! + chunk[s.table].length);
        done += chunk.customer.length;
        if (done / options.customers >= nextReport || done === options.customers) {
          log(`${done}/${options.customers} customers (${((Date.now() - started) / 1000).toFixed(1)} s)`);
          while (nextReport <= done / options.customers) nextReport += 0.1;
        }
      })
      .catch((error: unknown) => {
        failure ??= error;
      })
      .finally(() => inFlight.delete(task));
    inFlight.add(task);
  }
  await Promise.all(inFlight);
  if (failure !== null) throw failure;
  // Fresh statistics: until autovacuum gets to them the planner sees empty
  // tables, and the segmentation that follows a seed ran 50 times slower.
  await ds.query(`ANALYZE ${[...REFERENCE_TABLES, ...CHUNK_TABLES].map((t) => t.table).join(', ')}`);
  log(
    `inserted in ${((Date.now() - started) / 1000).toFixed(1)} s: ` +
      [...totals].map(([table, n]) => `${table} ${n}`).join(', '),
  );
}
