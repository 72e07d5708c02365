import type { Keyring, Queryable } from '../../privacy/encryption/keyring';
import type { CustomerEntity } from './customer.entity';

/** The customer's encrypted columns and the entity properties that hold them. */
export const CUSTOMER_ENCRYPTED_FIELDS = {
  id_number: 'idNumber',
  phone: 'phone',
  email: 'email',
  address_street: 'addressStreet',
} as const satisfies Record<string, keyof CustomerEntity>;

/**
 * Customer rows as read, decrypted in place before they become API objects
 * (toCustomer): the one step between stored ciphertext and a customer.
 */
export function openCustomerRows<T extends Pick<CustomerEntity, 'idNumber' | 'phone' | 'email' | 'addressStreet'>>(
  keyring: Keyring,
  db: Queryable,
  rows: T[],
): Promise<T[]> {
  return keyring.open(db, 'customer', rows, CUSTOMER_ENCRYPTED_FIELDS);
}
