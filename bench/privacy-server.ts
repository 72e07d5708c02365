/**
 * The gateway for the privacy-cost measurement. BENCH_PRIVACY=off removes the
 * per-object policy pass, relation denials and the read audit, to show what
 * they cost; it exists only in this benchmark harness, never in src/.
 */
import 'reflect-metadata';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/database';
import { Access, ALL_COLUMNS, LIVE_POLICY_DATA, RoleColumn } from '../src/privacy/policy';
import { PrivacyPolicy } from '../src/privacy/privacy-policy';
import { startApp } from '../src/server/app';

/** The same server with every cell F and nothing sensitive: what the policy itself costs. */
const NO_PRIVACY = new PrivacyPolicy({
  ...LIVE_POLICY_DATA,
  fields: Object.fromEntries(
    Object.entries(LIVE_POLICY_DATA.fields).map(([type, rules]) => [
      type,
      Object.fromEntries(
        Object.keys(rules).map((field) => [
          field,
          { access: Object.fromEntries(ALL_COLUMNS.map((c) => [c, 'F'])) as Record<RoleColumn, Access> },
        ]),
      ),
    ]),
  ),
});

async function main() {
  const config = loadConfig();
  const db = await openDatabase(config);
  const app = await startApp(config, db.ds, db.ds, {
    privacyPolicy: process.env.BENCH_PRIVACY === 'off' ? () => NO_PRIVACY : undefined,
  });
  console.log(JSON.stringify({ url: app.url }));
  // A clean exit, so that --cpu-prof writes its profile.
  process.on('SIGINT', () => process.exit(0));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
