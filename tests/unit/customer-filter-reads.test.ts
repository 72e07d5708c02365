import { isInputObjectType } from 'graphql';
import { Role } from '../../src/auth/roles';
import { CUSTOMER_FILTER_READS } from '../../src/modules/customer/customer-filter.input';
import { sensitiveFilterRead } from '../../src/modules/customer/customer-filter-reads';
import { FIELD_POLICY, LIVE_POLICY_DATA } from '../../src/privacy/policy';
import { LIVE_POLICY, PrivacyPolicy } from '../../src/privacy/privacy-policy';
import { RequestPrivacy } from '../../src/privacy/request-privacy';
import { getSchema } from '../../src/server/schema';

const privacyOf = (role: Role, policy = LIVE_POLICY) =>
  new RequestPrivacy({ id: 'x', roles: [role], scopes: [] }, policy, 10);
const hash = (text: string) => `hash(${text})`;
const refused: string[] = [];
const noteRefused = (argument: string) => refused.push(argument);

describe('what customers filter arguments read', () => {
  it('names, for every CustomerFilter argument the server serves, a field of the policy', async () => {
    const input = (await getSchema()).getType('CustomerFilter');
    if (!isInputObjectType(input)) throw new Error('CustomerFilter is not an input type');
    expect(Object.keys(CUSTOMER_FILTER_READS).sort()).toEqual(Object.keys(input.getFields()).sort());
    for (const { reads } of Object.values(CUSTOMER_FILTER_READS)) {
      const [type, field] = reads.split('.');
      expect(FIELD_POLICY[type]?.[field]).toBeDefined();
    }
  });

  it('follows the policy: a field some role stops reading in full becomes a read when filtered on', () => {
    expect(
      sensitiveFilterRead({ tiers: ['WEALTH'] as never }, privacyOf(Role.RISK_OFFICER), hash, noteRefused),
    ).toBeNull();
    const tier = FIELD_POLICY.Customer.tier;
    const changed = new PrivacyPolicy({
      ...LIVE_POLICY_DATA,
      fields: {
        ...FIELD_POLICY,
        Customer: { ...FIELD_POLICY.Customer, tier: { ...tier, access: { ...tier.access, MKT: 'M' }, mask: 'name' } },
      },
    });
    expect(
      sensitiveFilterRead({ tiers: ['WEALTH'] as never }, privacyOf(Role.RISK_OFFICER, changed), hash, noteRefused),
    ).toEqual({
      fields: ['tier'],
      arguments: [{ name: 'tiers', values: ['WEALTH'] }],
    });
    // No rule says how the query could avoid the field, so a caller who sees it masked is refused.
    expect(() =>
      sensitiveFilterRead(
        { tiers: ['WEALTH'] as never },
        privacyOf(Role.MARKETING_ANALYST, changed),
        hash,
        noteRefused,
      ),
    ).toThrow(expect.objectContaining({ extensions: { code: 'FORBIDDEN', field: 'filter.tiers' } }));
    // ...and the refusal is noted for the request's audit record.
    expect(refused).toEqual(['filter.tiers']);
  });

  it('hashes a search text only where the rule says so, and leaves a masked-name search unrecorded', () => {
    expect(
      sensitiveFilterRead({ search: '欧阳', aumMin: '10.00' }, privacyOf(Role.COMPLIANCE_AUDITOR), hash, noteRefused),
    ).toEqual({
      fields: ['aum', 'name'],
      arguments: [
        { name: 'aumMin', values: ['10.00'] },
        { name: 'search', values: ['hash(欧阳)'] },
      ],
    });
    expect(sensitiveFilterRead({ search: 'C0001' }, privacyOf(Role.MARKETING_MANAGER), hash, noteRefused)).toBeNull();
  });
});
