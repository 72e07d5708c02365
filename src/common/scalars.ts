import { GraphQLError, GraphQLScalarType, Kind, ValueNode } from 'graphql';
import { DateTimeISOResolver, LocalDateResolver } from 'graphql-scalars';
import { dateProblem, moneyProblem, timeProblem } from './input-bounds';

/**
 * Inputs of these scalars are checked, for format and for PRODUCT.md §4's
 * bounds, in one of two places:
 * - in a variable, by parseValue; graphql-js prefixes the error with the path
 *   ("at input.revenue"), which formatError turns into `extensions.field`;
 * - in a literal, by `inputBoundsRule` (input-bounds.rule.ts), which knows
 *   the argument and field a value sits in and so can name it; parseLiteral
 *   sees only the value, so it refuses nothing (validation already has) and
 *   only converts.
 */
function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}

const dateTime = DateTimeISOResolver.toConfig();

/** ISO-8601 instant with offset; stored in UTC. */
export const DateTimeScalar = new GraphQLScalarType({
  ...dateTime,
  name: 'DateTime',
  parseValue: (value) => parseWithin('DateTime', () => dateTime.parseValue!(value) as Date, timeProblem),
  parseLiteral: (ast: ValueNode) => literal(ast, (raw) => dateTime.parseValue!(raw)),
});

/**
 * A literal's value, converted when it can be. Anything else (a number, an
 * out-of-bounds text) has been refused by inputBoundsRule with its field
 * named; undefined here would make graphql-js refuse it first, unnamed.
 */
function literal(ast: ValueNode, convert: (raw: string) => unknown): unknown {
  if (ast.kind !== Kind.STRING) return null;
  try {
    return convert(ast.value);
  } catch {
    return ast.value;
  }
}

/** Why a literal of a bounded scalar is refused, if it is; null when the type is not one of them. */
export function literalProblem(typeName: string, ast: ValueNode): string | undefined | null {
  const check = LITERAL_CHECKS[typeName];
  if (!check) return null;
  if (ast.kind !== Kind.STRING) return `${typeName} must be a string`;
  try {
    return check(ast.value);
  } catch (error) {
    return error instanceof GraphQLError ? error.message : `${typeName} is not valid`;
  }
}

/** The variable checks (format and bounds), applied to a literal's text; each throws or returns undefined. */
const LITERAL_CHECKS: Record<string, (raw: string) => undefined> = {
  Decimal: (raw) => void DecimalScalar.parseValue(raw),
  Date: (raw) => void DateScalar.parseValue(raw),
  DateTime: (raw) => void DateTimeScalar.parseValue(raw),
};

const localDate = LocalDateResolver.toConfig();
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Calendar date, `YYYY-MM-DD` (the database returns dates as strings, see db/pg-types). */
export const DateScalar = new GraphQLScalarType({
  ...localDate,
  name: 'Date',
  description: 'A calendar date, YYYY-MM-DD.',
  // PostgreSQL's own date text needs no calendar check; a page of holdings serialises hundreds.
  serialize: (value) => (typeof value === 'string' && ISO_DATE.test(value) ? value : localDate.serialize(value)),
  parseValue: (value) => parseWithin('Date', () => localDate.parseValue!(value) as string, dateProblem),
  parseLiteral: (ast: ValueNode) => literal(ast, (raw) => localDate.parseValue!(raw)),
});

/**
 * A variable's value parsed by graphql-scalars, then held to its bounds.
 * graphql-scalars' own errors carry no code: a malformed value, like one out
 * of bounds, is the client's BAD_USER_INPUT.
 */
function parseWithin<T>(type: string, parse: () => T, problemOf: (parsed: T) => string | undefined): T {
  let parsed: T;
  try {
    parsed = parse();
  } catch (error) {
    throw badInput(
      `${type} ${error instanceof Error ? error.message.replace(/^Value is not a valid \w+: ?/, 'is not valid: ') : 'is not valid'}`,
    );
  }
  const problem = problemOf(parsed);
  if (problem) throw badInput(`${type} ${problem}`);
  return parsed;
}

/** What a stored amount may look like on the way out: aggregates may exceed what a client may send. */
const DECIMAL_OUT = /^-?\d+(\.\d{1,2})?$/;

/**
 * Money as a decimal string with exactly two decimals, never a float: a JSON
 * number loses cents above 2^53 and invites client-side arithmetic in binary.
 * PostgreSQL numeric already arrives as such a string.
 */
export const DecimalScalar = new GraphQLScalarType<string, string>({
  name: 'Decimal',
  description: `A decimal amount as a string with two decimals, such as "1234.50". Inputs are from 0.00 to 999999999999.99.`,
  serialize(value) {
    if (typeof value === 'string' && DECIMAL_OUT.test(value)) return toTwoDecimals(value);
    if (typeof value === 'number' && Number.isFinite(value)) return value.toFixed(2);
    throw new GraphQLError(`Decimal cannot represent ${String(value)}`);
  },
  parseValue(value) {
    const problem = typeof value === 'string' ? moneyProblem(value) : moneyProblem('');
    if (problem) throw badInput(`Decimal ${problem}`);
    return toTwoDecimals(value as string);
  },
  parseLiteral: (ast) => literal(ast, toTwoDecimals) as string,
});

function toTwoDecimals(value: string): string {
  const [whole, fraction = ''] = value.split('.');
  return `${whole}.${fraction.padEnd(2, '0')}`;
}
