import type { ApolloServerPlugin } from '@apollo/server';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  getNamedType,
  getNullableType,
  GraphQLError,
  GraphQLSchema,
  GraphQLType,
  isListType,
  ValidationContext,
  ValidationRule,
} from 'graphql';
import { ComplexityEstimator, getComplexity } from 'graphql-query-complexity';
import { DEFAULT_PAGE_SIZE } from '../../common/pagination';
import type { QueryLimits } from '../../config';
import type { RequestContext } from '../context';

/**
 * A short list without paging (a customer's tags, consents, enrolments; the
 * catalogues) counts as this many items in the cost estimate.
 */
const UNPAGED_LIST_ESTIMATE = 10;

export function tooComplex(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'QUERY_TOO_COMPLEX', http: { status: 400 } } });
}

/** GraphQL Armor's rules report through our code instead of throwing their own. */
const armorCallbacks = {
  propagateOnRejection: false,
  exposeLimits: true,
  onReject: [
    (context: ValidationContext | null, error: GraphQLError) =>
      context?.reportError(tooComplex(error.message.replace(/^Syntax Error: /, ''))),
  ],
};

/**
 * Depth, aliases and directives, checked while the document is validated:
 * Apollo runs these after graphql's own rules (so a fragment cycle is refused
 * first, as BAD_REQUEST) and before any resolver.
 */
export function queryLimitRules(limits: QueryLimits): ValidationRule[] {
  return [
    maxDepthRule({ n: limits.depth, ...armorCallbacks }),
    maxAliasesRule({ n: limits.aliases, ...armorCallbacks }),
    maxDirectivesRule({ n: limits.directives, ...armorCallbacks }),
  ];
}

/**
 * Every field costs 1; a list multiplies what is under it by the page it asks
 * for (`first`, or the default page), so `customers(first: 100) { holdings(first: 100) }`
 * costs what it would return: 10,000 holdings.
 */
const pagedCost: ComplexityEstimator = ({ type, field, args, childComplexity }) => {
  // A connection's edges are the page the connection field already counted.
  if (isConnection(type)) return 1 + childComplexity;
  if (isConnection(field.type) || typeof args.first === 'number') {
    const first = typeof args.first === 'number' ? Math.max(args.first, 0) : DEFAULT_PAGE_SIZE;
    return 1 + childComplexity * first;
  }
  if (isListType(getNullableType(field.type))) return 1 + childComplexity * UNPAGED_LIST_ESTIMATE;
  return 1 + childComplexity;
};

function isConnection(type: GraphQLType): boolean {
  return getNamedType(type).name.endsWith('Connection');
}

/**
 * The cost limit needs the operation's variables (`first: $n`), so it runs
 * once the operation is resolved, still before execution. The operations of
 * one batched HTTP request share one budget.
 */
export function queryCostPlugin(schema: GraphQLSchema, maximum: number): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, contextValue }) {
          let cost: number;
          try {
            cost = getComplexity({
              schema,
              query: document,
              operationName: request.operationName ?? undefined,
              variables: request.variables,
              estimators: [pagedCost],
            });
          } catch {
            // Variables that do not fit their types: execution refuses them with BAD_USER_INPUT.
            return;
          }
          const spent = (contextValue.trace.cost ?? 0) + cost;
          contextValue.trace.cost = spent;
          if (spent > maximum) throw tooComplex(`Query cost ${spent} exceeds the limit of ${maximum}`);
        },
      };
    },
  };
}
