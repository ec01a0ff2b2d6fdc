// GET /user/global-search: one case-insensitive substring search across the
// organization's leads, contacts, companies and deals, a few rows of each.
// Every searched column has a trigram index (docs/indexes.md), so a rare term
// is index lookups rather than a walk through all of the organization's rows.
import type { Lead } from '../../generated/prisma/client.js';
import type { Database } from '../platform/db.js';
import { leadSearchCondition } from './lead-search.js';
import { anyFieldContains, containsText } from '../platform/list-query.js';

export interface GlobalSearchQuery {
  text: string;
  /** most recent first, per resource type */
  limit: number;
}

export async function globalSearch(db: Database, scope: { orgId: number }, query: GlobalSearchQuery) {
  const org_id = scope.orgId;
  const newestFirst = { orderBy: { id: 'desc' as const }, take: query.limit };
  const [leads, contacts, companies, deals] = await Promise.all([
    // the lead list's search (the full name rather than first and last name apart), so its trigram indexes serve it
    db.prisma.$queryRaw<Pick<Lead, 'id' | 'first_name' | 'last_name' | 'email' | 'company' | 'phone_number' | 'status'>[]>`
      SELECT id, first_name, last_name, email, company, phone_number, status FROM leads
       WHERE org_id = ${org_id} AND ${leadSearchCondition(query.text)} ORDER BY id DESC LIMIT ${query.limit}`,
    db.prisma.contact.findMany({
      where: { org_id, ...anyFieldContains(['name', 'email'], query.text) },
      select: { id: true, name: true, email: true, phone_number: true, company_id: true },
      ...newestFirst,
    }),
    db.prisma.company.findMany({
      where: { org_id, ...anyFieldContains(['company_name', 'website'], query.text) },
      select: { id: true, company_name: true, website: true, industry_type: true },
      ...newestFirst,
    }),
    db.prisma.deal.findMany({
      where: { org_id, title: containsText(query.text) },
      select: { id: true, title: true, value: true, lead_id: true, pipeline_id: true, stage_id: true },
      ...newestFirst,
    }),
  ]);
  return { leads, contacts, companies, deals: deals.map((deal) => ({ ...deal, value: Number(deal.value) })) };
}
