import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  buildSchema,
  getNamedType,
  GraphQLArgument,
  GraphQLField,
  GraphQLInputType,
  GraphQLNamedType,
  GraphQLOutputType,
  GraphQLSchema,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isInterfaceType,
  isUnionType,
  isLeafType,
} from 'graphql';

/**
 * Hostile arguments for every root field of the checked-in SDL. Everything is
 * derived from the schema file (not from the server's code), so a field or
 * input field added later is fuzzed without touching the fuzzer, and the
 * fuzzer tests the contract that clients read.
 */
export function loadContractSchema(): GraphQLSchema {
  return buildSchema(readFileSync(join(__dirname, '../../schema/schema.graphql'), 'utf8'));
}

/** Values that exist in the test's database, so that requests get past parsing into the service code. */
export interface KnownValues {
  customerIds: string[];
  customerNos: string[];
  campaignIds: string[];
  /**
   * ACTIVE campaigns offered only where an argument is named campaignId (responses, contacts,
   * enrolment), never as the `id` of a transition: otherwise the first cancel or complete ends
   * every later response and contact with CONFLICT, and the fuzzer stops reaching them.
   */
  liveCampaignIds: string[];
  campaignCodes: string[];
  productIds: string[];
  tagCodes: string[];
  branchIds: string[];
  staffIds: string[];
  /** Retention tasks, for completeTask's id. */
  taskIds?: string[];
  /** Leads, for updateLead's id. */
  leadIds?: string[];
  /** Holdings, for revealField's target.holdingId. */
  holdingIds?: string[];
}

/** `null` means "leave the key out": an omitted argument is not the same request as an explicit null. */
const OMIT = Symbol('omit');

const NOW = Date.now();
const iso = (ms: number) => new Date(ms).toISOString();
const day = (ms: number) => iso(ms).slice(0, 10);

/**
 * Strings that have broken real systems: the database's encoding (NUL, lone
 * surrogates), its pattern and quote characters, JSON structure, Unicode that
 * changes length under case mapping or normalisation, and sizes well past any
 * column a human would fill in but under the body limit.
 */
const HOSTILE_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  "' OR '1'='1",
  "'; DROP TABLE customer; --",
  '"',
  '\\',
  '\\x00',
  '%',
  '_',
  '%_%\\',
  '$1',
  '{"$ne":null}',
  '{"a":',
  '[]',
  'null',
  'NaN',
  '-1',
  '1e309',
  '\u2028\u2029',
  '\uFEFF',
  '\uD800',
  '\uDFFF',
  'e\u0301',
  '\u202Eevil',
  'İıß',
  '𠀀😀👨‍👩‍👧',
  '\t\n\r',
  '<script>alert(1)</script>',
  '${jndi:ldap://x/a}',
  '../../etc/passwd',
  'x'.repeat(10_000),
  '張'.repeat(5_000),
];

const HOSTILE_IDS = [
  '',
  'not-a-uuid',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '{5b0c3f7e-2d7a-4c55-9a1e-3c2b1a0f9e8d}',
  'urn:uuid:5b0c3f7e-2d7a-4c55-9a1e-3c2b1a0f9e8d',
  '5b0c3f7e2d7a4c559a1e3c2b1a0f9e8d',
  '5b0c3f7e-2d7a-4c55-9a1e-3c2b1a0f9e8d\u0000',
  "5b0c3f7e-2d7a-4c55-9a1e-3c2b1a0f9e8d' OR '1'='1",
];

const INT_BOUNDARIES = [0, 1, -1, 20, 100, 101, 2_147_483_647, -2_147_483_648];
/** Not Ints: graphql-js must refuse them, not the database. */
const BAD_INTS = [2_147_483_648, -2_147_483_649, 9_007_199_254_740_993, 1.5, -0.5, 1e21, '1', true];

/** Decimal strings that the scalar's own pattern accepts but no amount of money should be. */
const DECIMALS_IN_PATTERN = [
  '0',
  '0.00',
  '-0.00',
  '-0.01',
  '-1',
  '0.01',
  '0.1',
  '1234.5',
  '999999999999.99',
  '1000000000000.00',
  '9999999999999999.99',
  '-9999999999999999.99',
  '9999999999999999',
  '0000000000000001.00',
];
const BAD_DECIMALS = [
  1,
  1.5,
  '1e3',
  '1.234',
  '',
  ' 1',
  'NaN',
  'Infinity',
  '1,000.00',
  '１２',
  '99999999999999999',
  '.5',
];

const DATES_IN_PATTERN = [
  '1900-01-01',
  '1899-12-31',
  '2100-12-31',
  '2101-01-01',
  '0000-01-01',
  '0001-01-01',
  '9999-12-31',
  '2024-02-29',
  '1970-01-01',
  day(NOW),
];
const BAD_DATES = [
  '2023-02-29',
  '2026-13-01',
  '2026-00-10',
  '26-1-1',
  '',
  '2026-01-01T00:00:00Z',
  20260101,
  '+275760-09-13',
];

const DATETIMES_IN_PATTERN = [
  '0000-01-01T00:00:00Z',
  '0001-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '1899-12-31T23:59:59Z',
  '1900-01-01T00:00:00Z',
  '2100-12-31T23:59:59+08:00',
  '1970-01-01T00:00:00.000Z',
  '2026-01-01T00:00:00+14:00',
  '2026-01-01T00:00:00-12:00',
  '2026-06-01T00:00:00.123456789Z',
  iso(NOW - 60_000),
  iso(NOW + 4 * 60_000),
  iso(NOW + 6 * 60_000),
  iso(NOW + 365 * 86_400_000),
];
const BAD_DATETIMES = [
  '2016-12-31T23:59:60Z',
  '+275760-09-13T00:00:00.000Z',
  '-000001-01-01T00:00:00Z',
  '2026-01-01',
  '2026-01-01T25:00:00Z',
  '2026-01-01T00:00:00',
  '',
  0,
  'now',
];

export interface Weights {
  /** Values from the database or shaped like real client input. */
  known: number;
  /** Well-typed but hostile: they pass the scalar, so only the service can refuse them. */
  hostile: number;
  /** Ill-typed: graphql-js must refuse them before any resolver runs. */
  illTyped: number;
}

/**
 * Stormy: hostile everywhere, which mostly tests the refusals at the door.
 * Calm: one or two hostile values among real ones, which is what gets a value
 * past parsing and validation into the service and the database.
 */
export const STORMY: Weights = { known: 12, hostile: 8, illTyped: 1 };
export const CALM: Weights = { known: 40, hostile: 4, illTyped: 0 };

/** Generates argument values for a field of the schema, by type and, where it helps reach the service, by name. */
export class ArgumentFuzzer {
  constructor(
    private readonly known: KnownValues,
    private readonly weights: Weights,
  ) {}

  /** The root field whose arguments are being built: `id` means a campaign's id on a campaign's mutation. */
  private building = '';

  /** Arguments of one root field: required ones always present, optional ones sometimes left out. */
  args(field: GraphQLField<unknown, unknown>): fc.Arbitrary<Record<string, unknown>> {
    this.building = field.name.toLowerCase();
    return this.fields(field.args);
  }

  private fields(fields: readonly { name: string; type: GraphQLInputType }[], knownOnly = false) {
    const shape: Record<string, fc.Arbitrary<unknown>> = {};
    for (const f of fields) {
      const value = this.value(f.type, f.name, 0, knownOnly);
      // An optional argument is sent, sent as null, or left out: three different requests.
      shape[f.name] = isNonNullType(f.type) ? value : fc.oneof(value, fc.constant(null), fc.constant(OMIT));
    }
    return fc.record(shape).map((record) => Object.fromEntries(Object.entries(record).filter(([, v]) => v !== OMIT)));
  }

  private pick<T>(
    knownOnly: boolean,
    known: fc.Arbitrary<T>,
    hostile: fc.Arbitrary<unknown>,
    illTyped: fc.Arbitrary<unknown>,
  ): fc.Arbitrary<unknown> {
    if (knownOnly) return known;
    const w = this.weights;
    return fc.oneof(
      ...[
        { weight: w.known, arbitrary: known as fc.Arbitrary<unknown> },
        { weight: w.hostile, arbitrary: hostile },
        { weight: w.illTyped, arbitrary: illTyped },
      ].filter((option) => option.weight > 0),
    );
  }

  /** `knownOnly`: values a real client could send, for the items of a huge list (one bad item would hide the size). */
  private value(type: GraphQLInputType, name: string, depth: number, knownOnly = false): fc.Arbitrary<unknown> {
    if (isNonNullType(type)) {
      const inner = this.value(type.ofType, name, depth, knownOnly);
      // null for a non-null: the executor must refuse it, rarely worth more than a few tries.
      return knownOnly
        ? inner
        : fc.oneof({ weight: 40, arbitrary: inner }, { weight: 1, arbitrary: fc.constant(null) });
    }
    if (depth > 4) return fc.constant(null);
    if (isListType(type)) {
      const itemType = type.ofType as GraphQLInputType;
      const item = this.value(itemType, name, depth + 1, knownOnly);
      return this.pick(
        knownOnly,
        // What a real client sends: a few distinct values (campaign channels, for one, must be).
        fc.uniqueArray(item, { minLength: 1, maxLength: 3, selector: (v) => JSON.stringify(v) }),
        fc.oneof(
          // A huge list of real values: one request that touches everything at once.
          fc.array(this.value(itemType, name, depth + 1, true), { minLength: 200, maxLength: 400 }),
          fc.constant([]),
          fc.array(item, { maxLength: 4 }),
        ),
        // A single value where a list is expected coerces to a list of one; [null] does not.
        fc.oneof(item, fc.constant([null]), fc.constant({})),
      );
    }
    if (isInputObjectType(type)) {
      const record = this.fields(Object.values(type.getFields()), knownOnly);
      return this.pick(
        knownOnly,
        record,
        record,
        fc.oneof(
          // A computed key makes "__proto__" an own property, as JSON.parse on the server does.
          record.map((r) => ({ ...r, ['__proto__']: 1, notAField: 'x' })),
          fc.constant('{}'),
          fc.constant([]),
        ),
      );
    }
    if (isEnumType(type)) {
      const names = type.getValues().map((v) => v.name);
      return this.pick(
        knownOnly,
        fc.constantFrom(...names),
        fc.constantFrom(...names),
        fc.oneof(
          fc.constantFrom(...names).map((n) => n.toLowerCase()),
          fc.constantFrom(...names).map((n) => ` ${n}`),
          fc.constantFrom('', 'UNKNOWN', '__proto__', 'constructor', 'toString', 'SMS', 'R6', 'C0', 'null'),
          fc.constant(1),
        ),
      );
    }
    return this.scalar(type.name, name, knownOnly);
  }

  private scalar(scalar: string, name: string, knownOnly: boolean): fc.Arbitrary<unknown> {
    const pick = (known: fc.Arbitrary<unknown>, hostile: fc.Arbitrary<unknown>, illTyped: fc.Arbitrary<unknown>) =>
      this.pick(knownOnly, known, hostile, illTyped);
    const hostileString = fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
      { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
    );
    switch (scalar) {
      case 'Int':
        return pick(
          fc.constantFrom(...INT_BOUNDARIES),
          fc.oneof(fc.integer(), fc.constantFrom(...INT_BOUNDARIES)),
          fc.constantFrom(...BAD_INTS),
        );
      case 'Float':
        return pick(
          fc.constantFrom(0, 1, 0.5),
          fc.double({ noNaN: true, noDefaultInfinity: true }),
          fc.constantFrom('1', true),
        );
      case 'Boolean':
        return pick(fc.boolean(), fc.boolean(), fc.constantFrom('true', 0, 1, 'false'));
      case 'Decimal':
        return pick(
          fc.integer({ min: 0, max: 10_000_000 }).map((cents) => (cents / 100).toFixed(2)),
          fc.oneof(
            fc.constantFrom(...DECIMALS_IN_PATTERN),
            fc.bigInt({ min: -(10n ** 18n) + 1n, max: 10n ** 18n - 1n }).map((c) => formatCents(c)),
          ),
          fc.constantFrom(...BAD_DECIMALS),
        );
      case 'Date':
        return pick(
          fc.integer({ min: -30, max: 400 }).map((d) => day(NOW + d * 86_400_000)),
          fc.oneof(
            fc.constantFrom(...DATES_IN_PATTERN),
            fc
              .date({
                min: new Date('0000-01-01T00:00:00Z'),
                max: new Date('9999-12-31T00:00:00Z'),
                noInvalidDate: true,
              })
              .map((d) => d.toISOString().slice(0, 10)),
          ),
          fc.constantFrom(...BAD_DATES),
        );
      case 'DateTime':
        return pick(
          fc.integer({ min: -400 * 86_400, max: 60 }).map((s) => iso(NOW + s * 1000)),
          fc.oneof(
            fc.constantFrom(...DATETIMES_IN_PATTERN),
            fc
              .date({
                min: new Date('0000-01-01T00:00:00Z'),
                max: new Date('9999-12-31T23:59:59Z'),
                noInvalidDate: true,
              })
              .map((d) => d.toISOString()),
          ),
          fc.constantFrom(...BAD_DATETIMES),
        );
      case 'ID':
        return pick(
          this.knownFor(name, true) ?? fc.constantFrom(...this.allIds()),
          fc.oneof(
            fc.constantFrom(...HOSTILE_IDS),
            fc.uuid(),
            fc.constantFrom(...this.allIds()).map((id) => id.toUpperCase()),
            hostileString,
          ),
          fc.constantFrom(123, 1.5, true, -1),
        );
      default:
        // String, and any custom scalar added later: strings are what a client can always send.
        return pick(
          this.knownFor(name, false) ?? fc.string({ maxLength: 20 }),
          hostileString,
          fc.constantFrom(1, true, 1.5),
        );
    }
  }

  private allIds(): string[] {
    const k = this.known;
    return [...k.customerIds, ...k.campaignIds, ...k.liveCampaignIds, ...k.productIds, ...k.branchIds, ...k.staffIds];
  }

  /**
   * Real values for an argument by its name. Unknown names get none: a field
   * added later is still fuzzed, only less deeply, until its name says what it holds.
   */
  private knownFor(name: string, isId: boolean): fc.Arbitrary<unknown> | undefined {
    const k = this.known;
    const n = name.toLowerCase();
    const from = (values: string[]) => (values.length ? fc.constantFrom(...values) : undefined);
    if (n.startsWith('customerno')) return from(k.customerNos);
    if (n.startsWith('customerid')) return from(k.customerIds);
    if (n.startsWith('campaignid')) return from([...k.liveCampaignIds, ...k.campaignIds]);
    if (n.startsWith('productid')) return from(k.productIds);
    if (n.startsWith('branchid')) return from(k.branchIds);
    if (n.startsWith('holdingid')) return from(k.holdingIds ?? []);
    if (n.startsWith('tagcode')) return from(k.tagCodes);
    if (n === 'actorid') return from(k.staffIds);
    if (n === 'id' && this.building.includes('campaign')) return from(k.campaignIds);
    if (n === 'id' && this.building.includes('task')) return from(k.taskIds ?? []);
    if (n === 'id' && this.building.includes('lead')) return from(k.leadIds ?? []);
    if (n === 'id' && this.building.includes('customer')) return from(k.customerIds);
    if (n === 'id') return from([...k.customerIds, ...k.campaignIds]);
    if (isId) return undefined;
    // A new campaign code each time, sometimes one that exists already.
    if (n === 'code')
      return fc.oneof(
        fc.integer({ min: 1, max: 1e9 }).map((i) => `FZ-${i}`),
        fc.constantFrom(...k.campaignCodes),
      );
    if (n === 'phone') return fc.integer({ min: 0, max: 99_999_999 }).map((i) => `138${String(i).padStart(8, '0')}`);
    if (n === 'field') return fc.constantFrom('phone', 'idNumber', 'aum', 'name');
    if (n === 'search') return fc.constantFrom('张', 'C', ...k.customerNos.map((c) => c.slice(0, 4)));
    if (n === 'externalref') return fc.uuid().map((u) => `ref-${u}`);
    // revealField: a reason in words, and a ticket as service desks number them.
    if (n === 'note') return fc.constantFrom('客户来电要求核对', '投诉处理', 'x'.repeat(500), 'x'.repeat(501));
    if (n === 'ticket') return fc.constantFrom('CS-2026-0001', 'INC#42', 'x'.repeat(65));
    return undefined;
  }
}

function formatCents(cents: bigint): string {
  const sign = cents < 0n ? '-' : '';
  const abs = cents < 0n ? -cents : cents;
  return `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
}

/** The root fields of a type, by name. */
export function rootFields(schema: GraphQLSchema, root: 'Query' | 'Mutation'): GraphQLField<unknown, unknown>[] {
  const type = root === 'Query' ? schema.getQueryType() : schema.getMutationType();
  return type ? Object.values(type.getFields()) : [];
}

/**
 * A selection of every field reachable from a type to the given depth, skipping
 * fields with required arguments. `first` (where a field takes it) asks for the
 * largest page, so that a read shows as many stored rows as it can.
 */
export function selectionFor(type: GraphQLOutputType, depth: number, { largestPage = false } = {}): string {
  const named: GraphQLNamedType = getNamedType(type);
  if (isLeafType(named)) return '';
  if (isUnionType(named) || isInterfaceType(named) || !isObjectType(named)) return '{ __typename }';
  const parts: string[] = [];
  for (const field of Object.values(named.getFields())) {
    if (field.args.some((a: GraphQLArgument) => isNonNullType(a.type) && a.defaultValue === undefined)) continue;
    const args = largestPage && field.args.some((a) => a.name === 'first') ? '(first: 100)' : '';
    if (isLeafType(getNamedType(field.type))) parts.push(field.name + args);
    else if (depth > 0) parts.push(`${field.name}${args} ${selectionFor(field.type, depth - 1, { largestPage })}`);
  }
  return `{ ${parts.length ? parts.join(' ') : '__typename'} }`;
}

/**
 * A value written into the query text instead of a variable: graphql-js parses
 * and coerces literals on a different path (parseLiteral, not parseValue),
 * and graphql-jit compiles operations whose arguments are all literals.
 */
export function literal(value: unknown, type: GraphQLInputType): string {
  if (value === null || value === undefined) return 'null';
  if (isNonNullType(type)) return literal(value, type.ofType);
  if (Array.isArray(value)) {
    const item = isListType(type) ? (type.ofType as GraphQLInputType) : type;
    return `[${value.map((v) => literal(v, item)).join(', ')}]`;
  }
  if (typeof value === 'object') {
    const fields = isInputObjectType(type) ? type.getFields() : {};
    return `{ ${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k}: ${literal(v, fields[k]?.type ?? type)}`)
      .join(', ')} }`;
  }
  if (typeof value === 'string' && isEnumType(getNamedType(type)) && /^[_A-Za-z][_0-9A-Za-z]*$/.test(value)) {
    if (!['true', 'false', 'null'].includes(value)) return value;
  }
  return JSON.stringify(value);
}

/** One request: the operation's text and its variables. */
export function operationFor(
  root: 'Query' | 'Mutation',
  field: GraphQLField<unknown, unknown>,
  args: Record<string, unknown>,
  inline: boolean,
): { query: string; variables: Record<string, unknown> } {
  const keyword = root === 'Query' ? 'query' : 'mutation';
  const selection = selectionFor(field.type, 3);
  const present = field.args.filter((a) => a.name in args);
  if (inline) {
    const list = present.map((a) => `${a.name}: ${literal(args[a.name], a.type)}`).join(', ');
    return { query: `${keyword} Fuzz { ${field.name}${list ? `(${list})` : ''} ${selection} }`, variables: {} };
  }
  const defs = present.map((a) => `$${a.name}: ${String(a.type)}`).join(', ');
  const list = present.map((a) => `${a.name}: $${a.name}`).join(', ');
  return {
    query: `${keyword} Fuzz${defs ? `(${defs})` : ''} { ${field.name}${list ? `(${list})` : ''} ${selection} }`,
    variables: args,
  };
}

const MAX_CENTS = 99_999_999_999_999n;
const EARLIEST = Date.parse('1900-01-01T00:00:00Z');
const DAY_MS = 86_400_000;

/**
 * Values that the scalars accept but PRODUCT.md §4's input bounds do not: money outside
 * 0..999,999,999,999.99, dates outside 1900-01-01..2100-12-31, and an `occurredAt` before 1900
 * or after five minutes from now. Times within a day of an edge are not judged (an offset
 * moves them across it). Returns where each one is, such as `input.budget`.
 */
export function outOfContract(
  args: Record<string, unknown>,
  field: GraphQLField<unknown, unknown>,
  now = Date.now(),
): string[] {
  const found: string[] = [];
  const visit = (value: unknown, type: GraphQLInputType, name: string, path: string) => {
    if (value === null || value === undefined) return;
    if (isNonNullType(type)) return visit(value, type.ofType, name, path);
    if (isListType(type)) {
      const items = Array.isArray(value) ? value : [value];
      items.forEach((v, i) => visit(v, type.ofType as GraphQLInputType, name, `${path}.${i}`));
      return;
    }
    if (isInputObjectType(type)) {
      if (typeof value !== 'object' || Array.isArray(value)) return;
      const fields = type.getFields();
      for (const [k, v] of Object.entries(value as Record<string, unknown>))
        if (fields[k]) visit(v, fields[k].type, k, `${path}.${k}`);
      return;
    }
    if (typeof value !== 'string') return;
    const named = getNamedType(type).name;
    if (named === 'Decimal' && /^-?\d{1,16}(\.\d{1,2})?$/.test(value)) {
      const [whole, fraction = ''] = value.replace('-', '').split('.');
      const cents = BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0'));
      if ((value.startsWith('-') && cents > 0n) || cents > MAX_CENTS) found.push(path);
    }
    if (named === 'Date' && /^\d{4}-\d{2}-\d{2}$/.test(value) && (value < '1900-01-01' || value > '2100-12-31'))
      found.push(path);
    if (named === 'DateTime' && name === 'occurredAt') {
      const t = Date.parse(value);
      if (Number.isFinite(t) && (t < EARLIEST - DAY_MS || t > now + DAY_MS)) found.push(path);
    }
  };
  for (const arg of field.args) if (arg.name in args) visit(args[arg.name], arg.type, arg.name, arg.name);
  return found;
}
