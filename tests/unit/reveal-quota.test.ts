import { Role } from '../../src/auth/roles';
import { loadConfig } from '../../src/config';
import { dailyQuotaOf, quotaDay } from '../../src/modules/reveal/reveal-quota';
import { FIELD_POLICY, FieldPolicy, LIVE_POLICY_DATA, RevealReason } from '../../src/privacy/policy';
import { PrivacyPolicy } from '../../src/privacy/privacy-policy';
import { revealGaps, revealingColumns } from '../../src/privacy/reveal-cells';

const SHANGHAI = 'Asia/Shanghai';

describe('the reveal quota day', () => {
  it('is the calendar day in Shanghai: 23:59:59.999 there is still that day, midnight there starts the next', () => {
    // 2026-12-01 23:59:59.999 in Shanghai is 15:59:59.999 UTC the same date.
    expect(quotaDay(new Date('2026-12-01T15:59:59.999Z'), SHANGHAI)).toEqual({
      day: '2026-12-01',
      resetsAt: new Date('2026-12-01T16:00:00.000Z'),
    });
    expect(quotaDay(new Date('2026-12-01T16:00:00.000Z'), SHANGHAI)).toEqual({
      day: '2026-12-02',
      resetsAt: new Date('2026-12-02T16:00:00.000Z'),
    });
  });

  it('is not the UTC day: 07:00 in Shanghai is the previous day in UTC, and counts for the Shanghai one', () => {
    expect(quotaDay(new Date('2026-12-31T23:00:00Z'), SHANGHAI)).toEqual({
      day: '2027-01-01',
      resetsAt: new Date('2027-01-01T16:00:00Z'),
    });
  });

  it("resets at the zone's midnight on a day its clocks change (any configured zone, not only Shanghai)", () => {
    // New York moves to summer time at 02:00 on 2026-03-08: that day starts at 05:00 UTC, the next at 04:00 UTC.
    expect(quotaDay(new Date('2026-03-08T12:00:00Z'), 'America/New_York').resetsAt).toEqual(
      new Date('2026-03-09T04:00:00Z'),
    );
  });
});

describe('a caller’s daily quota', () => {
  const settings = loadConfig({
    NODE_ENV: 'test',
    REVEAL_DAILY_QUOTA: '20',
    REVEAL_DAILY_QUOTA_BY_ROLE: 'RISK_OFFICER=50, BRANCH_STAFF=5',
  }).reveal;

  it('is the largest among the roles whose column lets this reveal, and none from the others', () => {
    expect(dailyQuotaOf(settings, [Role.BRANCH_STAFF], ['BRANCH'])).toBe(5);
    expect(dailyQuotaOf(settings, [Role.BRANCH_STAFF, Role.RISK_OFFICER], ['BRANCH', 'RISK'])).toBe(50);
    // The risk officer's larger quota does not stretch a reveal only branch staff may make.
    expect(dailyQuotaOf(settings, [Role.BRANCH_STAFF, Role.RISK_OFFICER], ['BRANCH'])).toBe(5);
    expect(dailyQuotaOf(settings, [Role.CALL_CENTER_AGENT], ['CALL_CENTER'])).toBe(20);
    expect(dailyQuotaOf(settings, [Role.MARKETING_ANALYST], [])).toBe(0);
  });

  it('refuses a configuration naming an unknown role, a partner, or a count that is not a number', () => {
    for (const bad of ['TELLER=5', 'PARTNER=5', 'RISK_OFFICER=lots', 'RISK_OFFICER', 'RISK_OFFICER=99999']) {
      expect(() => loadConfig({ NODE_ENV: 'test', REVEAL_DAILY_QUOTA_BY_ROLE: bad })).toThrow(
        /REVEAL_DAILY_QUOTA_BY_ROLE/,
      );
    }
    expect(() => loadConfig({ NODE_ENV: 'test', REVEAL_DAILY_QUOTA: '-1' })).toThrow(/REVEAL_DAILY_QUOTA/);
  });
});

describe('reveal cells', () => {
  const copy = (): FieldPolicy => structuredClone(FIELD_POLICY);

  it('of the live policy stand only on M cells', () => {
    expect(revealGaps(FIELD_POLICY)).toEqual([]);
  });

  it('are refused on a D cell (marketing) and on an F cell (a reader in full)', () => {
    const fields = copy();
    fields.Customer.phone.reveal = { ...fields.Customer.phone.reveal, MKT: [RevealReason.CUSTOMER_REQUEST] };
    fields.Customer.idNumber.reveal = { ...fields.Customer.idNumber.reveal, RISK: [RevealReason.FRAUD_CHECK] };
    expect(revealGaps(fields)).toEqual([
      'Customer.idNumber may be revealed by RISK, whose cell is F, not M',
      'Customer.phone may be revealed by MKT, whose cell is D, not M',
    ]);
    expect(() => new PrivacyPolicy({ ...LIVE_POLICY_DATA, fields })).toThrow(/whose cell is D, not M/);
  });

  it('let a token reveal only when its columns together read the field masked', () => {
    // Branch staff beside a relationship manager (own book): the manager reads the phone in full.
    expect(revealingColumns(FIELD_POLICY, ['BRANCH'], 'Customer', 'phone', RevealReason.CUSTOMER_REQUEST)).toEqual([
      'BRANCH',
    ]);
    expect(
      revealingColumns(FIELD_POLICY, ['RM', 'BRANCH'], 'Customer', 'phone', RevealReason.CUSTOMER_REQUEST),
    ).toEqual([]);
    expect(revealingColumns(FIELD_POLICY, ['RISK'], 'Customer', 'phone', RevealReason.CUSTOMER_REQUEST)).toEqual([]);
    expect(revealingColumns(FIELD_POLICY, ['MKT'], 'Customer', 'phone', RevealReason.CUSTOMER_REQUEST)).toEqual([]);
  });
});
