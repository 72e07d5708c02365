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

    /**
     * Funnel counts, revenue, costs and ROI per campaign and per channel, in
     * one statement for the batch. The channels are the campaign's own, plus
     * any an enrolment or cost names that the campaign no longer lists, so
     * that the channels always add up to the whole (bar carried-over cost).
     */
    metrics: new DataLoader<string, CampaignMetrics>(async (campaignIds) => {
      const rows: (CampaignMetrics & { campaignId: string })[] = await ds.query(
        `WITH funnel AS (
           SELECT e.campaign_id, e.channel,
                  count(*) AS targeted,
                  count(*) FILTER (WHERE e.status IN ('CONTACTED', 'RESPONDED', 'CONVERTED')) AS contacted,
                  count(*) FILTER (WHERE e.status IN ('RESPONDED', 'CONVERTED')) AS responded,
                  count(*) FILTER (WHERE e.status = 'CONVERTED') AS converted,
                  sum(e.revenue) AS revenue,
                  count(*) FILTER (WHERE e.revenue > 0) AS revenue_customers
           FROM campaign_enrollment e WHERE e.campaign_id = ANY($1::uuid[]) GROUP BY 1, 2
         ), spent AS (
           SELECT k.campaign_id, k.channel, sum(k.amount) AS cost
           FROM campaign_cost k WHERE k.campaign_id = ANY($1::uuid[]) GROUP BY 1, 2
         ), channel AS (
           SELECT c.id AS campaign_id, ch.channel
           FROM campaign c CROSS JOIN unnest(c.channels) AS ch(channel) WHERE c.id = ANY($1::uuid[])
           UNION SELECT campaign_id, channel FROM funnel
           UNION SELECT campaign_id, channel FROM spent
         ), per AS (
           SELECT campaign_id, channel, coalesce(f.targeted, 0) AS targeted, coalesce(f.contacted, 0) AS contacted,
                  coalesce(f.responded, 0) AS responded, coalesce(f.converted, 0) AS converted,
                  coalesce(f.revenue, 0) AS revenue, coalesce(f.revenue_customers, 0) AS revenue_customers,
                  coalesce(s.cost, 0) AS cost
           FROM channel LEFT JOIN funnel f USING (campaign_id, channel) LEFT JOIN spent s USING (campaign_id, channel)
         )
         SELECT c.id AS "campaignId",
                coalesce(sum(p.targeted), 0)::int AS targeted,
                coalesce(sum(p.contacted), 0)::int AS contacted,
                coalesce(sum(p.responded), 0)::int AS responded,
                coalesce(sum(p.converted), 0)::int AS converted,
                -- Unbounded numeric: a sum of numeric(18,2) rows may need more digits than any one row.
                round(coalesce(sum(p.revenue), 0), 2)::text AS revenue,
                coalesce(sum(p.revenue_customers), 0)::int AS "revenueCustomers",
                round(c.cost + coalesce(sum(p.cost), 0), 2)::text AS cost,
                round((c.cost + coalesce(sum(p.cost), 0)) / nullif(sum(p.converted), 0), 2)::text AS "costPerConversion",
                coalesce(json_agg(json_build_object(
                    'channel', p.channel, 'targeted', p.targeted, 'contacted', p.contacted,
                    'responded', p.responded, 'converted', p.converted, 'cost', round(p.cost, 2)::text,
                    'revenueCustomers', p.revenue_customers,
                    'costPerConversion', round(p.cost / nullif(p.converted, 0), 2)::text)
                  ORDER BY array_position(c.channels, p.channel) NULLS LAST, p.channel)
                  FILTER (WHERE p.channel IS NOT NULL), '[]') AS "byChannel"
         FROM campaign c LEFT JOIN per p ON p.campaign_id = c.id
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
    revenueCustomers: 0,
    cost: '0.00',
    roi: null,
    costPerConversion: null,
    byChannel: [],
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
