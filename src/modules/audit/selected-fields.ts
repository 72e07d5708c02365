import { DocumentNode, GraphQLSchema, Kind, TypeInfo, visit, visitWithTypeInfo, getNamedType } from 'graphql';

/**
 * The fields an operation selects, per GraphQL type, fragments included. The
 * audit needs "which sensitive fields did this client read", which depends
 * on the document only, not on the rows.
 */
const cache = new WeakMap<DocumentNode, Map<string, Set<string>>>();

/** Apollo reuses the parsed document of a repeated query string, so the walk runs once per distinct query. */
export function selectedFieldsByType(schema: GraphQLSchema, document: DocumentNode): Map<string, Set<string>> {
  let selected = cache.get(document);
  if (!selected) {
    selected = walk(schema, document);
    cache.set(document, selected);
  }
  return selected;
}

function walk(schema: GraphQLSchema, document: DocumentNode): Map<string, Set<string>> {
  const selected = new Map<string, Set<string>>();
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      [Kind.FIELD](node) {
        const parent = typeInfo.getParentType();
        if (!parent) return;
        const type = getNamedType(parent).name;
        let fields = selected.get(type);
        if (!fields) selected.set(type, (fields = new Set()));
        fields.add(node.name.value);
      },
    }),
  );
  return selected;
}
