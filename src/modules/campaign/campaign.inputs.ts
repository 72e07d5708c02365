import {
  ArrayMaxSize,
  ArrayNotEmpty,
  ArrayUnique,
  IsOptional,
  IsUUID,
  Length,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { Field, ID, InputType } from 'type-graphql';
import { CAMPAIGN_TEXT_MAX_LENGTH } from '../../common/input-bounds';
import { DateScalar, DecimalScalar } from '../../common/scalars';
import { LifecycleStage, Tier } from '../customer/customer.enums';
import { Channel } from '../interaction/interaction.enums';

@InputType()
export class CampaignTargetInput {
  @Field(() => [Tier], { defaultValue: [] })
  @ArrayUnique()
  tiers: Tier[];

  @Field(() => [LifecycleStage], { defaultValue: [] })
  @ArrayUnique()
  lifecycleStages: LifecycleStage[];

  @Field(() => [String], { defaultValue: [] })
  @ArrayUnique()
  @ArrayMaxSize(20)
  tagCodes: string[];

  @Field(() => DecimalScalar, { nullable: true })
  aumMin?: string | null;

  @Field(() => DecimalScalar, { nullable: true })
  aumMax?: string | null;
}

@InputType({ description: 'What the campaign says on one of its channels: an SMS text, a call script.' })
export class CampaignMessageInput {
  @Field(() => Channel, { description: "One of the campaign's channels, at most one message each." })
  channel: Channel;

  @Field()
  @Length(1, CAMPAIGN_TEXT_MAX_LENGTH)
  text: string;
}

/** What a marketing manager plans; the same fields create a campaign and edit a draft. */
@InputType()
export class CampaignInput {
  @Field({ description: 'Upper-case letters, digits, - and _; unique.' })
  @Matches(/^[A-Z0-9_-]{2,32}$/, { message: 'code must be 2 to 32 upper-case letters, digits, - or _' })
  code: string;

  @Field()
  @Length(1, 100)
  name: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(500)
  objective?: string | null;

  @Field(() => CampaignTargetInput)
  @ValidateNested()
  targetCriteria: CampaignTargetInput;

  @Field(() => [Channel])
  @ArrayNotEmpty()
  @ArrayUnique()
  channels: Channel[];

  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsUUID()
  productId?: string | null;

  @Field(() => DecimalScalar, { defaultValue: '0.00' })
  budget: string;

  @Field(() => DateScalar, { nullable: true })
  startsOn?: string | null;

  @Field(() => DateScalar, { nullable: true })
  endsOn?: string | null;

  @Field(() => [CampaignMessageInput], {
    defaultValue: [],
    description: 'Checked for forbidden claims when the campaign is submitted.',
  })
  @ArrayMaxSize(Object.keys(Channel).length)
  @ValidateNested()
  messages: CampaignMessageInput[];

  @Field(() => String, {
    nullable: true,
    description: 'Required to submit a campaign whose product is above R1; checked for forbidden claims.',
  })
  @IsOptional()
  @MaxLength(CAMPAIGN_TEXT_MAX_LENGTH)
  riskDisclosure?: string | null;
}
