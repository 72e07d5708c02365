import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { ConnectionType } from '../../common/pagination';
import { DateTimeScalar } from '../../common/scalars';
import { Channel } from '../interaction/interaction.enums';
import { LeadIntent, LeadStatus } from './lead.enums';

@ObjectType('Lead', {
  simpleResolvers: true,
  description: 'A prospect registered by staff or a partner, routed for follow-up.',
})
export class Lead {
  @Field(() => ID)
  id: string;

  @Field(() => String, { nullable: true, description: "Masked like a customer's name where the role sees it masked." })
  name: string | null;

  @Field(() => String, { nullable: true, description: "Masked like a customer's phone where the role sees it masked." })
  phone: string | null;

  @Field(() => String, { nullable: true })
  city: string | null;

  @Field(() => String, { nullable: true })
  productInterest: string | null;

  @Field(() => Channel)
  sourceChannel: Channel;

  @Field(() => LeadIntent, {
    nullable: true,
    description: 'Null when the linked customer withdrew personalised marketing: they are not profiled.',
  })
  intent: LeadIntent | null;

  @Field(() => LeadStatus)
  status: LeadStatus;

  @Field({ description: 'HIGH intent, still NEW, and registered more than LEAD_HIGH_INTENT_CONTACT_HOURS ago.' })
  overdue: boolean;

  @Field(() => DateTimeScalar)
  createdAt: Date;

  @Field(() => DateTimeScalar, { nullable: true })
  contactedAt: Date | null;

  @Field(() => DateTimeScalar, { description: 'The last status change (or registration): retention counts from it.' })
  updatedAt: Date;

  /** For the field resolvers (lead.resolver.ts): not fields. */
  customerId: string | null;
  assigneeId: string | null;
  branchId: string | null;
}

export const LeadConnection = ConnectionType(Lead, 'Lead');

@InputType()
export class LeadFilter {
  @Field(() => LeadStatus, { nullable: true })
  status?: LeadStatus | null;

  @Field(() => LeadIntent, { nullable: true })
  intent?: LeadIntent | null;
}
