import { DataSource } from 'typeorm';
import { RelationLoader } from '../../db/parent-relations';
import { RiskProfile } from './risk.type';

export function createRiskLoaders(ds: DataSource) {
  return {
    /** The latest assessment of a customer, or null (walks risk_assessment_latest_idx). */
    latestByCustomer: new RelationLoader<RiskProfile | null>(ds, {
      subquery: () =>
        `SELECT json_build_object('riskTolerance', ra.risk_tolerance, 'assessedAt', ra.assessed_at,
                  'validUntil', ra.valid_until, 'creditGrade', ra.credit_grade, 'amlRating', ra.aml_rating)
         FROM risk_assessment ra WHERE ra.customer_id = parent.id
         ORDER BY ra.assessed_at DESC, ra.id DESC LIMIT 1`,
      decode: (json) => {
        if (json === null) return null;
        const profile = json as Omit<RiskProfile, 'assessedAt'> & { assessedAt: string };
        return { ...profile, assessedAt: new Date(profile.assessedAt) };
      },
    }),
  };
}
