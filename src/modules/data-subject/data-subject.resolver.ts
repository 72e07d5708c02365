import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../request/context';
import { ErasureReason } from './data-subject.enums';
import { DataSubjectExport, ErasureReceipt } from './data-subject.type';

@Resolver()
export class DataSubjectResolver {
  @Query(() => DataSubjectExport, {
    description:
      "Everything held about a customer, as one document, for answering the customer's request for a copy " +
      '(PIPL Art. 45). Compliance auditors only; the read is audited like any other.',
  })
  dataSubjectExport(@Ctx() ctx: RequestContext, @Arg('customerId', () => ID) customerId: string) {
    return ctx.services.dataSubjectExport.export(ctx, customerId);
  }

  @Mutation(() => ErasureReceipt, {
    description:
      "Erases a customer's personal data (PIPL Art. 47), keeping only what a legal hold requires (identity and " +
      'transaction records under the AML law) out of every read path until the hold runs out. Compliance auditors ' +
      'only; audited; erasing again answers the first receipt.',
  })
  eraseCustomer(
    @Ctx() ctx: RequestContext,
    @Arg('customerId', () => ID) customerId: string,
    @Arg('reason', () => ErasureReason) reason: ErasureReason,
  ) {
    return ctx.services.customerErasure.erase(ctx, customerId, reason);
  }
}
