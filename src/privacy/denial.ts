import { GraphQLError, GraphQLResolveInfo, responsePathAsArray } from 'graphql';
import type { AuditTrail } from '../modules/audit/audit-trail';

/**
 * The FORBIDDEN error for one denied path, built cheaply. A page of 50
 * customers can hold hundreds of denied paths, and an error's stack trace is
 * what costs: graphql-js wraps an error without a path in a new GraphQLError
 * (capturing a stack) for every path. This one is created already located,
 * with stack capture off, so graphql-js passes it through untouched.
 * (Measured on a page of 50 with 250 denied paths: 0.46x of the throughput
 * without privacy with stacks, 0.79x without.)
 */
export function deniedAt(info: GraphQLResolveInfo, audit: AuditTrail | undefined): GraphQLError {
  // A denied attempt is audited too: one record per request names the fields refused (audit.plugin.ts).
  audit?.noteRefusedField(info.parentType.name, info.fieldName);
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new GraphQLError(`Not authorised to read ${info.parentType.name}.${info.fieldName}`, {
      nodes: info.fieldNodes,
      path: responsePathAsArray(info.path),
      extensions: { code: 'FORBIDDEN' },
    });
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * Put in place of a denied field's value by the per-object pass: graphql-js's
 * default resolver calls a function-valued property with the resolve info,
 * which is what gives the error its path.
 */
export const DENIED_FIELD = (
  _args: unknown,
  context: { audit?: AuditTrail } | undefined,
  info: GraphQLResolveInfo,
): GraphQLError => deniedAt(info, context?.audit);
