/**
 * The nightly reconciliation: derives every customer's monthly AUM snapshots
 * from daily balances, recomputes every customer's AUM, tier, lifecycle stage,
 * churn signals and rule tags, and reports how many it had to correct. Run it
 * daily: stages and windows move with the calendar even when no data changes,
 * and it repairs whatever the refresh queue missed. Then it runs the retention
 * purge (scripts/retention.ts).
 *   npm run segment            # DATABASE_URL, or the embedded database when unset
 */
import 'reflect-metadata';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/database';
import { reconcileSegments } from '../src/modules/customer/segment-refresh-nightly';
import { runRetention } from './retention';

async function main() {
  const config = loadConfig();
  const db = await openDatabase(config);
  try {
    const started = Date.now();
    const outcome = await reconcileSegments(db.ds, config);
    console.log(
      `segmented ${outcome.customers} customers in ${Date.now() - started} ms; corrected ${outcome.corrected}` +
        ` (rule tags changed for ${outcome.tagsCorrected}; AUM snapshots written ${outcome.snapshotsWritten};` +
        ` churn episodes started ${outcome.episodesStarted}, ended ${outcome.episodesEnded})`,
    );
    await runRetention(db.ds, config);
  } finally {
    await db.close();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
