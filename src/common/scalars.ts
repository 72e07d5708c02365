import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { DateTimeISOResolver, LocalDateResolver } from 'graphql-scalars';

/** ISO-8601 instant with offset; stored in UTC. */
export const DateTimeScalar = new GraphQLScalarType({ ...DateTimeISOResolver.toConfig(), name: 'DateTime' });

const localDate = LocalDateResolver.toConfig();
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Calendar date, `YYYY-MM-DD` (the database returns dates as strings, see db/pg-types). */
export const DateScalar = new GraphQLScalarType({
  ...localDate,
  name: 'Date',
  description: 'A calendar date, YYYY-MM-DD.',
  // PostgreSQL's own date text needs no calendar check; a page of holdings serialises hundreds.
  serialize: (value) => (typeof value === 'string' && ISO_DATE.test(value) ? value : localDate.serialize(value)),
});

const DECIMAL = /^-?\d{1,16}(\.\d{1,2})?$/;

/**
 * Money as a decimal string with exactly two decimals, never a float: a JSON
 * number loses cents above 2^53 and invites client-side arithmetic in binary.
 * PostgreSQL numeric(18,2) already arrives as such a string.
 */
export const DecimalScalar = new GraphQLScalarType<string, string>({
  name: 'Decimal',
  description: 'A decimal amount as a string with two decimals, such as "1234.50".',
  serialize(value) {
    if (typeof value === 'string' && DECIMAL.test(value)) return toTwoDecimals(value);
    if (typeof value === 'number' && Number.isFinite(value)) return value.toFixed(2);
    throw new GraphQLError(`Decimal cannot represent ${String(value)}`);
  },
  parseValue(value) {
    if (typeof value === 'string' && DECIMAL.test(value)) return toTwoDecimals(value);
    throw new GraphQLError('Decimal must be a string such as "1234.50"', { extensions: { code: 'BAD_USER_INPUT' } });
  },
  parseLiteral(ast) {
    if (ast.kind === Kind.STRING && DECIMAL.test(ast.value)) return toTwoDecimals(ast.value);
    throw new GraphQLError('Decimal must be a string such as "1234.50"', { extensions: { code: 'BAD_USER_INPUT' } });
  },
});

function toTwoDecimals(value: string): string {
  const [whole, fraction = ''] = value.split('.');
  return `${whole}.${fraction.padEnd(2, '0')}`;
}
