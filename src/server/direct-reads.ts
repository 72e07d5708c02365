import type { FieldNode, GraphQLObjectType, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import type { ExecutionResult, FragmentDefinitionNode } from 'graphql';
import { NotDirect, SelectedKey, selectedKeys } from '../db/json-projection';
import { SqlParams } from '../db/parent-relations';
import { sqlStateOf } from '../db/sql-state';
import {
  customerByNumberDirect,
  customerDirect,
  customersDirect,
  DirectAnswer,
} from '../modules/customer/customer-direct';
import { JsonPlan } from '../privacy/json-plan';
import type { RequestContext } from '../request/context';

/** The root fields a direct read answers (db/json-projection.ts). */
const DIRECT_ROOTS: Record<string, (ctx: RequestContext, selected: SelectedKey) => Promise<DirectAnswer>> = {
  customers: customersDirect,
  customer: customerDirect,
  customerByNumber: customerByNumberDirect,
};

/**
 * Roots the executor's loaders batch across aliases (two customers by id: one
 * statement), where direct reads would run one statement each: a query with
 * the same one twice or more is left to the executor.
 */
const BATCHED_BY_LOADERS = new Set(['customer', 'customerByNumber']);

/**
 * A query answered by direct reads alone, or undefined for the executor to
 * run: every root field must have one, be one the caller may call (what
 * graphql-shield checks), and build without meeting anything its projection
 * does not cover. Nothing is masked or noted for the audit until every root
 * has answered, so a query handed back leaves no trace of the attempt. A
 * failed statement is handed back too: the executor reports it at its path.
 */
export async function directRead(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variableValues: Record<string, unknown>,
  ctx: RequestContext,
): Promise<ExecutionResult | undefined> {
  // Shadow mode counts what the candidate policy would answer per call and field, as the executor resolves them.
  if (operation.operation !== 'query' || !ctx.privacy || ctx.privacy.shadow) return undefined;
  const query = schema.getQueryType() as GraphQLObjectType;
  const build = { privacy: ctx.privacy, schema, fragments, variableValues };
  const roots = [...selectedKeys(build, [operation as unknown as FieldNode])];
  // Every root is checked before any statement starts: one handed back leaves none running beside the executor.
  const batched = roots.map(([, nodes]) => nodes[0].name.value).filter((name) => BATCHED_BY_LOADERS.has(name));
  if (new Set(batched).size < batched.length) return undefined;
  for (const [, nodes] of roots) {
    const name = nodes[0].name.value;
    if (
      name !== '__typename' &&
      !(Object.hasOwn(DIRECT_ROOTS, name) && ctx.privacy.policy.mayCall('Query', name, ctx.principal))
    )
      return undefined;
  }
  const settled = await Promise.allSettled(
    roots.map(([, nodes]) => {
      const name = nodes[0].name.value;
      if (name === '__typename') return Promise.resolve(undefined);
      const selected = new SelectedKey({ ...build, params: new SqlParams() }, query, nodes, new JsonPlan());
      return DIRECT_ROOTS[name](ctx, selected);
    }),
  );
  const failed = settled.find((result) => result.status === 'rejected');
  if (failed) {
    // The executor reports a failed statement at its path; the log line keeps its SQLSTATE, never its message.
    if (!(failed.reason instanceof NotDirect)) ctx.trace.directReadFailed = sqlStateOf(failed.reason) ?? 'error';
    return undefined;
  }
  const answers = settled.map((result) => (result as PromiseFulfilledResult<DirectAnswer | undefined>).value);
  answers.forEach((answer) => answer?.finish());
  // Own properties whatever the alias (`__proto__` too), as graphql-js builds its results.
  const data = Object.fromEntries(roots.map(([key], i) => [key, answers[i] ? answers[i]!.value : 'Query']));
  ctx.trace.reader = 'direct';
  return { data };
}
