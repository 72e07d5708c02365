import { createHash } from 'node:crypto';

/**
 * A staff token's subject is a UUID (PRODUCT.md §2). Tests that need a staff
 * caller but no staff row name one by a readable label; the same label gives
 * the same id, so a test can compare what it sent with what it reads back.
 */
export function staffId(label: string): string {
  const hex = createHash('sha256').update(`staff:${label}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
