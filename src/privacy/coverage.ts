import { GraphQLSchema, isNonNullType, isObjectType } from 'graphql';
import { isComputedLeaf } from './enforce';
import { COLUMNS, FIELD_POLICY, isWrapperType, OPERATION_POLICY } from './policy';
import { revealGaps } from './reveal-cells';

/**
 * Every field of the schema must have a row in the policy, and every field
 * that some role is denied must be nullable (a denied non-null field would
 * null its parent, up to the whole response). A leaf computed by its own
 * resolver has no stored value to mask or to note as read (enforce.ts). Returns what is wrong; start-up
 * refuses to serve and a test fails while the list is not empty.
 */
export function policyGaps(schema: GraphQLSchema): string[] {
  const gaps: string[] = revealGaps(FIELD_POLICY);
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__') || isWrapperType(type.name)) continue;
    const root = type.name === 'Query' || type.name === 'Mutation' ? OPERATION_POLICY[type.name] : undefined;
    for (const field of Object.values(type.getFields())) {
      const name = `${type.name}.${field.name}`;
      if (root) {
        if (!(field.name in root)) gaps.push(`${name} has no entry in OPERATION_POLICY`);
        continue;
      }
      const rule = FIELD_POLICY[type.name]?.[field.name];
      if (!rule) {
        gaps.push(`${name} has no entry in FIELD_POLICY`);
        continue;
      }
      const cells = COLUMNS.map((c) => rule.access[c]);
      if (cells.includes('D') && isNonNullType(field.type)) gaps.push(`${name} can be denied, so it must be nullable`);
      if (cells.includes('M') && !rule.mask) gaps.push(`${name} is masked for some role but has no mask`);
      if (isComputedLeaf(field) && (rule.mask || rule.sensitive)) {
        gaps.push(`${name} is computed by its resolver: it can be read in full or denied, not masked or audited`);
      }
    }
  }
  return gaps;
}
