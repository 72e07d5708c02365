import fc from 'fast-check';
import { Margin, TableCell, determinedCells, pinnedCells, suppressTable } from '../../src/privacy/cohort-suppression';

/**
 * Complementary suppression (suppressTable): which cells of one response are
 * withheld so that none withheld can be worked out from those published.
 */
const cellsOf = (customers: Record<string, number>, fixed: string[] = []): Record<string, TableCell> =>
  Object.fromEntries(Object.entries(customers).map(([id, n]) => [id, { customers: n, fixed: fixed.includes(id) }]));

const sorted = (set: Set<string>) => [...set].sort();

describe('suppressTable', () => {
  it('withholds the next-smallest cell of a margin that had one withheld: the total minus the rest would tell it', () => {
    // A campaign's 12 targeted: 10 on one channel, 2 on the other.
    const cells = cellsOf({ total: 12, app: 10, wechat: 2 });
    const withheld = suppressTable(cells, [{ total: 'total', parts: ['app', 'wechat'] }], 10);
    expect(sorted(withheld)).toEqual(['app', 'wechat']);
  });

  it('prefers a part to a total of the same size', () => {
    const cells = cellsOf({ total: 12, a: 12, b: 0 });
    expect(sorted(suppressTable(cells, [{ total: 'total', parts: ['a', 'b'] }], 10))).toEqual(['a', 'b']);
  });

  it('withholds the total when it is the one other cell of its margin', () => {
    const cells = cellsOf({ total: 4, only: 4 });
    expect(sorted(suppressTable(cells, [{ total: 'total', parts: ['only'] }], 10))).toEqual(['only', 'total']);
  });

  it('leaves a table alone when nothing in it is small, or K is 0', () => {
    const cells = cellsOf({ total: 30, a: 10, b: 20 });
    const margins = [{ total: 'total', parts: ['a', 'b'] }];
    expect(sorted(suppressTable(cells, margins, 10))).toEqual([]);
    expect(sorted(suppressTable(cellsOf({ total: 3, a: 1, b: 2 }), margins, 0))).toEqual([]);
  });

  it('withholds one more part when the withheld parts together cover fewer than K (zeros included)', () => {
    // An enrolment run: 30 screened (the caller's own figure), 20 enrolled, 10 skipped for one reason, none for others.
    const cells = cellsOf({ screened: 30, enrolled: 20, noConsent: 10, kyc: 0, unsuitable: 0, capped: 0 }, [
      'screened',
    ]);
    const margins = [{ total: 'screened', parts: ['enrolled', 'noConsent', 'kyc', 'unsuitable', 'capped'] }];
    // Otherwise 30 − 20 − 10 says the other reasons are all 0.
    expect(sorted(suppressTable(cells, margins, 10))).toEqual(['capped', 'kyc', 'noConsent', 'unsuitable']);
  });

  it('never withholds a fixed cell, whatever its size', () => {
    const cells = cellsOf({ screened: 3, enrolled: 3, skipped: 0 }, ['screened']);
    const withheld = suppressTable(cells, [{ total: 'screened', parts: ['enrolled', 'skipped'] }], 10);
    expect(sorted(withheld)).toEqual(['enrolled', 'skipped']);
  });

  it('follows a chain of margins: a withheld total that another margin would tell is protected there too', () => {
    // episodes = open + completed; completed = Σ outcomes. One outcome is small.
    const cells = cellsOf({ episodes: 40, open: 15, completed: 25, retained: 20, lost: 5 });
    const margins = [
      { total: 'episodes', parts: ['open', 'completed'] },
      { total: 'completed', parts: ['retained', 'lost'] },
    ];
    const withheld = suppressTable(cells, margins, 10);
    expect(withheld.has('lost')).toBe(true);
    expect(withheld.has('retained')).toBe(true);
    expect(determinedCells(margins, withheld)).toEqual([]);
  });

  it('finds a cell that margins determine together although each has two withheld members', () => {
    // a + b, b + c and a + c published: each of a, b, c follows, e.g. a = (T1 − T2 + T3) / 2.
    const cells = cellsOf({ t1: 12, t2: 12, t3: 12, a: 6, b: 6, c: 6, d: 20 });
    const margins = [
      { total: 't1', parts: ['a', 'b'] },
      { total: 't2', parts: ['b', 'c'] },
      { total: 't3', parts: ['a', 'c', 'd'] },
    ];
    // With d withheld too, a + c is no longer known: nothing follows.
    expect(determinedCells(margins, new Set(['a', 'b', 'c', 'd']))).toEqual([]);
    const tight = margins.map((m) => (m.total === 't3' ? { total: 't3', parts: ['a', 'c'] } : m));
    expect(determinedCells(tight, new Set(['a', 'b', 'c'])).sort()).toEqual(['a', 'b', 'c']);
    expect(determinedCells(tight, suppressTable(cells, tight, 10))).toEqual([]);
  });

  it('refuses a margin that names a cell the table does not have', () => {
    expect(() => suppressTable(cellsOf({ t: 1 }), [{ total: 't', parts: ['x'] }], 10)).toThrow(/x/);
  });
});

/** Rank of a small matrix, by floating-point elimination: an independent check of determinedCells. */
function rank(matrix: number[][]): number {
  const m = matrix.map((row) => [...row]);
  let r = 0;
  for (let c = 0; c < (m[0]?.length ?? 0) && r < m.length; c++) {
    let p = r;
    for (let i = r + 1; i < m.length; i++) if (Math.abs(m[i][c]) > Math.abs(m[p][c])) p = i;
    if (Math.abs(m[p][c]) < 1e-9) continue;
    [m[r], m[p]] = [m[p], m[r]];
    for (let i = r + 1; i < m.length; i++) {
      const f = m[i][c] / m[r][c];
      for (let j = c; j < m[i].length; j++) m[i][j] -= f * m[r][j];
    }
    r++;
  }
  return r;
}

/**
 * Whether the margins fix a withheld cell given the published ones: it does
 * exactly when its column is not a combination of the other withheld cells'
 * columns (the system's solutions can then not vary it).
 */
function determinable(margins: readonly Margin[], withheld: ReadonlySet<string>, cell: string): boolean {
  const unknowns = [...withheld];
  const matrix = margins.map((m) => unknowns.map((id) => (id === m.total ? 1 : 0) - (m.parts.includes(id) ? 1 : 0)));
  const without = matrix.map((row) => row.filter((_, j) => unknowns[j] !== cell));
  return rank(matrix) > rank(without);
}

/**
 * A table of rows × columns of customer counts, with row, column and grand
 * totals (a breakdown by two keys: linked margins), the grand total sometimes
 * fixed (like a run's screened customers).
 */
const crossTables = fc
  .record({
    inner: fc.array(fc.array(fc.integer({ min: 0, max: 25 }), { minLength: 1, maxLength: 4 }), {
      minLength: 1,
      maxLength: 4,
    }),
    k: fc.integer({ min: 1, max: 12 }),
    grandFixed: fc.boolean(),
  })
  .map(({ inner, k, grandFixed }) => {
    const width = Math.min(...inner.map((row) => row.length));
    const grid = inner.map((row) => row.slice(0, width));
    const customers: Record<string, number> = {};
    const margins: Margin[] = [];
    grid.forEach((row, i) => row.forEach((n, j) => (customers[`x${i}_${j}`] = n)));
    grid.forEach((row, i) => {
      customers[`r${i}`] = row.reduce((a, b) => a + b, 0);
      margins.push({ total: `r${i}`, parts: row.map((_, j) => `x${i}_${j}`) });
    });
    for (let j = 0; j < width; j++) {
      customers[`c${j}`] = grid.reduce((a, row) => a + row[j], 0);
      margins.push({ total: `c${j}`, parts: grid.map((_, i) => `x${i}_${j}`) });
    }
    customers.g = Object.keys(customers)
      .filter((id) => id.startsWith('r'))
      .reduce((a, id) => a + customers[id], 0);
    margins.push({ total: 'g', parts: grid.map((_, i) => `r${i}`) });
    margins.push({ total: 'g', parts: Array.from({ length: width }, (_, j) => `c${j}`) });
    // A fixed total with a single part would publish that part: sites fix only totals of several parts.
    const fixed = grandFixed && grid.length > 1 && width > 1 ? ['g'] : [];
    return { cells: cellsOf(customers, fixed), margins, k };
  });

describe('suppressTable on random tables', () => {
  it('withholds every small cell, and leaves no withheld cell that the published cells and margins tell', () => {
    fc.assert(
      fc.property(crossTables, ({ cells, margins, k }) => {
        const withheld = suppressTable(cells, margins, k);
        for (const [id, cell] of Object.entries(cells)) {
          if (!cell.fixed && cell.customers < k) expect([id, withheld.has(id)]).toEqual([id, true]);
          if (cell.fixed) expect([id, withheld.has(id)]).toEqual([id, false]);
        }
        for (const m of margins) {
          // Never exactly one withheld member: the rest of the margin would give it.
          const members = [m.total, ...m.parts].filter((id) => withheld.has(id)).length;
          expect(members).not.toBe(1);
          // With the total published, the withheld parts' sum is told: it must cover K, or nothing be withheld.
          const hidden = m.parts.filter((id) => withheld.has(id));
          const allWithheldUnderFixedTotal = cells[m.total].fixed && hidden.length === m.parts.length;
          if (!withheld.has(m.total) && hidden.length && !allWithheldUnderFixedTotal) {
            expect(hidden.reduce((sum, id) => sum + cells[id].customers, 0)).toBeGreaterThanOrEqual(k);
          }
        }
        for (const id of withheld) expect([id, determinable(margins, withheld, id)]).toEqual([id, false]);
      }),
      { numRuns: 300 },
    );
  });

  it('agrees with the independent check on which withheld cells are determined, for any withheld set', () => {
    fc.assert(
      fc.property(crossTables, fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }), ({ cells, margins }, bits) => {
        const ids = Object.keys(cells);
        const withheld = new Set(ids.filter((_, i) => bits[i % bits.length]));
        const expected = [...withheld].filter((id) => determinable(margins, withheld, id)).sort();
        expect(determinedCells(margins, withheld).sort()).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});

describe('suppressTable with chains (a campaign funnel, whose steps nest)', () => {
  const FUNNEL = ['targeted', 'contacted', 'responded', 'converted'];
  /** Campaign metrics as metricsForCaller builds them: per step, the total is the sum of the channels. */
  function funnel(perChannel: number[][], k = 10) {
    const values: Record<string, number> = {};
    const margins: Margin[] = [];
    FUNNEL.forEach((step, s) => {
      values[step] = perChannel.reduce((sum, c) => sum + c[s], 0);
      perChannel.forEach((c, i) => (values[`${i}.${step}`] = c[s]));
      margins.push({ total: step, parts: perChannel.map((_, i) => `${i}.${step}`) });
    });
    const chains = [FUNNEL, ...perChannel.map((_, i) => FUNNEL.map((step) => `${i}.${step}`))];
    const cells = cellsOf(values);
    return { cells, values, margins, chains, withheld: suppressTable(cells, margins, k, chains) };
  }

  it('withholds more where published neighbours and a margin would pin a withheld step (a review’s worked example)', () => {
    // Channel 0 contacted 5 customers (withheld); channel 2's targeted and responded are both 14, so its
    // contacted is 14 too, and contacted − channel 1 − 14 would tell channel 0's 5 were they all published.
    const { cells, margins, chains, withheld } = funnel([
      [11, 5, 1, 0],
      [27, 19, 11, 0],
      [14, 14, 14, 12],
    ]);
    expect(withheld.has('0.contacted')).toBe(true);
    expect(pinnedCells(cells, margins, chains, withheld)).toEqual([]);
    const path = ['contacted', '1.contacted', '2.targeted', '2.responded'];
    expect(path.some((id) => withheld.has(id))).toBe(true);
  });

  it('leaves no bound that tells a withheld zero (a channel nobody was targeted on)', () => {
    const { cells, margins, chains, withheld } = funnel([
      [13, 13, 13, 3],
      [0, 0, 0, 0],
      [16, 12, 12, 9],
    ]);
    expect(FUNNEL.every((step) => withheld.has(`1.${step}`))).toBe(true);
    // Without chains, targeted − channel 2's targeted − channel 0's contacted (a lower bound of its targeted)
    // came to 0: channel 1's zero, told by three published figures.
    expect(pinnedCells(cells, margins, chains, withheld)).toEqual([]);
    expect(['targeted', '2.targeted', '0.contacted'].some((id) => withheld.has(id))).toBe(true);
  });

  it('still publishes who was targeted in a campaign nobody has been contacted in yet', () => {
    const { withheld } = funnel(
      [
        [12, 0, 0, 0],
        [15, 0, 0, 0],
      ],
      1,
    );
    expect(['targeted', '0.targeted', '1.targeted'].filter((id) => withheld.has(id))).toEqual([]);
  });

  it('on random funnels: every small cell withheld, and no withheld cell pinned by bounds or fixed by the margins', () => {
    const nested = fc
      .array(fc.nat(30), { minLength: 4, maxLength: 4 })
      .map((steps) => [...steps].sort((a, b) => b - a));
    fc.assert(
      fc.property(fc.array(nested, { minLength: 1, maxLength: 4 }), (perChannel) => {
        const { cells, values, margins, chains, withheld } = funnel(perChannel);
        for (const [id, n] of Object.entries(values)) if (n < 10) expect(withheld.has(id)).toBe(true);
        expect(pinnedCells(cells, margins, chains, withheld)).toEqual([]);
        expect(determinedCells(margins, withheld)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
