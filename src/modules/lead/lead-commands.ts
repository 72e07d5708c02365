import { IsOptional, Length, Matches, MaxLength } from 'class-validator';
import { Field, ID, InputType, ObjectType } from 'type-graphql';
import type { RequestContext } from '../../request/context';
import { AuditService } from '../audit/audit.service';
import { IdempotencyService } from '../idempotency/idempotency.service';
import { Channel } from '../interaction/interaction.enums';
import { writableCustomer } from '../customer/customer-access';

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
  ) {}

  /** A prospect; linking it to a customer needs the same right as writing for that customer. */
  register(ctx: RequestContext, input: RegisterLeadInput): Promise<LeadReceipt> {
    return this.idempotency.run(ctx, 'registerLead', input, input.externalRef, async (em) => {
      const customer = input.customerNo
        ? await writableCustomer(em, ctx, { customerNo: input.customerNo }, 'registerLead')
        : null;
      const [row] = await em.query(
        `INSERT INTO lead (name, phone, product_interest, source_channel, customer_id, registered_by)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
        [
          input.name,
          input.phone,
          input.productInterest ?? null,
          input.sourceChannel,
          customer?.id ?? null,
          ctx.principal.id,
        ],
      );
      // The record names the lead, never the prospect's name or phone.
      await this.audit.recordMutation(em, ctx, 'registerLead', { leadId: row.id }, customer?.id ?? null);
      return { id: row.id };
    });
  }
}
