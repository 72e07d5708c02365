import type { DataSource } from 'typeorm';
import { loadConfig } from '../../config';
import { Keyring } from './keyring';
import { localMasterKeys } from './master-keys';

const byDataSource = new WeakMap<DataSource, Keyring>();

/**
 * The keyring of a data source: the one a server registered for its
 * database at start, or else (a script, a bulk load started on its own) one
 * made from this process's configuration. One per data source, so its keys
 * are unwrapped once, whatever loads and writes go through it.
 */
export function keyringFor(ds: DataSource): Keyring {
  let keyring = byDataSource.get(ds);
  if (!keyring) {
    keyring = new Keyring(localMasterKeys(loadConfig().encryption));
    byDataSource.set(ds, keyring);
  }
  return keyring;
}

/** Makes `keyring` the one `keyringFor(ds)` answers (a server's, made from its own configuration). */
export function registerKeyring(ds: DataSource, keyring: Keyring): void {
  byDataSource.set(ds, keyring);
}
