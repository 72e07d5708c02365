import { ReferenceCache } from '../../src/db/reference-cache';

describe('ReferenceCache', () => {
  const catalogue = new Map([
    ['p1', { id: 'p1', name: 'Fund A' }],
    ['p2', { id: 'p2', name: 'Deposit' }],
  ]);
  const fetched: string[][] = [];
  const fetch = async (ids: readonly string[]) => {
    fetched.push([...ids]);
    return ids.flatMap((id) => (catalogue.has(id) ? [{ ...catalogue.get(id)! }] : []));
  };

  beforeEach(() => {
    fetched.length = 0;
    jest.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => jest.useRealTimers());

  it('fetches what it lacks in one query and serves repeats from memory', async () => {
    const cache = new ReferenceCache(fetch, (p) => p.id, 60_000);
    expect(await cache.getMany(['p1', 'p2'])).toEqual([catalogue.get('p1'), catalogue.get('p2')]);
    expect(await cache.getMany(['p2', 'p1'])).toEqual([catalogue.get('p2'), catalogue.get('p1')]);
    expect(fetched).toEqual([['p1', 'p2']]);
  });

  it('asks again for an id it did not find, so a new row shows at once', async () => {
    const cache = new ReferenceCache(fetch, (p) => p.id, 60_000);
    expect(await cache.getMany(['p3'])).toEqual([null]);
    catalogue.set('p3', { id: 'p3', name: 'Gold' });
    expect(await cache.getMany(['p3'])).toEqual([{ id: 'p3', name: 'Gold' }]);
    expect(fetched).toEqual([['p3'], ['p3']]);
    catalogue.delete('p3');
  });

  it('refreshes an entry once its time is up', async () => {
    const cache = new ReferenceCache(fetch, (p) => p.id, 60_000);
    await cache.getMany(['p1']);
    catalogue.set('p1', { id: 'p1', name: 'Fund A (renamed)' });
    jest.advanceTimersByTime(59_000);
    expect((await cache.getMany(['p1']))[0]?.name).toBe('Fund A');
    jest.advanceTimersByTime(2_000);
    expect((await cache.getMany(['p1']))[0]?.name).toBe('Fund A (renamed)');
  });

  it('peeks only at fresh rows it holds', async () => {
    const cache = new ReferenceCache(fetch, (p) => p.id, 60_000);
    expect(cache.peek('p1')).toBeUndefined();
    await cache.getMany(['p1', 'missing']);
    expect(cache.peek('p1')).toEqual(catalogue.get('p1'));
    expect(cache.peek('missing')).toBeUndefined();
    jest.advanceTimersByTime(60_001);
    expect(cache.peek('p1')).toBeUndefined();
  });
});
