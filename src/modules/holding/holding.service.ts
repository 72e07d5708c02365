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

  /**
   * A customer's holdings, newest first. Without `withAccountNo` (the
   * selection does not show it) the account numbers are not decrypted and the
   * nodes carry none: decryption was a tenth of a marketing page's CPU.
   */
  async pageForCustomer(
    ctx: RequestContext,
    customerId: string,
    args: PageArgs,
    withAccountNo = true,
  ): Promise<Connection<Holding>> {
    const page = toPageRequest(args, dateAndId);
    // Without account numbers the page is another loader, whose rows carry none (holding.loaders.ts).
    const loaded = await ctx.loaders.holding.pageByCustomer({ page, withAccountNo }).load(customerId);
    // The page is built as JSON in SQL: its account numbers are decrypted here, where rows become API
    // objects. In place and idempotent (a decrypted value has no prefix), so aliases may share it.
    const rows = withAccountNo
      ? await this.keyring.open(ctx.reads, 'holding', loaded, { account_no: 'accountNo' })
      : loaded;
    return toConnection(
      rows,
      page.limit,
      (h) => [h.openedAt, h.id],
      (h) => h,
      () => ctx.loaders.holding.countByCustomer.load(customerId),
    );
  }
}
