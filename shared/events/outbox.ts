// Writing events: inside the caller's database transaction, never straight to Redis. The relay
// publishes them after commit, so an event exists exactly when the change that caused it does.
import { newUuid7 } from '../uuid7';
import { EVENT_STREAMS, type EventPayloads, type EventType } from './contracts';

/** What these helpers need of a Prisma client or transaction client. */
export interface SqlExecutor {
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
}

/** Channel the relay LISTENs on, so it publishes right after commit instead of at its next poll. */
export const OUTBOX_CHANNEL = 'outbox';

/** Adds an event to the outbox in the transaction `tx`. Returns the event's id. */
export async function enqueueEvent<T extends EventType>(tx: SqlExecutor, type: T, payload: EventPayloads[T]): Promise<string> {
  const id = newUuid7();
  await tx.$executeRawUnsafe(
    'INSERT INTO outbox (event_id, stream, type, payload) VALUES ($1::uuid, $2, $3, $4::jsonb)',
    id,
    EVENT_STREAMS[type],
    type,
    JSON.stringify(payload),
  );
  // NOTIFY is transactional: delivered at commit, dropped on rollback.
  await tx.$executeRawUnsafe(`SELECT pg_notify('${OUTBOX_CHANNEL}', '')`);
  return id;
}

/**
 * Records that `consumer` handled `eventId`, in the transaction that applies its effect. Returns
 * false when it already had: the caller then does nothing, so a redelivered event is harmless.
 */
export async function claimEvent(tx: SqlExecutor, consumer: string, eventId: string): Promise<boolean> {
  const inserted = await tx.$executeRawUnsafe(
    'INSERT INTO processed_events (consumer, event_id) VALUES ($1, $2::uuid) ON CONFLICT DO NOTHING',
    consumer,
    eventId,
  );
  return inserted === 1;
}
