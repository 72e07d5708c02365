import type { DataSource } from 'typeorm';
import type { KeyScope } from '../../src/privacy/encryption/keyring';
import { keyringFor } from '../../src/privacy/encryption/keyrings';

/**
 * Rows a test read straight from the database, their encrypted columns
 * decrypted in place (`fields`: encrypted column → the row's key holding it),
 * with the keys the app under test uses.
 */
export function decrypted<T extends object>(
  ds: DataSource,
  scope: KeyScope,
  rows: T[],
  fields: Readonly<Record<string, keyof T>>,
): Promise<T[]> {
  return keyringFor(ds).open(ds, scope, rows, fields);
}

/** The blind index the app stores beside an encrypted value (`<column>_bidx`), to find its row. */
export async function blindIndexOf(ds: DataSource, scope: KeyScope, column: string, value: string): Promise<string> {
  const keyring = keyringFor(ds);
  await keyring.ensure(ds, scope);
  return keyring.blindIndex(scope, column, value);
}
