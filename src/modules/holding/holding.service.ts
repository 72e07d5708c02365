import { dateAndId } from '../../common/cursor-keys';
import { Connection, PageArgs, toConnection, toPageRequest } from '../../common/pagination';
import type { RequestContext } from '../../request/context';
import { ProductEntity } from './holding.entity';
import { Holding, Product } from './holding.type';

/** Reads only, through the request's read source (a replica for queries). */
export class HoldingService {
  /** The product catalogue is short and bounded, so it is a plain list. */
  products(ctx: RequestContext): Promise<Product[]> {
    return ctx.reads.getRepository(ProductEntity).find({ order: { type: 'ASC', code: 'ASC' } });
  }

  /** A customer's holdings, newest first. */
  async pageForCustomer(ctx: RequestContext, customerId: string, args: PageArgs): Promise<Connection<Holding>> {
    const page = toPageRequest(args, dateAndId);
    const rows = await ctx.loaders.holding.pageByCustomer(page).load(customerId);
    return toConnection(
      rows,
      page.limit,
      (h) => [h.openedAt, h.id],
      (h) => h,
      () => ctx.loaders.holding.countByCustomer.load(customerId),
    );
  }
}
