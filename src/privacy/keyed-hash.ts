import { createHmac } from 'node:crypto';

/**
 * What the gateway keeps of a value that may be personal data when it only
 * needs to tell equal values apart (a search text in an audit record, a
 * request's input in the idempotency store): equal texts give equal hashes
 * under the same key, and without the key (AUDIT_HASH_KEY) not even a
 * dictionary of likely names or phone numbers reverses one.
 */
export function keyedHash(key: string, text: string): string {
  return `hmac-sha256:${createHmac('sha256', key).update(text, 'utf8').digest('hex')}`;
}
