import { instantAndId } from '../../common/cursor-keys';
import { Connection, PageArgs, toConnection, toPageRequest } from '../../common/pagination';
import type { RequestContext } from '../../request/context';
import { Interaction } from './interaction.type';

export class InteractionService {
  /** A customer's interactions, newest first. */
  async pageForCustomer(ctx: RequestContext, customerId: string, args: PageArgs): Promise<Connection<Interaction>> {
    const page = toPageRequest(args, instantAndId);
    const rows = await ctx.loaders.interaction.pageByCustomer(page).load(customerId);
    return toConnection(
      rows,
      page.limit,
      (i) => [i.occurredAt.toISOString(), i.id],
      (i) => i,
      () => ctx.loaders.interaction.countByCustomer.load(customerId),
    );
  }
}
