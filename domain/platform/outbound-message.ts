// The idempotency record of every message LIO sends out (mail, Slack, Teams):
// written BEFORE the provider is called, so that a retried activity — after a
// timeout, a crash, a worker restart — never sends the same message twice.
//
//   queued  → sending   claimMessage(), just before the provider call
//   sending → sent      markSent(), with the provider's id for it
//   sending → queued    releaseMessage(): the provider certainly did not take it (5xx, 429, refused before sending)
//   sending → failed    markFailed(): it will not be sent (a permanent refusal, or retries exhausted)
//
// A claim that finds the message still `sending` is "in doubt": the previous
// attempt may have reached the provider and died before hearing back. The
// caller then asks the provider whether it has the message (Gmail by its
// Message-ID, Slack by the message's metadata key) and, where a provider
// cannot say, does not send it again (at most once) and marks it failed with
// that reason. Sandbox messages go through the same states.
import type { SqlClient } from './transaction.js';

export type OutboundChannel = 'mail' | 'slack' | 'teams';
export type OutboundStatus = 'queued' | 'sending' | 'sent' | 'failed';

export interface OutboundMessageRow {
  id: string;
  org_id: number;
  channel: OutboundChannel;
  connector: string;
  config_id: number | null;
  idempotency_key: string;
  payload: Record<string, unknown>;
  status: OutboundStatus;
  provider_message_id: string | null;
  attempts: number;
  last_error: string | null;
  created_by: number | null;
  created_at: Date;
  sent_at: Date | null;
}

export interface OutboundMessageInput {
  orgId: number;
  channel: OutboundChannel;
  connector: string;
  configId?: number | null;
  idempotencyKey: string;
  payload: Record<string, unknown>;
  createdBy?: number | null;
}

const COLUMNS = 'id, org_id, channel, connector, config_id, idempotency_key, payload, status, provider_message_id, attempts, last_error, created_by, created_at, sent_at';

/** Records a message to send, or returns the one already recorded under its key (`created` false). */
export async function recordOutboundMessage(client: SqlClient, input: OutboundMessageInput): Promise<{ message: OutboundMessageRow; created: boolean }> {
  const inserted = await client.query<OutboundMessageRow>(
    `INSERT INTO outbound_messages (org_id, channel, connector, config_id, idempotency_key, payload, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (org_id, idempotency_key) DO NOTHING
     RETURNING ${COLUMNS}`,
    [input.orgId, input.channel, input.connector, input.configId ?? null, input.idempotencyKey, JSON.stringify(input.payload), input.createdBy ?? null],
  );
  if (inserted.rows[0]) return { message: inserted.rows[0], created: true };
  const existing = await client.query<OutboundMessageRow>(`SELECT ${COLUMNS} FROM outbound_messages WHERE org_id = $1 AND idempotency_key = $2`, [
    input.orgId,
    input.idempotencyKey,
  ]);
  return { message: existing.rows[0]!, created: false };
}

export type Claim =
  /** nobody is sending it: this caller calls the provider now */
  | { state: 'claimed'; message: OutboundMessageRow }
  /** already sent (or given up): nothing to do */
  | { state: 'settled'; message: OutboundMessageRow }
  /** an earlier attempt was sending it and never reported back: ask the provider before anything else */
  | { state: 'in_doubt'; message: OutboundMessageRow };

/** Moves a queued message to sending (counting the attempt); tells the caller what to do with it otherwise. */
export async function claimMessage(client: SqlClient, id: string | bigint): Promise<Claim> {
  const { rows } = await client.query<OutboundMessageRow>(
    `UPDATE outbound_messages SET status = 'sending', attempts = attempts + 1
      WHERE id = $1 AND status = 'queued' RETURNING ${COLUMNS}`,
    [String(id)],
  );
  if (rows[0]) return { state: 'claimed', message: rows[0] };
  const current = await client.query<OutboundMessageRow>(`SELECT ${COLUMNS} FROM outbound_messages WHERE id = $1`, [String(id)]);
  const message = current.rows[0];
  if (!message) throw new Error(`outbound message ${id} does not exist`);
  return message.status === 'sending' ? { state: 'in_doubt', message } : { state: 'settled', message };
}

export async function markSent(client: SqlClient, id: string | bigint, providerMessageId: string | null): Promise<void> {
  await client.query(`UPDATE outbound_messages SET status = 'sent', provider_message_id = $2, sent_at = now(), last_error = NULL WHERE id = $1`, [
    String(id),
    providerMessageId,
  ]);
}

/** The provider certainly did not take the message: the next attempt may send it. */
export async function releaseMessage(client: SqlClient, id: string | bigint, error: string): Promise<void> {
  await client.query(`UPDATE outbound_messages SET status = 'queued', last_error = $2 WHERE id = $1 AND status = 'sending'`, [String(id), error.slice(0, 1000)]);
}

export async function markFailed(client: SqlClient, id: string | bigint, error: string): Promise<void> {
  await client.query(`UPDATE outbound_messages SET status = 'failed', last_error = $2 WHERE id = $1 AND status <> 'sent'`, [String(id), error.slice(0, 1000)]);
}
