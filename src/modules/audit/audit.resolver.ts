import { Arg, Args, Ctx, Query, Resolver } from 'type-graphql';
import { PageArgs } from '../../common/pagination';
import type { RequestContext } from '../../request/context';
import { AuditLogFilter, AuditRecord, AuditRecordConnection } from './audit.type';

@Resolver(() => AuditRecord)
export class AuditResolver {
  @Query(() => AuditRecordConnection, {
    description: 'Who read or changed what, newest first. Compliance auditors only.',
  })
  auditLog(
    @Ctx() ctx: RequestContext,
    @Args() page: PageArgs,
    @Arg('filter', () => AuditLogFilter, { nullable: true }) filter?: AuditLogFilter | null,
  ) {
    return ctx.services.audit.page(ctx, filter, page);
  }
}
