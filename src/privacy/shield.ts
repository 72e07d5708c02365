import { isPartner } from '../auth/principal';
import { GraphQLError, GraphQLSchema } from 'graphql';
import { applyMiddleware, IMiddlewareFieldMap } from 'graphql-middleware';
import { allow, deny, rule, shield } from 'graphql-shield';
import type { Principal } from '../auth/principal';
import { Role } from '../auth/roles';
import type { RequestContext } from '../request/context';
import { Callers, OPERATION_POLICY } from './policy';

type ShieldRule = typeof allow | typeof deny | ReturnType<ReturnType<typeof rule>>;

const STAFF_ROLES = Object.values(Role).filter((r) => r !== Role.PARTNER);

function mayCall(callers: Callers, principal: Principal): boolean {
  if (callers === 'ANYONE') return true;
  const allowed: readonly string[] = callers === 'STAFF' ? STAFF_ROLES : callers;
  if (principal.roles.some((r) => allowed.includes(r))) return true;
  return isPartner(principal) && principal.scopes.some((scope) => allowed.includes(`scope:${scope}`));
}

const rules = new Map<string, ShieldRule>();

/**
 * One rule per distinct caller list (shield refuses two rules of one name).
 * The result depends only on the principal, so shield caches it per request.
 */
function ruleFor(callers: Callers): ShieldRule {
  if (callers === 'ANYONE') return allow;
  const name = `callers:${typeof callers === 'string' ? callers : callers.join('|')}`;
  let shieldRule = rules.get(name);
  if (!shieldRule) {
    shieldRule = rule(name, { cache: 'contextual' })((_parent, _args, ctx: RequestContext) =>
      mayCall(callers, ctx.principal),
    );
    rules.set(name, shieldRule);
  }
  return shieldRule;
}

function rulesFor(operations: Record<string, Callers>): Record<string, ShieldRule> {
  // '*': an operation that the policy does not name is denied to everyone.
  return {
    '*': deny,
    ...Object.fromEntries(Object.entries(operations).map(([op, callers]) => [op, ruleFor(callers)])),
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
        .map((root) => [root, rulesFor(OPERATION_POLICY[root])]),
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
