/**
 * Rotates encryption keys online (README "Data protection"):
 *   npm run keys:rotate -- --master                 re-wrap every data key under the current MASTER_KEY
 *                                                   (the old one in MASTER_KEYS_RETIRED until this has run)
 *   npm run keys:rotate -- --scope customer|holding|lead|customer_erasure [--resume] [--batch 1000]
 *                                                   a new data key for the scope, and its rows re-encrypted in
 *                                                   batches (rows stored before encryption are encrypted, and
 *                                                   their blind indexes filled, too); --resume goes on after an
 *                                                   interrupted run. Blind-index keys are never rotated here.
 * Servers keep serving throughout. DATABASE_URL, or the embedded database when unset.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/database';
import { KEY_SCOPES, KeyScope } from '../src/privacy/encryption/keyring';
import { localMasterKeys } from '../src/privacy/encryption/master-keys';
import { keyUsage, rewrapDataKeys, rotateDataKey } from '../src/privacy/encryption/rotation';

async function main() {
  const { values } = parseArgs({
    options: {
      master: { type: 'boolean', default: false },
      scope: { type: 'string' },
      resume: { type: 'boolean', default: false },
      batch: { type: 'string', default: '1000' },
    },
  });
  const batchSize = Number(values.batch);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 100_000) throw new Error('--batch: 1 to 100000');
  if (values.scope !== undefined && !KEY_SCOPES.includes(values.scope as KeyScope)) {
    throw new Error(`--scope: one of ${KEY_SCOPES.join(', ')}`);
  }
  if (!values.master && !values.scope) throw new Error('say what to rotate: --master, or --scope <scope>');
  const config = loadConfig();
  const masterKeys = localMasterKeys(config.encryption);
  const db = await openDatabase(config);
  try {
    if (values.master) {
      const rewrapped = await rewrapDataKeys(db.ds, masterKeys);
      console.log(`keys:rotate: ${rewrapped} data keys re-wrapped under master key ${masterKeys.currentId}`);
    }
    if (values.scope) {
      const scope = values.scope as KeyScope;
      console.log(`keys:rotate: ${scope} values by data key before: ${JSON.stringify(await keyUsage(db.ds, scope))}`);
      const { reencrypted, keyId, left } = await rotateDataKey(db.ds, masterKeys, scope, {
        resume: values.resume,
        batchSize,
        onBatch: ({ done, left }) => console.log(`keys:rotate: ${scope}: ${done} re-encrypted, ${left} left`),
      });
      console.log(`keys:rotate: ${scope}: ${reencrypted} rows re-encrypted under data key ${keyId}`);
      if (left > 0) {
        console.log(
          `keys:rotate: ${scope}: ${left} rows were written under the old key meanwhile; run again with --resume`,
        );
        process.exitCode = 2;
      }
    }
  } finally {
    await db.close();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
