import type { Keyring, Queryable } from '../../privacy/encryption/keyring';
import type { CustomerEntity } from './customer.entity';

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
  const wanted: Partial<Record<string, keyof SealedCustomerRow>> = {};
  for (const [column, property] of Object.entries(CUSTOMER_ENCRYPTED_FIELDS)) {
    if (selected.has(CUSTOMER_FIELD_OF_COLUMN[column as keyof typeof CUSTOMER_ENCRYPTED_FIELDS]))
      wanted[column] = property;
    // Never ciphertext in an object headed for the client.
    else for (const row of rows) (row as SealedCustomerRow)[property] = null as never;
  }
  return keyring.open(db, 'customer', rows, wanted as Record<string, keyof T>);
}
