import { loadConfig } from '../../src/config';
import { SqlParams } from '../../src/db/parent-relations';
import { ScreeningChunk, screeningSql } from '../../src/modules/campaign/enrollment-screening';

/** Enrolment screening without contact caps (the W4 benchmark's comparison): nothing of the caps is in the statement. */
const chunk = (caps: ScreeningChunk['caps']): ScreeningChunk => ({
  runId: '00000000-0000-4000-8000-000000000001',
  campaignId: '00000000-0000-4000-8000-000000000002',
  channels: ['WECHAT'],
  customerIds: null,
  listedScope: null,
  segment: { tiers: [], lifecycleStages: [], tagCodes: [], aumMin: null, aumMax: null },
  productId: null,
  today: '2026-12-02',
  caps,
  part: { kind: 'ids', fromId: null, toId: null, plannedAt: '1000' },
  partSeq: 0,
});

const sqlOf = (caps: ScreeningChunk['caps']) => screeningSql(new SqlParams().bind, chunk(caps));

describe('the screening statement', () => {
  it('counts the month’s contacts and has the FREQUENCY_CAPPED rule with caps', () => {
    const sql = sqlOf(loadConfig({}).contactCaps);
    expect(sql).toContain('contact_usage');
    expect(sql).toContain('FROM interaction');
    expect(sql).toContain("'FREQUENCY_CAPPED'");
  });

  it('reads no interactions and has no FREQUENCY_CAPPED rule without caps', () => {
    const sql = sqlOf(null);
    expect(sql).not.toContain('contact_usage');
    expect(sql).not.toContain('interaction');
    expect(sql).not.toContain('contacts_this_month');
    expect(sql).not.toContain('FREQUENCY_CAPPED');
  });
});
