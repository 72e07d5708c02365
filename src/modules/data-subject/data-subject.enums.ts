import { registerEnumType } from 'type-graphql';

/** Why a customer's personal data is erased: the grounds of PIPL Art. 47. */
export enum ErasureReason {
  /** The customer asked (Art. 47, with one of the grounds below behind it). */
  DATA_SUBJECT_REQUEST = 'DATA_SUBJECT_REQUEST',
  CONSENT_WITHDRAWN = 'CONSENT_WITHDRAWN',
  PURPOSE_ACHIEVED = 'PURPOSE_ACHIEVED',
  SERVICE_ENDED = 'SERVICE_ENDED',
  UNLAWFUL_PROCESSING = 'UNLAWFUL_PROCESSING',
}

registerEnumType(ErasureReason, { name: 'ErasureReason', description: 'The ground of an erasure (PIPL Art. 47).' });
