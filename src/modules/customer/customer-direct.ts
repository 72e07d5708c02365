import type { FieldNode } from 'graphql';
import { assertId } from '../../common/ids';
import { PageArgs, PageRequest, toPageRequest } from '../../common/pagination';
import {
  column,
  decimal,
  NotDirect,
  objectJson,
  sealed,
  SelectedKey,
  selectedKeys,
  TypeProjection,
} from '../../db/json-projection';
import { SqlParams } from '../../db/parent-relations';
import { preparedQuery } from '../../db/prepared-statements';
import { CompositeValue, JsonPlan } from '../../privacy/json-plan';
import { scopeSql } from '../../privacy/row-scope';
import type { RequestContext } from '../../request/context';
import { customerEnrollmentsJson } from '../campaign/enrollment.projection';
import { customerHoldingsJson } from '../holding/holding.projection';
import { customerInteractionsJson } from '../interaction/interaction.projection';
import { customerBranchJson, customerManagerJson } from '../organisation/organisation.projection';
import { customerRiskProfileJson } from '../risk/risk.projection';
import { customerTagsJson } from '../tag/tag.projection';
import type { CustomerKey } from './customer.loaders';
import { sensitiveFilterRead } from './customer-filter-reads';
import type { CustomerFilter } from './customer-filter.input';
import { customerNoKey } from './customer.service';

const ADDRESS: CompositeValue = { parts: ['province', 'city', 'district'], maskReads: 'addressParts' };

/**
 * Customer row `c`, for a direct read (db/json-projection.ts): stored values,
 * encrypted ones opened in Node. What is derived in Node (age and AUM bands,
 * risk warnings, contact allowance...) is read through the executor.
 */
const CUSTOMER_PROJECTION: TypeProjection = {
  type: 'Customer',
  fields: {
    id: column('id'),
    customerNo: column('customer_no'),
    name: column('name'),
    gender: column('gender'),
    birthDate: column('birth_date'),
    idNumber: sealed('customer', 'id_number'),
    phone: sealed('customer', 'phone'),
    email: sealed('customer', 'email'),
    // Province, city and district are stored plain; the street is opened and appended (formatAddress),
    // and the address mask reads the parts as it does on a loaded customer (toCustomer's addressParts).
    address: (selected, row) => {
      selected.plan.seal(selected.key, 'customer', 'address_street', ADDRESS);
      return `json_build_array(${row}.address_province, ${row}.address_city, ${row}.address_district, ${row}.address_street)`;
    },
    city: column('city'),
    tier: column('tier'),
    lifecycleStage: column('lifecycle_stage'),
    aum: decimal('aum'),
    kycStatus: column('kyc_status'),
    churnSignals: column('churn_signals'),
    branch: customerBranchJson,
    relationshipManager: customerManagerJson,
    tags: customerTagsJson,
    holdings: customerHoldingsJson,
    interactions: customerInteractionsJson,
    campaignEnrollments: customerEnrollmentsJson,
    riskProfile: customerRiskProfileJson,
  },
};

/** The Customer fields a direct read answers. */
export const DIRECT_CUSTOMER_FIELDS: readonly string[] = Object.keys(CUSTOMER_PROJECTION.fields);

/** What a direct root answers, and the policy's masks and audit notes, applied once every root has answered. */
export interface DirectAnswer {
  value: unknown;
  finish(): void;
}

/**
 * `customers(first, after, filter)` as one statement: the page as the
 * service reads it (scope, filter, cursor, the cohort count for a
 * pseudonymised caller), each customer's selection built as JSON beside it.
 * Not direct: a filter that is a sensitive read (it leaves an audit record
 * of its own) or refused, `totalCount`, cursors, more than one selection of
 * edges or nodes.
 */
export async function customersDirect(ctx: RequestContext, selected: SelectedKey): Promise<DirectAnswer> {
  const args = selected.args();
  let page: PageRequest<string>;
  try {
    page = toPageRequest(args as PageArgs, customerNoKey);
  } catch {
    throw new NotDirect('page arguments');
  }
  const filter = (args.filter ?? {}) as CustomerFilter;
  let matching: ReturnType<typeof ctx.services.customers.conditions>;
  try {
    const refusedOrSensitive = sensitiveFilterRead(filter, ctx.privacy, String, () => undefined);
    if (refusedOrSensitive) throw new NotDirect('a filter that reads a sensitive field');
    matching = ctx.services.customers.conditions(ctx, filter);
  } catch {
    throw new NotDirect('filter');
  }

  const { build } = selected;
  // The connection's own shape is checked before the statement runs: what it cannot answer is the
  // executor's, and nothing is read twice.
  const connection = selectedKeys(build, selected.nodes);
  const infoPlan = new JsonPlan();
  const answer: ((rows: { node: unknown }[], hasNextPage: boolean) => unknown)[] = [];
  for (const [, group] of connection) {
    const name = group[0].name.value;
    if (name === '__typename') answer.push(() => 'CustomerConnection');
    else if (name === 'edges') {
      const edge = edgeShape(build, group);
      answer.push((rows) => rows.map(({ node }) => edge(node)));
    } else if (name === 'pageInfo') {
      const info = pageInfoShape(build, group, infoPlan);
      answer.push((_rows, hasNextPage) => info(hasNextPage));
    } else throw new NotDirect(`CustomerConnection.${name}`);
  }
  const edges = onlyOne(connection, 'edges');
  const nodes = edges ? onlyOne(selectedKeys(build, edges.nodes), 'node') : undefined;
  const nodePlan = new JsonPlan();
  const { rows, withheld } = await ctx.services.customers.pageStatement<{ id: string; node: unknown }>(
    ctx,
    matching,
    page,
    (params) => {
      const node = nodes ? objectJson({ ...build, params }, CUSTOMER_PROJECTION, nodes.nodes, 'c', nodePlan) : 'NULL';
      return `c.id AS id, c.customer_no AS "customerNo", ${node} AS node`;
    },
  );
  const shown = rows.slice(0, page.limit);
  await nodePlan.open(
    shown.map((row) => row.node),
    ctx.services.customers.keyring,
    ctx.reads,
  );
  // Own properties whatever the alias (`__proto__` too), as graphql-js builds its results.
  const value: Record<string, unknown> = Object.fromEntries(
    [...connection.keys()].map((key, i) => [key, answer[i](shown, rows.length > page.limit)]),
  );
  return {
    value,
    finish: () => {
      // As the executor answers a withheld list: no customers, and SUPPRESSED at the list's path.
      if (withheld) ctx.privacy.cohorts.noteWithheldList([selected.key]);
      for (const row of shown) nodePlan.apply(row.node, ctx.audit, row.id);
      for (const [key, group] of connection)
        if (group[0].name.value === 'pageInfo') infoPlan.apply(value[key], ctx.audit);
    },
  };
}

/**
 * `customer(id)` or `customerByNumber(customerNo)` as one statement: the
 * customer if the caller's row scope holds it (else null, as a missing one),
 * its selection built as JSON. Prepared (from the budget of client-shaped
 * statements): one query's text is the same on every call, so PostgreSQL
 * plans it once per connection.
 */
function oneCustomerDirect(column: CustomerKey, argument: string) {
  return async (ctx: RequestContext, selected: SelectedKey): Promise<DirectAnswer> => {
    const key = selected.args()[argument];
    // The executor refuses a malformed id with the field named; a direct read leaves that to it.
    try {
      if (typeof key !== 'string') throw new TypeError(argument);
      if (column === 'id') assertId(argument, key);
    } catch {
      throw new NotDirect(argument);
    }
    const params = new SqlParams();
    const plan = new JsonPlan();
    const node = objectJson({ ...selected.build, params }, CUSTOMER_PROJECTION, selected.nodes, 'c', plan);
    const [row] = await preparedQuery<{ id: string; node: unknown }>(
      ctx.reads,
      `SELECT c.id AS id, ${node} AS node FROM customer c
       WHERE c.${column} = ${params.bind(key, column === 'id' ? 'uuid' : 'text')}
         AND ${scopeSql(ctx.scope, 'c', params.bind)}`,
      params.values,
      'client-shaped',
    );
    if (row) await plan.open(row.node, ctx.services.customers.keyring, ctx.reads);
    return { value: row?.node ?? null, finish: () => row && plan.apply(row.node, ctx.audit, row.id) };
  };
}

export const customerDirect = oneCustomerDirect('id', 'id');
export const customerByNumberDirect = oneCustomerDirect('customer_no', 'customerNo');

/** The one response key of `name` in a selection (none: undefined); two or more are left to the executor. */
function onlyOne(keys: Map<string, FieldNode[]>, name: string): { key: string; nodes: FieldNode[] } | undefined {
  const matching = [...keys].filter(([, nodes]) => nodes[0].name.value === name);
  if (matching.length > 1) throw new NotDirect(`${name} selected under two keys`);
  return matching[0] && { key: matching[0][0], nodes: matching[0][1] };
}

/** An edge of the selection under `nodes`, around its node's JSON. */
function edgeShape(
  build: SelectedKey['build'],
  nodes: readonly FieldNode[],
): (node: unknown) => Record<string, unknown> {
  const keys = [...selectedKeys(build, nodes)].map(([key, group]) => {
    const name = group[0].name.value;
    if (name !== '__typename' && name !== 'node') throw new NotDirect(`CustomerEdge.${name}`);
    return [key, name] as const;
  });
  return (node) => Object.fromEntries(keys.map(([key, name]) => [key, name === 'node' ? node : 'CustomerEdge']));
}

/** The page info of the selection under `nodes`, its fields admitted by the policy into `plan`. */
function pageInfoShape(build: SelectedKey['build'], nodes: readonly FieldNode[], plan: JsonPlan) {
  const keys = [...selectedKeys(build, nodes)].map(([key, group]) => {
    const name = group[0].name.value;
    if (name !== '__typename' && !(name === 'hasNextPage' && plan.admit(build.privacy, 'PageInfo', name, key)))
      throw new NotDirect(`PageInfo.${name}`);
    return [key, name] as const;
  });
  return (hasNextPage: boolean) =>
    Object.fromEntries(keys.map(([key, name]) => [key, name === 'hasNextPage' ? hasNextPage : 'PageInfo']));
}
