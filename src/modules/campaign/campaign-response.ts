import { IsOptional, IsUUID, MaxLength } from 'class-validator';
import { Field, InputType, ObjectType } from 'type-graphql';
import { appError } from '../../common/errors';
import { DecimalScalar } from '../../common/scalars';
import type { RequestContext } from '../../request/context';
import { AuditService } from '../audit/audit.service';
import { IdempotencyService } from '../idempotency/idempotency.service';
import { isPartner } from '../../auth/principal';
import { notFoundForPartner, writableCustomer } from '../customer/customer-access';
import { EnrollmentStatus } from './campaign.enums';

@InputType()
export class CampaignResponseInput {
  @Field()
  @IsUUID()
  campaignId: string;

  @Field()
  @MaxLength(32)
  customerNo: string;

  @Field({ description: 'True when the customer took the offer (CONVERTED), false for a response only.' })
  converted: boolean;

  @Field(() => DecimalScalar, { defaultValue: '0.00', description: 'Revenue of a conversion, in CNY.' })
  revenue: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(100)
  externalRef?: string | null;
}

@ObjectType('CampaignResponseReceipt', { simpleResolvers: true })
export class CampaignResponseReceipt {
  @Field(() => EnrollmentStatus)
  status: EnrollmentStatus;
}

/** Responses move an enrolment forward only: TARGETED/CONTACTED → RESPONDED → CONVERTED. */
const MAY_RESPOND = [EnrollmentStatus.TARGETED, EnrollmentStatus.CONTACTED];
const MAY_CONVERT = [...MAY_RESPOND, EnrollmentStatus.RESPONDED];

export class CampaignResponseService {
  constructor(
    private readonly idempotency: IdempotencyService,
    private readonly audit: AuditService,
  ) {}

  record(ctx: RequestContext, input: CampaignResponseInput): Promise<CampaignResponseReceipt> {
    return this.idempotency.run(ctx, 'recordCampaignResponse', input, input.externalRef, async (em) => {
      const customer = await writableCustomer(em, ctx, { customerNo: input.customerNo }, 'recordCampaignResponse');
      const [enrolment] = await em.query(
        `SELECT e.id, e.status, c.status AS "campaignStatus" FROM campaign_enrollment e JOIN campaign c ON c.id = e.campaign_id
         WHERE e.campaign_id = $1 AND e.customer_id = $2 FOR UPDATE OF e`,
        [input.campaignId, customer.id],
      );
      const partner = isPartner(ctx.principal);
      // A partner cannot tell a customer who left the campaign, or was in one that is not running, from one never in it.
      const hidden =
        !enrolment || enrolment.status === EnrollmentStatus.OPTED_OUT || enrolment.campaignStatus !== 'ACTIVE';
      if (partner && hidden) throw notFoundForPartner();
      if (!enrolment) throw appError('NOT_FOUND', 'The customer is not enrolled in this campaign');
      if (enrolment.campaignStatus !== 'ACTIVE') {
        throw appError('CONFLICT', 'Responses are recorded while a campaign is ACTIVE', {
          currentStatus: enrolment.campaignStatus,
        });
      }
      const status = input.converted ? EnrollmentStatus.CONVERTED : EnrollmentStatus.RESPONDED;
      if (!(input.converted ? MAY_CONVERT : MAY_RESPOND).includes(enrolment.status)) {
        // No error to a partner names an enrolment status (PRODUCT.md §4).
        throw partner
          ? appError('CONFLICT', 'This response would not move the enrolment forward')
          : appError('CONFLICT', `The enrolment is already ${enrolment.status}`, { currentStatus: enrolment.status });
      }
      await em.query(
        `UPDATE campaign_enrollment SET status = $2, revenue = revenue + $3::numeric, updated_at = now(),
           responded_at = coalesce(responded_at, now()),
           converted_at = CASE WHEN $2 = 'CONVERTED' THEN now() ELSE converted_at END
         WHERE id = $1`,
        [enrolment.id, status, input.converted ? input.revenue : '0'],
      );
      await this.audit.recordMutation(
        em,
        ctx,
        'recordCampaignResponse',
        { campaignId: input.campaignId, status },
        customer.id,
      );
      return { status };
    });
  }
}
