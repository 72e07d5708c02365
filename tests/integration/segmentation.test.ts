import { loadConfig } from '../../src/config';
import { CustomerEntity } from '../../src/modules/customer/customer.entity';
import { refreshSegments } from '../../src/modules/customer/segmentation.service';
import { HoldingStatus, ProductType } from '../../src/modules/holding/holding.enums';
import { InteractionType } from '../../src/modules/interaction/interaction.enums';
import { Factory } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';

let app: TestApp;
let make: Factory;
const config = loadConfig({});
// 2026-11-27 10:00 in Shanghai.
const now = new Date('2026-11-27T02:00:00Z');

beforeAll(async () => {
  app = await startTestApp();
  make = new Factory(app.ds);
});
afterAll(() => app.close());

const reload = (id: string) => app.ds.getRepository(CustomerEntity).findOneByOrFail({ id });

describe('segment refresh', () => {
  it('sums AUM in CNY from counted product types at the latest rate, skipping loans, cards and closed holdings', async () => {
    const customer = await make.customer({ birthDate: '1970-01-01' });
    const fund = await make.product({ type: ProductType.FUND });
    const loan = await make.product({ type: ProductType.LOAN });
    const card = await make.product({ type: ProductType.CREDIT_CARD });
    await make.fxRate('USD', '2026-11-01', '7.000000');
    await make.fxRate('USD', '2026-11-26', '7.100000');
    await make.holding(customer.id, { productId: fund.id, balance: '400000.00' });
    await make.holding(customer.id, { balance: '100000.00', currency: 'USD' });
    await make.holding(customer.id, { productId: loan.id, balance: '9000000.00' });
    await make.holding(customer.id, { productId: card.id, balance: '5000.00' });
    await make.holding(customer.id, { balance: '7000000.00', status: HoldingStatus.CLOSED });

    await refreshSegments(app.ds, config, now);

    const after = await reload(customer.id);
    expect(after.aum).toBe('1110000.00');
    expect(after.tier).toBe('WEALTH');
    expect(after.segmentedAt).toEqual(now);
  });

  it('decides lifecycle from the latest login or transaction in Shanghai business days', async () => {
    const active = await make.customer({ onboardedOn: '2015-01-01' });
    const dormant = await make.customer({ onboardedOn: '2015-01-01' });
    const newcomer = await make.customer({ onboardedOn: '2026-11-01' });
    await make.interaction(active.id, {
      type: InteractionType.TRANSACTION,
      occurredAt: new Date('2026-11-20T00:00:00Z'),
    });
    // An inquiry is not activity in the RFM sense.
    await make.interaction(dormant.id, { type: InteractionType.INQUIRY, occurredAt: new Date('2026-11-20T00:00:00Z') });
    await make.interaction(dormant.id, { type: InteractionType.LOGIN, occurredAt: new Date('2025-01-01T00:00:00Z') });

    await refreshSegments(app.ds, config, now);

    expect((await reload(active.id)).lifecycleStage).toBe('ACTIVE');
    expect((await reload(dormant.id)).lifecycleStage).toBe('DORMANT');
    expect((await reload(newcomer.id)).lifecycleStage).toBe('POTENTIAL');
  });

  it('raises churn signals from logins, complaints and the AUM snapshot one window ago', async () => {
    const customer = await make.customer();
    await make.holding(customer.id, { balance: '60000.00' });
    await make.aumSnapshot(customer.id, '2026-08-01', '100000.00');
    for (let i = 0; i < 4; i++) {
      await make.interaction(customer.id, {
        type: InteractionType.LOGIN,
        occurredAt: new Date(`2026-07-0${i + 1}T00:00:00Z`),
      });
    }
    await make.interaction(customer.id, { type: InteractionType.LOGIN, occurredAt: new Date('2026-11-01T00:00:00Z') });
    await make.interaction(customer.id, {
      type: InteractionType.COMPLAINT,
      occurredAt: new Date('2026-11-02T00:00:00Z'),
    });

    await refreshSegments(app.ds, config, now);

    expect((await reload(customer.id)).churnSignals.sort()).toEqual(['AUM_DROP', 'COMPLAINTS_RISING', 'LOGIN_DECLINE']);
  });

  it('is what the API reads: the tier filter sees refreshed tiers', async () => {
    const branch = await make.branch();
    const rich = await make.customer({ branchId: branch.id, birthDate: '1960-01-01' });
    await make.holding(rich.id, { balance: '6000000.00' });
    await refreshSegments(app.ds, config, now);
    const res = await app.gql(
      `query ($b: [ID!]) { customers(filter: { branchIds: $b, tiers: [PRIVATE_BANKING] }) { edges { node { id aum aumBand tier } } } }`,
      {
        b: [branch.id],
      },
    );
    expect(res.data.customers.edges).toEqual([
      { node: { id: rich.id, aum: '6000000.00', aumBand: 'OVER_6M', tier: 'PRIVATE_BANKING' } },
    ]);
  });
});

describe('rule-based tags', () => {
  it('are added where a rule holds, taken back when it stops holding, and never replace a MANUAL tag', async () => {
    const prospectTag = await make.tag({ code: 'PRIVATE_BANKING_PROSPECT' });
    const mortgageTag = await make.tag({ code: 'MORTGAGE_CUSTOMER' });
    const mortgage = await make.product({ code: 'LN_MORTGAGE', type: 'LOAN' as never });
    const rich = await make.customer();
    const richHolding = await make.holding(rich.id, { balance: '6000000.00' });
    const borrower = await make.customer();
    await make.holding(borrower.id, { productId: mortgage.id, balance: '800000.00' });
    await make.customerTag(borrower.id, prospectTag.id, { source: 'MANUAL' as never });

    await refreshSegments(app.ds, config, now);
    const tagsOf = async (id: string) =>
      (
        await app.ds.query(
          `SELECT t.code, ct.source FROM customer_tag ct JOIN tag t ON t.id = ct.tag_id WHERE ct.customer_id = $1 ORDER BY t.code`,
          [id],
        )
      ).map((r: any) => `${r.code}:${r.source}`);
    expect(await tagsOf(rich.id)).toEqual(['PRIVATE_BANKING_PROSPECT:RULE']);
    expect(await tagsOf(borrower.id)).toEqual(['MORTGAGE_CUSTOMER:RULE', 'PRIVATE_BANKING_PROSPECT:MANUAL']);

    await app.ds.query(`UPDATE holding SET balance = 100 WHERE id = $1`, [richHolding.id]);
    await refreshSegments(app.ds, config, now);
    expect(await tagsOf(rich.id)).toEqual([]);
    expect(mortgageTag.code).toBe('MORTGAGE_CUSTOMER');
  });

  it('follow the configured private-banking threshold, not a constant of their own', async () => {
    const [existing] = await app.ds.query(`SELECT id FROM tag WHERE code = 'PRIVATE_BANKING_PROSPECT'`);
    if (!existing) await make.tag({ code: 'PRIVATE_BANKING_PROSPECT' });
    const customer = await make.customer();
    await make.holding(customer.id, { balance: '4000000.00' });
    const ruleTags = async () =>
      (
        await app.ds.query(
          `SELECT t.code FROM customer_tag ct JOIN tag t ON t.id = ct.tag_id
           WHERE ct.customer_id = $1 AND ct.source = 'RULE' ORDER BY t.code`,
          [customer.id],
        )
      ).map((r: { code: string }) => r.code);

    await refreshSegments(app.ds, config, now, [customer.id]);
    expect(await ruleTags()).toEqual([]);

    // The tier and the tag move together: one threshold for private banking.
    await refreshSegments(app.ds, loadConfig({ TIER_PRIVATE_BANKING_MIN_AUM: '3000000' }), now, [customer.id]);
    expect((await reload(customer.id)).tier).toBe('PRIVATE_BANKING');
    expect(await ruleTags()).toEqual(['PRIVATE_BANKING_PROSPECT']);

    await refreshSegments(app.ds, loadConfig({ TIER_PRIVATE_BANKING_MIN_AUM: '5000000' }), now, [customer.id]);
    expect((await reload(customer.id)).tier).not.toBe('PRIVATE_BANKING');
    expect(await ruleTags()).toEqual([]);
  });
});
