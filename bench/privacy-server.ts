/**
 * The gateway for the privacy-cost measurement. BENCH_PRIVACY=off removes the
 * per-object policy pass, relation denials and the read audit, to show what
 * they cost; it exists only in this benchmark harness, never in src/.
 */
import 'reflect-metadata';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/database';
import { AccessPlan } from '../src/privacy/access-plan';
import { RequestPrivacy } from '../src/privacy/request-privacy';
import { startApp } from '../src/server/app';

async function main() {
  if (process.env.BENCH_PRIVACY === 'off') {
    AccessPlan.prototype.apply = function <T extends object>(_type: string, object: T) {
      return object;
    };
    AccessPlan.prototype.isDenied = () => false;
    AccessPlan.prototype.fullSensitiveFields = () => [];
    RequestPrivacy.prototype.everywhere = () => 'F';
  }
  const config = loadConfig();
  const db = await openDatabase(config);
  const app = await startApp(config, db.ds);
  console.log(JSON.stringify({ url: app.url }));
  // A clean exit, so that --cpu-prof writes its profile.
  process.on('SIGINT', () => process.exit(0));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
