// The consuming side of the transactional outbox. Business writes insert
// outbox_events rows in the same statement as the change (their kinds and
// payloads: domain/platform/outbox-events.ts);
// a relay claims batches of due rows, hands each to a delivery function, and
// removes a row only after its delivery succeeded. Claims are row locks taken
// with SKIP LOCKED inside one transaction, so any number of relays can run at
// once without handing out a row twice, and a relay that dies mid-batch
// leaves its rows to the next claim (delivery is at least once).
import type { Database } from '../platform/db.js';
import { transaction } from '../platform/transaction.js';

export interface OutboxEvent {
  /** bigint, as pg returns it */
  id: string;
  orgId: number;
  /** the organization's public id (org_…), which workflow ids and search attributes carry; null if it is gone */
  orgPublicId: string | null;
  kind: string;
  payload: unknown;
  /** failed deliveries so far */
  attempts: number;
}

export interface BatchOutcome {
  claimed: number;
  delivered: number;
  failed: { event: OutboxEvent; error: unknown }[];
}

/** Seconds before a failed row is tried again: 2, 4, 8 ... capped at five minutes. */
export const retryDelaySeconds = (attempts: number) => Math.min(300, 2 ** Math.min(attempts + 1, 9));

export async function relayOutboxBatch(
  db: Database,
  limit: number,
  deliver: (event: OutboxEvent) => Promise<void>,
): Promise<BatchOutcome> {
  // the relay's own bookkeeping (claiming, deleting, rescheduling rows) is the system's: no actor
  return transaction(db.pool, { actorId: null }, async (client) => {
    const { rows } = await client.query<{ id: string; org_id: number; org_public_id: string | null; kind: string; payload: unknown; attempts: number }>(
      `SELECT e.id, e.org_id, (SELECT o.public_id FROM organizations o WHERE o.id = e.org_id) AS org_public_id, e.kind, e.payload, e.attempts
         FROM outbox_events e
        WHERE available_at <= now()
        ORDER BY available_at, id
        LIMIT $1
        FOR UPDATE SKIP LOCKED`,
      [limit],
    );
    const events = rows.map((r) => ({ id: r.id, orgId: r.org_id, orgPublicId: r.org_public_id, kind: r.kind, payload: r.payload, attempts: r.attempts }));
    const results = await Promise.allSettled(events.map((event) => deliver(event)));
    const delivered = events.filter((_, i) => results[i]!.status === 'fulfilled');
    const failed = events.flatMap((event, i) => {
      const result = results[i]!;
      return result.status === 'rejected' ? [{ event, error: result.reason as unknown }] : [];
    });
    if (delivered.length > 0) {
      await client.query('DELETE FROM outbox_events WHERE id = ANY($1::bigint[])', [delivered.map((e) => e.id)]);
    }
    if (failed.length > 0) {
      await client.query(
        `UPDATE outbox_events AS o
            SET attempts = o.attempts + 1, available_at = now() + make_interval(secs => f.delay)
           FROM unnest($1::bigint[], $2::int[]) AS f(id, delay)
          WHERE o.id = f.id`,
        [failed.map((f) => f.event.id), failed.map((f) => retryDelaySeconds(f.event.attempts))],
      );
    }
    return { claimed: events.length, delivered: delivered.length, failed };
  });
}
