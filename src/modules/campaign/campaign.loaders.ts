import DataLoader from 'dataloader';
import { DataSource } from 'typeorm';
import { byKey } from '../../db/batch';
import { entityColumns, entityJson } from '../../db/entity-columns';
import { RelationLoader } from '../../db/parent-relations';
import { preparedQuery } from '../../db/prepared-statements';
import { CampaignEntity } from './campaign.entity';
import { toCampaign } from './campaign.mapper';
import { Campaign, CampaignEnrollment, CampaignMetrics } from './campaign.type';

type EnrollmentJson = Omit<CampaignEnrollment, 'enrolledAt' | 'campaign'> & {
  enrolledAt: string;
  campaign: Record<string, unknown>;
};

export function createCampaignLoaders(ds: DataSource) {
  const campaignJson = entityJson(ds, CampaignEntity, 'c');
  const byId = new DataLoader<string, Campaign | null>(async (ids) => {
    const rows = await preparedQuery<CampaignEntity>(
      ds,
      `SELECT ${entityColumns(ds, CampaignEntity, 'c')} FROM campaign c WHERE c.id = ANY($1::uuid[])`,
      [ids],
    );
    return byKey(ids, rows.map(toCampaign), (c) => c.id);
  });
  return {
    byId,

    /** Funnel counts, revenue and ROI per campaign, aggregated in one statement for the batch. */
    metrics: new DataLoader<string, CampaignMetrics>(async (campaignIds) => {
      const rows: (CampaignMetrics & { campaignId: string })[] = await ds.query(
        `SELECT c.id AS "campaignId",
                count(e.id)::int AS targeted,
                count(e.id) FILTER (WHERE e.status IN ('CONTACTED', 'RESPONDED', 'CONVERTED'))::int AS contacted,
                count(e.id) FILTER (WHERE e.status IN ('RESPONDED', 'CONVERTED'))::int AS responded,
                count(e.id) FILTER (WHERE e.status = 'CONVERTED')::int AS converted,
                -- Unbounded numeric: a sum of numeric(18,2) rows may need more digits than any one row.
                round(coalesce(sum(e.revenue), 0), 2)::text AS revenue,
                c.cost::text AS cost
         FROM campaign c LEFT JOIN campaign_enrollment e ON e.campaign_id = c.id
         WHERE c.id = ANY($1::uuid[])
         GROUP BY c.id`,
        [campaignIds],
      );
      return byKey(campaignIds, rows.map(withRates), (m) => m.campaignId).map((m) => m ?? withRates(emptyMetrics()));
    }),

    /**
     * A customer's enrolments, newest first: bounded by the number of
     * campaigns a customer can be in. Each brings its campaign row, which
     * fills byId, so the campaigns cost no statement of their own.
     */
    enrollmentsByCustomer: new RelationLoader<CampaignEnrollment[]>(ds, {
      subquery: () =>
        `SELECT coalesce(json_agg(json_build_object(
                  'campaignId', e.campaign_id, 'status', e.status, 'channel', e.channel, 'enrolledAt', e.enrolled_at,
                  'campaign', ${campaignJson.sql})
                ORDER BY e.enrolled_at DESC, e.campaign_id), '[]')
         FROM campaign_enrollment e JOIN campaign c ON c.id = e.campaign_id
         WHERE e.customer_id = parent.id`,
      decode: (rows) =>
        (rows as EnrollmentJson[]).map(({ campaign, ...row }) => {
          byId.prime(row.campaignId, toCampaign(campaignJson.revive(campaign)));
          return { ...row, enrolledAt: new Date(row.enrolledAt), campaign: () => byId.load(row.campaignId) };
        }),
    }),
  };
}

function emptyMetrics(): CampaignMetrics & { campaignId: string } {
  return {
    campaignId: '',
    targeted: 0,
    contacted: 0,
    responded: 0,
    converted: 0,
    participationRate: 0,
    conversionRate: 0,
    revenue: '0.00',
    cost: '0.00',
    roi: null,
  };
}

/** Rates from the counts, as PRODUCT.md §4 defines them. */
function withRates<M extends CampaignMetrics>(m: M): M {
  const cost = Number(m.cost);
  return {
    ...m,
    participationRate: m.targeted ? m.responded / m.targeted : 0,
    conversionRate: m.targeted ? m.converted / m.targeted : 0,
    roi: cost === 0 ? null : (Number(m.revenue) - cost) / cost,
  };
}
