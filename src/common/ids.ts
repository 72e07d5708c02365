import { isUUID } from 'class-validator';
import { badUserInput } from './errors';

/** Ids are UUIDs; a malformed one is the client's error, a missing one is just null. */
export function assertId(field: string, value: string): void {
  if (!isUUID(value)) throw badUserInput(field, `${field} is not a valid id`);
}
