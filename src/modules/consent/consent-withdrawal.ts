import type { DataSource, EntityManager } from 'typeorm';
import type { Channel } from '../interaction/interaction.enums';
import { ConsentPurpose } from './consent.enums';

export interface ConsentDecision {
  customerId: string;
  purpose: ConsentPurpose;
  /** MARKETING's channel; null for the other purposes. */
  channel: Channel | null;
  granted: boolean;
}

/**
 * PRODUCT.md §4: a customer who withdraws marketing consent on a channel, or
 * personalised marketing altogether, leaves active campaign contact there:
 * enrolments not yet responded (TARGETED, CONTACTED) in campaigns that are
 * enrolling (APPROVED, ACTIVE) become OPTED_OUT. Partner sharing is not
 * marketing consent and moves nothing. One statement for any number of
 * decisions (the API writes one, a bulk load thousands); call it in the
 * transaction that recorded them. Returns the enrolments opted out.
 */
export async function optOutEnrollmentsOnWithdrawal(
  db: DataSource | EntityManager,
  decisions: readonly ConsentDecision[],
): Promise<number> {
  const withdrawals = decisions.filter((d) => !d.granted && d.purpose !== ConsentPurpose.PARTNER_SHARING);
  if (withdrawals.length === 0) return 0;
  const [, affected]: [unknown[], number] = await db.query(
    `UPDATE campaign_enrollment e SET status = 'OPTED_OUT', updated_at = now()
     FROM campaign c, unnest($1::uuid[], $2::text[]) AS w(customer_id, channel)
     WHERE c.id = e.campaign_id AND c.status IN ('APPROVED', 'ACTIVE')
       AND e.customer_id = w.customer_id AND e.status IN ('TARGETED', 'CONTACTED')
       AND (w.channel IS NULL OR e.channel = w.channel)`,
    [withdrawals.map((w) => w.customerId), withdrawals.map((w) => w.channel)],
  );
  return affected;
}
