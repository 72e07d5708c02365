import { column, instant, SelectedKey, TypeProjection } from '../../db/json-projection';

/** A row of risk_assessment (db/json-projection.ts). */
const RISK_PROFILE_PROJECTION: TypeProjection = {
  type: 'RiskProfile',
  fields: {
    riskTolerance: column('risk_tolerance'),
    assessedAt: instant('assessed_at'),
    validUntil: column('valid_until'),
    creditGrade: column('credit_grade'),
    amlRating: column('aml_rating'),
  },
};

/** Customer.riskProfile of customer row `row`: its latest assessment, as its loader reads it (risk.loaders.ts). */
export function customerRiskProfileJson(selected: SelectedKey, row: string): string {
  return `(SELECT ${selected.object(RISK_PROFILE_PROJECTION, 'ra')} FROM risk_assessment ra
    WHERE ra.customer_id = ${row}.id ORDER BY ra.assessed_at DESC, ra.id DESC LIMIT 1)`;
}
