import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { ROLES, SCOPES } from '../auth/roles';
import { MASKS } from './masks';
import {
  Access,
  ALL_COLUMNS,
  Callers,
  FieldPolicy,
  FieldRule,
  LIVE_POLICY_DATA,
  OPERATION_POLICY,
  PolicyData,
  AggregateRule,
  RevealReason,
  RoleColumn,
  RowScopeRule,
} from './policy';

/**
 * A privacy policy as a JSON file: the same data policy.ts is made of (cells
 * per role column, type and field; masks by name; sensitive flags; row
 * scopes; who may call each root field), so that a candidate policy is an
 * edited copy of `npm run policy:export`'s output. Only JSON is read, never
 * code: a candidate cannot run anything in the gateway.
 */
export const POLICY_FILE_FORMAT = 'customer360-privacy-policy/1';

export interface PolicyFile {
  format: typeof POLICY_FILE_FORMAT;
  fields: Record<
    string,
    Record<
      string,
      {
        access: Record<RoleColumn, Access>;
        mask?: string;
        sensitive?: boolean;
        reveal?: Partial<Record<RoleColumn, readonly RevealReason[]>>;
      }
    >
  >;
  rowScope: Record<RoleColumn, RowScopeRule>;
  aggregates: Record<RoleColumn, AggregateRule>;
  operations: { Query: Record<string, Callers>; Mutation: Record<string, Callers> };
}

/** A file refused at start-up; `path` is where in the file (`fields.Customer.phone.access.RM`). */
export class PolicyFileError extends Error {
  override name = 'PolicyFileError';
  readonly code = 'POLICY_FILE_INVALID';
  constructor(
    readonly file: string,
    readonly path: string,
    problem: string,
  ) {
    super(`${file}${path ? ` at ${path}` : ''}: ${problem}`);
  }
}

/** A loaded candidate: its data, and what the report says of the file it came from. */
export interface LoadedPolicyFile {
  data: PolicyData;
  name: string;
  sha256: string;
}

export function policyToFile(data: PolicyData): PolicyFile {
  const fields: PolicyFile['fields'] = {};
  for (const [type, rules] of Object.entries(data.fields)) {
    fields[type] = {};
    for (const [field, rule] of Object.entries(rules)) {
      fields[type][field] = {
        access: Object.fromEntries(ALL_COLUMNS.map((c) => [c, rule.access[c]])) as Record<RoleColumn, Access>,
        ...(rule.mask ? { mask: rule.mask } : {}),
        ...(rule.sensitive ? { sensitive: true } : {}),
        ...(rule.reveal ? { reveal: rule.reveal } : {}),
      };
    }
  }
  return {
    format: POLICY_FILE_FORMAT,
    fields,
    rowScope: { ...data.rowScope },
    aggregates: { ...data.aggregates },
    operations: { Query: { ...data.operations.Query }, Mutation: { ...data.operations.Mutation } },
  };
}

export function loadPolicyFile(file: string): LoadedPolicyFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new PolicyFileError(file, '', `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new PolicyFileError(file, '', `is not JSON: ${(error as Error).message}`);
  }
  return {
    data: parsePolicyFile(json, file),
    name: basename(file),
    sha256: createHash('sha256').update(text).digest('hex'),
  };
}

const ACCESS: ReadonlySet<string> = new Set(['F', 'M', 'D']);
const ROW_SCOPES: ReadonlySet<string> = new Set(['OWN_BOOK', 'OWN_BRANCH', 'ALL', 'ALL_BUT_OPTED_OUT', 'NONE']);

/**
 * Strict: every name must be one the live policy knows (types and fields of
 * the schema, role columns, masks, roles, scopes, root fields), so a typo is
 * refused with its path instead of silently denying or allowing something. A
 * field left out of the file is denied, as in the live policy.
 */
export function parsePolicyFile(json: unknown, file = 'policy file'): PolicyData {
  const fail = (path: string, problem: string): never => {
    throw new PolicyFileError(file, path, problem);
  };
  const object = (value: unknown, path: string): Record<string, unknown> => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, 'must be an object');
    return value as Record<string, unknown>;
  };
  const onlyKeys = (value: Record<string, unknown>, allowed: readonly string[], path: string) => {
    for (const key of Object.keys(value))
      if (!allowed.includes(key)) fail(join(path, key), `unknown key (expected ${allowed.join(', ')})`);
  };

  const root = object(json, '');
  onlyKeys(root, ['format', 'fields', 'rowScope', 'aggregates', 'operations'], '');
  if (root.format !== POLICY_FILE_FORMAT) fail('format', `must be "${POLICY_FILE_FORMAT}"`);

  const fields: FieldPolicy = {};
  for (const [type, rules] of Object.entries(object(root.fields, 'fields'))) {
    // Own properties only: "__proto__" or "toString" is no type of the schema.
    const known = Object.hasOwn(LIVE_POLICY_DATA.fields, type) ? LIVE_POLICY_DATA.fields[type] : undefined;
    if (!known) fail(`fields.${type}`, 'unknown type');
    fields[type] = {};
    for (const [field, value] of Object.entries(object(rules, `fields.${type}`))) {
      const path = `fields.${type}.${field}`;
      if (!Object.hasOwn(known!, field)) fail(path, `unknown field of ${type}`);
      fields[type][field] = fieldRule(object(value, path), path);
    }
  }

  function fieldRule(value: Record<string, unknown>, path: string): FieldRule {
    onlyKeys(value, ['access', 'mask', 'sensitive', 'reveal'], path);
    const cells = object(value.access, `${path}.access`);
    onlyKeys(cells, ALL_COLUMNS, `${path}.access`);
    const access = {} as Record<RoleColumn, Access>;
    for (const column of ALL_COLUMNS) {
      const cell = cells[column];
      if (cell === undefined) fail(`${path}.access.${column}`, 'missing (every role column needs a cell)');
      if (typeof cell !== 'string' || !ACCESS.has(cell)) fail(`${path}.access.${column}`, 'must be "F", "M" or "D"');
      access[column] = cell as Access;
    }
    const rule: FieldRule = { access };
    if (value.mask !== undefined) {
      if (typeof value.mask !== 'string' || !Object.hasOwn(MASKS, value.mask))
        fail(`${path}.mask`, `unknown mask (expected ${Object.keys(MASKS).join(', ')})`);
      rule.mask = value.mask as FieldRule['mask'];
    }
    if (Object.values(access).includes('M') && !rule.mask) fail(`${path}.mask`, 'a masked cell needs a mask');
    if (value.sensitive !== undefined) {
      if (typeof value.sensitive !== 'boolean') fail(`${path}.sensitive`, 'must be true or false');
      if (value.sensitive) rule.sensitive = true;
    }
    if (value.reveal !== undefined) {
      const reveal = object(value.reveal, `${path}.reveal`);
      onlyKeys(reveal, ALL_COLUMNS, `${path}.reveal`);
      rule.reveal = {};
      for (const [column, reasons] of Object.entries(reveal)) {
        const reasonsPath = `${path}.reveal.${column}`;
        if (!Array.isArray(reasons) || reasons.some((r) => !Object.hasOwn(RevealReason, r as string)))
          fail(reasonsPath, `must be a list of ${Object.keys(RevealReason).join(', ')}`);
        rule.reveal[column as RoleColumn] = reasons as RevealReason[];
      }
    }
    return rule;
  }

  const scopes = object(root.rowScope, 'rowScope');
  onlyKeys(scopes, ALL_COLUMNS, 'rowScope');
  const rowScope = {} as Record<RoleColumn, RowScopeRule>;
  for (const column of ALL_COLUMNS) {
    const rule = scopes[column];
    if (typeof rule !== 'string' || !ROW_SCOPES.has(rule))
      fail(`rowScope.${column}`, `must be one of ${[...ROW_SCOPES].join(', ')}`);
    rowScope[column] = rule as RowScopeRule;
  }

  const aggregatesIn = object(root.aggregates, 'aggregates');
  onlyKeys(aggregatesIn, ALL_COLUMNS, 'aggregates');
  const aggregates = {} as Record<RoleColumn, AggregateRule>;
  for (const column of ALL_COLUMNS) {
    const rule = aggregatesIn[column];
    if (rule !== 'EXACT' && rule !== 'SMALL_COHORTS_SUPPRESSED')
      fail(`aggregates.${column}`, 'must be "EXACT" or "SMALL_COHORTS_SUPPRESSED"');
    aggregates[column] = rule as AggregateRule;
  }

  const operationsIn = object(root.operations, 'operations');
  onlyKeys(operationsIn, ['Query', 'Mutation'], 'operations');
  const operations: PolicyData['operations'] = { Query: {}, Mutation: {} };
  for (const kind of ['Query', 'Mutation'] as const) {
    for (const [field, value] of Object.entries(object(operationsIn[kind], `operations.${kind}`))) {
      const path = `operations.${kind}.${field}`;
      if (!Object.hasOwn(OPERATION_POLICY[kind], field)) fail(path, `unknown root field of ${kind}`);
      operations[kind][field] = callers(value, path);
    }
  }

  function callers(value: unknown, path: string): Callers {
    if (value === 'ANYONE' || value === 'STAFF') return value;
    if (!Array.isArray(value)) fail(path, 'must be "ANYONE", "STAFF" or a list of roles and "scope:<scope>"');
    (value as unknown[]).forEach((entry, index) => {
      const known =
        typeof entry === 'string' &&
        (ROLES.has(entry) || (entry.startsWith('scope:') && SCOPES.has(entry.slice('scope:'.length))));
      if (!known) fail(`${path}[${index}]`, 'unknown role or scope');
    });
    return value as Callers;
  }

  return { fields, rowScope, aggregates, operations };
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);
