import type { DataSource } from 'typeorm';
import { ReadAuditRecord, ReadAuditWriter } from '../../src/modules/audit/read-audit-writer';

/** A data source whose INSERTs stay pending until the test settles them. */
function pendingInserts() {
  const calls: { records: number; settle: (error?: Error) => void }[] = [];
  const ds = {
    query: (_sql: string, params: unknown[][]) =>
      new Promise<void>((resolve, reject) => {
        calls.push({ records: params[0].length, settle: (error) => (error ? reject(error) : resolve()) });
      }),
  } as unknown as DataSource;
  return { ds, calls };
}

const record = (requestId: string): ReadAuditRecord => ({
  actorId: 'a',
  actorRoles: ['RISK_OFFICER'],
  customerId: '7d9f2a52-5f0e-4c4e-9a57-6f4c2f1b2a10',
  fields: ['phone'],
  operationName: null,
  requestId,
});

const settled = async (promise: Promise<unknown>) => {
  let state = 'pending';
  promise.then(
    () => (state = 'resolved'),
    () => (state = 'rejected'),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return state;
};

describe('ReadAuditWriter', () => {
  it('answers no request before its records are committed, and batches those that wait', async () => {
    const { ds, calls } = pendingInserts();
    const writer = new ReadAuditWriter(ds);
    const first = writer.write([record('r1')]);
    const second = writer.write([record('r2')]);
    const third = writer.write([record('r3'), record('r3')]);
    expect(calls.map((c) => c.records)).toEqual([1]);
    expect(await settled(first)).toBe('pending');

    calls[0].settle();
    expect(await settled(first)).toBe('resolved');
    // The two that waited go together, and stay unanswered until that insert commits.
    expect(calls.map((c) => c.records)).toEqual([1, 3]);
    expect(await settled(second)).toBe('pending');
    expect(await settled(third)).toBe('pending');
    calls[1].settle();
    expect(await settled(second)).toBe('resolved');
    expect(await settled(third)).toBe('resolved');
  });

  it('fails every request of a batch whose insert fails, and carries on with the next', async () => {
    const { ds, calls } = pendingInserts();
    const writer = new ReadAuditWriter(ds);
    const first = writer.write([record('r1')]);
    const second = writer.write([record('r2')]);
    const third = writer.write([record('r3')]);
    calls[0].settle();
    await first;
    calls[1].settle(new Error('database unavailable'));
    await expect(second).rejects.toThrow('database unavailable');
    await expect(third).rejects.toThrow('database unavailable');
    const later = writer.write([record('r4')]);
    calls[2].settle();
    await expect(later).resolves.toBeUndefined();
  });

  it('splits a burst into statements of at most 1,000 records', async () => {
    const { ds, calls } = pendingInserts();
    const writer = new ReadAuditWriter(ds);
    const writes = [writer.write([record('r0')])];
    for (let i = 1; i <= 30; i++) writes.push(writer.write(Array.from({ length: 50 }, () => record(`r${i}`))));
    calls[0].settle();
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls.map((c) => c.records)).toEqual([1, 1000]);
    calls[1].settle();
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls.map((c) => c.records)).toEqual([1, 1000, 500]);
    calls[2].settle();
    await Promise.all(writes);
  });
});
