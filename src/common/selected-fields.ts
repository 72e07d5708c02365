import { FieldNode, getDirectiveValues, GraphQLIncludeDirective, GraphQLSkipDirective, Kind } from 'graphql';
import type { GraphQLResolveInfo, SelectionSetNode } from 'graphql';

/**
 * The fields selected directly under `nodes`, through fragments, minus those
 * that @skip or @include leave out; `conditional` when a directive decided
 * any of it (an answer that depends on the request's variables). Type
 * conditions are not checked: the schema has no interfaces or unions, so a
 * fragment applies wherever it is spread (validation has checked its type
 * condition, and refused fragment cycles).
 */
export function collectSelectedFields(
  nodes: readonly FieldNode[],
  info: Pick<GraphQLResolveInfo, 'fragments' | 'variableValues'>,
): { fields: FieldNode[]; conditional: boolean } {
  const fields: FieldNode[] = [];
  let conditional = false;
  const collect = (selectionSet: SelectionSetNode | undefined) => {
    for (const selection of selectionSet?.selections ?? []) {
      if (selection.directives?.length) {
        const skip = getDirectiveValues(GraphQLSkipDirective, selection, info.variableValues);
        const include = getDirectiveValues(GraphQLIncludeDirective, selection, info.variableValues);
        if (skip || include) conditional = true;
        if (skip?.if === true || include?.if === false) continue;
      }
      if (selection.kind === Kind.FIELD) fields.push(selection);
      else if (selection.kind === Kind.INLINE_FRAGMENT) collect(selection.selectionSet);
      else collect(info.fragments[selection.name.value]?.selectionSet);
    }
  };
  for (const node of nodes) collect(node.selectionSet);
  return { fields, conditional };
}

/**
 * The fields selected at `path` below the field being resolved (['edges',
 * 'node'] for a connection's nodes): aliases merged, fragments followed,
 * @skip/@include applied.
 */
export function selectedFieldsAt(
  info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments' | 'variableValues'>,
  path: readonly string[],
): FieldNode[] {
  let nodes: readonly FieldNode[] = info.fieldNodes;
  for (const name of path) nodes = collectSelectedFields(nodes, info).fields.filter((node) => node.name.value === name);
  return collectSelectedFields(nodes, info).fields;
}

/** The names of the fields selected at `path` (selectedFieldsAt). */
export function selectedNamesAt(
  info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments' | 'variableValues'>,
  path: readonly string[],
): Set<string> {
  return new Set(selectedFieldsAt(info, path).map((node) => node.name.value));
}
