import { registerEnumType } from 'type-graphql';

/** Every channel through which the bank meets a customer; campaigns and consents use the same list. */
export enum Channel {
  MOBILE_APP = 'MOBILE_APP',
  WECHAT = 'WECHAT',
  BRANCH = 'BRANCH',
  CALL_CENTER = 'CALL_CENTER',
  WEB = 'WEB',
  PARTNER = 'PARTNER',
}

export enum InteractionType {
  LOGIN = 'LOGIN',
  PRODUCT_VIEW = 'PRODUCT_VIEW',
  INQUIRY = 'INQUIRY',
  COMPLAINT = 'COMPLAINT',
  TRANSACTION = 'TRANSACTION',
  VISIT = 'VISIT',
  CAMPAIGN_CONTACT = 'CAMPAIGN_CONTACT',
  CAMPAIGN_RESPONSE = 'CAMPAIGN_RESPONSE',
}

registerEnumType(Channel, { name: 'Channel' });
registerEnumType(InteractionType, { name: 'InteractionType' });
