import { DataSource } from 'typeorm';
import { dateAndId } from '../../common/cursor-keys';
import { Connection, PageArgs, toConnection, toPageRequest } from '../../common/pagination';
import type { RequestContext } from '../../server/context';
import { ProductEntity } from './holding.entity';
import { Holding, Product } from './holding.type';

export class HoldingService {
  constructor(private readonly ds: DataSource) {}

  /** The product catalogue is short and bounded, so it is a plain list. */
  products(): Promise<Product[]> {
    return this.ds.getRepository(ProductEntity).find({ order: { type: 'ASC', code: 'ASC' } });
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
