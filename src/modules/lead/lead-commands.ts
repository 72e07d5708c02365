import { IsOptional, Length, Matches, MaxLength } from 'class-validator';
import { Field, ID, InputType, ObjectType } from 'type-graphql';
import type { EntityManager } from 'typeorm';
import { isPartner } from '../../auth/principal';
import { badUserInput } from '../../common/errors';
import type { Config } from '../../config';
import type { RequestContext } from '../../request/context';
import { AuditService } from '../audit/audit.service';
import { IdempotencyService } from '../idempotency/idempotency.service';
import { Channel } from '../interaction/interaction.enums';
import { writableCustomer } from '../customer/customer-access';
import type { CustomerEntity } from '../customer/customer.entity';
import { LEAD_PRODUCT_VIEW_DAYS, scoreIntent } from './lead-rules';
import { cityRoute, customerRoute, fallbackRoute, LeadRoute } from './lead-routing';
import type { Keyring } from '../../privacy/encryption/keyring';

@InputType()
export class RegisterLeadInput {
  @Field()
  @Length(1, 50)
  name: string;

  @Field({ description: '11-digit mainland mobile number, without +86.' })
  @Matches(/^1[3-9]\d{9}$/, { message: 'phone must be an 11-digit mainland mobile number' })
  phone: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(100)
  productInterest?: string | null;

  @Field(() => Channel)
  sourceChannel: Channel;

  @Field(() => String, { nullable: true, description: 'Links the lead to an existing customer.' })
  @IsOptional()
  @MaxLength(32)
  customerNo?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(100)
  externalRef?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      "The city the prospect wants to be served in, as the bank's branches name it (北京市): routes the lead.",
  })
  @IsOptional()
  @Length(1, 50)
  city?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      "Required from partners: the partner's reference to the prospect's separate consent to passing their " +
      'details to the bank (PIPL Art. 23).',
  })
  @IsOptional()
  @Length(1, 100)
  consentReference?: string | null;
}

@ObjectType('LeadReceipt', { simpleResolvers: true })
export class LeadReceipt {
  @Field(() => ID)
  id: string;
}

export class LeadCommandService {
  constructor(
    private readonly idempotency: IdempotencyService,
    private readonly audit: AuditService,
    private readonly config: Config['leads'],
    private readonly keyring: Keyring,
  ) {}

  /**
   * A prospect, scored and routed as it is registered; linking it to a
   * customer needs the same right as writing for that customer. A partner
   * passes on someone else's personal data, which needs that person's
   * separate consent: without a reference to it the lead is refused before
   * anything is written.
   */
  register(ctx: RequestContext, input: RegisterLeadInput): Promise<LeadReceipt> {
    if (isPartner(ctx.principal) && !input.consentReference) {
      throw badUserInput(
        'input.consentReference',
        "Partners must send consentReference: the prospect's separate consent to passing on their details",
      );
    }
    return this.idempotency.run(ctx, 'registerLead', input, input.externalRef, async (em) => {
      await this.keyring.ensure(em, 'lead');
      const sealed = this.keyring.sealRow('lead', { phone: input.phone });
      const customer = input.customerNo
        ? await writableCustomer(em, ctx, { customerNo: input.customerNo }, 'registerLead')
        : null;
      const intent = scoreIntent({
        sourceChannel: input.sourceChannel,
        productInterest: input.productInterest ?? null,
        tier: customer?.tier ?? null,
        recentProductViews: customer ? await recentProductViews(em, customer.id) : 0,
        personalisedMarketingWithdrawn: customer?.personalisedMarketingWithdrawn ?? false,
      });
      const route = await this.route(em, customer, input.city ?? null);
      const [row] = await em.query(
        `INSERT INTO lead (name, phone, phone_bidx, product_interest, source_channel, customer_id, registered_by, city,
                           consent_reference, intent, assignee_id, branch_id)
         VALUES ($1, $2, $12, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
        [
          input.name,
          sealed.phone,
          input.productInterest ?? null,
          input.sourceChannel,
          customer?.id ?? null,
          ctx.principal.id,
          input.city ?? null,
          input.consentReference ?? null,
          intent,
          route.assigneeId,
          route.branchId,
          sealed.phone_bidx,
        ],
      );
      // The record names the lead and how it was routed, never the prospect's name, phone or city.
      await this.audit.recordMutation(
        em,
        ctx,
        'registerLead',
        { leadId: row.id, intent, assigneeId: route.assigneeId, branchId: route.branchId },
        customer?.id ?? null,
      );
      return { id: row.id };
    });
  }

  private async route(em: EntityManager, customer: CustomerEntity | null, city: string | null): Promise<LeadRoute> {
    if (customer) return customerRoute(customer);
    return (city === null ? null : await cityRoute(em, city)) ?? fallbackRoute(em, this.config.fallbackBranchCode);
  }
}

async function recentProductViews(em: EntityManager, customerId: string): Promise<number> {
  const [{ n }]: { n: number }[] = await em.query(
    `SELECT count(*)::int AS n FROM interaction
     WHERE customer_id = $1 AND type = 'PRODUCT_VIEW' AND occurred_at > now() - make_interval(days => $2)`,
    [customerId, LEAD_PRODUCT_VIEW_DAYS],
  );
  return n;
}
