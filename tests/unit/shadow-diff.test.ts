import { Role } from '../../src/auth/roles';
import { ALL_COLUMNS, FieldPolicy, LIVE_POLICY_DATA, PolicyData } from '../../src/privacy/policy';
import { PolicyShadow } from '../../src/privacy/policy-shadow';
import { LIVE_POLICY, PrivacyPolicy } from '../../src/privacy/privacy-policy';
import { dropRevealOffMask } from '../support/policy-edit';

/** The live policy with some cells changed (cell by cell: the live policy shares rule objects). */
function candidateWith(edit: (data: PolicyData) => void): PrivacyPolicy {
  const data: PolicyData = JSON.parse(JSON.stringify(LIVE_POLICY_DATA));
  edit(data);
  for (const rules of Object.values(data.fields))
    for (const rule of Object.values(rules)) for (const column of ALL_COLUMNS) dropRevealOffMask(rule, column);
  return new PrivacyPolicy(data);
}

const shadowOf = (candidate: PrivacyPolicy) => new PolicyShadow(candidate, { name: 'candidate.json', sha256: 'x' });

describe('diff plan', () => {
  it('holds exactly the fields whose access differs for a column set, with both cells', () => {
    const shadow = shadowOf(
      candidateWith((d) => {
        d.fields.Customer.phone.access.CALL_CENTER = 'D';
        d.fields.Holding.balance.access.CALL_CENTER = 'F';
      }),
    );
    const diff = shadow.diffOf(
      LIVE_POLICY,
      LIVE_POLICY.planFor(['CALL_CENTER']),
      shadow.candidate.planFor(['CALL_CENTER']),
    );
    expect(diff?.cellsOf('Customer')).toEqual([
      expect.objectContaining({ type: 'Customer', field: 'phone', role: 'CALL_CENTER', live: 'M', candidate: 'D' }),
    ]);
    expect(diff?.cellsOf('Holding')).toEqual([
      expect.objectContaining({ field: 'balance', role: 'CALL_CENTER', live: 'D', candidate: 'F' }),
    ]);
    expect(diff?.cellsOf('Campaign')).toBeUndefined();
  });

  it('is nothing at all for a column set on which the two policies agree', () => {
    const shadow = shadowOf(candidateWith((d) => (d.fields.Customer.phone.access.CALL_CENTER = 'D')));
    expect(shadow.diffOf(LIVE_POLICY, LIVE_POLICY.planFor(['RM']), shadow.candidate.planFor(['RM']))).toBeUndefined();
    // RM reads phone in full, so a token with both columns still does: the most open cell wins in both policies.
    const both = ['CALL_CENTER', 'RM'] as const;
    expect(shadow.diffOf(LIVE_POLICY, LIVE_POLICY.planFor(both), shadow.candidate.planFor(both))).toBeUndefined();
  });

  it('is compiled once per pair of plans, and counts into one cell per type, field, role and cells', () => {
    const shadow = shadowOf(candidateWith((d) => (d.fields.Customer.phone.access.CALL_CENTER = 'D')));
    const plans = [LIVE_POLICY.planFor(['CALL_CENTER']), shadow.candidate.planFor(['CALL_CENTER'])] as const;
    const first = shadow.diffOf(LIVE_POLICY, ...plans)!;
    expect(shadow.diffOf(LIVE_POLICY, ...plans)).toBe(first);
    first.cellsOf('Customer')![0].count += 2;
    expect(shadow.rows()).toEqual([expect.objectContaining({ field: 'phone', count: 2 })]);
  });

  it('names a field only the candidate has a row for, or only the live policy', () => {
    const fields: FieldPolicy = JSON.parse(JSON.stringify(LIVE_POLICY_DATA.fields));
    delete fields.Customer.email;
    const shadow = shadowOf(new PrivacyPolicy({ ...LIVE_POLICY_DATA, fields }));
    const diff = shadow.diffOf(LIVE_POLICY, LIVE_POLICY.planFor(['RM']), shadow.candidate.planFor(['RM']));
    expect(diff?.cellsOf('Customer')).toEqual([expect.objectContaining({ field: 'email', live: 'F', candidate: 'D' })]);
  });
});

describe('operation callers in shadow', () => {
  it('counts a root field the candidate would refuse, and one it would allow, by the caller roles', () => {
    const shadow = shadowOf(
      candidateWith((d) => {
        d.operations.Query.churnReport = [Role.COMPLIANCE_AUDITOR];
        d.operations.Query.auditLog = [Role.COMPLIANCE_AUDITOR, Role.RISK_OFFICER];
      }),
    );
    const risk = { id: 'r', roles: [Role.RISK_OFFICER], scopes: [] };
    for (const field of ['churnReport', 'auditLog', 'customers'])
      shadow.noteCall('Query', field, risk, LIVE_POLICY.mayCall('Query', field, risk));
    expect(shadow.rows().map((c) => [c.type, c.field, c.role, c.live, c.candidate, c.count])).toEqual([
      ['Query', 'auditLog', 'RISK_OFFICER', 'D', 'F', 1],
      ['Query', 'churnReport', 'RISK_OFFICER', 'F', 'D', 1],
    ]);
  });
});
