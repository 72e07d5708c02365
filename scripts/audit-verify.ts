/**
 * Checks the tamper-evident audit: recomputes the chain from the audit
 * records, checks it against audit_chain and every signed digest in
 * AUDIT_DIGEST_DIR, and reports the first record edited, removed or
 * reordered, and a truncation. Exits 1 when anything does not hold.
 * After retention purged old records it walks from the purge anchor,
 * which a signed digest written before AUDIT_RETENTION_MONTHS ago must back.
 *   npm run audit:verify       # DATABASE_URL, AUDIT_DIGEST_DIR, AUDIT_VERIFY_KEY_FILE or AUDIT_SIGNING_KEY_FILE
 */
import 'reflect-metadata';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/database';
import { loadVerifyKey } from '../src/modules/audit/audit-digest';
import { formatVerification, verifyAuditLog } from '../src/modules/audit/audit-verify';

async function main() {
  const config = loadConfig();
  const verifyKey = await loadVerifyKey(config.audit.sealer);
  const db = await openDatabase(config);
  try {
    const outcome = await verifyAuditLog(db.ds, {
      digestDir: config.audit.sealer.digestDir,
      verifyKey,
      retentionMonths: config.audit.retentionMonths,
    });
    console.log(formatVerification(outcome));
    process.exitCode = outcome.ok ? 0 : 1;
  } finally {
    await db.close();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(2);
});
