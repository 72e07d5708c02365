/**
 * Recomputes every customer's AUM, tier, lifecycle stage and churn signals
 * (customer.segmented_at records when). Run it daily: stages and windows move
 * with the calendar even when no data changes.
 *   npm run segment            # DATABASE_URL, or the embedded database when unset
 */
import 'reflect-metadata';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/database';
import { refreshSegments } from '../src/modules/customer/segmentation.service';

async function main() {
  const config = loadConfig();
  const db = await openDatabase(config);
  try {
    const started = Date.now();
    const count = await refreshSegments(db.ds, config);
    console.log(`segmented ${count} customers in ${Date.now() - started} ms`);
  } finally {
    await db.close();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
