// Mail configurations (§6.11): a user's mailbox at Gmail, Outlook, an SMTP
// provider, or the sandbox. The credentials (OAuth tokens or the SMTP
// password) are sealed at rest under `mail_configurations:<orgId>`
// (domain/platform/sealed-credentials.ts), opened only by the process about to
// use them, and never answered: a configuration shows a masked hint,
// needs_reauth and last_error. A configuration is stored only after a test
// call with its credentials succeeded (the caller's `verify`).
//
// Who sees what: a user sees and uses the configurations they added; an
// organization's admins see all of its users'. Another organization's (or,
// for a non-admin, another user's) configuration is a 404.
import { isAdmin, type Scope } from '../platform/auth-context.js';
import type { Database } from '../platform/db.js';
import { ApiError } from '../platform/errors.js';
import { dateRangeConditions, paged, type DateBound, type ListParams } from '../platform/list-query.js';
import { sealingContext } from '../platform/sealed-credentials.js';
import { secretHint, type SecretBox } from '../platform/secret-box.js';
import type { SqlClient } from '../platform/transaction.js';
import { Prisma } from '../../generated/prisma/client.js';
import { apiErrorOfFailure, connectorFailureOf, type OutsideService } from '../platform/connector-failure.js';
import { MEETING_CANCELLED } from './meeting.service.js';

export const MAILERS = ['gmail', 'outlook', 'smtp', 'sandbox'] as const;
export type Mailer = (typeof MAILERS)[number];

export interface OAuthTokens {
  access_token: string;
  refresh_token?: string;
  /** epoch milliseconds */
  expiry_date?: number;
}

export type MailCredentials = OAuthTokens | { password: string };

export interface SmtpAccountSettings {
  host: string;
  port: number;
  secure: boolean;
  user?: string;
}

/** A configuration with its credentials opened: what a connector is built from. Never answered by the API. */
export interface MailAccountRecord {
  configId: number;
  userId: number;
  mailer: Mailer;
  address: string;
  fromName: string | null;
  credentials: MailCredentials;
  settings: Partial<SmtpAccountSettings> & Record<string, unknown>;
  needsReauth: boolean;
}

interface MailConfigurationRow {
  id: number;
  org_id: number;
  user_id: number;
  mailer: string;
  from_address: string;
  from_name: string | null;
  secret_sealed: string;
  secret_hint: string | null;
  settings: Record<string, unknown>;
  state_id: number;
  needs_reauth: boolean;
  last_error: string | null;
  created_at: Date;
  updated_at: Date;
}

export function presentMailConfiguration(row: Omit<MailConfigurationRow, 'secret_sealed' | 'org_id'>) {
  const { host, port, secure, user } = row.settings as Partial<SmtpAccountSettings>;
  return {
    id: row.id,
    user_id: row.user_id,
    mailer: row.mailer as Mailer,
    from_address: row.from_address,
    from_name: row.from_name,
    password_hint: row.secret_hint,
    smtp: row.mailer === 'smtp' ? { host: host ?? null, port: port ?? null, secure: secure ?? false, user: user ?? null } : null,
    state_id: row.state_id,
    needs_reauth: row.needs_reauth,
    last_error: row.last_error,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

export type MailConfigurationView = ReturnType<typeof presentMailConfiguration>;

const PRESENTED = 'id, user_id, mailer, from_address, from_name, secret_hint, settings, state_id, needs_reauth, last_error, created_at, updated_at';

export interface MailConfigurationListParams extends Pick<ListParams, 'page' | 'limit'> {
  mailer?: Mailer;
  state_id?: number;
  start_date?: DateBound;
  end_date?: DateBound;
}

/** The conditions that keep a non-admin to their own configurations. */
const visibleTo = (scope: Pick<Scope, 'orgId' | 'userId' | 'roleName'>) =>
  isAdmin(scope) ? Prisma.sql`org_id = ${scope.orgId}` : Prisma.sql`org_id = ${scope.orgId} AND user_id = ${scope.userId ?? -1}`;

export async function listMailConfigurations(db: Database, scope: Pick<Scope, 'orgId' | 'userId' | 'roleName'>, params: MailConfigurationListParams) {
  const conditions = [
    visibleTo(scope),
    ...(params.mailer ? [Prisma.sql`mailer = ${params.mailer}`] : []),
    ...(params.state_id !== undefined ? [Prisma.sql`state_id = ${params.state_id}`] : []),
    ...dateRangeConditions('created_at', params.start_date, params.end_date),
  ];
  const where = Prisma.join(conditions, ' AND ');
  // dynamic WHERE over optional filters: Prisma.sql keeps the values parameters
  const [rows, count] = await Promise.all([
    db.prisma.$queryRaw<MailConfigurationRow[]>(
      Prisma.sql`SELECT ${Prisma.raw(PRESENTED)} FROM mail_configurations WHERE ${where} ORDER BY id DESC LIMIT ${params.limit} OFFSET ${(params.page - 1) * params.limit}`,
    ),
    db.prisma.$queryRaw<{ n: bigint }[]>(Prisma.sql`SELECT count(*) AS n FROM mail_configurations WHERE ${where}`),
  ]);
  return paged(rows.map(presentMailConfiguration), Number(count[0]?.n ?? 0), params);
}

export interface AddMailConfigurationInput {
  mailer: Mailer;
  from_address: string;
  from_name?: string | null;
  /** the OAuth token (JSON { access_token, refresh_token?, expiry_date? } or a bare access token) or the SMTP password */
  password: string;
  refresh_token?: string;
  smtp?: SmtpAccountSettings;
}

/** The credentials a `password` field stands for, per mailer. */
export function credentialsOf(input: Pick<AddMailConfigurationInput, 'mailer' | 'password' | 'refresh_token'>): MailCredentials {
  if (input.mailer === 'smtp' || input.mailer === 'sandbox') return { password: input.password };
  const text = input.password.trim();
  if (text.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ApiError('validation_error', 'password: not valid JSON (give { "access_token", "refresh_token", "expiry_date" } or a bare access token)', {
        code: 'invalid_token',
      });
    }
    const token = parsed as Record<string, unknown>;
    if (typeof token.access_token !== 'string' || token.access_token === '') {
      throw new ApiError('validation_error', 'password: the token JSON has no access_token', { code: 'invalid_token' });
    }
    const refresh = typeof token.refresh_token === 'string' ? token.refresh_token : input.refresh_token;
    const expiry = typeof token.expiry_date === 'number' ? token.expiry_date : typeof token.expires_at === 'number' ? token.expires_at * 1000 : undefined;
    return { access_token: token.access_token, ...(refresh ? { refresh_token: refresh } : {}), ...(expiry ? { expiry_date: expiry } : {}) };
  }
  return { access_token: text, ...(input.refresh_token ? { refresh_token: input.refresh_token } : {}) };
}

/** The test call made with a configuration's credentials before it is stored; may hand back refreshed tokens. */
export type VerifyMailAccount = (account: Omit<MailAccountRecord, 'configId' | 'needsReauth'>, onTokens: (tokens: OAuthTokens) => void) => Promise<void>;

/**
 * Adds a mail configuration of the calling user after `verify` succeeded with
 * its credentials: a refused test call is 422 mail_credentials_refused, an
 * unreachable provider 502 mail_unavailable; nothing is stored then.
 */
export async function addMailConfiguration(
  db: Database,
  secrets: SecretBox,
  scope: Pick<Scope, 'orgId' | 'userId'>,
  input: AddMailConfigurationInput,
  verify: VerifyMailAccount,
): Promise<MailConfigurationView> {
  if (scope.userId === null) throw new ApiError('forbidden', 'A mail configuration belongs to a user: sign in as one');
  if (input.mailer === 'smtp' && !input.smtp) {
    throw new ApiError('validation_error', 'smtp_host and smtp_port are required for an SMTP configuration', { code: 'smtp_settings_required' });
  }
  let credentials = credentialsOf(input);
  const settings: Record<string, unknown> = input.mailer === 'smtp' ? { ...input.smtp } : {};
  try {
    await verify({ userId: scope.userId, mailer: input.mailer, address: input.from_address, fromName: input.from_name ?? null, credentials, settings }, (fresh) => {
      credentials = fresh;
    });
  } catch (err) {
    throw verificationError(err);
  }
  const hintOf = 'password' in credentials ? credentials.password : credentials.access_token;
  // With the configuration, the user's meetings still waiting to be booked in
  // this provider's calendar (their booking stopped when the provider refused
  // the previous credentials) are handed to their booking workflows again, in
  // the same statement: connecting again is all it takes.
  const rows = await db.prisma.$queryRaw<MailConfigurationRow[]>(Prisma.sql`
    WITH added AS (
      INSERT INTO mail_configurations (org_id, user_id, mailer, from_address, from_name, secret_sealed, secret_hint, settings)
      VALUES (${scope.orgId}, ${scope.userId}, ${input.mailer}, ${input.from_address}, ${input.from_name ?? null},
              ${secrets.seal(JSON.stringify(credentials), sealingContext.mailConfiguration(scope.orgId))}, ${secretHint(hintOf)}, ${JSON.stringify(settings)}::jsonb)
      RETURNING ${Prisma.raw(PRESENTED)}
    ), rebook AS (
      INSERT INTO outbox_events (org_id, kind, payload)
      SELECT m.org_id, 'meeting.calendar', jsonb_build_object('meetingId', m.id)
        FROM meetings m
       WHERE m.org_id = ${scope.orgId} AND m.user_id = ${scope.userId}
         AND m.calendar_provider = ${CALENDAR_OF_MAILER[input.mailer] ?? null}
         AND m.calendar_event_id IS NULL AND m.status <> ${MEETING_CANCELLED} AND m.end_time > now()
    )
    SELECT * FROM added`);
  return presentMailConfiguration(rows[0]!);
}

/** The calendar a mailer's OAuth tokens reach (meeting.calendar_provider). */
const CALENDAR_OF_MAILER: Partial<Record<Mailer, string>> = { gmail: 'google', outlook: 'outlook' };

/** How mail providers' failures are named to API clients (error codes mail_…). */
export const MAIL_PROVIDER: OutsideService = { name: 'The mail provider', code: 'mail' };

function verificationError(err: unknown): Error {
  const failure = connectorFailureOf(err);
  if (!failure) return err as Error;
  if (failure.failure === 'auth' || failure.failure === 'rejected' || failure.failure === 'not_found') {
    return new ApiError('validation_error', `The mail provider refused these credentials: ${failure.message}`, { code: 'mail_credentials_refused' });
  }
  if (failure.failure === 'refused') return new ApiError('validation_error', `The mail server is not an allowed destination: ${failure.message}`, { code: 'mail_host_refused' });
  return apiErrorOfFailure(MAIL_PROVIDER, failure);
}

function accountOf(row: MailConfigurationRow, secrets: SecretBox): MailAccountRecord {
  return {
    configId: row.id,
    userId: row.user_id,
    mailer: row.mailer as Mailer,
    address: row.from_address,
    fromName: row.from_name,
    credentials: JSON.parse(secrets.open(row.secret_sealed, sealingContext.mailConfiguration(row.org_id))) as MailCredentials,
    settings: row.settings,
    needsReauth: row.needs_reauth,
  };
}

/** A configuration of the organization with its credentials opened (workers, for a message already accepted); 404 when it has none such. */
export async function openMailAccount(db: Database, secrets: SecretBox, orgId: number, configId: number): Promise<MailAccountRecord> {
  const { rows } = await db.pool.query<MailConfigurationRow>('SELECT * FROM mail_configurations WHERE org_id = $1 AND id = $2', [orgId, configId]);
  if (!rows[0]) throw new ApiError('not_found', 'Mail configuration not found');
  return accountOf(rows[0], secrets);
}

/** A configuration the caller may use (their own; an admin: any of the organization's), opened; 404 otherwise. */
export async function openMailAccountFor(db: Database, secrets: SecretBox, scope: Pick<Scope, 'orgId' | 'userId' | 'roleName'>, configId: number) {
  const rows = await db.prisma.$queryRaw<MailConfigurationRow[]>(
    Prisma.sql`SELECT * FROM mail_configurations WHERE ${visibleTo(scope)} AND id = ${configId}`,
  );
  if (!rows[0]) throw new ApiError('not_found', 'Mail configuration not found');
  if (rows[0].state_id !== 1) throw new ApiError('validation_error', 'This mail configuration is inactive', { code: 'mail_configuration_inactive' });
  return accountOf(rows[0], secrets);
}

/** The user's newest active configuration of a provider (the calendar books through the same Google or Microsoft account), or null. */
export async function findUserMailAccount(
  db: Database,
  secrets: SecretBox,
  scope: { orgId: number; userId: number },
  mailer: 'gmail' | 'outlook',
): Promise<MailAccountRecord | null> {
  const { rows } = await db.pool.query<MailConfigurationRow>(
    `SELECT * FROM mail_configurations WHERE org_id = $1 AND user_id = $2 AND mailer = $3 AND state_id = 1 ORDER BY id DESC LIMIT 1`,
    [scope.orgId, scope.userId, mailer],
  );
  return rows[0] ? accountOf(rows[0], secrets) : null;
}

/**
 * The mailbox mail sent on a user's behalf goes out from when no
 * configuration is named (a public booking's confirmation): their newest
 * active one that is not waiting for re-authorisation, a real provider's
 * before the sandbox's (a sandbox configuration is only used where
 * `sandbox` is allowed, SANDBOX_CONNECTORS); null when there is none.
 */
export async function findUserSendingAccount(
  db: Database,
  secrets: SecretBox,
  scope: { orgId: number; userId: number },
  options: { sandbox: boolean },
): Promise<MailAccountRecord | null> {
  const { rows } = await db.pool.query<MailConfigurationRow>(
    `SELECT * FROM mail_configurations
      WHERE org_id = $1 AND user_id = $2 AND state_id = 1 AND NOT needs_reauth AND (mailer <> 'sandbox' OR $3)
      ORDER BY mailer = 'sandbox', id DESC LIMIT 1`,
    [scope.orgId, scope.userId, options.sandbox],
  );
  return rows[0] ? accountOf(rows[0], secrets) : null;
}

/** Seals and stores tokens the provider refreshed, so the next call starts from them (the hint keeps naming what the user gave). */
export async function storeRefreshedTokens(db: Database | SqlClient, secrets: SecretBox, orgId: number, configId: number, tokens: OAuthTokens): Promise<void> {
  const client = 'pool' in db ? db.pool : db;
  await client.query(
    `UPDATE mail_configurations SET secret_sealed = $3, needs_reauth = false, last_error = NULL, updated_at = now() WHERE org_id = $1 AND id = $2`,
    [orgId, configId, secrets.seal(JSON.stringify(tokens), sealingContext.mailConfiguration(orgId))],
  );
}

/** The provider refused the configuration's credentials (a refresh failed): shown in its list until it is added again. */
export async function markMailConfigNeedsReauth(db: Database | SqlClient, orgId: number, configId: number, reason: string): Promise<void> {
  const client = 'pool' in db ? db.pool : db;
  await client.query(`UPDATE mail_configurations SET needs_reauth = true, last_error = $3, updated_at = now() WHERE org_id = $1 AND id = $2`, [
    orgId,
    configId,
    reason.slice(0, 500),
  ]);
}
