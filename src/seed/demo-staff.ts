import { Role } from '../auth/roles';
import { businessToday } from '../common/business-date';
import { DEMO_SEED } from './demo';
import { generateReferenceData, PARTNER_IDS } from './reference-data';

/** The demo staff member who plays each role: whose title in the demo directory fits it. */
const TITLE_OF_ROLE: Record<Exclude<Role, Role.PARTNER>, string> = {
  [Role.RELATIONSHIP_MANAGER]: '客户经理',
  [Role.BRANCH_STAFF]: '柜员',
  [Role.CALL_CENTER_AGENT]: '客服专员',
  [Role.MARKETING_ANALYST]: '营销经理',
  [Role.MARKETING_MANAGER]: '营销经理',
  [Role.RISK_OFFICER]: '风险经理',
  [Role.COMPLIANCE_AUDITOR]: '合规专员',
};

/**
 * Who `npm run token -- --role ROLE` speaks for when no --sub is given: a
 * member of the demo data set's staff directory (the ids come from the
 * seed, not the date, so they are the same in every demo database), with
 * their branch. A token for a made-up id could read but not write.
 */
export function demoCallerFor(role: Role): { sub: string; branchId?: string } {
  if (role === Role.PARTNER) return { sub: PARTNER_IDS[0] };
  const { staff } = generateReferenceData(DEMO_SEED, businessToday('Asia/Shanghai'));
  const member = staff.find((s) => s.title === TITLE_OF_ROLE[role]);
  if (!member) throw new Error(`The demo directory has no ${TITLE_OF_ROLE[role]} for ${role}`);
  return { sub: member.id, branchId: member.branch_id };
}
