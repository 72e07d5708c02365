import type { DataSource } from 'typeorm';
import { entityColumns } from '../../db/entity-columns';
import type { Keyring, Queryable } from '../../privacy/encryption/keyring';
import { CustomerEntity } from './customer.entity';
import { CUSTOMER_VIEW_PROPERTIES } from './customer.mapper';

/** The customer's encrypted columns and the entity properties that hold them. */
export const CUSTOMER_ENCRYPTED_FIELDS = {
  id_number: 'idNumber',
  phone: 'phone',
  email: 'email',
  address_street: 'addressStreet',
} as const satisfies Record<string, keyof CustomerEntity>;

/** The Customer field each encrypted column answers (the street is part of `address`). */
const CUSTOMER_FIELD_OF_COLUMN: Record<keyof typeof CUSTOMER_ENCRYPTED_FIELDS, string> = {
  id_number: 'idNumber',
  phone: 'phone',
  email: 'email',
  address_street: 'address',
};

type SealedCustomerRow = Pick<CustomerEntity, 'idNumber' | 'phone' | 'email' | 'addressStreet'>;
type SealedProperty = keyof SealedCustomerRow;

/** The encrypted properties whose Customer field is not among `selected`: never decrypted, never sent. */
function sealedNotShown(selected: ReadonlySet<string>): SealedProperty[] {
  return (Object.keys(CUSTOMER_ENCRYPTED_FIELDS) as (keyof typeof CUSTOMER_ENCRYPTED_FIELDS)[])
    .filter((column) => !selected.has(CUSTOMER_FIELD_OF_COLUMN[column]))
    .map((column) => CUSTOMER_ENCRYPTED_FIELDS[column]);
}

/**
 * The select list of a customer read: the columns the view uses, and, given
 * the Customer fields a page selects, its unselected ciphertext read as NULL
 * (a marketing page of 50 carried some 13 KB of it, to throw away).
 */
export function customerColumns(ds: DataSource, alias: string, selected?: ReadonlySet<string>): string {
  return entityColumns(ds, CustomerEntity, alias, CUSTOMER_VIEW_PROPERTIES, selected ? sealedNotShown(selected) : []);
}

/**
 * Customer rows as read, decrypted in place before they become API objects
 * (toCustomer): the one step between stored ciphertext and a customer.
 * Given the Customer fields a request selects, only those are decrypted and
 * the others become null: a page of 50 customers that shows none of them
 * (a marketing list) then costs no decryption at all. Only for rows that go
 * nowhere else (a page's rows, which prime no loader).
 */
export function openCustomerRows<T extends SealedCustomerRow>(
  keyring: Keyring,
  db: Queryable,
  rows: T[],
  selected?: ReadonlySet<string>,
): Promise<T[]> {
  if (!selected) return keyring.open(db, 'customer', rows, CUSTOMER_ENCRYPTED_FIELDS);
  const hidden = sealedNotShown(selected);
  const wanted: Partial<Record<string, SealedProperty>> = {};
  for (const [column, property] of Object.entries(CUSTOMER_ENCRYPTED_FIELDS))
    if (!hidden.includes(property)) wanted[column] = property;
  // Never ciphertext in an object headed for the client (customerColumns reads these as NULL already).
  for (const row of rows) for (const property of hidden) (row as SealedCustomerRow)[property] = null as never;
  return keyring.open(db, 'customer', rows, wanted as Record<string, keyof T>);
}
