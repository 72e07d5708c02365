import type { CohortSuppression } from '../../privacy/cohort-suppression';
import type { CampaignChannelMetrics, CampaignMetrics } from './campaign.type';

/**
 * Campaign metrics as the caller may read them (small-cohort suppression):
 * each cell is withheld by the customers it is computed from. Cost is the
 * bank's spending, not an aggregate over customers, so it stays; but a cell
 * derived from cost and a withheld count tells that count (cost per
 * conversion: converted; ROI: revenue), and a rate tells either of its
 * inputs from the other, so those go with their smallest input.
 */
export function metricsForCaller(cohorts: CohortSuppression, m: CampaignMetrics): CampaignMetrics {
  if (!cohorts.applies) return m;
  return cohorts.cells(
    { ...m, byChannel: m.byChannel.map((channel) => channelForCaller(cohorts, channel)) },
    {
      targeted: m.targeted,
      contacted: m.contacted,
      responded: m.responded,
      converted: m.converted,
      participationRate: Math.min(m.responded, m.targeted),
      conversionRate: Math.min(m.converted, m.targeted),
      revenue: m.revenueCustomers,
      roi: m.revenueCustomers,
      costPerConversion: m.converted,
    },
  );
}

function channelForCaller(cohorts: CohortSuppression, c: CampaignChannelMetrics): CampaignChannelMetrics {
  return cohorts.cells(c, {
    targeted: c.targeted,
    contacted: c.contacted,
    responded: c.responded,
    converted: c.converted,
    costPerConversion: c.converted,
  });
}
