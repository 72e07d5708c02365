import { dateAndId } from '../../common/cursor-keys';
import { Connection, PageArgs, toConnection, toPageRequest } from '../../common/pagination';
import type { RequestContext } from '../../request/context';
import { ProductEntity } from './holding.entity';
import { Holding, Product } from './holding.type';
import type { Keyring } from '../../privacy/encryption/keyring';

/** Reads only, through the request's read source (a replica for queries). */
export class HoldingService {
  constructor(private readonly keyring: Keyring) {}

  /** The product catalogue is short and bounded, so it is a plain list. */
  products(ctx: RequestContext): Promise<Product[]> {
    return ctx.reads.getRepository(ProductEntity).find({ order: { type: 'ASC', code: 'ASC' } });
  }

  /** A customer's holdings, newest first. */
  async pageForCustomer(ctx: RequestContext, customerId: string, args: PageArgs): Promise<Connection<Holding>> {
    const page = toPageRequest(args, dateAndId);
    // The page is built as JSON in SQL (holding.loaders.ts): its account numbers are decrypted here, where
    // rows become API objects. In place and idempotent (a decrypted value has no prefix), so aliases may share it.
    const rows = await this.keyring.open(
      ctx.reads,
      'holding',
      await ctx.loaders.holding.pageByCustomer(page).load(customerId),
      { account_no: 'accountNo' },
    );
    return toConnection(
      rows,
      page.limit,
      (h) => [h.openedAt, h.id],
      (h) => h,
      () => ctx.loaders.holding.countByCustomer.load(customerId),
    );
  }
}
