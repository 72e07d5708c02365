import type { FieldRule, RoleColumn } from '../../src/privacy/policy';

/**
 * A reveal cell stands only on an M cell (PrivacyPolicy refuses a policy
 * with one elsewhere), so a test that moves a cell off M takes the column's
 * reveal cell with it, as an editor of the policy would have to.
 */
export function dropRevealOffMask(
  rule: { access: FieldRule['access']; reveal?: FieldRule['reveal'] },
  column: RoleColumn,
) {
  if (rule.access[column] !== 'M' && rule.reveal?.[column]) {
    const { [column]: _dropped, ...others } = rule.reveal;
    rule.reveal = others;
  }
}
