import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALL_COLUMNS, LIVE_POLICY_DATA, RoleColumn } from '../../src/privacy/policy';
import { loadPolicyFile, parsePolicyFile, PolicyFileError, policyToFile } from '../../src/privacy/policy-file';
import { PrivacyPolicy } from '../../src/privacy/privacy-policy';

/** The exported live policy, through JSON text as `npm run policy:export` writes it. */
const exported = () => JSON.parse(JSON.stringify(policyToFile(LIVE_POLICY_DATA)));

/** Every subset of the role columns: a token may carry any set of roles. */
const columnSets: RoleColumn[][] = Array.from({ length: 2 ** ALL_COLUMNS.length }, (_, bits) =>
  ALL_COLUMNS.filter((_, i) => bits & (1 << i)),
);

describe('policy file: the live policy exported and loaded again', () => {
  it('holds the same data as policy.ts', () => {
    expect(parsePolicyFile(exported())).toEqual(LIVE_POLICY_DATA);
  });

  it('compiles to the same plan for every set of columns: access, masks applied and audited fields', () => {
    const live = new PrivacyPolicy(LIVE_POLICY_DATA);
    const loaded = new PrivacyPolicy(parsePolicyFile(exported()));
    const sample = {
      name: '张三丰',
      idNumber: '110105198506150011',
      phone: '13812345678',
      email: 'zhang.san@example.com',
      address: '北京市北京市朝阳区建国路1号',
      addressParts: { province: '北京市', city: '北京市', district: '朝阳区' },
      accountNo: '6222000012341234',
      aum: '100.00',
    };
    const differences: string[] = [];
    for (const columns of columnSets) {
      const [a, b] = [live.planFor(columns), loaded.planFor(columns)];
      for (const [type, rules] of Object.entries(LIVE_POLICY_DATA.fields)) {
        for (const field of Object.keys(rules)) {
          if (a.access(type, field) !== b.access(type, field)) differences.push(`${columns}: ${type}.${field}`);
        }
        if (String(a.fullSensitiveFields(type)) !== String(b.fullSensitiveFields(type)))
          differences.push(`${columns}: ${type} audited fields`);
        if (JSON.stringify(a.apply(type, { ...sample })) !== JSON.stringify(b.apply(type, { ...sample })))
          differences.push(`${columns}: ${type} masks`);
      }
    }
    expect(differences).toEqual([]);
  });

  it('reads a file from disk, with its name and the hash of its bytes', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'policy-file-')), 'candidate.json');
    writeFileSync(file, JSON.stringify(exported()));
    const loaded = loadPolicyFile(file);
    expect(loaded.name).toBe('candidate.json');
    expect(loaded.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(loaded.data).toEqual(LIVE_POLICY_DATA);
  });

  it('denies a field the file has no row for, as the live policy does', () => {
    const file = exported();
    delete file.fields.Customer.phone;
    const policy = new PrivacyPolicy(parsePolicyFile(file));
    expect(policy.planFor(['RM']).access('Customer', 'phone')).toBe('D');
    expect(policy.planFor(['RM']).access('Customer', 'email')).toBe('F');
  });
});

describe('policy file: refused with the path of what is wrong', () => {
  const cases: [string, (file: any) => void, string][] = [
    ['an unknown type', (f) => (f.fields.Customr = {}), 'fields.Customr'],
    ['a type name from the object prototype', (f) => (f.fields.toString = {}), 'fields.toString'],
    [
      'an unknown field',
      (f) => (f.fields.Customer.phoneNumber = f.fields.Customer.phone),
      'fields.Customer.phoneNumber',
    ],
    ['an unknown column', (f) => (f.fields.Customer.phone.access.TELLER = 'F'), 'fields.Customer.phone.access.TELLER'],
    ['a missing column', (f) => delete f.fields.Customer.phone.access.RISK, 'fields.Customer.phone.access.RISK'],
    ['an unknown access letter', (f) => (f.fields.Customer.phone.access.RM = 'X'), 'fields.Customer.phone.access.RM'],
    ['an access in lower case', (f) => (f.fields.Customer.phone.access.RM = 'f'), 'fields.Customer.phone.access.RM'],
    ['an unknown mask', (f) => (f.fields.Customer.phone.mask = 'phoneNumber'), 'fields.Customer.phone.mask'],
    [
      'a masked cell without a mask',
      (f) => (f.fields.Customer.customerNo.access.MKT = 'M'),
      'fields.Customer.customerNo.mask',
    ],
    [
      'a sensitive flag that is not a boolean',
      (f) => (f.fields.Customer.phone.sensitive = 'yes'),
      'fields.Customer.phone.sensitive',
    ],
    ['an unknown key of a rule', (f) => (f.fields.Customer.phone.masked = 'phone'), 'fields.Customer.phone.masked'],
    ['an unknown row scope', (f) => (f.rowScope.RM = 'OWN_DESK'), 'rowScope.RM'],
    ['a missing row scope', (f) => delete f.rowScope.PARTNER, 'rowScope.PARTNER'],
    ['an unknown root field', (f) => (f.operations.Query.everything = 'STAFF'), 'operations.Query.everything'],
    [
      'an unknown role',
      (f) => (f.operations.Query.auditLog = ['COMPLIANCE_AUDITOR', 'CEO']),
      'operations.Query.auditLog[1]',
    ],
    [
      'an unknown scope',
      (f) => (f.operations.Mutation.registerLead = ['scope:leads:read']),
      'operations.Mutation.registerLead[0]',
    ],
    ['callers that are neither a word nor a list', (f) => (f.operations.Query.me = 'EVERYONE'), 'operations.Query.me'],
    ['another format', (f) => (f.format = 'customer360-privacy-policy/0'), 'format'],
    ['an unknown top-level key', (f) => (f.code = 'process.exit()'), 'code'],
  ];

  it.each(cases)('%s', (_what, edit, path) => {
    const file = exported();
    edit(file);
    let error: unknown;
    try {
      parsePolicyFile(file, 'candidate.json');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(PolicyFileError);
    expect(error).toMatchObject({ code: 'POLICY_FILE_INVALID', path });
    expect((error as Error).message).toContain(`candidate.json at ${path}:`);
  });

  it('a file that is not JSON (a policy is data, never code)', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'policy-file-')), 'candidate.js');
    writeFileSync(file, 'module.exports = { fields: {} };');
    expect(() => loadPolicyFile(file)).toThrow(PolicyFileError);
    expect(() => loadPolicyFile(file)).toThrow(/is not JSON/);
  });

  it('a file that does not exist', () => {
    expect(() => loadPolicyFile('/nonexistent/candidate.json')).toThrow(/cannot be read \(ENOENT\)/);
  });
});
