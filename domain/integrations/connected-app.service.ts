// Outside applications an organization connects (§6.14): which providers
// exist and whether each is connected, and each connection's credentials —
// sealed at rest (domain/platform/secret-box.ts) under a context naming the
// organization and the provider, opened only by the process about to use
// them, and never shown again: answers carry `connected`, a masked hint and
// whether the provider has since refused them (`needs_reauth`).
import { isAdmin, type Scope } from '../platform/auth-context.js';
import type { Config } from '../platform/config.js';
import type { Database } from '../platform/db.js';
import { ApiError } from '../platform/errors.js';
import { paged, type ListParams } from '../platform/list-query.js';
import { sealingContext } from '../platform/sealed-credentials.js';
import { secretHint, type SecretBox } from '../platform/secret-box.js';

export const CONNECTED_APP_PROVIDERS = ['hubspot', 'slack', 'teams', 'google', 'twilio'] as const;
export type ConnectedAppProvider = (typeof CONNECTED_APP_PROVIDERS)[number];

const PROVIDER_NAMES: Record<ConnectedAppProvider, string> = {
  hubspot: 'HubSpot',
  slack: 'Slack',
  teams: 'Microsoft Teams',
  google: 'Google Workspace',
  twilio: 'Twilio (voice)',
};

interface ConnectedAppRow {
  provider: string;
  secret_hint: string | null;
  settings: { base_path?: string } & Record<string, unknown>;
  needs_reauth: boolean;
  last_error: string | null;
  connected_by: number | null;
  updated_at: Date;
}

const PRESENTED_COLUMNS = 'provider, secret_hint, settings, needs_reauth, last_error, connected_by, updated_at';

export function presentConnectedApp(provider: ConnectedAppProvider, row: ConnectedAppRow | undefined) {
  return {
    provider,
    name: PROVIDER_NAMES[provider],
    connected: row !== undefined,
    token_hint: row?.secret_hint ?? null,
    base_path: row?.settings.base_path ?? null,
    needs_reauth: row?.needs_reauth ?? false,
    last_error: row?.last_error ?? null,
    connected_by: row?.connected_by ?? null,
    connected_at: row?.updated_at.toISOString() ?? null,
  };
}

export type ConnectedAppView = ReturnType<typeof presentConnectedApp>;

/** Every provider, connected or not, in a fixed order, a page at a time (§5). */
export async function listConnectedApps(db: Database, scope: Pick<Scope, 'orgId'>, params: Pick<ListParams, 'page' | 'limit'>) {
  const { rows } = await db.pool.query<ConnectedAppRow>(`SELECT ${PRESENTED_COLUMNS} FROM connected_apps WHERE org_id = $1`, [scope.orgId]);
  const all = CONNECTED_APP_PROVIDERS.map((provider) => presentConnectedApp(provider, rows.find((r) => r.provider === provider)));
  const start = (params.page - 1) * params.limit;
  return paged(all.slice(start, start + params.limit), all.length, params);
}

/** A connection acts for the whole organization: only its admins make or remove one. */
export function assertMayManageConnections(scope: Pick<Scope, 'roleName'>) {
  if (!isAdmin(scope)) throw new ApiError('forbidden', 'Only Admin users may connect or disconnect apps');
}

// a sealed value opens only for its own organization and provider
const secretContext = sealingContext.connectedApp;

export interface ConnectionInput<S> {
  /** the credentials, sealed before they are stored */
  secret: S;
  /** what identifies the secret to a person (the last characters of a token or URL) */
  hintOf: string;
  /** what is not secret: a base path, a workspace's name */
  settings?: Record<string, unknown>;
}

/** Connects a provider (admins only), replacing the organization's previous connection to it. */
export async function saveConnection<S>(
  db: Database,
  secrets: SecretBox,
  scope: Pick<Scope, 'orgId' | 'userId' | 'roleName'>,
  provider: ConnectedAppProvider,
  input: ConnectionInput<S>,
): Promise<ConnectedAppView> {
  assertMayManageConnections(scope);
  const { rows } = await db.pool.query<ConnectedAppRow>(
    `INSERT INTO connected_apps (org_id, provider, secret_sealed, secret_hint, settings, connected_by, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, now())
     ON CONFLICT (org_id, provider) DO UPDATE
       SET secret_sealed = EXCLUDED.secret_sealed, secret_hint = EXCLUDED.secret_hint, settings = EXCLUDED.settings,
           connected_by = EXCLUDED.connected_by, needs_reauth = false, last_error = NULL, updated_at = now()
     RETURNING ${PRESENTED_COLUMNS}`,
    [
      scope.orgId,
      provider,
      secrets.seal(JSON.stringify(input.secret), secretContext(scope.orgId, provider)),
      secretHint(input.hintOf),
      JSON.stringify(input.settings ?? {}),
      scope.userId,
    ],
  );
  return presentConnectedApp(provider, rows[0]);
}

/** Forgets the organization's connection to a provider (admins only); disconnecting twice is harmless. */
export async function removeConnection(db: Database, scope: Pick<Scope, 'orgId' | 'roleName'>, provider: ConnectedAppProvider): Promise<ConnectedAppView> {
  assertMayManageConnections(scope);
  await db.pool.query('DELETE FROM connected_apps WHERE org_id = $1 AND provider = $2', [scope.orgId, provider]);
  return presentConnectedApp(provider, undefined);
}

export interface Connection<S> {
  secret: S;
  settings: Record<string, unknown>;
  needsReauth: boolean;
}

/** The organization's connection to a provider with its secret opened, or null when it has none. */
export async function findConnection<S>(db: Database, secrets: SecretBox, orgId: number, provider: ConnectedAppProvider): Promise<Connection<S> | null> {
  const { rows } = await db.pool.query<{ secret_sealed: string | null; settings: Record<string, unknown>; needs_reauth: boolean }>(
    'SELECT secret_sealed, settings, needs_reauth FROM connected_apps WHERE org_id = $1 AND provider = $2',
    [orgId, provider],
  );
  const row = rows[0];
  if (!row?.secret_sealed) return null;
  return { secret: JSON.parse(secrets.open(row.secret_sealed, secretContext(orgId, provider))) as S, settings: row.settings, needsReauth: row.needs_reauth };
}

/**
 * The provider refused the stored credentials (a revoked token, a failed
 * refresh): the connection shows `needs_reauth` in its list until an admin
 * connects it again, instead of failing silently on every use.
 */
export async function markNeedsReauth(db: Database, orgId: number, provider: ConnectedAppProvider, reason: string): Promise<void> {
  await db.pool.query('UPDATE connected_apps SET needs_reauth = true, last_error = $3 WHERE org_id = $1 AND provider = $2', [orgId, provider, reason.slice(0, 500)]);
}

// ---- HubSpot ----------------------------------------------------------------

export interface HubspotConnectionInput {
  access_token: string;
  /** where HubSpot's API is served, normalised and allowed by the egress check (the caller's job); absent: HUBSPOT_BASE_PATH */
  base_path?: string;
}

/** Connects HubSpot (a private app token), replacing a previous connection of the organization. */
export const connectHubspot = (db: Database, secrets: SecretBox, scope: Pick<Scope, 'orgId' | 'userId' | 'roleName'>, input: HubspotConnectionInput) =>
  saveConnection(db, secrets, scope, 'hubspot', {
    secret: { access_token: input.access_token },
    hintOf: input.access_token,
    settings: input.base_path ? { base_path: input.base_path } : {},
  });

export interface HubspotConnection {
  accessToken: string;
  basePath: string;
}

export const hubspotNotConnected = () =>
  new ApiError('validation_error', 'HubSpot is not connected: connect it first with POST /api/connected-apps/hubspot/connect', {
    code: 'hubspot_not_connected',
  });

/**
 * The organization's HubSpot token and where its requests go: the operator's
 * HUBSPOT_BASE_PATH, or the connection's own base path only while the
 * operator allows tenants one. 422 when not connected.
 */
export async function getHubspotConnection(
  db: Database,
  secrets: SecretBox,
  orgId: number,
  config: Pick<Config, 'HUBSPOT_BASE_PATH' | 'HUBSPOT_ALLOW_TENANT_BASE_PATH'>,
): Promise<HubspotConnection> {
  const connection = await findConnection<{ access_token: string }>(db, secrets, orgId, 'hubspot');
  if (!connection) throw hubspotNotConnected();
  const own = config.HUBSPOT_ALLOW_TENANT_BASE_PATH ? (connection.settings.base_path as string | undefined) : undefined;
  return { accessToken: connection.secret.access_token, basePath: own ?? config.HUBSPOT_BASE_PATH };
}
