import { column, decimal, instant, SelectedKey, TypeProjection } from '../../db/json-projection';

/** A row of campaign: its stored fields (metrics, criteria and messages are the executor's). */
const CAMPAIGN_PROJECTION: TypeProjection = {
  type: 'Campaign',
  fields: {
    id: column('id'),
    code: column('code'),
    name: column('name'),
    objective: column('objective'),
    status: column('status'),
    channels: column('channels'),
    budget: decimal('budget'),
    startsOn: column('starts_on'),
    endsOn: column('ends_on'),
    createdAt: instant('created_at'),
    riskDisclosure: column('risk_disclosure'),
    approvedBy: column('approved_by'),
    rejectedBy: column('rejected_by'),
    rejectionReason: column('rejection_reason'),
  },
};

/** A row `e` of campaign_enrollment, its campaign `cp`. */
const ENROLLMENT_PROJECTION: TypeProjection = {
  type: 'CampaignEnrollment',
  fields: {
    status: column('status'),
    channel: column('channel'),
    enrolledAt: instant('enrolled_at'),
    campaign: (selected) => selected.object(CAMPAIGN_PROJECTION, 'cp'),
  },
};

/** Customer.campaignEnrollments of customer row `row`, latest first, as its loader reads them (campaign.loaders.ts). */
export function customerEnrollmentsJson(selected: SelectedKey, row: string): string {
  return `coalesce((SELECT json_agg(${selected.object(ENROLLMENT_PROJECTION, 'e')} ORDER BY e.enrolled_at DESC, e.campaign_id)
    FROM campaign_enrollment e JOIN campaign cp ON cp.id = e.campaign_id
    WHERE e.customer_id = ${row}.id), '[]'::json)`;
}
