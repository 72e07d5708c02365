import { registerEnumType } from 'type-graphql';

export enum ConsentPurpose {
  /** Marketing on one channel. */
  MARKETING = 'MARKETING',
  PARTNER_SHARING = 'PARTNER_SHARING',
  /** Granted: personalised marketing allowed; withdrawn: the customer opted out. */
  PERSONALISED_MARKETING = 'PERSONALISED_MARKETING',
}

registerEnumType(ConsentPurpose, { name: 'ConsentPurpose' });
