import { registerEnumType } from 'type-graphql';

/** Every channel through which the bank meets a customer; campaigns and consents use the same list. */
export enum Channel {
  MOBILE_APP = 'MOBILE_APP',
  WECHAT = 'WECHAT',
  BRANCH = 'BRANCH',
  CALL_CENTER = 'CALL_CENTER',
  WEB = 'WEB',
  PARTNER = 'PARTNER',
  /** Text messages to the customer's phone; marketing by SMS needs its own consent, like any channel. */
  SMS = 'SMS',
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

/**
 * A rule a campaign contact breached (PRODUCT.md §4), in the order they are
 * checked. Clients must expect more values and treat any value they do not
 * know as a refusal.
 */
export enum ComplianceFlag {
  /** The customer explicitly withdrew personalised marketing. */
  OPTED_OUT = 'OPTED_OUT',
  /** No granted marketing consent on the channel, or no personalised-marketing record at all. */
  NO_CONSENT = 'NO_CONSENT',
  /** One more campaign contact would exceed the customer's daily or monthly contact cap. */
  FREQUENCY_CAPPED = 'FREQUENCY_CAPPED',
}

registerEnumType(Channel, { name: 'Channel' });
registerEnumType(InteractionType, { name: 'InteractionType' });
registerEnumType(ComplianceFlag, {
  name: 'ComplianceFlag',
  description:
    'A consent rule or contact cap a contact breached; more values may be added, so treat an unknown one as a refusal.',
});
