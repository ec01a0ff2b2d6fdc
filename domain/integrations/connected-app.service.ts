// Outside applications an organization connects (§6.14): which providers
// exist and whether each is connected, and the HubSpot connection (a private
// app token and, where the operator allows it, the API base path). A stored
// token is never shown again: answers carry `connected` and a masked hint only.
import { isAdmin, type Scope } from '../platform/auth-context.js';
import type { Config } from '../platform/config.js';
import type { Database } from '../platform/db.js';
import { ApiError } from '../platform/errors.js';
import { paged, type ListParams } from '../platform/list-query.js';

export const CONNECTED_APP_PROVIDERS = ['hubspot', 'slack', 'teams', 'google'] as const;
export type ConnectedAppProvider = (typeof CONNECTED_APP_PROVIDERS)[number];

const PROVIDER_NAMES: Record<ConnectedAppProvider, string> = {
  hubspot: 'HubSpot',
  slack: 'Slack',
  teams: 'Microsoft Teams',
  google: 'Google Workspace',
};

interface ConnectedAppRow {
  provider: string;
  access_token: string | null;
  settings: { base_path?: string };
  connected_by: number | null;
  updated_at: Date;
}

/** The last four characters are enough to tell two tokens apart, never enough to use one. */
const maskToken = (token: string | null) => (token ? `••••${token.slice(-4)}` : null);

export function presentConnectedApp(provider: ConnectedAppProvider, row: ConnectedAppRow | undefined) {
  return {
    provider,
    name: PROVIDER_NAMES[provider],
    connected: row !== undefined,
    token_hint: maskToken(row?.access_token ?? null),
    base_path: row?.settings.base_path ?? null,
    connected_by: row?.connected_by ?? null,
    connected_at: row?.updated_at.toISOString() ?? null,
  };
}

export type ConnectedAppView = ReturnType<typeof presentConnectedApp>;

/** Every provider, connected or not, in a fixed order, a page at a time (§5). */
export async function listConnectedApps(db: Database, scope: Pick<Scope, 'orgId'>, params: Pick<ListParams, 'page' | 'limit'>) {
  const { rows } = await db.pool.query<ConnectedAppRow>(
    'SELECT provider, access_token, settings, connected_by, updated_at FROM connected_apps WHERE org_id = $1',
    [scope.orgId],
  );
  const all = CONNECTED_APP_PROVIDERS.map((provider) => presentConnectedApp(provider, rows.find((r) => r.provider === provider)));
  const start = (params.page - 1) * params.limit;
  return paged(all.slice(start, start + params.limit), all.length, params);
}

export interface HubspotConnectionInput {
  access_token: string;
  /** where HubSpot's API is served, normalised and allowed by the egress check (the caller's job); absent: HUBSPOT_BASE_PATH */
  base_path?: string;
}

/** A connection acts for the whole organization: only its admins make or remove one. */
function assertMayManageConnections(scope: Pick<Scope, 'roleName'>) {
  if (!isAdmin(scope)) throw new ApiError('forbidden', 'Only Admin users may connect or disconnect apps');
}

/** Connects HubSpot, replacing a previous connection of the organization. */
export async function connectHubspot(db: Database, scope: Pick<Scope, 'orgId' | 'userId' | 'roleName'>, input: HubspotConnectionInput): Promise<ConnectedAppView> {
  assertMayManageConnections(scope);
  const settings = input.base_path ? { base_path: input.base_path } : {};
  const { rows } = await db.pool.query<ConnectedAppRow>(
    `INSERT INTO connected_apps (org_id, provider, access_token, settings, connected_by, updated_at)
     VALUES ($1, 'hubspot', $2, $3, $4, now())
     ON CONFLICT (org_id, provider) DO UPDATE
       SET access_token = EXCLUDED.access_token, settings = EXCLUDED.settings, connected_by = EXCLUDED.connected_by, updated_at = now()
     RETURNING provider, access_token, settings, connected_by, updated_at`,
    [scope.orgId, input.access_token, JSON.stringify(settings), scope.userId],
  );
  return presentConnectedApp('hubspot', rows[0]);
}

/** Forgets the organization's HubSpot token; disconnecting twice is harmless. */
export async function disconnectHubspot(db: Database, scope: Pick<Scope, 'orgId' | 'roleName'>): Promise<ConnectedAppView> {
  assertMayManageConnections(scope);
  await db.pool.query(`DELETE FROM connected_apps WHERE org_id = $1 AND provider = 'hubspot'`, [scope.orgId]);
  return presentConnectedApp('hubspot', undefined);
}

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
  orgId: number,
  config: Pick<Config, 'HUBSPOT_BASE_PATH' | 'HUBSPOT_ALLOW_TENANT_BASE_PATH'>,
): Promise<HubspotConnection> {
  const { rows } = await db.pool.query<Pick<ConnectedAppRow, 'access_token' | 'settings'>>(
    `SELECT access_token, settings FROM connected_apps WHERE org_id = $1 AND provider = 'hubspot'`,
    [orgId],
  );
  const app = rows[0];
  if (!app?.access_token) throw hubspotNotConnected();
  const own = config.HUBSPOT_ALLOW_TENANT_BASE_PATH ? app.settings.base_path : undefined;
  return { accessToken: app.access_token, basePath: own ?? config.HUBSPOT_BASE_PATH };
}
