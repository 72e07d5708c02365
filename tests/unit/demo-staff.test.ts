import { Role } from '../../src/auth/roles';
import { DEMO_SEED } from '../../src/seed/demo';
import { demoCallerFor } from '../../src/seed/demo-staff';
import { generateReferenceData } from '../../src/seed/reference-data';

describe('the demo caller npm run token speaks for without --sub', () => {
  it('is, for each staff role, a member of the demo directory whatever day the demo was loaded', () => {
    for (const day of ['2026-01-01', '2031-07-15']) {
      const { staff } = generateReferenceData(DEMO_SEED, day);
      for (const role of Object.values(Role).filter((r) => r !== Role.PARTNER)) {
        const caller = demoCallerFor(role);
        const member = staff.find((s) => s.id === caller.sub);
        expect({ role, day, member: member && { branch: member.branch_id } }).toEqual({
          role,
          day,
          member: { branch: caller.branchId },
        });
      }
    }
  });

  it('is a relationship manager with a book for RELATIONSHIP_MANAGER, another person for each marketing role, and a partner id for PARTNER', () => {
    expect(demoCallerFor(Role.MARKETING_ANALYST).sub).not.toBe(demoCallerFor(Role.MARKETING_MANAGER).sub);
    const { branches } = generateReferenceData(DEMO_SEED, '2026-01-01');
    const managers = branches.flatMap((b) => b.relationshipManagerIds);
    expect(managers).toContain(demoCallerFor(Role.RELATIONSHIP_MANAGER).sub);
    expect(demoCallerFor(Role.PARTNER)).toEqual({ sub: expect.stringMatching(/^partner-/) });
  });
});
