import type { CohortSuppression, Margin, TableCell } from '../../privacy/cohort-suppression';
import type { CampaignChannelMetrics, CampaignMetrics } from './campaign.type';

/** The funnel counts: each campaign total is the sum of its channels' (the channels always add up to the whole). */
const FUNNEL = ['targeted', 'contacted', 'responded', 'converted'] as const;

/**
 * Cells computed from others, withheld with any of their inputs. Cost is the
 * bank's spending, not an aggregate over customers, so it stays; but with
 * cost published, cost per conversion tells converted and ROI tells revenue,
 * and a rate tells either of its inputs from the other.
 */
const DERIVED: Partial<Record<keyof CampaignMetrics, string[]>> = {
  participationRate: ['responded', 'targeted'],
  conversionRate: ['converted', 'targeted'],
  roi: ['revenue'],
  costPerConversion: ['converted'],
};
const CHANNEL_DERIVED: Partial<Record<keyof CampaignChannelMetrics, string[]>> = {
  costPerConversion: ['converted'],
};

/**
 * Campaign metrics as the caller may read them (small-cohort suppression):
 * one table, each count withheld by the customers it covers, and, since the
 * channels add up to the campaign's totals, withheld in pairs within each
 * funnel step (suppressTable): a total minus the other channels would
 * otherwise tell a withheld channel. A channel's steps (and the totals')
 * nest, so published neighbours bound a withheld step: more is withheld
 * wherever those bounds, with the margins, would pin one to a value.
 */
export function metricsForCaller(cohorts: CohortSuppression, m: CampaignMetrics): CampaignMetrics {
  if (!cohorts.applies) return m;
  const channelCell = (i: number, field: string) => `byChannel.${i}.${field}`;
  const cells: Record<string, TableCell> = { revenue: { customers: m.revenueCustomers } };
  const margins: Margin[] = [];
  for (const step of FUNNEL) {
    cells[step] = { customers: m[step] };
    m.byChannel.forEach((c, i) => (cells[channelCell(i, step)] = { customers: c[step] }));
    margins.push({ total: step, parts: m.byChannel.map((_, i) => channelCell(i, step)) });
  }
  // A channel's steps nest (and so do the totals'): bounds from its published steps could pin a withheld one.
  const chains = [[...FUNNEL], ...m.byChannel.map((_, i) => FUNNEL.map((step) => channelCell(i, step)))];
  const withheld = cohorts.table(cells, margins, chains);
  return cohorts.withhold(
    {
      ...m,
      byChannel: m.byChannel.map((c, i) =>
        cohorts.withhold(
          c,
          fieldsWithheld(FUNNEL, CHANNEL_DERIVED, (field) => withheld.has(channelCell(i, field))),
        ),
      ),
    },
    fieldsWithheld([...FUNNEL, 'revenue'], DERIVED, (field) => withheld.has(field)),
  );
}

/** The counted fields withheld, and the derived ones that have a withheld input. */
function fieldsWithheld(
  counted: readonly string[],
  derived: Partial<Record<string, string[]>>,
  isWithheld: (field: string) => boolean,
): string[] {
  const own = counted.filter(isWithheld);
  const follow = Object.entries(derived)
    .filter(([, inputs]) => inputs!.some((input) => own.includes(input)))
    .map(([field]) => field);
  return [...own, ...follow];
}
