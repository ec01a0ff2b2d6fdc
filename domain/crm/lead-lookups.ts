// The organization's lead lookups: labels for status/priority/lead_source
// codes and tags, validation of codes, and tags given by id or by name.
import type { Database } from '../platform/db.js';
import type { SqlClient } from '../platform/transaction.js';
import { ApiError } from '../platform/errors.js';

export const LEAD_CODED_LOOKUPS = ['status', 'priority', 'lead_source'] as const;
export type LeadCodedLookup = (typeof LEAD_CODED_LOOKUPS)[number];

export interface LeadLabels {
  code: Record<LeadCodedLookup, Map<number, string>>;
  tags: Map<number, string>;
}

/** One query for every label a page of leads needs. */
export async function loadLeadLabels(db: SqlClient, orgId: number): Promise<LeadLabels> {
  const { rows } = await db.query<{ id: number; type: string; code: number | null; name: string }>(
    `SELECT id, type, code, name FROM custom_lookups
      WHERE org_id = $1 AND module_name = 'lead' AND type = ANY($2::text[])`,
    [orgId, [...LEAD_CODED_LOOKUPS, 'tag']],
  );
  const labels: LeadLabels = { code: { status: new Map(), priority: new Map(), lead_source: new Map() }, tags: new Map() };
  for (const row of rows) {
    if (row.type === 'tag') labels.tags.set(row.id, row.name);
    else if (row.code !== null) labels.code[row.type as LeadCodedLookup].set(row.code, row.name);
  }
  return labels;
}

/**
 * The organization's labels through this process's cache (exact across
 * processes: any change to its lookups drops them everywhere at COMMIT,
 * platform/change-feed.ts). Shared by every request of the organization:
 * read-only, copy before adding to them (resolveTagIds does).
 */
export async function cachedLeadLabels(db: Database, orgId: number): Promise<LeadLabels> {
  const cache = db.changes.cache<LeadLabels>('lead_lookups', { maxEntries: 1_000, ttlMs: 60_000 });
  const labels = await cache.read(String(orgId), async () => ({ value: await loadLeadLabels(db.pool, orgId), orgId }));
  return labels!;
}

/** A copy that tags can be added to without changing the cached original. */
export const withOwnTags = (labels: LeadLabels): LeadLabels => ({ code: labels.code, tags: new Map(labels.tags) });

/** 422 unless every given code is one of the organization's (active or not) lookup codes. */
export function assertKnownCodes(labels: LeadLabels, values: Partial<Record<LeadCodedLookup, number | null | undefined>>) {
  for (const type of LEAD_CODED_LOOKUPS) {
    const value = values[type];
    if (value !== undefined && value !== null && !labels.code[type].has(value)) {
      const known = [...labels.code[type].keys()].join(', ');
      throw new ApiError('validation_error', `${type}: ${value} is not one of this organization's ${type} values (${known})`, {
        details: [{ path: type, message: `unknown ${type} ${value}` }],
      });
    }
  }
}

/**
 * Tags as lookup ids or names (ENGINEERING.md §7): ids must be tags of this
 * organization (422 otherwise); unknown names are created, concurrently safe,
 * and added to `labels` when given, so a lead can be presented with them.
 */
export async function resolveTagIds(db: SqlClient, orgId: number, tags: (number | string)[], labels?: LeadLabels): Promise<number[]> {
  const ids = tags.filter((t): t is number => typeof t === 'number');
  // one name per case-insensitive key: the insert below may touch each row once
  const byKey = new Map<string, string>();
  for (const tag of tags) if (typeof tag === 'string' && tag.trim()) byKey.set(tag.trim().toLowerCase(), tag.trim());
  const names = [...byKey.values()];
  const resolved: number[] = [];
  if (ids.length > 0) {
    const { rows } = await db.query<{ id: number }>(
      `SELECT id FROM custom_lookups WHERE org_id = $1 AND module_name = 'lead' AND type = 'tag' AND id = ANY($2::int[])`,
      [orgId, ids],
    );
    const found = new Set(rows.map((r) => r.id));
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length > 0) {
      throw new ApiError('validation_error', `tags: unknown tag id(s) ${missing.join(', ')}`, {
        details: [{ path: 'tags', message: `unknown tag id(s) ${missing.join(', ')}` }],
      });
    }
    resolved.push(...ids);
  }
  if (names.length > 0) {
    // DO UPDATE (a no-op write) so RETURNING yields the id of rows that already existed
    const { rows } = await db.query<{ id: number; name: string }>(
      `INSERT INTO custom_lookups (org_id, module_name, type, name, name_key, updated_at)
       SELECT $1, 'lead', 'tag', n, lower(n), now() FROM unnest($2::text[]) AS n
       ON CONFLICT (org_id, module_name, type, name_key) DO UPDATE SET name_key = EXCLUDED.name_key
       RETURNING id, name`,
      [orgId, names],
    );
    for (const row of rows) labels?.tags.set(row.id, row.name);
    resolved.push(...rows.map((r) => r.id));
  }
  return [...new Set(resolved)];
}
