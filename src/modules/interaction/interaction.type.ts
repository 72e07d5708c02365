import { Field, ID, ObjectType } from 'type-graphql';
import { ConnectionType } from '../../common/pagination';
import { DateTimeScalar } from '../../common/scalars';
import { Channel, ComplianceFlag, InteractionType } from './interaction.enums';

@ObjectType('Interaction', { simpleResolvers: true })
export class Interaction {
  @Field(() => ID)
  id: string;

  @Field(() => Channel)
  channel: Channel;

  @Field(() => InteractionType)
  type: InteractionType;

  @Field(() => DateTimeScalar)
  occurredAt: Date;

  @Field(() => String, { nullable: true })
  summary: string | null;

  @Field(() => String, { nullable: true, description: 'Free text.' })
  outcome: string | null;

  @Field(() => [ComplianceFlag], {
    description:
      'The consent rules and contact caps a CAMPAIGN_CONTACT breached when it was recorded (it is kept as evidence); empty otherwise.',
  })
  complianceFlags: ComplianceFlag[];
}

export const InteractionConnection = ConnectionType(Interaction, 'Interaction');
