import { Role } from '../auth/roles';
import { businessToday } from '../common/business-date';
import { DEMO_SEED } from './demo';
import { generateReferenceData, PARTNER_IDS } from './reference-data';

/**
 * The demo staff member who plays each role: the n-th whose title in the demo
 * directory fits it. The analyst is another marketing manager than the
 * manager, so that the two default tokens can be maker and checker.
 */
const MEMBER_OF_ROLE: Record<Exclude<Role, Role.PARTNER>, [title: string, nth: number]> = {
  [Role.RELATIONSHIP_MANAGER]: ['客户经理', 0],
  [Role.BRANCH_STAFF]: ['柜员', 0],
  [Role.CALL_CENTER_AGENT]: ['客服专员', 0],
  [Role.MARKETING_ANALYST]: ['营销经理', 1],
  [Role.MARKETING_MANAGER]: ['营销经理', 0],
  [Role.RISK_OFFICER]: ['风险经理', 0],
  [Role.COMPLIANCE_AUDITOR]: ['合规专员', 0],
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
  const [title, nth] = MEMBER_OF_ROLE[role];
  const member = staff.filter((s) => s.title === title)[nth];
  if (!member) throw new Error(`The demo directory has no ${title} number ${nth + 1} for ${role}`);
  return { sub: member.id, branchId: member.branch_id };
}
