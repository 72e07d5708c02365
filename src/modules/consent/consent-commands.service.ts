import { DataSource } from 'typeorm';
import { badUserInput } from '../../common/errors';
import type { RequestContext } from '../../request/context';
import { AuditService } from '../audit/audit.service';
import { writableCustomer } from '../customer/customer-access';
import { Channel } from '../interaction/interaction.enums';
import { ConsentPurpose } from './consent.enums';
import { Consent } from './consent.type';

export class ConsentCommandService {
  constructor(
    private readonly ds: DataSource,
    private readonly audit: AuditService,
  ) {}

  /**
   * Records a consent decision. Withdrawing marketing consent on a channel,
   * or personalised marketing altogether, takes the customer out of active
   * campaign contact there (enrolments not yet responded become OPTED_OUT)
   * in the same transaction.
   */
  update(
    ctx: RequestContext,
    customerId: string,
    purpose: ConsentPurpose,
    channel: Channel | null,
    granted: boolean,
  ): Promise<Consent> {
    if ((purpose === ConsentPurpose.MARKETING) !== (channel !== null)) {
      throw badUserInput('channel', 'channel is required for MARKETING consent and not allowed for other purposes');
    }
    return this.ds.transaction(async (em) => {
      await writableCustomer(em, ctx, { id: customerId }, 'updateConsent');
      const [consent] = await em.query(
        `INSERT INTO consent (customer_id, purpose, channel, granted, updated_at) VALUES ($1, $2, $3, $4, now())
         ON CONFLICT (customer_id, purpose, (coalesce(channel, ''))) DO UPDATE SET granted = EXCLUDED.granted, updated_at = now()
         RETURNING purpose, channel, granted, updated_at AS "updatedAt"`,
        [customerId, purpose, channel, granted],
      );
      let optedOut = 0;
      if (!granted && purpose !== ConsentPurpose.PARTNER_SHARING) {
        const [, affected] = await em.query(
          `UPDATE campaign_enrollment e SET status = 'OPTED_OUT', updated_at = now()
           FROM campaign c
           WHERE c.id = e.campaign_id AND c.status IN ('APPROVED', 'ACTIVE')
             AND e.customer_id = $1 AND e.status IN ('TARGETED', 'CONTACTED')
             AND ($2::text IS NULL OR e.channel = $2)`,
          [customerId, channel],
        );
        optedOut = affected;
      }
      await this.audit.recordMutation(
        em,
        ctx,
        'updateConsent',
        { customerId, purpose, channel, granted, optedOut },
        customerId,
      );
      return consent;
    });
  }
}
