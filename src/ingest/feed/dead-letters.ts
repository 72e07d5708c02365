import type { JetStreamClient } from '@nats-io/jetstream';

export interface DeadLetter {
  kind: string;
  reason: string;
  eventId?: string;
  source?: string;
  key?: string;
  /** The broker's sequence of the refused message, for an operator to find it in the inbound stream. */
  streamSequence: number;
}

/**
 * Publishes refused events to `<prefix>.dlq.<kind>`. A dead letter keeps the
 * event's ids, its natural key and the reason, and nothing of its values:
 * the payload may hold a customer's personal data, and the dead-letter
 * stream is read by operators who may not see it. The original stays in the
 * inbound stream (until its retention) for whoever may. Published with the
 * event's own id as the message id, so a redelivered event's second dead
 * letter is dropped by the broker's duplicate window.
 */
export async function publishDeadLetters(js: JetStreamClient, prefix: string, letters: readonly DeadLetter[]) {
  await Promise.all(
    letters.map((letter) =>
      js.publish(
        `${prefix}.dlq.${letter.kind}`,
        JSON.stringify({ ...letter, deadLetteredAt: new Date().toISOString() }),
        {
          msgID:
            letter.source && letter.eventId
              ? `dlq:${letter.source}:${letter.eventId}`
              : `dlq:seq:${letter.streamSequence}`,
        },
      ),
    ),
  );
}
