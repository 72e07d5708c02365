import { registerEnumType } from 'type-graphql';
import { RevealReason } from '../../privacy/policy';

export { RevealReason };

/** A value that revealField can show in full, and where it is kept: a customer's field or a holding's. */
export enum RevealableField {
  ID_NUMBER = 'ID_NUMBER',
  PHONE = 'PHONE',
  EMAIL = 'EMAIL',
  ADDRESS = 'ADDRESS',
  ACCOUNT_NO = 'ACCOUNT_NO',
}

/** The policy's type and GraphQL field name behind each value: what the reveal cells and audit records name. */
export const REVEALABLE: Record<RevealableField, { type: 'Customer' | 'Holding'; field: string }> = {
  [RevealableField.ID_NUMBER]: { type: 'Customer', field: 'idNumber' },
  [RevealableField.PHONE]: { type: 'Customer', field: 'phone' },
  [RevealableField.EMAIL]: { type: 'Customer', field: 'email' },
  [RevealableField.ADDRESS]: { type: 'Customer', field: 'address' },
  [RevealableField.ACCOUNT_NO]: { type: 'Holding', field: 'accountNo' },
};

/** What became of a reveal: answered, or refused and why. */
export enum RevealOutcome {
  REVEALED = 'REVEALED',
  /** The caller's roles may not reveal this field (for this reason) on this customer. */
  FORBIDDEN = 'FORBIDDEN',
  QUOTA_EXCEEDED = 'QUOTA_EXCEEDED',
  /** No such customer or holding, or one outside the caller's row scope (the caller is told only NOT_FOUND). */
  NOT_FOUND = 'NOT_FOUND',
}

registerEnumType(RevealReason, {
  name: 'RevealReason',
  description: 'Why a masked value is asked for in full (revealField).',
});
registerEnumType(RevealableField, {
  name: 'RevealableField',
  description: "ID_NUMBER, PHONE, EMAIL and ADDRESS are a customer's; ACCOUNT_NO is a holding's.",
});
registerEnumType(RevealOutcome, { name: 'RevealOutcome' });
