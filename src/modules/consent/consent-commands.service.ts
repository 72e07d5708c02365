import { DataSource } from 'typeorm';
import { badUserInput } from '../../common/errors';
import type { RequestContext } from '../../request/context';
import { AuditService } from '../audit/audit.service';
import { writableCustomer } from '../customer/customer-access';
import { Channel } from '../interaction/interaction.enums';
import { ConsentPurpose } from './consent.enums';
import { optOutEnrollmentsOnWithdrawal } from './consent-withdrawal';
import { Consent } from './consent.type';

export class ConsentCommandService {
  constructor(
    private readonly ds: DataSource,
    private readonly audit: AuditService,
  ) {}

  /**
   * Records a consent decision. A withdrawal takes the customer out of
   * active campaign contact (optOutEnrollmentsOnWithdrawal) in the same
   * transaction.
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
      const optedOut = await optOutEnrollmentsOnWithdrawal(em, [{ customerId, purpose, channel, granted }]);
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
