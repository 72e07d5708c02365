import { AmlRating, CreditGrade, RiskTolerance } from '../../modules/risk/risk.enums';
import { date, identifier, occurredAt, oneOf } from '../fields';
import { KindSpec, mustExist, optional, required } from '../kind';

/** Suitability and risk ratings, by customer and the time of the assessment; the latest is the customer's profile. */
export const riskAssessments: KindSpec = {
  name: 'risk_assessments',
  columns: [
    required('customer_no', 'text', identifier(32)),
    // The latest assessment is the customer's profile: one dated ahead would hide every real one after it.
    required('assessed_at', 'timestamptz', occurredAt),
    required('risk_tolerance', 'text', oneOf(RiskTolerance)),
    required('valid_until', 'date', date),
    optional('credit_grade', 'text', oneOf(CreditGrade)),
    required('aml_rating', 'text', oneOf(AmlRating)),
  ],
  naturalKey: ['customer_no', 'assessed_at'],
  checks: [
    mustExist('customer_no', 'customer', 'customer_no', 'no customer has this number'),
    {
      // The table's CHECK, which takes assessed_at's day in the database's time zone.
      reason: 'valid_until: must not be before the day of assessed_at',
      where: 's.valid_until < s.assessed_at::date',
    },
  ],
  upsert: {
    table: 'risk_assessment',
    conflict: '(customer_id, assessed_at)',
    joins: 'JOIN customer c ON c.customer_no = s.customer_no',
    current: 'cur.customer_id = c.id AND cur.assessed_at = s.assessed_at',
    values: {
      customer_id: 'c.id',
      assessed_at: 's.assessed_at',
      risk_tolerance: 's.risk_tolerance',
      valid_until: 's.valid_until',
      credit_grade: 's.credit_grade',
      aml_rating: 's.aml_rating',
    },
    key: ['customer_id', 'assessed_at'],
    returning: 'customer_id',
    customersOf: 'SELECT customer_id FROM written',
  },
};
