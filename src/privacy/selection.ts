import { FieldNode, getDirectiveValues, GraphQLIncludeDirective, GraphQLSkipDirective, Kind } from 'graphql';
import type { GraphQLResolveInfo, SelectionSetNode } from 'graphql';

type SelectionInfo = Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments' | 'variableValues'>;

/**
 * The fields selected on the object a field returns. Both executors hand the
 * same fieldNodes array to every item of a list (and graphql-jit to every
 * request of a compiled document), so the answer is kept per array; one that
 * depends on @skip or @include is kept per request's variables instead.
 * The schema has no interfaces or unions, so a fragment applies wherever it
 * is spread (validation has already checked its type condition).
 */
const byNodes = new WeakMap<readonly FieldNode[], ReadonlySet<string>>();
const byVariables = new WeakMap<object, WeakMap<readonly FieldNode[], ReadonlySet<string>>>();

export function selectedFields(info: SelectionInfo): ReadonlySet<string> {
  const fixed = byNodes.get(info.fieldNodes);
  if (fixed) return fixed;
  const perRequest = byVariables.get(info.variableValues)?.get(info.fieldNodes);
  if (perRequest) return perRequest;
  const names = new Set<string>();
  let conditional = false;
  const visit = (set: SelectionSetNode | undefined, seen: Set<string>) => {
    for (const selection of set?.selections ?? []) {
      if (selection.directives?.length) {
        const skip = getDirectiveValues(GraphQLSkipDirective, selection, info.variableValues);
        const include = getDirectiveValues(GraphQLIncludeDirective, selection, info.variableValues);
        if (skip || include) conditional = true;
        if (skip?.if === true || include?.if === false) continue;
      }
      if (selection.kind === Kind.FIELD) names.add(selection.name.value);
      else if (selection.kind === Kind.INLINE_FRAGMENT) visit(selection.selectionSet, seen);
      else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        visit(info.fragments[selection.name.value]?.selectionSet, seen);
      }
    }
  };
  for (const node of info.fieldNodes) visit(node.selectionSet, new Set());
  if (!conditional) byNodes.set(info.fieldNodes, names);
  else if (typeof info.variableValues === 'object' && info.variableValues !== null) {
    let map = byVariables.get(info.variableValues);
    if (!map) byVariables.set(info.variableValues, (map = new WeakMap()));
    map.set(info.fieldNodes, names);
  }
  return names;
}
