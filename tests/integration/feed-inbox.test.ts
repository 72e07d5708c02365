import type { FeedEvent } from '../../src/ingest/feed/envelope';
import { admitEvents, markDeadLettered, sealInboxKeys } from '../../src/ingest/feed/inbox';
import { useTestApp } from '../support/test-app';

const { app } = useTestApp();

let sequence = 0;
const event = (key: string, version: number, source = 'core-banking', kind = 'customers'): FeedEvent => ({
  eventId: `evt-${++sequence}`,
  source,
  kind,
  key,
  version: BigInt(version),
  data: {},
});
const admit = (batch: FeedEvent[]) => app.ds.transaction((em) => admitEvents(em, batch));
const keyOf = (e: FeedEvent) => `${e.key}@${e.version}`;

describe('change feed inbox', () => {
  it('applies an event once: a redelivered batch finds every event already seen', async () => {
    const batch = [event('INBOX-A', 1), event('INBOX-B', 1)];
    const first = await admit(batch);
    const again = await admit(batch);

    expect(first.toApply.map(keyOf)).toEqual(['INBOX-A@1', 'INBOX-B@1']);
    expect(again.toApply).toEqual([]);
    expect(again.seen.map((s) => [s.event.eventId, s.outcome])).toEqual(batch.map((e) => [e.eventId, 'APPLIED']));
  });

  it('forgets a batch whose transaction rolled back, so its redelivery is applied', async () => {
    const batch = [event('INBOX-C', 1)];
    await expect(
      app.ds.transaction(async (em) => {
        await admitEvents(em, batch);
        throw new Error('crash before commit');
      }),
    ).rejects.toThrow('crash before commit');

    expect((await admit(batch)).toApply.map(keyOf)).toEqual(['INBOX-C@1']);
  });

  it('applies only the newest version per entity, within a batch and across batches', async () => {
    const inOneBatch = await admit([event('INBOX-D', 2), event('INBOX-D', 5), event('INBOX-D', 3)]);
    expect(inOneBatch.toApply.map(keyOf)).toEqual(['INBOX-D@5']);
    expect(inOneBatch.stale.map(keyOf)).toEqual(['INBOX-D@2', 'INBOX-D@3']);

    const late = await admit([event('INBOX-D', 4), event('INBOX-D', 5)]);
    expect(late.toApply).toEqual([]);
    expect(late.stale.map(keyOf)).toEqual(['INBOX-D@4', 'INBOX-D@5']);

    expect((await admit([event('INBOX-D', 6)])).toApply.map(keyOf)).toEqual(['INBOX-D@6']);
  });

  it('orders two consumers holding versions of one entity: the older waits and loses', async () => {
    const older = event('INBOX-E', 1);
    const newer = event('INBOX-E', 2);
    let releaseNewer!: () => void;
    const newerHolds = new Promise<void>((resolve) => (releaseNewer = resolve));
    let newerClaimed!: () => void;
    const claimed = new Promise<void>((resolve) => (newerClaimed = resolve));

    const first = app.ds.transaction(async (em) => {
      const admission = await admitEvents(em, [newer]);
      newerClaimed();
      await newerHolds;
      return admission;
    });
    await claimed;
    const second = app.ds.transaction((em) => admitEvents(em, [older]));
    releaseNewer();

    expect((await first).toApply.map(keyOf)).toEqual(['INBOX-E@2']);
    expect((await second).stale.map(keyOf)).toEqual(['INBOX-E@1']);
  });

  it('claims a batch’s entities in key order, so two consumers with the same entities in other orders never deadlock', async () => {
    await admit([event('INBOX-J', 1), event('INBOX-K', 1)]);
    const holder = app.ds.createQueryRunner();
    await holder.connect();
    try {
      // One consumer holds J; another's batch has K (first, in the broker's order) and J.
      await holder.startTransaction();
      await admitEvents(holder.manager, [event('INBOX-J', 2)]);
      const waiting = admit([event('INBOX-K', 2), event('INBOX-J', 3)]);
      for (;;) {
        const [{ waiters }] = await app.ds.query(
          `SELECT count(*)::int AS waiters FROM pg_stat_activity
           WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        if (waiters > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      // While it waits for J it holds nothing else: the first consumer's next claim of K does not wait.
      await app.ds.transaction(async (em) => {
        await em.query(`SET LOCAL lock_timeout = '500ms'`);
        await em.query(
          `SELECT 1 FROM ingest_entity_version WHERE kind = 'customers' AND natural_key = 'INBOX-K' FOR UPDATE`,
        );
      });
      await holder.commitTransaction();
      expect((await waiting).toApply.map(keyOf).sort()).toEqual(['INBOX-J@3', 'INBOX-K@2']);
    } finally {
      if (holder.isTransactionActive) await holder.rollbackTransaction();
      await holder.release();
    }
  });

  it('keeps a dead letter, so that its redelivery is recognised with its reason', async () => {
    const refused = event('INBOX-F', 1);
    await app.ds.transaction((em) =>
      markDeadLettered(em, [{ event: refused, reason: 'customer_no: no such customer' }]),
    );

    const again = await admit([refused]);
    expect(again.toApply).toEqual([]);
    expect(again.seen).toEqual([{ event: refused, outcome: 'DEAD_LETTERED', reason: 'customer_no: no such customer' }]);
  });

  it('tells sources apart: the same event id from two systems is two events', async () => {
    const fromCore = { ...event('INBOX-G', 1, 'core-banking'), eventId: 'shared-id' };
    const fromCrm = { ...event('INBOX-H', 1, 'crm'), eventId: 'shared-id' };
    expect((await admit([fromCore, fromCrm])).toApply.map(keyOf)).toEqual(['INBOX-G@1', 'INBOX-H@1']);
  });

  it('keeps the natural key of a holding (its account number, stored encrypted) only as a blind index', async () => {
    const accountNo = '6222880011223344';
    const first = await admit([
      event(accountNo, 1, 'core-banking', 'holdings'),
      event(`${accountNo}|2026-11-30`, 1, 'core-banking', 'daily_balances'),
    ]);
    expect(first.toApply.map(keyOf)).toEqual([`${accountNo}@1`, `${accountNo}|2026-11-30@1`]);
    await app.ds.transaction((em) =>
      markDeadLettered(em, [{ event: event(accountNo, 2, 'core-banking', 'holdings'), reason: 'r' }]),
    );
    const stored: { natural_key: string }[] = await app.ds.query(
      `SELECT natural_key FROM ingest_inbox WHERE kind IN ('holdings', 'daily_balances')
       UNION ALL SELECT natural_key FROM ingest_entity_version WHERE kind IN ('holdings', 'daily_balances')`,
    );
    expect(stored.length).toBe(5);
    for (const { natural_key } of stored) expect(natural_key).not.toContain(accountNo);
    // The same entity is still one entity: an older version of it is stale.
    expect((await admit([event(accountNo, 0, 'core-banking', 'holdings')])).stale.map(keyOf)).toEqual([
      `${accountNo}@0`,
    ]);
  });
});

describe('inbox keys an upgrade left in clear', () => {
  const holding = (key: string, version: bigint, eventId: string): FeedEvent => ({
    eventId,
    source: 'core',
    kind: 'holdings',
    key,
    version,
    data: {},
  });

  it('seals a holding’s account number to its blind index, so an older event still loses to the version applied before the upgrade', async () => {
    const account = '6217000000000042';
    // As the inbox kept it before the upgrade: the account number as it came.
    await app.ds.query(
      `INSERT INTO ingest_entity_version (kind, natural_key, version, source, event_id) VALUES ('holdings', $1, 9, 'core', 'up-9')`,
      [account],
    );
    await app.ds.query(
      `INSERT INTO ingest_inbox (source, event_id, kind, natural_key, version, outcome) VALUES ('core', 'up-9', 'holdings', $1, 9, 'APPLIED')`,
      [account],
    );
    expect(await sealInboxKeys(app.ds)).toBe(2);
    const clear = await app.ds.query(
      `SELECT 1 FROM ingest_entity_version WHERE natural_key = $1 UNION ALL SELECT 1 FROM ingest_inbox WHERE natural_key = $1`,
      [account],
    );
    expect(clear).toEqual([]);
    const admission = await app.ds.transaction((em) => admitEvents(em, [holding(account, 3n, 'up-3')]));
    expect(admission.toApply).toEqual([]);
    expect(await sealInboxKeys(app.ds)).toBe(0);
  });

  it('keeps the newer version where the entity has one under its blind index already', async () => {
    const account = '6217000000000043';
    await app.ds.transaction((em) => admitEvents(em, [holding(account, 5n, 'new-5')]));
    await app.ds.query(
      `INSERT INTO ingest_entity_version (kind, natural_key, version, source, event_id) VALUES ('holdings', $1, 9, 'core', 'old-9')`,
      [account],
    );
    await sealInboxKeys(app.ds);
    const admission = await app.ds.transaction((em) => admitEvents(em, [holding(account, 7n, 'new-7')]));
    expect(admission.toApply).toEqual([]);
  });
});
