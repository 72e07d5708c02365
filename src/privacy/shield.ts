import { GraphQLError, GraphQLSchema } from 'graphql';
import { applyMiddleware, IMiddlewareFieldMap } from 'graphql-middleware';
import { allow, deny, rule, shield } from 'graphql-shield';
import type { RequestContext } from '../request/context';
import { OPERATION_POLICY } from './policy';

type ShieldRule = typeof allow | typeof deny | ReturnType<ReturnType<typeof rule>>;

/**
 * One rule per root field, asking the request's policy (so a second policy
 * loaded beside the live one is obeyed at the root too). The answer depends
 * only on the principal, so shield caches it per request (and shadow mode
 * compares the candidate's answer once per request too).
 */
function rulesFor(root: 'Query' | 'Mutation', fields: readonly string[]): Record<string, ShieldRule> {
  return {
    // An operation that the live policy does not name is denied to everyone.
    '*': deny,
    ...Object.fromEntries(
      fields.map((field) => [
        field,
        rule(`may-call:${root}.${field}`, { cache: 'contextual' })((_parent, _args, ctx: RequestContext) => {
          const allowed = ctx.privacy.policy.mayCall(root, field, ctx.principal);
          ctx.privacy.shadow?.noteCall(root, field, ctx.principal, allowed);
          // A refused operation is audited with the request's other refusals (audit.plugin.ts).
          if (!allowed) ctx.audit?.noteRefusedOperation(root, field);
          return allowed;
        }),
      ]),
    ),
  };
}

/**
 * graphql-shield, generated from OPERATION_POLICY, guarding the root fields
 * only. shield() wraps every field of every type whatever its rule map says
 * (a promise per field per row); so its middleware is generated for the whole
 * schema and then cut down to Query and Mutation before it is applied. Inside
 * objects, the access plan does the work once per loaded object instead.
 */
export function withRootRules(schema: GraphQLSchema): GraphQLSchema {
  const generator = shield(
    // Only root types the schema has: shield refuses rules for a type it cannot find.
    Object.fromEntries(
      (['Query', 'Mutation'] as const)
        .filter((root) => schema.getType(root))
        .map((root) => [root, rulesFor(root, Object.keys(OPERATION_POLICY[root]))]),
    ),
    {
      fallbackRule: allow,
      // Our resolvers' own errors (BAD_USER_INPUT, NOT_FOUND...) pass through unchanged.
      allowExternalErrors: true,
      fallbackError: () => new GraphQLError('Not authorised', { extensions: { code: 'FORBIDDEN' } }),
    },
  );
  const all = generator.generate(schema) as IMiddlewareFieldMap;
  const rootOnly: IMiddlewareFieldMap = {};
  for (const type of ['Query', 'Mutation']) if (all[type]) rootOnly[type] = all[type];
  return applyMiddleware(schema, rootOnly);
}
