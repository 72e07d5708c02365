import { FieldNode, getArgumentValues, GraphQLObjectType, GraphQLResolveInfo } from 'graphql';
import { dateAndId, instantAndId } from '../../common/cursor-keys';
import { collectSelectedFields, selectedFieldsAt } from '../../common/selected-fields';
import { PageArgs, PageRequest, toPageRequest } from '../../common/pagination';
import { prefetch, RelationLoader } from '../../db/parent-relations';
import type { RequestContext } from '../../request/context';
import type { Loaders } from '../../request/loaders';
import { showsAccountNo } from '../holding/holding.loaders';
import type { CustomerKey } from './customer.loaders';
import { Customer } from './customer.type';

type AnyRelationLoader = RelationLoader<unknown>;

/**
 * The relations of a customer that a root resolver can fetch with the
 * customers it returns: per Customer field, the loaders a selection of it
 * reads (with its arguments). A field missing here still works; it is
 * loaded by its own resolver, one statement per batch.
 */
const PREFETCHABLE: Record<string, (loaders: Loaders, field: SelectedField) => AnyRelationLoader[]> = {
  tags: (l) => [l.tag.byCustomer],
  holdings: (l, field) =>
    pageOf(
      field,
      dateAndId,
      (page) => l.holding.pageByCustomer({ page, withAccountNo: showsAccountNo(field.selection) }),
      l.holding.countByCustomer,
    ),
  interactions: (l, field) => pageOf(field, instantAndId, l.interaction.pageByCustomer, l.interaction.countByCustomer),
  campaignEnrollments: (l) => [l.campaign.enrollmentsByCustomer],
  riskProfile: (l) => [l.risk.latestByCustomer],
  riskWarnings: (l) => [l.risk.latestByCustomer, l.tag.byCustomer],
  consents: (l) => [l.consent.byCustomer],
  contactAllowance: (l) => [l.interaction.allowanceByCustomer],
};

/**
 * Look-ahead for a root field that returns customers: reads which relations
 * the query selects under them and fetches them all in one statement, with
 * the customer itself (loadOne) or once a page is loaded (prefetch), priming
 * the loaders that the field resolvers then read. Privacy is unchanged: the
 * loaders decode and mask their values exactly as on their own, and a
 * relation denied to the caller for a customer is not fetched for it.
 */
export class CustomerLookahead {
  private constructor(
    private readonly fields: SelectedField[],
    /** Every Customer field selected, relation or not (a page decrypts only those it shows). */
    readonly selectedNames: ReadonlySet<string>,
  ) {}

  /**
   * `pathToCustomer` leads from the root field to its Customer objects:
   * [] for `customer`, ['edges', 'node'] for a connection.
   */
  static of(info: GraphQLResolveInfo, pathToCustomer: string[] = []): CustomerLookahead {
    const customer = info.schema.getType('Customer') as GraphQLObjectType;
    const selected = selectedFieldsAt(info, pathToCustomer);
    return new CustomerLookahead(
      selected.filter((node) => node.name.value in PREFETCHABLE).map((node) => new SelectedField(node, customer, info)),
      new Set(selected.map((node) => node.name.value)),
    );
  }

  /**
   * One customer, by id or number, with every selected relation. When the
   * caller may read each of them on every customer they can see (a caller
   * with one role always can, or never), that is one statement; otherwise
   * the customer comes first and its relations follow through its own plan.
   */
  async loadOne(ctx: RequestContext, column: CustomerKey, key: string): Promise<Customer | null> {
    const loader = column === 'id' ? ctx.loaders.customer.byId : ctx.loaders.customer.byNumber;
    const together = this.loadersForEveryCustomer(ctx);
    if (together?.length) {
      try {
        return await ctx.loaders.customer.withRelations(column, key, together);
      } catch {
        // A relation's failure must not cost the customer: load it alone, and let each
        // relation load and report its own error at its own path, as without look-ahead.
        return loader.load(key);
      }
    }
    const customer = await loader.load(key);
    if (customer && !together) await this.prefetch(ctx, [customer]);
    return customer;
  }

  /**
   * The loaders of the selected relations when none of them depends on which
   * customer it is (denied ones are left out); undefined when one does.
   */
  private loadersForEveryCustomer(ctx: RequestContext): AnyRelationLoader[] | undefined {
    const loaders = new Set<AnyRelationLoader>();
    for (const field of this.fields) {
      if (ctx.privacy.callerAccess('Customer', field.name) === 'D') continue; // denied on every customer
      if (ctx.privacy.accessOnEveryRow('Customer', field.name) === 'D') return undefined; // depends on the customer
      for (const loader of PREFETCHABLE[field.name](ctx.loaders, field)) loaders.add(loader);
    }
    return [...loaders];
  }

  /**
   * Fills the loaders of the selected relations for these customers. Best
   * effort: if the statement fails, each field resolver loads on its own and
   * reports its own error at its own path, as without look-ahead.
   */
  async prefetch(ctx: RequestContext, customers: readonly Customer[]): Promise<void> {
    const loadersByCustomers = new Map<string, { ids: string[]; loaders: Set<AnyRelationLoader> }>();
    for (const field of this.fields) {
      const ids = customers
        .filter((c) => !ctx.privacy.planOfCustomer(c.id).isDenied('Customer', field.name))
        .map((c) => c.id);
      if (ids.length === 0) continue;
      const key = ids.join();
      const group = loadersByCustomers.get(key) ?? { ids, loaders: new Set() };
      loadersByCustomers.set(key, group);
      for (const loader of PREFETCHABLE[field.name](ctx.loaders, field)) group.loaders.add(loader);
    }
    await Promise.all(
      [...loadersByCustomers.values()].map(({ ids, loaders }) => prefetch(ids, [...loaders]).catch(() => undefined)),
    );
  }
}

/**
 * A relation field selected under a customer. Only what the look-ahead asks
 * is worked out (arguments, whether `totalCount` is selected), rather than
 * resolving the whole subtree as graphql-parse-resolve-info did (5% of a
 * 360° view's CPU).
 */
class SelectedField {
  readonly name: string;

  constructor(
    private readonly node: FieldNode,
    private readonly parentType: GraphQLObjectType,
    private readonly info: GraphQLResolveInfo,
  ) {
    this.name = node.name.value;
  }

  /** Its arguments as graphql-js will give them to its resolver; throws on values it would refuse. */
  args(): Record<string, unknown> {
    return getArgumentValues(this.parentType.getFields()[this.name], this.node, this.info.variableValues);
  }

  /** This field alone, as a resolver's info would name it: for the checks its resolver makes on its own selection. */
  get selection(): Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments' | 'variableValues'> {
    return { fieldNodes: [this.node], fragments: this.info.fragments, variableValues: this.info.variableValues };
  }

  selects(subfield: string): boolean {
    return selectedFields([this.node], this.info).some((node) => node.name.value === subfield);
  }
}

/** The fields selected directly under these fields (common/selected-fields.ts). */
function selectedFields(nodes: readonly FieldNode[], info: GraphQLResolveInfo): FieldNode[] {
  return collectSelectedFields(nodes, info).fields;
}

/** A page of a relation, and its count when `totalCount` is selected. */
function pageOf<K>(
  field: SelectedField,
  decodeKey: (parts: unknown[]) => K | undefined,
  pageLoader: (page: PageRequest<K>) => AnyRelationLoader,
  countLoader: AnyRelationLoader,
): AnyRelationLoader[] {
  let page: PageRequest<K>;
  try {
    page = toPageRequest(field.args() as PageArgs, decodeKey);
  } catch {
    return []; // bad page arguments: the field's own resolver reports them at its path
  }
  return field.selects('totalCount') ? [pageLoader(page), countLoader] : [pageLoader(page)];
}
