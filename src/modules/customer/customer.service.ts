import { Brackets, SelectQueryBuilder } from 'typeorm';
import { appError, badUserInput } from '../../common/errors';
import { assertId } from '../../common/ids';
import { Connection, PageArgs, toConnection, toPageRequest } from '../../common/pagination';
import type { Config } from '../../config';
import type { RequestContext } from '../../server/context';
import { CustomerEntity } from './customer.entity';
import { CustomerFilter } from './customer-filter.input';
import type { CustomerLookahead } from './customer-lookahead';
import { customerViewer, scopedCustomers } from './customer.loaders';
import { Customer } from './customer.type';
import { aumRangeOf } from './segmentation.rules';

/** Reads only: through the request's loaders and its read source (a replica for queries). */
export class CustomerService {
  constructor(private readonly config: Config) {}

  async getById(ctx: RequestContext, id: string, lookahead?: CustomerLookahead): Promise<Customer | null> {
    assertId('id', id);
    // PostgreSQL reads a UUID in either case; the loaders key on its canonical (lower-case) text.
    const key = id.toLowerCase();
    return lookahead ? lookahead.loadOne(ctx, 'id', key) : ctx.loaders.customer.byId.load(key);
  }

  async getByNumber(ctx: RequestContext, customerNo: string, lookahead?: CustomerLookahead): Promise<Customer | null> {
    return lookahead
      ? lookahead.loadOne(ctx, 'customer_no', customerNo)
      : ctx.loaders.customer.byNumber.load(customerNo);
  }

  /** A page of customers ordered by customer number; the cursor is the last customer number. */
  async page(
    ctx: RequestContext,
    filter: CustomerFilter | null | undefined,
    args: PageArgs,
    lookahead?: CustomerLookahead,
  ): Promise<Connection<Customer>> {
    const page = toPageRequest(args, ([customerNo]) => (typeof customerNo === 'string' ? customerNo : undefined));
    const matching = () => this.filtered(ctx, filter ?? {});

    const query = matching()
      .orderBy('c.customer_no')
      .limit(page.limit + 1);
    if (page.after !== undefined) query.andWhere('c.customer_no > :after', { after: page.after });
    const rows = await query.getMany();

    const view = customerViewer(this.config, ctx, ctx.loaders.organisation);
    const connection = toConnection(
      rows,
      page.limit,
      (row) => [row.customerNo],
      view,
      () => matching().getCount(),
    );
    await lookahead?.prefetch(
      ctx,
      connection.edges.map((edge) => edge.node),
    );
    return connection;
  }

  /**
   * The caller's customers matching the filter. Filters must not reveal what
   * masking hides (PRODUCT.md §3): an AUM range needs aum in full, and search
   * matches names only for callers who read names in full.
   */
  private filtered(ctx: RequestContext, filter: CustomerFilter): SelectQueryBuilder<CustomerEntity> {
    const q = scopedCustomers(ctx.reads, ctx);
    const today = ctx.today;
    if (filter.tiers?.length) q.andWhere('c.tier IN (:...tiers)', { tiers: filter.tiers });
    if (filter.lifecycleStages?.length) {
      q.andWhere('c.lifecycle_stage IN (:...stages)', { stages: filter.lifecycleStages });
    }
    if (filter.branchIds?.length) {
      filter.branchIds.forEach((id) => assertId('filter.branchIds', id));
      q.andWhere('c.branch_id IN (:...branchIds)', { branchIds: filter.branchIds });
    }
    if (filter.tagCodes?.length) {
      // One EXISTS per code rather than IN (... GROUP BY HAVING count = k): the
      // planner turns each into a semi-join it can estimate, and walks the
      // customer_no order with early exit (EXPLAIN at 100k customers: 2 ms
      // against 1.3 s for the grouped form on a page of 50).
      [...new Set(filter.tagCodes)].forEach((code, i) => {
        q.andWhere(
          `EXISTS (
            SELECT 1 FROM customer_tag ct JOIN tag t ON t.id = ct.tag_id
            WHERE ct.customer_id = c.id AND t.code = :tagCode${i} AND (ct.expires_at IS NULL OR ct.expires_at > now()))`,
          { [`tagCode${i}`]: code },
        );
      });
    }
    if (filter.minRiskTolerance) {
      // Only the latest assessment counts, and an expired one is unknown.
      q.andWhere(
        `EXISTS (
          SELECT 1 FROM (
            SELECT ra.risk_tolerance, ra.valid_until FROM risk_assessment ra
            WHERE ra.customer_id = c.id ORDER BY ra.assessed_at DESC, ra.id DESC LIMIT 1
          ) latest
          WHERE latest.risk_tolerance >= :minTolerance AND latest.valid_until >= :today)`,
        { minTolerance: filter.minRiskTolerance, today },
      );
    }
    if ((filter.aumMin != null || filter.aumMax != null) && ctx.privacy.everywhere('Customer', 'aum') !== 'F') {
      throw appError('FORBIDDEN', 'Filter by aumBands: you may not read AUM in full', { field: 'filter.aumMin' });
    }
    this.applyAumFilter(q, filter);
    if (filter.search) {
      const prefix = `${filter.search.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
      // Callers who see names masked search customer numbers only, or a prefix would reveal the name.
      if (ctx.privacy.everywhere('Customer', 'name') === 'F') {
        q.andWhere(new Brackets((or) => or.where('c.name LIKE :prefix').orWhere('c.customer_no LIKE :prefix')), {
          prefix,
        });
      } else {
        q.andWhere('c.customer_no LIKE :prefix', { prefix });
      }
    }
    return q;
  }

  private applyAumFilter(q: SelectQueryBuilder<CustomerEntity>, filter: CustomerFilter): void {
    const hasRange = filter.aumMin != null || filter.aumMax != null;
    if (hasRange && filter.aumBands?.length) {
      throw badUserInput('filter.aumBands', 'filter by aumMin/aumMax or by aumBands, not both');
    }
    if (filter.aumMin != null) q.andWhere('c.aum >= :aumMin', { aumMin: filter.aumMin });
    if (filter.aumMax != null) q.andWhere('c.aum < :aumMax', { aumMax: filter.aumMax });
    if (filter.aumBands?.length) {
      const t = this.config.segmentation;
      q.andWhere(
        new Brackets((or) => {
          filter.aumBands!.forEach((band, i) => {
            const { min, max } = aumRangeOf(band, t);
            const clause =
              max === undefined ? `c.aum >= :bandMin${i}` : `(c.aum >= :bandMin${i} AND c.aum < :bandMax${i})`;
            or.orWhere(clause, { [`bandMin${i}`]: min, [`bandMax${i}`]: max });
          });
        }),
      );
    }
  }
}
