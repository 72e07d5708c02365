import DataLoader from 'dataloader';
import { DataSource } from 'typeorm';
import { byKey } from '../../db/batch';
import { CallerView, viewAs } from '../../privacy/caller-view';
import { RiskProfile } from './risk.type';

export function createRiskLoaders(ds: DataSource, caller: CallerView) {
  return {
    /** The latest assessment per customer (DISTINCT ON walks risk_assessment_latest_idx). */
    latestByCustomer: new DataLoader<string, RiskProfile | null>(async (customerIds) => {
      const rows: (RiskProfile & { customerId: string })[] = await ds.query(
        `SELECT DISTINCT ON (customer_id) customer_id AS "customerId", risk_tolerance AS "riskTolerance",
                assessed_at AS "assessedAt", valid_until AS "validUntil", credit_grade AS "creditGrade", aml_rating AS "amlRating"
         FROM risk_assessment WHERE customer_id = ANY($1::uuid[])
         ORDER BY customer_id, assessed_at DESC, id DESC`,
        [customerIds],
      );
      return byKey(
        customerIds,
        viewAs(caller, 'RiskProfile', rows, (r) => r.customerId),
        (r) => r.customerId,
      );
    }),
  };
}
