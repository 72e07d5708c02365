/**
 * Deletes what has outlived its retention (idempotency records, enrolment
 * skip lists, untouched leads, audit records by whole month partitions)
 * and clears legal holds that ran out
 * (README "Data protection"). `npm run segment` runs it too, after the
 * nightly reconciliation; run it alone to catch up.
 *   npm run retention          # DATABASE_URL, or the embedded database when unset
 */
import 'reflect-metadata';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/database';
import { purgeExpiredRecords } from '../src/modules/retention/record-retention';

export async function runRetention(
  ds: Parameters<typeof purgeExpiredRecords>[0],
  config: ReturnType<typeof loadConfig>,
) {
  // Progress only for a run long enough to want it: every two seconds.
  let lastReport = Date.now();
  const outcome = await purgeExpiredRecords(ds, config, new Date(), (kind, purged) => {
    if (Date.now() - lastReport < 2_000) return;
    lastReport = Date.now();
    console.log(`retention: ${kind}: ${purged} deleted so far`);
  });
  const counts = Object.entries(outcome.purged).map(([kind, n]) => `${kind} ${n}`);
  console.log(`retention: deleted ${counts.join(', ')}; legal holds released ${outcome.holdsReleased}`);
  const { audit } = outcome;
  const dropped = audit.dropped.map((d) => `${d.name} (${d.records} records)`).join(', ') || 'none';
  console.log(`retention: audit records before ${audit.cutoff}: partitions dropped: ${dropped}`);
  for (const kept of audit.kept) console.log(`retention: audit partition ${kept.name} kept: ${kept.reason}`);
  if (audit.linksRemoved > 0)
    console.log(`retention: ${audit.linksRemoved} audit chain links behind the new anchor removed`);
}

if (require.main === module) {
  (async () => {
    const config = loadConfig();
    const db = await openDatabase(config);
    try {
      await runRetention(db.ds, config);
    } finally {
      await db.close();
    }
  })().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
