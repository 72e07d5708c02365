import { idRanges } from '../../src/modules/campaign/enrollment-job';

describe('idRanges', () => {
  it('cuts the id space into ranges that follow each other, unbounded at both ends, whose sizes add up to the book', () => {
    const ranges = idRanges(1_000_003, 25_000);
    expect(ranges).toHaveLength(41);
    expect(ranges[0].fromId).toBeNull();
    expect(ranges[ranges.length - 1].toId).toBeNull();
    for (let i = 1; i < ranges.length; i++) expect(ranges[i].fromId).toBe(ranges[i - 1].toId);
    for (let i = 2; i < ranges.length; i++) expect(ranges[i].fromId! > ranges[i - 1].fromId!).toBe(true);
    expect(ranges.reduce((sum, r) => sum + r.size, 0)).toBe(1_000_003);
    expect(Math.max(...ranges.map((r) => r.size))).toBeLessThanOrEqual(25_000);
    expect(ranges[1].fromId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('is one range of the whole book when it holds fewer than a range, or no one', () => {
    expect(idRanges(10, 25_000)).toEqual([{ fromId: null, toId: null, size: 10 }]);
    expect(idRanges(0, 25_000)).toEqual([{ fromId: null, toId: null, size: 0 }]);
  });
});
