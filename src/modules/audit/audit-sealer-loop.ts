import type { KeyObject } from 'node:crypto';
import { Counter, Gauge, Registry } from 'prom-client';
import type { AuditSealerSettings } from '../../config';
import { PollLoop } from '../../common/poll-loop';
import type { BackgroundPool } from '../../db/database';
import { databaseFailureDetails } from '../../db/sql-state';
import { loadSigningKey, writeDigest } from './audit-digest';
import { createAuditPartitions } from './audit-partitions';
import { sealAuditRecords, unsealedState } from './audit-sealer';

/** Partitions exist this many months ahead of the current one. */
const PARTITION_MONTHS_AHEAD = 3;
/** How often the sealer makes sure they do. */
const PARTITION_CHECK_MS = 3_600_000;

export interface AuditSealerLog {
  info(details: Record<string, unknown>, message: string): void;
  error(details: Record<string, unknown>, message: string): void;
}

/**
 * Seals committed audit records in the background (every pollMs, at once
 * again after a full batch) and writes a signed digest every digest
 * interval, and keeps audit_record's month partitions made ahead. Request handlers never wait for it: a record is written as
 * before and chained a moment later. A failed round is logged and counted,
 * and the next one picks up from the chain head.
 */
export class AuditSealer {
  private readonly loop: PollLoop;
  private readonly sealed?: Counter;
  private readonly failures?: Counter;
  private readonly digests?: Counter;
  private nextDigestAt = Date.now();
  private nextPartitionsAt = Date.now();
  private key?: KeyObject;

  constructor(
    private readonly pool: BackgroundPool,
    private readonly settings: AuditSealerSettings,
    private readonly log: AuditSealerLog,
    registry?: Registry,
  ) {
    this.loop = new PollLoop(() => this.tick(), settings.pollMs);
    if (!registry) return;
    this.sealed = new Counter({
      name: 'audit_sealed_records_total',
      help: 'Audit records appended to the tamper-evident chain.',
      registers: [registry],
    });
    this.failures = new Counter({
      name: 'audit_seal_failures_total',
      help: 'Sealing rounds or digest writes that failed; the next round retries from the chain head.',
      registers: [registry],
    });
    this.digests = new Counter({
      name: 'audit_digests_written_total',
      help: 'Signed digests of the chain head written to AUDIT_DIGEST_DIR.',
      registers: [registry],
    });
    const state = sharedReading(async () => (pool.ds.isInitialized ? unsealedState(pool.ds) : undefined));
    new Gauge({
      name: 'audit_unsealed_records',
      aggregator: 'max',
      help: 'Audit records past the chain head (committed or still in their transaction).',
      registers: [registry],
      async collect() {
        const s = await state();
        if (s) this.set(s.waiting);
      },
    });
    new Gauge({
      name: 'audit_unsealed_oldest_age_seconds',
      aggregator: 'max',
      help: 'Age of the oldest audit record past the chain head (0 when none).',
      registers: [registry],
      async collect() {
        const s = await state();
        if (s) this.set(s.oldestAgeSeconds);
      },
    });
  }

  start(): void {
    this.loop.start();
  }

  /** Stops, waits for the round in flight to commit or roll back, and closes the pool if it is its own. */
  async stop(): Promise<void> {
    await this.loop.stop();
    await this.pool.close();
  }

  private async tick(): Promise<boolean> {
    let sealed = 0;
    try {
      await this.pool.open();
      sealed = await sealAuditRecords(this.pool.ds, this.settings.batchSize);
      this.sealed?.inc(sealed);
    } catch (error) {
      this.failures?.inc();
      this.log.error(databaseFailureDetails(error), 'audit sealing failed; the next round retries');
    }
    if (Date.now() >= this.nextDigestAt) {
      this.nextDigestAt = Date.now() + this.settings.digestIntervalMs;
      try {
        this.key ??= await loadSigningKey(this.settings);
        const digest = await writeDigest(this.pool.ds, this.settings.digestDir, this.key);
        if (digest) {
          this.digests?.inc();
          this.log.info({ sequence: digest.sequence, headSeq: digest.headSeq }, 'audit digest written');
        }
      } catch (error) {
        this.failures?.inc();
        this.log.error(
          { ...databaseFailureDetails(error), code: (error as NodeJS.ErrnoException).code },
          'audit digest could not be written; retried next interval',
        );
      }
    }
    if (Date.now() >= this.nextPartitionsAt) {
      this.nextPartitionsAt = Date.now() + PARTITION_CHECK_MS;
      await this.createPartitions();
    }
    return sealed === this.settings.batchSize;
  }

  /** Next months' partitions of audit_record, made well before a record needs one. */
  private async createPartitions(): Promise<void> {
    try {
      const { created, failed } = await createAuditPartitions(this.pool.ds, new Date(), PARTITION_MONTHS_AHEAD);
      if (created.length > 0) this.log.info({ created }, 'audit_record partitions created');
      for (const { name, error } of failed) {
        this.failures?.inc();
        this.log.error(
          { ...databaseFailureDetails(error), partition: name },
          'audit_record partition could not be created (its month may have rows in audit_record_default)',
        );
      }
    } catch (error) {
      this.failures?.inc();
      this.log.error(databaseFailureDetails(error), 'audit_record partitions could not be checked');
    }
  }
}

/** Both gauges collect at once during a scrape: they share the query in flight, and a failed one leaves them as they were. */
function sharedReading<T>(read: () => Promise<T>): () => Promise<T | undefined> {
  let reading: Promise<T | undefined> | undefined;
  return () =>
    (reading ??= read()
      .catch(() => undefined)
      .finally(() => {
        reading = undefined;
      }));
}
