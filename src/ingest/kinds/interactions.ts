import { Channel, InteractionType } from '../../modules/interaction/interaction.enums';
import { identifier, occurredAt, oneOf, text } from '../fields';
import { KindSpec, mustExist, optional, required } from '../kind';

/** Campaign contacts and responses move enrolments and are consent-checked: the API records them, not files. */
const CAMPAIGN_TYPES: ReadonlySet<unknown> = new Set([
  InteractionType.CAMPAIGN_CONTACT,
  InteractionType.CAMPAIGN_RESPONSE,
]);

/**
 * Logins, transactions and the other touchpoints, by the source system's
 * reference, so that a re-delivered event is the same row. Logins and
 * transactions decide the lifecycle stage, so their customers are refreshed.
 */
export const interactions: KindSpec = {
  name: 'interactions',
  columns: [
    required('source_system', 'text', identifier(32)),
    required('source_ref', 'text', text(100)),
    required('customer_no', 'text', identifier(32)),
    required('channel', 'text', oneOf(Channel)),
    required('type', 'text', oneOf(InteractionType)),
    required('occurred_at', 'timestamptz', occurredAt),
    optional('summary', 'text', text(500)),
    optional('outcome', 'text', text(200)),
    optional('staff_employee_no', 'text', identifier(32)),
  ],
  naturalKey: ['source_system', 'source_ref'],
  rowRules: [
    (row) =>
      CAMPAIGN_TYPES.has(row.type)
        ? ['type', 'campaign contacts and responses are recorded through the API, which moves enrolments']
        : undefined,
  ],
  checks: [
    mustExist('customer_no', 'customer', 'customer_no', 'no customer has this number'),
    mustExist('staff_employee_no', 'staff', 'employee_no', 'no staff member has this employee number'),
    {
      reason: 'customer_no: this source_ref is already an interaction of another customer',
      where: `EXISTS (SELECT 1 FROM interaction i JOIN customer c ON c.id = i.customer_id
                      WHERE i.source_system = s.source_system AND i.source_ref = s.source_ref
                        AND c.customer_no <> s.customer_no)`,
    },
  ],
  upsert: {
    table: 'interaction',
    conflict: '(source_system, source_ref) WHERE source_ref IS NOT NULL',
    joins:
      'JOIN customer c ON c.customer_no = s.customer_no LEFT JOIN staff st ON st.employee_no = s.staff_employee_no',
    current: 'cur.source_system = s.source_system AND cur.source_ref = s.source_ref',
    values: {
      source_system: 's.source_system',
      source_ref: 's.source_ref',
      customer_id: 'c.id',
      channel: 's.channel',
      type: 's.type',
      occurred_at: 's.occurred_at',
      summary: 's.summary',
      outcome: 's.outcome',
      staff_id: 'st.id',
    },
    key: ['source_system', 'source_ref'],
    returning: 'customer_id',
    customersOf: 'SELECT customer_id FROM written',
  },
};
