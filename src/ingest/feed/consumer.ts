import type { Consumer, JsMsg } from '@nats-io/jetstream';
import { AckPolicy, DeliverPolicy } from '@nats-io/jetstream';
import { describeFailure, type Log } from '../../broker/log';
import type { Broker } from '../../broker/nats';
import { changeFeedStream, deadLetterStream, ensureStream } from '../../broker/streams';
import type { DataSource } from 'typeorm';
import { sqlStateOf } from '../../db/sql-state';
import { applyRows, validateRow, type ValidRow } from '../apply';
import { isKindName, KIND_NAMES } from '../kinds';
import { publishDeadLetters, type DeadLetter } from './dead-letters';
import { isFeedEvent, keyOfData, parseEnvelope, type FeedEvent } from './envelope';
import { FeedMetrics, type EventOutcome } from './feed-metrics';
import { admitEvents, markDeadLettered, pruneInbox, sealedKeyScope } from './inbox';

export interface ChangeFeedSettings {
  batchSize: number;
  /** How long the broker waits for an acknowledgement before redelivering. */
  ackWaitMs: number;
  /** Events older than this are forgotten by the inbox (a redelivery later than that is applied again). */
  inboxRetentionHours: number;
}

interface Decoded {
  msg: JsMsg;
  kind: string;
  event?: FeedEvent;
  row?: ValidRow;
  refusal?: DeadLetter;
}

const DURABLE = 'c360-ingest';
const FETCH_EXPIRES_MS = 1_000;
const RETRY_DELAY_MS = 2_000;
const PRUNE_EVERY_MS = 10 * 60_000;

/** A dead letter's key, left out where it holds a value stored encrypted (a holding's account number): the event id names it. */
function deadLetterKey(kind: string, key: string | undefined): string | undefined {
  return sealedKeyScope(kind) ? undefined : key;
}

/**
 * Takes change events from JetStream and applies them with the same
 * validation and upsert as file loads (`../apply`). One batch is one
 * transaction: dead letters recorded, events admitted through the inbox
 * (each once, per entity the newest), rows applied kind by kind in
 * dependency order, then commit; only then are dead letters published and
 * the messages acknowledged. A crash anywhere before the commit leaves
 * nothing applied and the messages unacknowledged, so the broker redelivers
 * them; a crash after it finds them in the inbox. A batch that fails is
 * retried one event at a time, so that one event the database refuses
 * (a constraint the validation did not foresee) becomes a dead letter
 * instead of stopping the stream; if single events fail too, the database
 * or the broker is down, and the batch is left for redelivery.
 */
export class ChangeFeedConsumer {
  private consumer?: Consumer;
  private loop?: Promise<void>;
  private stopping = false;
  private lastPrune = 0;

  constructor(
    private readonly ds: DataSource,
    private readonly broker: Broker,
    private readonly settings: ChangeFeedSettings,
    private readonly metrics: FeedMetrics,
    private readonly log: Log,
  ) {}

  /** Events on the broker this consumer has not acknowledged yet (waiting plus in flight). */
  async pending(): Promise<number | undefined> {
    if (!this.consumer) return undefined;
    const info = await this.consumer.info();
    return info.num_pending + info.num_ack_pending;
  }

  /** Resolves when the loop ends: stopped, or the broker connection closed for good (connect again). */
  get finished(): Promise<void> {
    return this.loop ?? Promise.resolve();
  }

  /** Creates the streams and the durable consumer when missing, then takes events until stopped. */
  async start(): Promise<void> {
    await this.setUp();
    this.loop = this.run();
  }

  /**
   * The streams and the durable consumer, created when missing: at start,
   * and again after a failed batch, since a broker restarted without its
   * storage (or a stream deleted by hand) has neither, and fetching from
   * the consumer that was would fail for good.
   */
  private async setUp(): Promise<void> {
    const prefix = this.broker.subjectPrefix;
    const stream = changeFeedStream(prefix);
    await ensureStream(this.broker, stream);
    await ensureStream(this.broker, deadLetterStream(prefix));
    const config = {
      durable_name: DURABLE,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: this.settings.ackWaitMs * 1_000_000,
      filter_subject: `${prefix}.in.>`,
    };
    try {
      await this.broker.manager.consumers.info(stream.name, DURABLE);
      await this.broker.manager.consumers.update(stream.name, DURABLE, { ack_wait: config.ack_wait });
    } catch {
      await this.broker.manager.consumers.add(stream.name, config);
    }
    this.consumer = await this.broker.jetstream.consumers.get(stream.name, DURABLE);
  }

  /** Finishes the batch in flight (its commit and acknowledgements), then returns. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
  }

  private async run(): Promise<void> {
    let setUpAgain = false;
    while (!this.stopping && !this.broker.isClosed()) {
      try {
        if (setUpAgain) {
          await this.setUp();
          setUpAgain = false;
        }
        await this.fetchAndApply();
        this.metrics.running.set(1);
        this.metrics.lastBatchAt.setToCurrentTime();
        await this.pruneNowAndThen();
      } catch (error) {
        setUpAgain = true;
        this.metrics.running.set(0);
        this.metrics.failedBatches.inc();
        this.log.error(describeFailure(error), 'change feed: batch failed; its events will be redelivered');
        await delay(RETRY_DELAY_MS);
      }
    }
    this.metrics.running.set(0);
  }

  /**
   * One fetch, applied as one batch once it ends (its expiry, a second, the
   * client's least, or a full batch): events of several kinds that arrive
   * together are applied in dependency order, whatever order they were
   * published in. (Applying as soon as the stream was momentarily empty was
   * tried: it cut batches between a parent and a child published a moment
   * apart, and refused the child.)
   */
  private async fetchAndApply(): Promise<void> {
    const fetched = await this.consumer!.fetch({ max_messages: this.settings.batchSize, expires: FETCH_EXPIRES_MS });
    const batch: JsMsg[] = [];
    for await (const msg of fetched) batch.push(msg);
    if (batch.length > 0) await this.process(batch);
  }

  /** One batch, as the class comment says. Exposed for tests that hand it messages themselves. */
  async process(messages: readonly JsMsg[]): Promise<void> {
    const decoded = messages.map((msg) => this.decode(msg));
    try {
      await this.applyAndAcknowledge(decoded);
    } catch (error) {
      if (messages.length === 1 || !isDataError(error)) throw error;
      this.log.warn(
        describeFailure(error),
        'change feed: a batch was refused by the database; applying its events one by one',
      );
      for (const one of decoded) {
        try {
          await this.applyAndAcknowledge([one]);
        } catch (single) {
          if (!isDataError(single) || !one.event) throw single;
          await this.refuseAfterAll(one, `refused by the database (${sqlStateOf(single)})`);
        }
      }
    }
  }

  private decode(msg: JsMsg): Decoded {
    const kind = msg.subject.slice(`${this.broker.subjectPrefix}.in.`.length);
    const refuse = (reason: string, ids: Partial<DeadLetter> = {}): Decoded => ({
      msg,
      kind,
      refusal: { ...ids, key: deadLetterKey(kind, ids.key), kind, reason, streamSequence: msg.seq },
    });
    if (!isKindName(kind)) return refuse('subject: no such kind');
    const parsed = parseEnvelope(kind, msg.data);
    if (!isFeedEvent(parsed)) return refuse(parsed.reason, parsed);
    const validated = validateRow(kind, parsed.data);
    const dataKey = keyOfData(kind, parsed.data);
    // Refused, it is named by its data's key columns: the envelope's key may be any text a producer put there.
    const ids = { eventId: parsed.eventId, source: parsed.source, key: dataKey };
    const refused = { ...parsed, key: dataKey ?? '' };
    if (!validated.ok) return { ...refuse(validated.reason, ids), event: refused };
    if (dataKey !== parsed.key) {
      return { ...refuse('key: does not match the key columns of data', ids), event: refused };
    }
    return { msg, kind, event: parsed, row: validated.row };
  }

  private async applyAndAcknowledge(batch: readonly Decoded[]): Promise<void> {
    const valid = batch.filter((d) => d.row && !d.refusal);
    const refusedEarly = batch.filter((d) => d.refusal);
    const rowOf = new Map(valid.map((d) => [d.event!, d.row!]));
    const decodedOf = new Map(batch.filter((d) => d.event).map((d) => [d.event!, d]));

    const { admission, refusedLate } = await this.ds.transaction(async (em) => {
      await markDeadLettered(
        em,
        refusedEarly.filter((d) => d.event).map((d) => ({ event: d.event!, reason: d.refusal!.reason })),
      );
      const admission = await admitEvents(
        em,
        valid.map((d) => d.event!),
      );
      const refusedLate: { event: FeedEvent; reason: string }[] = [];
      for (const kind of KIND_NAMES) {
        const events = admission.toApply.filter((e) => e.kind === kind);
        if (events.length === 0) continue;
        const result = await applyRows(
          em,
          kind,
          events.map((e) => rowOf.get(e)!),
        );
        for (const rejected of result.rejected)
          refusedLate.push({ event: events[rejected.index], reason: rejected.reason });
      }
      await markDeadLettered(em, refusedLate);
      return { admission, refusedLate };
    });

    const letters: DeadLetter[] = [
      ...refusedEarly.map((d) => d.refusal!),
      ...refusedLate.map(({ event, reason }) => this.letterFor(decodedOf.get(event)!, reason)),
      // A redelivered event that was refused before: its dead letter may not have reached the broker.
      ...admission.seen
        .filter((s) => s.outcome === 'DEAD_LETTERED')
        .map((s) => this.letterFor(decodedOf.get(s.event)!, s.reason ?? 'refused')),
    ];
    await publishDeadLetters(this.broker.jetstream, this.broker.subjectPrefix, letters);
    await this.acknowledge(batch.map((d) => d.msg));

    const count = (kind: string, outcome: EventOutcome) =>
      this.metrics.events.inc({ kind: isKindName(kind) ? kind : 'unknown', outcome });
    const late = new Set(refusedLate.map((r) => r.event));
    for (const event of admission.toApply) if (!late.has(event)) count(event.kind, 'applied');
    for (const event of admission.stale) count(event.kind, 'stale');
    for (const { event, outcome } of admission.seen)
      count(event.kind, outcome === 'DEAD_LETTERED' ? 'dead_lettered' : 'duplicate');
    for (const letter of [
      ...refusedEarly.map((d) => d.refusal!),
      ...refusedLate.map((r) => ({ kind: r.event.kind })),
    ]) {
      count(letter.kind, 'dead_lettered');
    }
    const now = Date.now();
    for (const d of batch) {
      const storedAtMs = Number(d.msg.timestampNanos / 1_000_000n);
      if (isKindName(d.kind)) this.metrics.lagSeconds.set({ kind: d.kind }, Math.max(0, (now - storedAtMs) / 1000));
    }
  }

  /**
   * After the commit, an acknowledgement the broker does not confirm (the
   * connection dropped meanwhile) is only logged: the event is applied, and
   * if the broker sends it again the inbox drops it. Failing the batch here
   * would also drop the events this fetch delivered after it, which then
   * wait out ack_wait before anyone applies them.
   */
  private async acknowledge(messages: readonly JsMsg[]): Promise<void> {
    const results = await Promise.allSettled(messages.map((msg) => msg.ackAck()));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length > 0) {
      this.log.warn(
        { ...describeFailure(failed[0].reason), unconfirmed: failed.length },
        'change feed: acknowledgements not confirmed after commit; a redelivery of these events will be dropped as duplicate',
      );
    }
  }

  private async refuseAfterAll(one: Decoded, reason: string): Promise<void> {
    await this.ds.transaction((em) => markDeadLettered(em, [{ event: one.event!, reason }]));
    await publishDeadLetters(this.broker.jetstream, this.broker.subjectPrefix, [this.letterFor(one, reason)]);
    await this.acknowledge([one.msg]);
    this.metrics.events.inc({ kind: one.kind, outcome: 'dead_lettered' });
  }

  private letterFor(d: Decoded, reason: string): DeadLetter {
    const e = d.event!;
    const key = deadLetterKey(d.kind, e.key);
    return { kind: d.kind, reason, eventId: e.eventId, source: e.source, key, streamSequence: d.msg.seq };
  }

  private async pruneNowAndThen(): Promise<void> {
    if (Date.now() - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = Date.now();
    const cutoff = new Date(Date.now() - this.settings.inboxRetentionHours * 3_600_000);
    await this.ds.transaction((em) => pruneInbox(em, cutoff));
  }
}

/** SQLSTATE classes 22 (data exception) and 23 (integrity constraint): this event's fault, not the database's health. */
function isDataError(error: unknown): boolean {
  return /^2[23]/.test(sqlStateOf(error) ?? '');
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
