import { z } from 'zod';
import type { Column, KindSpec } from './kind';
import { KindName, kindSpec } from './kinds';

declare const validRow: unique symbol;

/**
 * A row that passed its kind's schema: every column's value normalised
 * (text trimmed, UUIDs lower-case, times in UTC, booleans as booleans),
 * absent columns left out. Only validateRow makes one.
 */
export type ValidRow = Readonly<Record<string, string | boolean | undefined>> & { readonly [validRow]: true };

export type Validation = { ok: true; row: ValidRow } | { ok: false; reason: string };

/**
 * The kind's one schema: an object of its columns, then its rules across
 * columns. Compiled ahead of time (zod's compile): a million rows must
 * validate in seconds. (A field that is no column is refused by name before
 * the schema runs: zod's strict objects cost twice as much per row.)
 */
function schemaOf(spec: KindSpec): z.ZodType {
  const shape: Record<string, z.ZodType> = {};
  for (const column of spec.columns) shape[column.name] = column.required ? column.field : column.field.optional();
  const rules = spec.rowRules ?? [];
  const schema = z.object(shape).superRefine((row, ctx) => {
    for (const rule of rules) {
      const broken = rule(row);
      if (broken) ctx.addIssue({ code: 'custom', path: [broken[0]], message: broken[1], input: undefined });
    }
  });
  return z.compile(schema);
}

interface Compiled {
  schema: z.ZodType;
  columns: ReadonlySet<string>;
}

const compiled = new Map<KindName, Compiled>();

function compiledFor(kind: KindName): Compiled {
  let entry = compiled.get(kind);
  if (!entry) {
    const spec = kindSpec(kind);
    entry = { schema: schemaOf(spec), columns: new Set(spec.columns.map((c) => c.name)) };
    compiled.set(kind, entry);
  }
  return entry;
}

/**
 * What a source sends, as the schema sees it: an empty CSV cell, a JSON
 * null and a missing field are all absent; text is trimmed (fixed-width
 * exports pad it). Fields that are no column are collected in `unknown`.
 */
function normalised(raw: Record<string, unknown>, columns?: ReadonlySet<string>, unknown?: string[]) {
  const out: Record<string, unknown> = {};
  for (const name in raw) {
    if (columns && !columns.has(name)) {
      unknown!.push(name);
      continue;
    }
    let value = raw[name];
    if (typeof value === 'string') {
      value = value.trim();
      if (value === '') continue;
    }
    if (value === null || value === undefined) continue;
    out[name] = value;
  }
  return out;
}

/** Checks one row of `kind` (a CSV record by header, an NDJSON line, a change event's values). */
export function validateRow(kind: KindName, raw: Record<string, unknown>): Validation {
  const { schema, columns } = compiledFor(kind);
  const unknown: string[] = [];
  const result = schema.safeParse(normalised(raw, columns, unknown));
  if (result.success && unknown.length === 0) return { ok: true, row: result.data as ValidRow };
  // `column: rule` for each problem, never the value.
  const reasons = result.success ? [] : result.error.issues.map((i) => `${i.path.join('.') || 'row'}: ${i.message}`);
  for (const name of unknown) reasons.push(`${name}: not a column of ${kind}`);
  return { ok: false, reason: reasons.join('; ') };
}

/** The natural key of a valid row: its key columns' values joined by `|` (an absent optional one is empty). */
export function keyOfValid(spec: KindSpec, row: ValidRow): string {
  let key = '';
  for (let i = 0; i < spec.naturalKey.length; i++) {
    if (i > 0) key += '|';
    key += row[spec.naturalKey[i]] ?? '';
  }
  return key;
}

const keyColumns = new Map<KindName, Column[]>();

/**
 * The natural key of any row, valid or not, as a stable string such as
 * `C000123` or `C000123|MARKETING|WECHAT`: built from the key columns only,
 * each normalised as validation does (a time in UTC). Null when a required
 * key column is missing or malformed, so that a report never shows what
 * was not a key (a shifted column may hold someone's name).
 */
export function naturalKeyOf(kind: KindName, raw: Record<string, unknown>): string | null {
  const spec = kindSpec(kind);
  let columns = keyColumns.get(kind);
  if (!columns) {
    columns = spec.naturalKey.map((name) => spec.columns.find((c) => c.name === name)!);
    keyColumns.set(kind, columns);
  }
  const values = normalised(raw);
  const parts: string[] = [];
  for (const column of columns) {
    const value = values[column.name];
    if (value === undefined) {
      if (column.required) return null;
      parts.push('');
      continue;
    }
    const parsed = column.field.safeParse(value);
    if (!parsed.success) return null;
    parts.push(String(parsed.data));
  }
  return parts.join('|');
}
