import { GraphQLResolveInfo, responsePathAsArray } from 'graphql';
import { badUserInput } from '../../common/errors';
import { assertId } from '../../common/ids';
import { Connection, PageArgs, PageRequest, toConnection, toPageRequest } from '../../common/pagination';
import type { Config } from '../../config';
import type { RequestContext } from '../../request/context';
import { SqlParams } from '../../db/parent-relations';
import { scopeSql } from '../../privacy/row-scope';
import type { CustomerViewRow } from './customer.mapper';
import { CustomerFilter } from './customer-filter.input';
import { sensitiveFilterRead } from './customer-filter-reads';
import type { CustomerLookahead } from './customer-lookahead';
import { customerViewer } from './customer.loaders';
import { Customer } from './customer.type';
import { aumRangeOf } from './segmentation.rules';
import { segmentConditions } from './segment-criteria';
import { customerColumns, openCustomerRows } from './customer-sealing';
import type { Keyring } from '../../privacy/encryption/keyring';

/** A page's cursor: the last customer number. */
export const customerNoKey = ([customerNo]: unknown[]) => (typeof customerNo === 'string' ? customerNo : undefined);

/** Reads only: through the request's loaders and its read source (a replica for queries). */
export class CustomerService {
  constructor(
    private readonly config: Config,
    /** Opens what customer reads hold encrypted (the direct reads too). */
    readonly keyring: Keyring,
  ) {}

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
    info?: GraphQLResolveInfo,
  ): Promise<Connection<Customer>> {
    const page = toPageRequest(args, customerNoKey);
    // Checked (and refused) before anything is read: a filter on a field the caller may not read in full is FORBIDDEN.
    const sensitive = sensitiveFilterRead(
      filter ?? {},
      ctx.privacy,
      (text) => ctx.services.audit.keyedHash(text),
      (argument) => ctx.audit.noteRefusedFilter(argument),
    );
    const matching = this.conditions(ctx, filter ?? {});

    // Unnamed statements: PostgreSQL plans each for its values, which matters for filters as skewed as tags.
    const { rows, withheld } = await this.pageRows(ctx, matching, page, lookahead?.selectedNames);

    // One count per request however often it is asked for: totalCount (aliases included) and the filter's audit record.
    let counted: Promise<number> | undefined;
    const countAll = () =>
      (counted ??= (async () => {
        const countParams = new SqlParams();
        const [{ count }] = await ctx.reads.query(
          `SELECT count(*)::int AS count FROM customer c WHERE ${matching(countParams)}`,
          countParams.values,
        );
        return count as number;
      })());
    if (sensitive) {
      // A first page that holds every match already tells the count. Otherwise
      // the record waits for totalCount's query, or runs it when the client did
      // not select totalCount: one statement, and only for a sensitive filter.
      const wholeMatch = !withheld && page.after === undefined && rows.length <= page.limit;
      ctx.audit.noteFilter({ ...sensitive, matched: wholeMatch ? () => Promise.resolve(rows.length) : countAll });
    }
    // A withheld list's count is withheld without counting; otherwise the cohort is at least K, and so is the count.
    const totalCount = withheld ? () => Promise.reject(ctx.privacy.cohorts.error()) : countAll;
    if (withheld && info) ctx.privacy.cohorts.noteWithheldList(responsePathAsArray(info.path));

    const view = customerViewer(this.config, ctx, ctx.loaders.organisation);
    const connection = toConnection(rows, page.limit, (row) => [row.customerNo], view, totalCount);
    await lookahead?.prefetch(
      ctx,
      connection.edges.map((edge) => edge.node),
    );
    return connection;
  }

  /**
   * The rows of a page. For a caller whose small cohorts are withheld, the
   * same statement first counts the filter's matches up to K (a bounded count:
   * it stops at K, whatever the filter matches) and reads the page only when
   * there are K: a cohort of fewer is withheld, rows and all. Other callers'
   * statement is unchanged.
   */
  private async pageRows(
    ctx: RequestContext,
    matching: (params: SqlParams) => string,
    page: PageRequest<string>,
    selected?: ReadonlySet<string>,
  ): Promise<{ rows: CustomerViewRow[]; withheld: boolean }> {
    const { rows, withheld } = await this.pageStatement<CustomerViewRow>(
      ctx,
      matching,
      page,
      customerColumns(ctx.reads, 'c', selected),
    );
    return { rows: await openCustomerRows(this.keyring, ctx.reads, rows, selected), withheld };
  }

  /**
   * Runs the page's statement: `columns` of the matching customers of `c`
   * after the cursor, by number, `limit + 1` of them (the columns must name
   * `id` and `customerNo`). For a caller whose small cohorts are withheld, the
   * bounded cohort count comes first, in the same statement. The direct read
   * (customer-direct.ts) runs it with the page's JSON as its columns.
   */
  async pageStatement<R extends { id: string }>(
    ctx: RequestContext,
    matching: (params: SqlParams) => string,
    page: PageRequest<string>,
    columns: string | ((params: SqlParams) => string),
  ): Promise<{ rows: R[]; withheld: boolean }> {
    const params = new SqlParams();
    const pageSql = (where: string) => {
      const select = typeof columns === 'string' ? columns : columns(params);
      const after = page.after === undefined ? '' : `AND c.customer_no > ${params.bind(page.after, 'text')}`;
      return `SELECT ${select} FROM customer c WHERE ${where} ${after}
              ORDER BY c.customer_no LIMIT ${params.bind(page.limit + 1, 'int')}`;
    };
    const { cohorts } = ctx.privacy;
    if (!cohorts.applies)
      return { rows: await ctx.reads.query(pageSql(matching(params)), params.values), withheld: false };
    const k = params.bind(cohorts.minimum, 'int');
    const cohortSql = `SELECT count(*)::int AS cohort FROM (SELECT 1 FROM customer c WHERE ${matching(params)} LIMIT ${k}) m`;
    // The cohort's row comes back alone (its page columns null) when the page is withheld or empty.
    const result: (R & { cohort: number })[] = await ctx.reads.query(
      `SELECT k.cohort, p.* FROM (${cohortSql}) k
       LEFT JOIN LATERAL (${pageSql(`k.cohort >= ${k} AND ${matching(params)}`)}) p ON true
       ORDER BY p."customerNo"`,
      params.values,
    );
    const withheld = cohorts.withholds(result[0].cohort);
    const rows = withheld ? [] : result.filter((row) => row.id !== null).map(({ cohort: _cohort, ...row }) => row);
    return { rows: rows as unknown as R[], withheld };
  }

  /**
   * The caller's customers matching the filter, as a condition on `c` that
   * binds its values into a statement's parameters. Filters must not reveal
   * what masking hides (PRODUCT.md §3): sensitiveFilterRead has refused a
   * filter on a field the caller does not read in full, and search matches
   * names only for callers who read names in full.
   */
  conditions(ctx: RequestContext, filter: CustomerFilter): (params: SqlParams) => string {
    filter.branchIds?.forEach((id) => assertId('filter.branchIds', id));
    if ((filter.aumMin != null || filter.aumMax != null) && filter.aumBands?.length) {
      throw badUserInput('filter.aumBands', 'filter by aumMin/aumMax or by aumBands, not both');
    }
    const namesInFull = ctx.privacy.accessOnEveryRow('Customer', 'name') === 'F';

    return ({ bind }) => {
      const where = [scopeSql(ctx.scope, 'c', bind), ...segmentConditions(filter, bind)];
      if (filter.branchIds?.length)
        where.push(`c.branch_id IN (${filter.branchIds.map((id) => bind(id, 'uuid')).join(', ')})`);
      if (filter.minRiskTolerance) {
        // Only the latest assessment counts, and an expired one is unknown.
        where.push(`EXISTS (
          SELECT 1 FROM (
            SELECT ra.risk_tolerance, ra.valid_until FROM risk_assessment ra
            WHERE ra.customer_id = c.id ORDER BY ra.assessed_at DESC, ra.id DESC LIMIT 1
          ) latest
          WHERE latest.risk_tolerance >= ${bind(filter.minRiskTolerance, 'text')}
            AND latest.valid_until >= ${bind(ctx.today, 'date')})`);
      }
      if (filter.aumBands?.length) {
        const t = this.config.segmentation;
        const bands = filter.aumBands.map((band) => {
          const { min, max } = aumRangeOf(band, t);
          const from = `c.aum >= ${bind(min, 'numeric')}`;
          return max === undefined ? from : `(${from} AND c.aum < ${bind(max, 'numeric')})`;
        });
        where.push(`(${bands.join(' OR ')})`);
      }
      if (filter.search) {
        const prefix = bind(`${filter.search.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`, 'text');
        // Callers who see names masked search customer numbers only, or a prefix would reveal the name.
        where.push(
          namesInFull ? `(c.name LIKE ${prefix} OR c.customer_no LIKE ${prefix})` : `c.customer_no LIKE ${prefix}`,
        );
      }
      return where.join(' AND ');
    };
  }
}
