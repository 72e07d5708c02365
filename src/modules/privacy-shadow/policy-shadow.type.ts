import { Field, Float, ObjectType, registerEnumType } from 'type-graphql';
import { DateTimeScalar } from '../../common/scalars';

export enum PolicyAccess {
  FULL = 'FULL',
  MASKED = 'MASKED',
  DENIED = 'DENIED',
}

registerEnumType(PolicyAccess, {
  name: 'PolicyAccess',
  description:
    'A policy cell: the full value, the masked value, or denied. For a root field, FULL may call and DENIED may ' +
    'not; for the pseudo-field `(row)` of Customer, FULL returns the customer and DENIED would not.',
});

@ObjectType('PolicyShadowRow', {
  simpleResolvers: true,
  description: 'Reads that the candidate policy would answer otherwise than the live one, since shadow mode started.',
})
export class PolicyShadowRow {
  @Field({ description: 'The object type, or Query / Mutation for a root field.' })
  type: string;

  @Field({ description: 'The field, or `(row)` for a customer the candidate row scope would not return.' })
  field: string;

  @Field({
    description:
      'The role columns that read it, joined with "+" (RM, BRANCH, CALL_CENTER, MKT, RISK, AUDITOR, PARTNER); ' +
      'for a root field, the caller roles. "-" where no column covers the customer.',
  })
  role: string;

  @Field(() => PolicyAccess)
  liveAccess: PolicyAccess;

  @Field(() => PolicyAccess)
  candidateAccess: PolicyAccess;

  @Field(() => Float, { description: 'How many reads (objects returned with the field selected, or calls).' })
  count: number;
}

@ObjectType('PolicyShadowReport', {
  simpleResolvers: true,
  description:
    'What shadow mode has counted in this instance (each instance counts its own; the Prometheus counter ' +
    'privacy_shadow_differences_total sums them). Compliance auditors only.',
})
export class PolicyShadowReport {
  @Field({ description: 'Whether a candidate policy is set (PRIVACY_SHADOW_POLICY); when not, nothing is counted.' })
  enabled: boolean;

  @Field(() => String, { nullable: true, description: "The candidate policy file's name." })
  candidateFile: string | null;

  @Field(() => String, { nullable: true, description: "SHA-256 of the candidate file's bytes, hex." })
  candidateSha256: string | null;

  @Field(() => DateTimeScalar, { nullable: true, description: 'When this instance started counting.' })
  since: Date | null;

  @Field(() => [PolicyShadowRow], {
    description:
      'Busiest first. Bounded by the policy: one row per type, field, role columns and pair of cells that occurred.',
  })
  rows: PolicyShadowRow[];
}
