import { mostOpen } from './access-plan';
import { FieldPolicy, RevealReason, RoleColumn } from './policy';

/**
 * What is wrong with a policy's reveal cells: a reveal where the column's cell
 * is not M (a full reader has nothing to reveal; a denied column has no
 * purpose that needs the value, so a reveal would undo the denial), or a
 * column named for no reason. PrivacyPolicy refuses such data and the
 * coverage check lists it.
 */
export function revealGaps(fields: FieldPolicy): string[] {
  const gaps: string[] = [];
  for (const [type, rules] of Object.entries(fields)) {
    for (const [field, rule] of Object.entries(rules)) {
      for (const [column, reasons] of Object.entries(rule.reveal ?? {}) as [RoleColumn, readonly RevealReason[]][]) {
        const cell = rule.access[column];
        if (cell !== 'M') gaps.push(`${type}.${field} may be revealed by ${column}, whose cell is ${cell}, not M`);
        if (reasons.length === 0) gaps.push(`${type}.${field} names ${column} as a revealer for no reason`);
      }
    }
  }
  return gaps;
}

/**
 * The columns among `columns` that let the caller reveal a field for a
 * reason: those whose cell is M and whose reveal cell names the reason. None
 * when the columns together read the field in full (nothing to reveal) or
 * not at all.
 */
export function revealingColumns(
  fields: FieldPolicy,
  columns: readonly RoleColumn[],
  type: string,
  field: string,
  reason: RevealReason,
): RoleColumn[] {
  const rule = fields[type]?.[field];
  if (!rule || columns.length === 0 || mostOpen(columns.map((c) => rule.access[c])) !== 'M') return [];
  return columns.filter((column) => rule.access[column] === 'M' && rule.reveal?.[column]?.includes(reason));
}
