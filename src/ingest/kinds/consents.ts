import { ConsentPurpose } from '../../modules/consent/consent.enums';
import { ConsentDecision, optOutEnrollmentsOnWithdrawal } from '../../modules/consent/consent-withdrawal';
import { Channel } from '../../modules/interaction/interaction.enums';
import { bool, identifier, occurredAt, oneOf } from '../fields';
import { KindSpec, mustExist, optional, required } from '../kind';

/**
 * Consent decisions by customer, purpose and channel (MARKETING only has a
 * channel). A withdrawal written by the load moves enrolments as the API's
 * updateConsent does; `personalised_marketing_withdrawn` follows by trigger.
 * A row whose `updated_at` is older than the stored decision's is rejected:
 * the later decision stands, whoever recorded it.
 */
export const consents: KindSpec = {
  name: 'consents',
  columns: [
    required('customer_no', 'text', identifier(32)),
    required('purpose', 'text', oneOf(ConsentPurpose)),
    optional('channel', 'text', oneOf(Channel)),
    required('granted', 'boolean', bool),
    // When the customer decided: not in the future, or it would outrank every later decision (see checks).
    optional('updated_at', 'timestamptz', occurredAt),
  ],
  naturalKey: ['customer_no', 'purpose', 'channel'],
  rowRules: [
    (row) =>
      (row.purpose === ConsentPurpose.MARKETING) === (row.channel !== undefined)
        ? undefined
        : ['channel', 'is required for MARKETING and not allowed for other purposes'],
  ],
  checks: [
    mustExist('customer_no', 'customer', 'customer_no', 'no customer has this number'),
    {
      // An extract taken before the customer changed their mind (through the API, say) must not undo it.
      reason: 'updated_at: older than the decision stored for this consent, which stands',
      where: `s.updated_at IS NOT NULL AND EXISTS (
                SELECT 1 FROM consent cur JOIN customer c ON c.id = cur.customer_id
                WHERE c.customer_no = s.customer_no AND cur.purpose = s.purpose
                  AND coalesce(cur.channel, '') = coalesce(s.channel, '') AND cur.updated_at > s.updated_at)`,
    },
  ],
  upsert: {
    table: 'consent',
    conflict: `(customer_id, purpose, (coalesce(channel, '')))`,
    joins: 'JOIN customer c ON c.customer_no = s.customer_no',
    current: `cur.customer_id = c.id AND cur.purpose = s.purpose AND coalesce(cur.channel, '') = coalesce(s.channel, '')`,
    values: {
      customer_id: 'c.id',
      purpose: 's.purpose',
      channel: 's.channel',
      granted: 's.granted',
      // Without a time in the file, an unchanged decision keeps its time (a reload is no change) and a new one is now.
      updated_at: 'coalesce(s.updated_at, CASE WHEN cur.granted = s.granted THEN cur.updated_at END, now())',
    },
    key: ['customer_id', 'purpose', 'channel'],
    returning: 'customer_id, purpose, channel, granted',
    summary: {
      withdrawals: `coalesce(json_agg(json_build_object('customerId', customer_id, 'purpose', purpose,
                      'channel', channel, 'granted', granted)) FILTER (WHERE NOT granted), '[]')`,
    },
  },
  afterWrite: async (em, summary) => {
    await optOutEnrollmentsOnWithdrawal(em, summary.withdrawals as ConsentDecision[]);
  },
};
