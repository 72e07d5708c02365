import { generateCustomerChunk, generateReferenceData } from '../../src/seed/demo-data';
import { isValidResidentIdNumber, residentIdGender } from '../../src/seed/id-number';
import { accountNumber } from '../../src/seed/holdings';

/**
 * The constraints of the schema (and the rules of PRODUCT.md the data is
 * meant to follow), checked on generated rows without a database.
 */
const REFERENCE_DATE = '2025-06-30';
const ref = generateReferenceData(42, REFERENCE_DATE);
const chunk = generateCustomerChunk(ref, 0, 2000);

const unique = (values: unknown[]) => new Set(values).size === values.length;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('generated demo customers', () => {
  it('have unique, well-formed v4 ids in every table', () => {
    const ids = [
      ...ref.branches.map((b) => b.row.id),
      ...ref.staff.map((s) => s.id),
      ...ref.tags.map((t) => t.row.id),
      ...ref.products.map((p) => p.row.id),
      ...ref.campaigns.map((c) => c.row.id),
      ...chunk.customer.map((c) => c.id),
      ...chunk.holding.map((h) => h.id),
      ...chunk.interaction.map((i) => i.id),
      ...chunk.risk_assessment.map((r) => r.id),
      ...chunk.consent.map((c) => c.id),
      ...chunk.campaign_enrollment.map((e) => e.id),
    ];
    expect(ids.every((id) => UUID.test(id))).toBe(true);
    expect(unique(ids)).toBe(true);
  });

  it('have unique identity documents and valid resident ID numbers matching birth date and gender', () => {
    expect(unique(chunk.customer.map((c) => `${c.id_type}:${c.id_number}`))).toBe(true);
    const residents = chunk.customer.filter((c) => c.id_type === 'RESIDENT_ID');
    expect(residents.length).toBeGreaterThan(chunk.customer.length * 0.9);
    for (const c of residents) {
      expect(isValidResidentIdNumber(c.id_number)).toBe(true);
      expect(c.id_number.slice(6, 14)).toBe(c.birth_date.replace(/-/g, ''));
      expect(residentIdGender(c.id_number)).toBe(c.gender);
    }
  });

  it('spread birth dates realistically and are all adults', () => {
    expect(new Set(chunk.customer.map((c) => c.birth_date)).size).toBeGreaterThan(chunk.customer.length * 0.8);
    expect(chunk.customer.every((c) => c.birth_date <= '2007-06-29')).toBe(true);
  });

  it('have mainland mobile numbers and complete addresses', () => {
    for (const c of chunk.customer) {
      expect(c.phone).toMatch(/^1[3-9][0-9]{9}$/);
      expect(c.address_province && c.address_city && c.address_district && c.address_street).toBeTruthy();
      expect(c.onboarded_on < REFERENCE_DATE).toBe(true);
    }
  });

  it('have unique account numbers, non-negative balances and maturities after opening', () => {
    expect(unique(chunk.holding.map((h) => h.account_no))).toBe(true);
    for (const h of chunk.holding) {
      expect(Number(h.balance)).toBeGreaterThanOrEqual(0);
      expect(h.balance).toMatch(/^\d+\.\d{2}$/);
      if (h.maturity_date !== null) expect(h.maturity_date >= h.opened_on).toBe(true);
    }
    expect(accountNumber(0, 0, 0)).toMatch(/^\d{19}$/);
  });

  it('keep tags, snapshots and consents unique per customer', () => {
    expect(unique(chunk.customer_tag.map((t) => `${t.customer_id}:${t.tag_id}`))).toBe(true);
    expect(unique(chunk.customer_aum_snapshot.map((s) => `${s.customer_id}:${s.month}`))).toBe(true);
    expect(chunk.customer_aum_snapshot.every((s) => s.month.endsWith('-01'))).toBe(true);
    expect(unique(chunk.consent.map((c) => `${c.customer_id}:${c.purpose}:${c.channel ?? ''}`))).toBe(true);
    for (const c of chunk.consent) expect(c.purpose === 'MARKETING').toBe(c.channel !== null);
    for (const t of chunk.customer_tag) expect(Number(t.confidence)).toBeGreaterThanOrEqual(0);
  });

  it('date risk assessments validly, with about one latest assessment in ten expired', () => {
    for (const r of chunk.risk_assessment) expect(r.valid_until > r.assessed_at.slice(0, 10)).toBe(true);
    const latest = new Map<string, { assessed_at: string; valid_until: string }>();
    for (const r of chunk.risk_assessment) {
      const seen = latest.get(r.customer_id);
      if (!seen || r.assessed_at > seen.assessed_at) latest.set(r.customer_id, r);
    }
    const expired = [...latest.values()].filter((r) => r.valid_until < REFERENCE_DATE).length / latest.size;
    expect(expired).toBeGreaterThan(0.05);
    expect(expired).toBeLessThan(0.15);
  });

  it('enrol customers only on approved, active or completed campaigns, once each, on a consented channel', () => {
    const campaigns = new Map(ref.campaigns.map((c) => [c.row.id, c.row]));
    expect(unique(chunk.campaign_enrollment.map((e) => `${e.campaign_id}:${e.customer_id}`))).toBe(true);
    const consented = new Set(
      chunk.consent.filter((c) => c.purpose === 'MARKETING').map((c) => `${c.customer_id}:${c.channel}`),
    );
    for (const e of chunk.campaign_enrollment) {
      const campaign = campaigns.get(e.campaign_id)!;
      expect(['APPROVED', 'ACTIVE', 'COMPLETED']).toContain(campaign.status);
      expect(campaign.channels).toContain(e.channel);
      expect(consented.has(`${e.customer_id}:${e.channel}`)).toBe(true);
      expect(Number(e.revenue) > 0).toBe(e.status === 'CONVERTED');
      if (e.status !== 'TARGETED') expect(e.contacted_at! >= e.enrolled_at).toBe(true);
      if (e.responded_at) expect(e.responded_at >= e.contacted_at!).toBe(true);
      if (e.converted_at) expect(e.converted_at >= e.responded_at!).toBe(true);
    }
  });

  it('keep maker and checker apart on campaigns', () => {
    for (const { row } of ref.campaigns) {
      if (row.approved_by !== null) expect(row.approved_by).not.toBe(row.created_by);
      expect(row.channels.length).toBeGreaterThan(0);
    }
  });

  it('place all activity before the reference date, about twenty interactions per customer', () => {
    expect(chunk.interaction.every((i) => i.occurred_at < '2025-06-30')).toBe(true);
    const perCustomer = chunk.interaction.length / chunk.customer.length;
    expect(perCustomer).toBeGreaterThan(17);
    expect(perCustomer).toBeLessThan(25);
  });
});
