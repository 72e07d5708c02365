import { Ctx, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../request/context';
import { policyShadowReport } from './policy-shadow.service';
import { PolicyShadowReport } from './policy-shadow.type';

@Resolver()
export class PolicyShadowResolver {
  @Query(() => PolicyShadowReport, {
    description:
      'Shadow mode: what a candidate privacy policy would have answered otherwise, counted per type, field and ' +
      'role. Compliance auditors only.',
  })
  policyShadowReport(@Ctx() ctx: RequestContext) {
    return policyShadowReport(ctx.privacy.shadow);
  }
}
