import type { FieldNode, GraphQLResolveInfo } from 'graphql';
import { collectSelectedFields } from '../common/selected-fields';

type SelectionInfo = Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments' | 'variableValues'>;

/**
 * The fields selected on the object a field returns. Both executors hand the
 * same fieldNodes array to every item of a list (and graphql-jit to every
 * request of a compiled document), so the answer is kept per array; one that
 * depends on @skip or @include is kept per request's variables instead.
 */
const byNodes = new WeakMap<readonly FieldNode[], ReadonlySet<string>>();
const byVariables = new WeakMap<object, WeakMap<readonly FieldNode[], ReadonlySet<string>>>();

export function selectedFields(info: SelectionInfo): ReadonlySet<string> {
  const fixed = byNodes.get(info.fieldNodes);
  if (fixed) return fixed;
  const perRequest = byVariables.get(info.variableValues)?.get(info.fieldNodes);
  if (perRequest) return perRequest;
  const { fields, conditional } = collectSelectedFields(info.fieldNodes, info);
  const names = new Set(fields.map((field) => field.name.value));
  if (!conditional) byNodes.set(info.fieldNodes, names);
  else if (typeof info.variableValues === 'object' && info.variableValues !== null) {
    let map = byVariables.get(info.variableValues);
    if (!map) byVariables.set(info.variableValues, (map = new WeakMap()));
    map.set(info.fieldNodes, names);
  }
  return names;
}
