import { emptyChunk, generateCustomerChunk, generateReferenceData } from '../../src/seed/demo-data';
import { CustomerChunk } from '../../src/seed/rows';

const REFERENCE_DATE = '2025-06-30';

function concat(...chunks: CustomerChunk[]): CustomerChunk {
  const all = emptyChunk();
  for (const chunk of chunks) {
    for (const table of Object.keys(all) as (keyof CustomerChunk)[]) (all[table] as object[]).push(...chunk[table]);
  }
  return all;
}

describe('demo data generation', () => {
  it('gives identical reference data, ids included, for the same seed and date', () => {
    expect(generateReferenceData(42, REFERENCE_DATE)).toEqual(generateReferenceData(42, REFERENCE_DATE));
  });

  it('gives identical rows, ids included, when the same chunk is generated twice', () => {
    const first = generateCustomerChunk(generateReferenceData(42, REFERENCE_DATE), 0, 200);
    const second = generateCustomerChunk(generateReferenceData(42, REFERENCE_DATE), 0, 200);
    expect(second).toEqual(first);
    expect(first.customer).toHaveLength(200);
    expect(first.interaction.length).toBeGreaterThan(0);
  });

  it('gives the same rows however the customers are split into chunks', () => {
    const ref = generateReferenceData(7, REFERENCE_DATE);
    const whole = generateCustomerChunk(ref, 1000, 150);
    const pieces = concat(generateCustomerChunk(ref, 1000, 40), generateCustomerChunk(ref, 1040, 110));
    expect(pieces).toEqual(whole);
  });

  it('gives a customer the same rows wherever its chunk starts', () => {
    const ref = generateReferenceData(7, REFERENCE_DATE);
    const alone = generateCustomerChunk(ref, 5000, 1);
    const inChunk = generateCustomerChunk(ref, 4990, 20);
    expect(inChunk.customer[10]).toEqual(alone.customer[0]);
    expect(inChunk.holding.filter((h) => h.customer_id === alone.customer[0].id)).toEqual(alone.holding);
  });

  it('gives different data for a different seed', () => {
    const a = generateCustomerChunk(generateReferenceData(1, REFERENCE_DATE), 0, 50);
    const b = generateCustomerChunk(generateReferenceData(2, REFERENCE_DATE), 0, 50);
    expect(b.customer.map((c) => c.id)).not.toEqual(a.customer.map((c) => c.id));
    expect(b.customer.map((c) => c.name)).not.toEqual(a.customer.map((c) => c.name));
    expect(generateReferenceData(2, REFERENCE_DATE).branches[0].row.id).not.toBe(
      generateReferenceData(1, REFERENCE_DATE).branches[0].row.id,
    );
  });

  it('dates the history relative to the reference date, not to the clock', () => {
    const chunk = generateCustomerChunk(generateReferenceData(42, '2024-01-15'), 0, 100);
    const latest = chunk.interaction
      .map((i) => i.occurred_at)
      .sort()
      .at(-1)!;
    expect(latest < '2024-01-15').toBe(true);
    expect(latest > '2023-12-01').toBe(true);
  });
});
