import { FieldNode, getArgumentValues, GraphQLObjectType, GraphQLSchema } from 'graphql';
import type { FragmentDefinitionNode } from 'graphql';
import { collectSelectedFields } from '../common/selected-fields';
import type { KeyScope } from '../privacy/encryption/keyring';
import type { JsonPlan } from '../privacy/json-plan';
import type { RequestPrivacy } from '../privacy/request-privacy';
import type { SqlParams } from './parent-relations';

/**
 * A direct read: for a query whose every field has a projection here, one
 * statement in which PostgreSQL builds the answer's JSON, keyed and ordered
 * as the selection asks (aliases, fragments, @skip and @include applied), with
 * the privacy policy compiled in (privacy/json-plan.ts). The executor runs
 * every other query, and this one too whenever building it meets anything
 * it does not cover (NotDirect): a field without a projection, arguments it
 * would refuse, a cell that depends on the customer or denies.
 */
export class NotDirect extends Error {
  constructor(reason: string) {
    super(`not a direct read: ${reason}`);
  }
}

/** What building one statement needs: where values go, whose policy, the request's document and variables. */
export interface JsonBuild {
  params: SqlParams;
  privacy: RequestPrivacy;
  schema: GraphQLSchema;
  fragments: Record<string, FragmentDefinitionNode>;
  variableValues: Record<string, unknown>;
}

/** One response key of an object's selection: every node selected under it (merged as graphql-js merges them). */
export class SelectedKey {
  constructor(
    readonly build: JsonBuild,
    readonly type: GraphQLObjectType,
    readonly nodes: readonly FieldNode[],
    /** The plan of the object holding it: `plan.child(key)` for what it returns. */
    readonly plan: JsonPlan,
  ) {}

  get key(): string {
    return this.nodes[0].alias?.value ?? this.nodes[0].name.value;
  }

  /** The field's arguments as the executor would give them; NotDirect where it would refuse them. */
  args(): Record<string, unknown> {
    try {
      const field = this.type.getFields()[this.nodes[0].name.value];
      return getArgumentValues(field, this.nodes[0], this.build.variableValues);
    } catch {
      throw new NotDirect(`arguments of ${this.type.name}.${this.nodes[0].name.value}`);
    }
  }

  /** The JSON of the object this field returns, from the row `row` of `projection`'s type. */
  object(projection: TypeProjection, row: string): string {
    return objectJson(this.build, projection, this.nodes, row, this.plan.child(this.key));
  }
}

/** How each field of a GraphQL object type is read as SQL, given the alias of the row the object comes from. */
export interface TypeProjection {
  type: string;
  fields: Record<string, (selected: SelectedKey, row: string) => string>;
}

/** The fields selected under `nodes`, by response key, in the order the answer lists them. */
export function selectedKeys(
  build: Pick<JsonBuild, 'fragments' | 'variableValues'>,
  nodes: readonly FieldNode[],
): Map<string, FieldNode[]> {
  const byKey = new Map<string, FieldNode[]>();
  for (const node of collectSelectedFields(nodes, build).fields) {
    const key = node.alias?.value ?? node.name.value;
    const group = byKey.get(key);
    if (group) group.push(node);
    else byKey.set(key, [node]);
  }
  return byKey;
}

/**
 * `json_build_object(...)` of the selection under `nodes` for one row of
 * `projection`'s type, each field admitted by the policy first.
 */
export function objectJson(
  build: JsonBuild,
  projection: TypeProjection,
  nodes: readonly FieldNode[],
  row: string,
  plan: JsonPlan,
): string {
  const type = build.schema.getType(projection.type) as GraphQLObjectType;
  const pairs: string[] = [];
  for (const [key, group] of selectedKeys(build, nodes)) {
    const name = group[0].name.value;
    if (name === '__typename') {
      pairs.push(`'${key}', '${projection.type}'`);
      continue;
    }
    const field = projection.fields[name];
    if (!field) throw new NotDirect(`${projection.type}.${name} has no projection`);
    if (!plan.admit(build.privacy, projection.type, name, key))
      throw new NotDirect(`${projection.type}.${name} is not read alike on every row`);
    pairs.push(`'${key}', ${field(new SelectedKey(build, type, group, plan), row)}`);
  }
  // json_build_object takes at most 100 arguments.
  if (pairs.length === 0 || pairs.length > 50) throw new NotDirect(`${pairs.length} fields of ${projection.type}`);
  return `json_build_object(${pairs.join(', ')})`;
}

/** A column as it is: text, uuid, numbers, booleans, dates (json writes a date as YYYY-MM-DD) and arrays. */
export const column =
  (name: string) =>
  (_selected: SelectedKey, row: string): string =>
    `${row}.${name}`;

/** A numeric column as text: money keeps its digits and trailing zeros (the Decimal scalar's form). */
export const decimal =
  (name: string) =>
  (_selected: SelectedKey, row: string): string =>
    `${row}.${name}::text`;

/** A timestamptz expression as the DateTime scalar writes it: UTC, milliseconds, Z. */
export function isoInstantSql(expression: string): string {
  return `to_char(${expression} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/** A timestamptz column, written as the DateTime scalar writes it. */
export const instant =
  (name: string) =>
  (_selected: SelectedKey, row: string): string =>
    isoInstantSql(`${row}.${name}`);

/** A column stored encrypted: its ciphertext travels, and Node opens it before any mask (JsonPlan.open). */
export const sealed =
  (scope: KeyScope, name: string) =>
  (selected: SelectedKey, row: string): string => {
    selected.plan.seal(selected.key, scope, name);
    return `${row}.${name}`;
  };

/** A row of `table` by its id in the column `reference` of `row` (a reference that may be null answers null). */
export const referenced =
  (projection: TypeProjection, table: string, reference: string) =>
  (selected: SelectedKey, row: string): string =>
    `(SELECT ${selected.object(projection, 'r')} FROM ${table} r WHERE r.id = ${row}.${reference})`;
