import type { ApolloServerPlugin } from '@apollo/server';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  DocumentNode,
  getNamedType,
  getNullableType,
  GraphQLError,
  GraphQLSchema,
  GraphQLType,
  isListType,
  Lexer,
  Source,
  Token,
  TokenKind,
  ValidationContext,
  ValidationRule,
  visit,
} from 'graphql';
import { ComplexityEstimator, getComplexity } from 'graphql-query-complexity';
import { DEFAULT_PAGE_SIZE } from '../../common/pagination';
import type { QueryLimits } from '../../config';
import type { RequestContext } from '../../request/context';

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
    // Armor leaves `__typename` aliases uncounted by default; a hundred of them still cost a hundred fields.
    maxAliasesRule({ n: limits.aliases, allowList: [], ...armorCallbacks }),
    maxDirectivesRule({ n: limits.directives, ...armorCallbacks }),
  ];
}

/**
 * Refuses a directive flood with one error before the document is parsed or
 * validated. Validation reports every unknown or misplaced directive on its
 * own (graphql-cop's `__typename @aa@aa…` got one error per copy), and Apollo
 * runs configured rules, GraphQL Armor's included, only once graphql's own
 * rules found nothing, so Armor's directive limit never saw such a query.
 * A flood is more directives in the text than the limit, or the same
 * non-repeatable directive twice at one location (never valid anyway).
 * Armor's rule still counts each operation with its fragments expanded.
 *
 * It reads tokens, not a parsed document: an ordinary query has fewer than
 * two `@` and is not lexed at all, and lexing stops at the token limit, past
 * which the parser refuses the text anyway. Text that does not lex is left to
 * the parser to refuse.
 */
export function directiveFloodCheck(limits: QueryLimits, schema: GraphQLSchema): (query: unknown) => void {
  const repeatable = new Set(
    schema
      .getDirectives()
      .filter((directive) => directive.isRepeatable)
      .map((directive) => directive.name),
  );
  return (query) => {
    if (typeof query !== 'string' || atSigns(query, 2) < 2) return;
    let message: string | undefined;
    try {
      message = floodIn(query, limits, repeatable);
    } catch {
      return;
    }
    if (message) throw tooComplex(message);
  };
}

function atSigns(text: string, enough: number): number {
  let count = 0;
  for (let at = text.indexOf('@'); at !== -1 && count < enough; at = text.indexOf('@', at + 1)) count++;
  return count;
}

function floodIn(query: string, limits: QueryLimits, repeatable: Set<string>): string | undefined {
  const lexer = new Lexer(new Source(query));
  let tokens = 0;
  const next = (): Token => {
    if (++tokens > limits.tokens) throw new Error('past the token limit');
    return lexer.advance();
  };
  let directives = 0;
  // Names of the directives in the current run of `@name(args)`: one location.
  let atLocation = new Set<string>();
  let token = next();
  while (token.kind !== TokenKind.EOF) {
    if (token.kind !== TokenKind.AT) {
      atLocation.clear();
      token = next();
      continue;
    }
    const name = next();
    if (name.kind !== TokenKind.NAME) return undefined;
    if (++directives > limits.directives)
      return `Directives limit of ${limits.directives} exceeded, found at least ${directives}.`;
    if (atLocation.has(name.value) && !repeatable.has(name.value))
      return `Directive @${name.value} is repeated at one location.`;
    atLocation.add(name.value);
    token = next();
    // Argument values hold no parentheses, so the first ")" closes the arguments.
    if (token.kind === TokenKind.PAREN_L) {
      while (token.kind !== TokenKind.PAREN_R && token.kind !== TokenKind.EOF) token = next();
      token = next();
    }
    // Another "@" right after continues this location's run; anything else ends it above.
  }
  return undefined;
}

/**
 * Every field costs 1; a list multiplies what is under it by the page it asks
 * for (`first`, or the default page), so `customers(first: 100) { holdings(first: 100) }`
 * costs what it would return: 10,000 holdings. It reads no argument but
 * `first`: memoizedCost relies on that.
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
  const costOf = memoizedCost(schema);
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, contextValue }) {
          const cost = costOf(document, request.operationName ?? undefined, request.variables ?? {});
          // Variables that do not fit their types: execution refuses them with BAD_USER_INPUT.
          if (cost === undefined) return;
          const spent = (contextValue.trace.cost ?? 0) + cost;
          contextValue.trace.cost = spent;
          if (spent > maximum) throw tooComplex(`Query cost ${spent} exceeds the limit of ${maximum}`);
        },
      };
    },
  };
}

const OMITTED = { omitted: true };

/** Distinct costs kept per document: one per page size and @skip/@include combination a client sends. */
const COSTS_PER_DOCUMENT = 64;

/**
 * A document's cost depends on its variables only through `first` arguments
 * and @skip/@include conditions: pagedCost reads nothing else. So the cost is
 * computed once per parsed document (Apollo hands out the same object for the
 * same text) and values of those variables, not on every request (it was 6%
 * of a 360° view's CPU).
 */
function memoizedCost(schema: GraphQLSchema) {
  const byDocument = new WeakMap<DocumentNode, { variables: string[]; costs: Map<string, number> }>();
  return (document: DocumentNode, operationName: string | undefined, variables: Record<string, unknown>) => {
    let entry = byDocument.get(document);
    if (!entry) {
      entry = { variables: variablesCostDependsOn(document), costs: new Map() };
      byDocument.set(document, entry);
    }
    // An omitted variable takes its default; null does not: the two must not share a cost.
    const key = JSON.stringify([
      operationName ?? null,
      ...entry.variables.map((name) => (Object.hasOwn(variables, name) ? variables[name] : OMITTED)),
    ]);
    let cost = entry.costs.get(key);
    if (cost === undefined) {
      try {
        cost = getComplexity({ schema, query: document, operationName, variables, estimators: [pagedCost] });
      } catch {
        return undefined;
      }
      if (entry.costs.size < COSTS_PER_DOCUMENT) entry.costs.set(key, cost);
    }
    return cost;
  };
}

/** Variables given to a `first` argument or to a directive's `if`, in a stable order. */
export function variablesCostDependsOn(document: DocumentNode): string[] {
  const names = new Set<string>();
  visit(document, {
    Argument(argument, _key, _parent, _path, ancestors) {
      if (argument.value.kind !== 'Variable') return;
      const owner = ancestors[ancestors.length - 1];
      const inDirective = !Array.isArray(owner) && (owner as { kind?: string }).kind === 'Directive';
      if (argument.name.value === 'first' || (inDirective && argument.name.value === 'if')) {
        names.add(argument.value.name.value);
      }
    },
  });
  return [...names].sort();
}
