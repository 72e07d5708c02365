import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import type { RequestContext } from '../../request/context';
import { RevealableField, RevealReason } from './reveal.enums';
import { RevealedValue, RevealTarget } from './reveal.type';

@Resolver(() => RevealedValue)
export class RevealResolver {
  @Mutation(() => RevealedValue, {
    nullable: true,
    description:
      "Break-glass: one masked value in full, when the privacy policy lets one of the caller's roles reveal it for this reason. " +
      'Audited (granted or refused) and counted against a daily quota per caller; over it, null with QUOTA_EXCEEDED ' +
      "(extensions.resetsAt). A customer or holding outside the caller's scope is NOT_FOUND.",
  })
  revealField(
    @Ctx() ctx: RequestContext,
    @Arg('target', () => RevealTarget) target: RevealTarget,
    @Arg('field', () => RevealableField) field: RevealableField,
    @Arg('reason', () => RevealReason) reason: RevealReason,
    @Arg('note', () => String, { description: 'Why the value is needed; at most 500 characters.' }) note: string,
    @Arg('ticket', () => String, { nullable: true, description: 'A ticket or case number; at most 64 characters.' })
    ticket?: string | null,
  ) {
    return ctx.services.reveals.reveal(ctx, { target, field, reason, note, ticket });
  }
}
