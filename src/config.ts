import { isIP } from 'node:net';
import { z } from 'zod';
import { Role } from './auth/roles';
import { parseHostList } from './db/host-list';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const money = z.coerce.number().nonnegative();

/** One PostgreSQL URL, or one naming several hosts in libpq's syntax (`host1:5432,host2:5432`). */
function hostsOf(url: string, ctx: z.RefinementCtx) {
  try {
    const list = parseHostList(url);
    new URL(list?.url ?? url);
    return list;
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `is not a PostgreSQL URL: ${(error as Error).message}` });
    return undefined;
  }
}

const primaryUrl = z.string().superRefine((url, ctx) => {
  const target = hostsOf(url, ctx)?.target;
  if (target && target !== 'primary')
    ctx.addIssue({
      code: 'custom',
      message: 'takes the writes: its target_session_attrs must be primary or read-write',
    });
});

/** Comma-separated; a comma inside a URL's host list does not start another URL. */
const replicaUrls = z
  .string()
  .transform((text) =>
    text
      .split(/,\s*(?=postgres(?:ql)?:\/\/)/)
      .map((url) => url.trim())
      .filter(Boolean),
  )
  .superRefine((urls, ctx) => urls.forEach((url) => hostsOf(url, ctx)));

/**
 * Every environment setting the gateway reads, validated once at start.
 * Nothing else in the code reads process.env: a bad setting stops the process
 * with a message naming it, instead of failing later in a request.
 */
/** Base64 of exactly 32 bytes (AES-256). */
const base64Key = z
  .string()
  .regex(/^[A-Za-z0-9+/]{43}=$/, 'must be the base64 of 32 random bytes (openssl rand -base64 32)');

/** The shortest retention of read audits any configuration may set: three years. */
export const AUDIT_RETENTION_MIN_MONTHS = 36;

const schema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  /**
   * Worker processes serving the port together (node:cluster), each a whole gateway: a Node process uses one core
   * for requests. 1: no cluster, the process is the server. Needs DATABASE_URL, and REDIS_URL in production.
   */
  GATEWAY_PROCESSES: z.coerce.number().int().min(1).max(64).default(1),

  /**
   * A PostgreSQL URL; with several hosts (libpq's `host1:port,host2:port`), writes go to whichever is the
   * primary now. Unset: an embedded PostgreSQL (PGlite) is started in-process.
   */
  DATABASE_URL: primaryUrl.optional(),
  /** Where the embedded database keeps its files, or `memory` for a throwaway one. */
  EMBEDDED_DB_DIR: z.string().default('.data/pglite'),
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /**
   * Read-only replicas, comma-separated PostgreSQL URLs; reads that need not see the caller's own writes go there.
   * A URL with several hosts reads from whichever is a standby now (the primary when none is).
   */
  DATABASE_REPLICA_URLS: replicaUrls.optional(),
  /** PostgreSQL cancels a statement running longer than this. */
  DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).default(5000),
  /** How long a request waits for a pooled connection (or a new one) before SERVICE_UNAVAILABLE. */
  DB_ACQUIRE_TIMEOUT_MS: z.coerce.number().int().min(100).default(3000),
  /** A pooled connection idle this long is closed (node-postgres's idleTimeoutMillis); 0 keeps idle connections open. */
  DB_IDLE_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
  /** Hot reads as named prepared statements (parsed and planned once per connection). `false` behind PgBouncer in transaction mode. */
  DB_PREPARED_STATEMENTS: bool.default(true),

  /** Shared state for several instances (rate limits, persisted queries). Unset: kept in process memory. */
  REDIS_URL: z.string().url().optional(),

  /**
   * NATS JetStream, for events out (and the change feed): `nats://[user:password@]host:4222`, or several
   * comma-separated for a cluster. Unset (the embedded default): no broker; the outbox keeps events for
   * OUTBOX_RETENTION_HOURS and relays them once a broker is set.
   */
  NATS_URL: z
    .string()
    .optional()
    .refine((value) => value === undefined || natsUrls(value) !== undefined, {
      message: 'must be nats:// or tls:// URLs, comma-separated',
    }),
  /** First token of every subject, and (upper-cased) of stream names: environments and tests sharing a server stay apart. */
  NATS_SUBJECT_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,40}$/, 'letters, digits, _ and - only')
    .default('c360'),
  /** Relay outbox events to the broker, and prune the outbox, from this process. */
  OUTBOX_RELAY_ENABLED: bool.default(true),
  /** Events not yet published are kept this long (no broker, or one unreachable), then dropped and counted. */
  OUTBOX_RETENTION_HOURS: z.coerce.number().int().min(1).default(72),
  /** Published events stay in the outbox this long (to inspect or replay by hand), then are deleted. */
  OUTBOX_PUBLISHED_RETENTION_HOURS: z.coerce.number().int().min(0).default(24),

  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  /** What executes operations: graphql-jit (compiled once per document) or graphql-js. Both pass the same tests. */
  GRAPHQL_EXECUTOR: z.enum(['jit', 'graphql-js']).default('jit'),
  /**
   * Answer the queries it covers with one statement in which PostgreSQL builds
   * the JSON, the privacy policy compiled in (server/direct-reads.ts). Off: the executor answers every query.
   */
  DIRECT_READS: bool.default(true),
  /** Serve Prometheus metrics at /metrics. */
  METRICS_ENABLED: bool.default(true),
  /** Serve the GraphiQL explorer to a browser opening /graphql. Default: on, except in production. */
  EXPLORER_ENABLED: bool.optional(),
  /** On SIGTERM, how long in-flight requests may take before the process exits anyway. */
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(15_000),
  /** On SIGTERM, how long to keep serving with readiness false, so load balancers stop routing here first. */
  SHUTDOWN_DELAY_MS: z.coerce.number().int().min(0).optional(),
  /** Stop (gracefully) when the process that started this one exits, or on SIGHUP. Default: on outside production, where a supervisor owns the process. */
  STOP_WITH_PARENT: bool.optional(),

  // Abuse limits (PRODUCT.md §4). Rejections are QUERY_TOO_COMPLEX or BAD_REQUEST before any resolver runs.
  MAX_QUERY_DEPTH: z.coerce.number().int().min(1).default(12),
  /** Estimated fields returned; a list field multiplies its subtree by its `first` (or its default page). */
  MAX_QUERY_COST: z.coerce.number().int().min(1).default(50_000),
  MAX_ALIASES: z.coerce.number().int().min(0).default(15),
  MAX_DIRECTIVES: z.coerce.number().int().min(0).default(10),
  MAX_TOKENS: z.coerce.number().int().min(10).default(2_000),
  /** Operations in one batched HTTP request; 1 turns batching off. */
  MAX_BATCH_OPERATIONS: z.coerce.number().int().min(1).max(50).default(1),
  MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(100_000),

  /** Requests per principal per window; partners have their own, lower budget. */
  RATE_LIMIT_STAFF: z.coerce.number().int().min(1).default(600),
  RATE_LIMIT_PARTNER: z.coerce.number().int().min(1).default(120),
  RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).default(60),
  /** Requests with a bad or missing token per client address per window, before the address is refused outright. */
  RATE_LIMIT_FAILED_AUTH: z.coerce.number().int().min(1).default(30),
  /** Express's `trust proxy`: how to read the client address behind load balancers (e.g. `1`, `loopback`, `10.0.0.0/8`). */
  TRUST_PROXY: z.string().optional(),

  // OpenTelemetry traces: off unless an OTLP endpoint (or OTEL_TRACES_EXPORTER=otlp) is set. The SDK itself
  // reads the other standard variables (OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_HEADERS, OTEL_TRACES_SAMPLER...).
  OTEL_SDK_DISABLED: bool.optional(),
  OTEL_TRACES_EXPORTER: z.enum(['otlp', 'none']).optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.string().url().optional(),
  /**
   * Addresses or subnets (comma-separated, e.g. `10.0.0.5,10.1.0.0/16`) whose incoming `traceparent` is
   * honoured. Anyone else's is ignored and the request starts a new trace. Default: none.
   */
  OTEL_TRUSTED_PROXIES: z
    .string()
    .optional()
    .transform((value, ctx) => {
      const entries = (value ?? '')
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean);
      for (const entry of entries) {
        if (!isAddressOrSubnet(entry)) ctx.addIssue({ code: 'custom', message: `not an address or subnet: ${entry}` });
      }
      return entries;
    }),

  /** `partner`: PARTNER tokens may run only the operations in persisted-queries/partner.json. Default: on in production. */
  OPERATION_SAFELIST: z.enum(['partner', 'off']).optional(),

  /** Load the demo data set when the database has no customers. Never in production. */
  DEMO_DATA: bool.optional(),
  DEMO_CUSTOMERS: z.coerce.number().int().min(1).max(100_000).default(3000),

  // Segmentation thresholds (PRODUCT.md §1), in CNY and days.
  TIER_PRIVATE_BANKING_MIN_AUM: money.default(6_000_000),
  TIER_WEALTH_MIN_AUM: money.default(500_000),
  TIER_POTENTIAL_MAX_AUM: money.default(50_000),
  TIER_POTENTIAL_MAX_AGE: z.coerce.number().int().positive().default(35),
  LIFECYCLE_ACTIVE_DAYS: z.coerce.number().int().positive().default(30),
  LIFECYCLE_DORMANT_DAYS: z.coerce.number().int().positive().default(180),
  LIFECYCLE_NEW_CUSTOMER_DAYS: z.coerce.number().int().positive().default(90),
  CHURN_WINDOW_DAYS: z.coerce.number().int().positive().default(90),
  CHURN_AUM_DROP_RATIO: z.coerce.number().gt(0).lt(1).default(0.3),
  CHURN_LOGIN_DECLINE_RATIO: z.coerce.number().gt(0).lt(1).default(0.3),
  /** The catalogue tag that marks a vulnerable customer: `riskWarnings` shows VULNERABLE_CUSTOMER for it. */
  VULNERABLE_CUSTOMER_TAG: z.string().min(1).max(64).default('VULNERABLE_CUSTOMER'),

  // Contact frequency caps (issue 19): allowed campaign contacts per customer, across all channels, per
  // calendar day and calendar month in BUSINESS_TIME_ZONE; the monthly cap depends on the customer's tier.
  CONTACT_CAP_DAILY: z.coerce.number().int().min(0).default(1),
  CONTACT_CAP_MONTHLY_PRIVATE_BANKING: z.coerce.number().int().min(0).default(6),
  CONTACT_CAP_MONTHLY_WEALTH: z.coerce.number().int().min(0).default(4),
  CONTACT_CAP_MONTHLY_MASS: z.coerce.number().int().min(0).default(2),
  CONTACT_CAP_MONTHLY_POTENTIAL: z.coerce.number().int().min(0).default(2),

  /**
   * Claims campaign content may not make (comma-separated; an ASCII or a full-width comma). submitCampaign
   * compares them after NFKC, in simplified and traditional characters, ignoring spaces and punctuation.
   */
  CAMPAIGN_FORBIDDEN_CLAIMS: z
    .string()
    .default('保本,稳赚,零风险,高收益无风险')
    .transform((value, ctx) => {
      const phrases = value
        .split(/[,，]/)
        .map((phrase) => phrase.trim())
        .filter(Boolean);
      for (const phrase of phrases) {
        if (!/[\p{L}\p{N}]/u.test(phrase.normalize('NFKC')) || phrase.length > 100) {
          ctx.addIssue({ code: 'custom', message: `not a claim (letters or digits, at most 100): ${phrase}` });
        }
      }
      return phrases;
    }),

  /** A retention task opened by a churn episode is due this many calendar days after the business date it opened. */
  RETENTION_TASK_DUE_DAYS: z.coerce.number().int().min(1).max(365).default(7),

  // Leads (issue 19, item 3).
  /**
   * The code of the branch (branch.code, stable across environments unlike its id) that receives a prospect's lead
   * when no relationship manager works in the prospect's city, or no city was given. Unset: such a lead stays
   * unrouted, seen by auditors only.
   */
  LEAD_FALLBACK_BRANCH: z.string().trim().min(1).max(32).optional(),
  /** A HIGH-intent lead not contacted within this many hours of its registration shows `overdue: true`. */
  LEAD_HIGH_INTENT_CONTACT_HOURS: z.coerce.number().int().min(1).max(720).default(24),
  /** A lead untouched (no status change) for this many days is deleted by the nightly run. */
  LEAD_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(365),
  /**
   * How long an erased customer's identity and transaction records are held (the AML law keeps them at least five
   * years after the relationship ends); the nightly run clears a hold once it runs out.
   */
  /** Who an enrolment run skipped and why is deleted this many days after the run (npm run retention). */
  ENROLLMENT_SKIP_RETENTION_DAYS: z.coerce.number().int().min(30).max(3650).default(180),
  ERASURE_LEGAL_HOLD_YEARS: z.coerce.number().int().min(5).max(30).default(5),

  /** Recompute queued customers' segments in this process (the server, or an ingest process), off the request path. */
  SEGMENT_REFRESH_ENABLED: bool.default(true),
  /** How often the refresh worker looks at the queue when it is empty; a change shows within about this plus one batch. */
  SEGMENT_REFRESH_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(500),
  /** Customers claimed and refreshed per transaction. */
  SEGMENT_REFRESH_BATCH: z.coerce.number().int().min(1).max(10_000).default(500),

  /** Run enrolment runs (enrollCustomers) in this process. Any number of processes may: each run is leased by one at a time. */
  ENROLLMENT_JOB_ENABLED: bool.default(true),
  /** How often an idle runner looks for a run to claim; a new run starts within about this. */
  ENROLLMENT_JOB_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(500),
  /**
   * Connections one run screens on side by side (a pool of its own; the embedded database uses one). A range
   * keeps a database core busy: about the cores the database can spare. More than it has is slower (on 2 cores,
   * 4 took 8.0–8.4 s over 1,000,000 customers where 2 took 6.5–7.0; bench/results/enrollment-run.md).
   */
  ENROLLMENT_JOB_CONNECTIONS: z.coerce.number().int().min(1).max(32).default(2),
  /** Customers per range: one transaction and one screening statement each. */
  ENROLLMENT_JOB_CHUNK_SIZE: z.coerce.number().int().min(1).max(1_000_000).default(25_000),
  /** Statement timeout of a range's statements (the request pool's DB_STATEMENT_TIMEOUT_MS does not apply). */
  ENROLLMENT_JOB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).default(120_000),
  /** A run whose runner has not extended its lease for this long is taken over by another process. */
  ENROLLMENT_JOB_LEASE_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  /** Claims of one run (the first and each takeover) before it is failed as ABANDONED. */
  ENROLLMENT_JOB_MAX_CLAIMS: z.coerce.number().int().min(1).max(100).default(5),

  /** Take change events from NATS (`<prefix>.in.<kind>`) in this process too; `npm run ingest` runs a consumer alone. Needs NATS_URL. */
  INGEST_ENABLED: bool.default(false),
  /** Change events applied per transaction. */
  INGEST_BATCH_SIZE: z.coerce.number().int().min(1).max(5_000).default(200),
  /** How long the broker waits for a batch's acknowledgement before redelivering its events (to another consumer). */
  INGEST_ACK_WAIT_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(30_000),
  /** The inbox remembers events this long: a redelivery within it is recognised and applied once. */
  INGEST_INBOX_RETENTION_HOURS: z.coerce.number().int().min(1).default(168),
  /** A batch's statements run under this limit on the feed's own connections, not under the request pool's. */
  INGEST_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(1_000).default(20_000),
  /** Where `npm run ingest` serves /metrics (the server serves them on its own port). */
  INGEST_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9465),

  // Audited reveal (issue 20, item 1): full values asked for one at a time, per caller per calendar day in
  // BUSINESS_TIME_ZONE. A caller's quota is the largest among those of their roles that let the reveal.
  /** Reveals per caller per day, for every role that REVEAL_DAILY_QUOTA_BY_ROLE does not name. */
  REVEAL_DAILY_QUOTA: z.coerce.number().int().min(0).max(10_000).default(20),
  /** Per-role quotas, `ROLE=n` comma-separated (e.g. `RISK_OFFICER=50,CALL_CENTER_AGENT=30`). */
  REVEAL_DAILY_QUOTA_BY_ROLE: z
    .string()
    .optional()
    .transform((value, ctx) => {
      const quotas: Partial<Record<Role, number>> = {};
      for (const entry of (value ?? '')
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean)) {
        const match = /^([A-Z_]+)=(\d{1,5})$/.exec(entry);
        const role = match?.[1] as Role | undefined;
        if (!match || !role || !Object.values(Role).includes(role) || role === Role.PARTNER) {
          ctx.addIssue({ code: 'custom', message: `not ROLE=n with a staff role and 0 to 10000: ${entry}` });
        } else if (Number(match[2]) > 10_000) {
          ctx.addIssue({ code: 'custom', message: `at most 10000 reveals a day: ${entry}` });
        } else {
          quotas[role] = Number(match[2]);
        }
      }
      return quotas;
    }),
  /** /metrics shows today's reveal count of this many callers, those with the most reveals (bounded label cardinality). */
  REVEAL_METRIC_TOP_CALLERS: z.coerce.number().int().min(0).max(200).default(20),

  /** IANA zone for business dates: ages, day windows, "yesterday". */
  BUSINESS_TIME_ZONE: z.string().default('Asia/Shanghai'),

  /** HS256 secret for bearer tokens. Required (32+ characters) in production. */
  JWT_SECRET: z.string().optional(),
  /** RS256 instead: the identity provider's JWKS URL. */
  JWT_JWKS_URL: z.string().url().optional(),
  JWT_ISSUER: z.string().optional(),
  JWT_AUDIENCE: z.string().optional(),

  /**
   * Shadow mode: a candidate privacy policy (a JSON file, `npm run policy:export`'s format) evaluated beside the
   * live one on every request; the differences are counted for auditors (policyShadowReport) and on /metrics.
   */
  PRIVACY_SHADOW_POLICY: z.string().min(1).optional(),

  /** HMAC-SHA256 key for what an audit record may hold only as a keyed hash (a search text). Required (32+ characters) in production. */
  AUDIT_HASH_KEY: z.string().optional(),

  /**
   * The master key that wraps the data keys of encrypted personal data: base64 of 32 random bytes, with its id.
   * Required in production; elsewhere, unset means a local key file (MASTER_KEY_FILE), generated on first use.
   */
  MASTER_KEY: base64Key.optional(),
  MASTER_KEY_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/)
    .default('master-1'),
  /** Retired master keys still needed to unwrap data keys until `npm run keys:rotate -- --master`: `id=base64,...`. */
  MASTER_KEYS_RETIRED: z
    .string()
    .optional()
    .transform((v) => (v ? v.split(',').map((pair) => pair.trim()) : []))
    .pipe(z.array(z.string().regex(/^[A-Za-z0-9._-]{1,64}=[A-Za-z0-9+/]{43}=$/, 'must be id=base64 of 32 bytes'))),
  MASTER_KEY_FILE: z.string().default('.data/master-key.json'),

  /**
   * Small-cohort suppression (issue 20): an aggregate over fewer customers than this (a count, a sum, a rate) is
   * withheld from pseudonymised roles (policy.ts AGGREGATES), and so is a customer list whose filter matches fewer.
   */
  K_ANONYMITY_MIN: z.coerce.number().int().min(1).max(1_000_000).default(10),
  // The tamper-evident audit (issue 20, part 5; README "Tamper-evident audit").
  /** Chain committed audit records (audit_chain) and write signed digests from this process. Any number may: one seals at a time. */
  AUDIT_SEALER_ENABLED: bool.default(true),
  /** How often an idle sealer looks for committed records to chain; a full batch is followed at once by the next. */
  AUDIT_SEAL_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(1_000),
  /** Records chained per transaction. */
  AUDIT_SEAL_BATCH: z.coerce.number().int().min(1).max(100_000).default(2_000),
  /** Where signed digests of the chain head are written, one append-only file each; ship it off the database host. */
  AUDIT_DIGEST_DIR: z.string().min(1).default('.data/audit-digests'),
  /** How often a digest is written (when the chain has grown since the last one). */
  AUDIT_DIGEST_INTERVAL_MS: z.coerce.number().int().min(100).max(86_400_000).default(60_000),
  /**
   * An Ed25519 private key (PKCS#8 PEM file) that signs the digests. Required in production; elsewhere a key is
   * generated at .data/audit-signing-key.pem on first use.
   */
  AUDIT_SIGNING_KEY_FILE: z.string().min(1).optional(),
  /** The Ed25519 public key (PEM file) that `npm run audit:verify` checks digests with. Default: derived from the signing key. */
  AUDIT_VERIFY_KEY_FILE: z.string().min(1).optional(),
  /**
   * Read audits are kept this many months after they were sealed, then `npm run retention` drops them by whole monthly
   * partitions. Never less than three years: the bank's rules keep access records that long.
   */
  AUDIT_RETENTION_MONTHS: z.coerce
    .number()
    .int()
    .min(AUDIT_RETENTION_MIN_MONTHS, {
      message: `must be at least ${AUDIT_RETENTION_MIN_MONTHS} (3 years): read audits are kept at least 3 years`,
    })
    .max(1_200)
    .default(AUDIT_RETENTION_MIN_MONTHS),
});

/** Lets `npm start` and `npm run token` work out of the box; refused in production. */
export const DEVELOPMENT_JWT_SECRET = 'customer360-local-development-secret-not-for-production';
/** The development key is public, so its hashes are not secret: refused in production like the JWT secret. */
export const DEVELOPMENT_AUDIT_HASH_KEY = 'customer360-local-development-audit-hash-key-not-for-production';
/** Generated on first use when AUDIT_SIGNING_KEY_FILE is unset; refused in production. */
export const DEVELOPMENT_AUDIT_SIGNING_KEY_FILE = '.data/audit-signing-key.pem';
const MIN_SECRET_LENGTH = 32;

const validated = schema.superRefine((env, ctx) => {
  if (env.GATEWAY_PROCESSES > 1 && !env.DATABASE_URL) {
    ctx.addIssue({
      code: 'custom',
      path: ['GATEWAY_PROCESSES'],
      message: 'must be 1 with the embedded database (no DATABASE_URL): only one process can open it',
    });
  }
  if (env.GATEWAY_PROCESSES > 1 && env.NODE_ENV === 'production' && !env.REDIS_URL) {
    // Each worker would keep its own counts: a caller would get GATEWAY_PROCESSES times the configured budget.
    ctx.addIssue({
      code: 'custom',
      path: ['GATEWAY_PROCESSES'],
      message:
        'above 1 needs REDIS_URL in production: rate limits and persisted queries would otherwise be kept per process',
    });
  }
  if (env.INGEST_ENABLED && !env.NATS_URL) {
    ctx.addIssue({
      code: 'custom',
      path: ['INGEST_ENABLED'],
      message: 'needs NATS_URL: the change feed is read from NATS',
    });
  }
  if (env.INGEST_STATEMENT_TIMEOUT_MS >= env.INGEST_ACK_WAIT_MS) {
    // A batch still running when the broker gives up on its acknowledgement is sent again meanwhile.
    ctx.addIssue({
      code: 'custom',
      path: ['INGEST_STATEMENT_TIMEOUT_MS'],
      message: 'must be shorter than INGEST_ACK_WAIT_MS: a batch still running would be redelivered meanwhile',
    });
  }
  if (env.NODE_ENV === 'production' && !env.JWT_JWKS_URL && (env.JWT_SECRET?.length ?? 0) < MIN_SECRET_LENGTH) {
    ctx.addIssue({
      code: 'custom',
      path: ['JWT_SECRET'],
      message: `must be set to at least ${MIN_SECRET_LENGTH} characters in production (or set JWT_JWKS_URL)`,
    });
  }
  if (env.NODE_ENV === 'production' && !env.MASTER_KEY) {
    ctx.addIssue({
      code: 'custom',
      path: ['MASTER_KEY'],
      message: 'must be set in production: personal data is stored encrypted under data keys it wraps',
    });
  }
  if (env.NODE_ENV === 'production' && (env.AUDIT_HASH_KEY?.length ?? 0) < MIN_SECRET_LENGTH) {
    ctx.addIssue({
      code: 'custom',
      path: ['AUDIT_HASH_KEY'],
      message: `must be set to at least ${MIN_SECRET_LENGTH} characters in production`,
    });
  }
  if (env.NODE_ENV === 'production' && !env.AUDIT_SIGNING_KEY_FILE) {
    // A key generated on the server's own disk would sit beside the database it is meant to vouch for.
    ctx.addIssue({
      code: 'custom',
      path: ['AUDIT_SIGNING_KEY_FILE'],
      message: 'must name an Ed25519 private key (PEM) in production',
    });
  }
});

export type Config = ReturnType<typeof toConfig>;

function toConfig(env: z.infer<typeof schema>) {
  const production = env.NODE_ENV === 'production';
  return {
    env: env.NODE_ENV,
    production,
    http: { host: env.HOST, port: env.PORT },
    processes: env.GATEWAY_PROCESSES,
    db: {
      url: env.DATABASE_URL,
      embeddedDir: env.EMBEDDED_DB_DIR === 'memory' ? undefined : env.EMBEDDED_DB_DIR,
      poolSize: env.DB_POOL_SIZE,
      replicaUrls: env.DATABASE_REPLICA_URLS ?? [],
      statementTimeoutMs: env.DB_STATEMENT_TIMEOUT_MS,
      acquireTimeoutMs: env.DB_ACQUIRE_TIMEOUT_MS,
      idleTimeoutMs: env.DB_IDLE_TIMEOUT_MS,
      preparedStatements: env.DB_PREPARED_STATEMENTS,
    },
    redisUrl: env.REDIS_URL,
    broker: { url: env.NATS_URL, subjectPrefix: env.NATS_SUBJECT_PREFIX },
    outbox: {
      relayEnabled: env.OUTBOX_RELAY_ENABLED,
      retentionHours: env.OUTBOX_RETENTION_HOURS,
      publishedRetentionHours: env.OUTBOX_PUBLISHED_RETENTION_HOURS,
    },
    trustProxy: trustProxyOf(env.TRUST_PROXY),
    logLevel: env.LOG_LEVEL ?? (env.NODE_ENV === 'test' ? 'silent' : 'info'),
    metricsEnabled: env.METRICS_ENABLED,
    tracing: {
      enabled:
        !env.OTEL_SDK_DISABLED &&
        env.OTEL_TRACES_EXPORTER !== 'none' &&
        Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_TRACES_EXPORTER),
      trustedProxies: env.OTEL_TRUSTED_PROXIES,
    },
    explorerEnabled: env.EXPLORER_ENABLED ?? !production,
    executor: env.GRAPHQL_EXECUTOR,
    directReads: env.DIRECT_READS,
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    shutdownDelayMs: env.SHUTDOWN_DELAY_MS ?? (production ? 5_000 : 0),
    stopWithParent: env.STOP_WITH_PARENT ?? !production,
    limits: {
      depth: env.MAX_QUERY_DEPTH,
      cost: env.MAX_QUERY_COST,
      aliases: env.MAX_ALIASES,
      directives: env.MAX_DIRECTIVES,
      tokens: env.MAX_TOKENS,
      batchOperations: env.MAX_BATCH_OPERATIONS,
      bodyBytes: env.MAX_BODY_BYTES,
    },
    rateLimit: {
      staff: env.RATE_LIMIT_STAFF,
      partner: env.RATE_LIMIT_PARTNER,
      windowSeconds: env.RATE_LIMIT_WINDOW_SECONDS,
      failedAuthentication: env.RATE_LIMIT_FAILED_AUTH,
    },
    partnerSafelist: (env.OPERATION_SAFELIST ?? (production ? 'partner' : 'off')) === 'partner',
    demo: {
      enabled: production ? false : (env.DEMO_DATA ?? true),
      customers: env.DEMO_CUSTOMERS,
    },
    segmentation: {
      privateBankingMinAum: env.TIER_PRIVATE_BANKING_MIN_AUM,
      wealthMinAum: env.TIER_WEALTH_MIN_AUM,
      potentialMaxAum: env.TIER_POTENTIAL_MAX_AUM,
      potentialMaxAge: env.TIER_POTENTIAL_MAX_AGE,
      activeDays: env.LIFECYCLE_ACTIVE_DAYS,
      dormantDays: env.LIFECYCLE_DORMANT_DAYS,
      newCustomerDays: env.LIFECYCLE_NEW_CUSTOMER_DAYS,
      churnWindowDays: env.CHURN_WINDOW_DAYS,
      churnAumDropRatio: env.CHURN_AUM_DROP_RATIO,
      churnLoginDeclineRatio: env.CHURN_LOGIN_DECLINE_RATIO,
    },
    riskWarnings: {
      vulnerableTagCode: env.VULNERABLE_CUSTOMER_TAG,
    },
    campaignContent: {
      forbiddenClaims: env.CAMPAIGN_FORBIDDEN_CLAIMS,
    },
    retention: {
      taskDueDays: env.RETENTION_TASK_DUE_DAYS,
    },
    erasure: {
      legalHoldYears: env.ERASURE_LEGAL_HOLD_YEARS,
    },
    retentionDays: {
      enrollmentSkips: env.ENROLLMENT_SKIP_RETENTION_DAYS,
    },
    leads: {
      fallbackBranchCode: env.LEAD_FALLBACK_BRANCH ?? null,
      highIntentContactHours: env.LEAD_HIGH_INTENT_CONTACT_HOURS,
      retentionDays: env.LEAD_RETENTION_DAYS,
    },
    segmentRefresh: {
      enabled: env.SEGMENT_REFRESH_ENABLED,
      pollMs: env.SEGMENT_REFRESH_POLL_MS,
      batchSize: env.SEGMENT_REFRESH_BATCH,
    },
    enrollmentJob: {
      enabled: env.ENROLLMENT_JOB_ENABLED,
      pollMs: env.ENROLLMENT_JOB_POLL_MS,
      connections: env.ENROLLMENT_JOB_CONNECTIONS,
      chunkSize: env.ENROLLMENT_JOB_CHUNK_SIZE,
      statementTimeoutMs: env.ENROLLMENT_JOB_STATEMENT_TIMEOUT_MS,
      leaseMs: env.ENROLLMENT_JOB_LEASE_MS,
      maxClaims: env.ENROLLMENT_JOB_MAX_CLAIMS,
    },
    ingest: {
      enabled: env.INGEST_ENABLED,
      batchSize: env.INGEST_BATCH_SIZE,
      ackWaitMs: env.INGEST_ACK_WAIT_MS,
      inboxRetentionHours: env.INGEST_INBOX_RETENTION_HOURS,
      statementTimeoutMs: env.INGEST_STATEMENT_TIMEOUT_MS,
      metricsPort: env.INGEST_METRICS_PORT,
    },
    businessTimeZone: env.BUSINESS_TIME_ZONE,
    contactCaps: {
      daily: env.CONTACT_CAP_DAILY,
      monthly: {
        PRIVATE_BANKING: env.CONTACT_CAP_MONTHLY_PRIVATE_BANKING,
        WEALTH: env.CONTACT_CAP_MONTHLY_WEALTH,
        MASS: env.CONTACT_CAP_MONTHLY_MASS,
        POTENTIAL: env.CONTACT_CAP_MONTHLY_POTENTIAL,
      },
      timeZone: env.BUSINESS_TIME_ZONE,
    },
    reveal: {
      dailyQuota: Object.fromEntries(
        Object.values(Role)
          .filter((role) => role !== Role.PARTNER)
          .map((role) => [role, env.REVEAL_DAILY_QUOTA_BY_ROLE[role] ?? env.REVEAL_DAILY_QUOTA]),
      ) as Record<Exclude<Role, Role.PARTNER>, number>,
      metricTopCallers: env.REVEAL_METRIC_TOP_CALLERS,
      timeZone: env.BUSINESS_TIME_ZONE,
    },
    auth: {
      secret: env.JWT_SECRET ?? (production ? undefined : DEVELOPMENT_JWT_SECRET),
      jwksUrl: env.JWT_JWKS_URL,
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
    },
    privacy: {
      shadowPolicyFile: env.PRIVACY_SHADOW_POLICY,
      kAnonymityMin: env.K_ANONYMITY_MIN,
    },
    encryption: {
      // Production never gets here without a master key (see `validated`).
      masterKey: env.MASTER_KEY ? { id: env.MASTER_KEY_ID, key: env.MASTER_KEY } : undefined,
      retiredKeys: env.MASTER_KEYS_RETIRED.map((pair) => {
        const at = pair.indexOf('=');
        return { id: pair.slice(0, at), key: pair.slice(at + 1) };
      }),
      keyFile: env.MASTER_KEY_FILE,
    },
    audit: {
      // Production never gets here without its own key (see `validated`).
      hashKey: env.AUDIT_HASH_KEY ?? DEVELOPMENT_AUDIT_HASH_KEY,
      sealer: {
        enabled: env.AUDIT_SEALER_ENABLED,
        pollMs: env.AUDIT_SEAL_POLL_MS,
        batchSize: env.AUDIT_SEAL_BATCH,
        digestDir: env.AUDIT_DIGEST_DIR,
        digestIntervalMs: env.AUDIT_DIGEST_INTERVAL_MS,
        // Production never gets here without its own key (see `validated`).
        signingKeyFile: env.AUDIT_SIGNING_KEY_FILE ?? DEVELOPMENT_AUDIT_SIGNING_KEY_FILE,
        generateSigningKey: env.AUDIT_SIGNING_KEY_FILE === undefined,
        verifyKeyFile: env.AUDIT_VERIFY_KEY_FILE,
      },
      retentionMonths: env.AUDIT_RETENTION_MONTHS,
    },
  };
}

/** Express accepts a hop count, true/false, or addresses and subnets. */
function trustProxyOf(value: string | undefined): boolean | number | string {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  return /^\d+$/.test(value) ? Number(value) : value;
}

/** The server URLs of a NATS_URL, or undefined when one is not a nats:// or tls:// URL. */
export function natsUrls(value: string): URL[] | undefined {
  const urls: URL[] = [];
  for (const entry of value.split(',').map((part) => part.trim())) {
    if (!URL.canParse(entry)) return undefined;
    const url = new URL(entry);
    if (!['nats:', 'tls:'].includes(url.protocol) || !url.hostname) return undefined;
    urls.push(url);
  }
  return urls;
}

function isAddressOrSubnet(entry: string): boolean {
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (!family || rest.length) return false;
  if (prefix === undefined) return true;
  return /^\d+$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

export type SegmentationThresholds = Config['segmentation'];
export type TracingSettings = Config['tracing'];
export type QueryLimits = Config['limits'];
export type RateLimitSettings = Config['rateLimit'];
export type OutboxSettings = Config['outbox'];
export type SegmentRefreshSettings = Config['segmentRefresh'];
export type ContactCapSettings = Config['contactCaps'];
export type RevealSettings = Config['reveal'];
export type AuditSealerSettings = Config['audit']['sealer'];

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = validated.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`Invalid configuration:\n${problems}`);
  }
  return toConfig(parsed.data);
}
