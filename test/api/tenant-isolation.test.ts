// Generated from the route table: organization B's token, pointed at
// organization A's rows (ids in the path, query or body), gets 404 (or 422
// where A's id is only a reference), never A's data; lists never show A's
// rows; and nothing of A's changes. A route added without a case here fails
// this suite until its isolation is spelled out.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFileStorage } from '../../domain/file-storage.js';
import { createLead } from '../../domain/lead.service.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { fillPath, routeTable, type RouteEntry } from '../helpers/routes.js';
import { seedTwoTenants, TEST_PASSWORD, type Tenant } from '../helpers/tenants.js';

let t: TestApp;
beforeAll(() => {
  t = createTestApp();
});
afterAll(() => t.close());

/** One row of every tenant resource in organization A, each carrying a marker string. */
async function seedFixtures(a: Tenant, marker: string) {
  const { prisma, pool } = t.database;
  const org_id = a.orgId;
  const { lead } = await createLead(pool, { orgId: org_id, userId: a.adminId }, {
    first_name: marker,
    last_name: 'Lead',
    email: `${marker}@a.example`,
    company: marker,
    linkedin_url: `https://linkedin.com/in/${marker}`,
  });
  const member = await a.addUser();
  const role = await prisma.role.create({ data: { org_id, name: `${marker} role` } });
  const tag = await prisma.customLookup.create({
    data: { org_id, module_name: 'lead', type: 'tag', name: marker, name_key: marker.toLowerCase() },
  });
  await prisma.lead.update({ where: { id: lead.id }, data: { tags: [tag.id], custom_fields: { note: marker } } });
  const customField = await prisma.customFieldDefinition.create({ data: { org_id, module_name: 'lead', field_name: marker } });
  const view = await prisma.customView.create({
    data: { org_id, user_id: a.adminId, module_name: 'lead', view_name: marker, visibility: 'public' },
  });
  const pipeline = await prisma.pipeline.findFirstOrThrow({ where: { org_id }, include: { stages: true } });
  await prisma.pipeline.update({ where: { id: pipeline.id }, data: { description: marker } });
  const stage = pipeline.stages.find((s) => !s.is_protected)!;
  const deal = await prisma.deal.create({
    data: { org_id, lead_id: lead.id, pipeline_id: pipeline.id, stage_id: stage.id, title: marker, value: 1000, expected_close_date: new Date('2027-01-31') },
  });
  const note = await prisma.leadNote.create({ data: { org_id, lead_id: lead.id, title: marker, note: marker } });
  const followUp = await prisma.followUp.create({ data: { org_id, lead_id: lead.id, follow_up_date: new Date(), notes: marker } });
  const document = await prisma.leadDocument.create({
    data: { org_id, lead_id: lead.id, file_name: `${marker}.pdf`, mime_type: 'application/pdf', size: 4, storage_key: `missing/${marker}` },
  });
  const company = await prisma.company.create({ data: { org_id, company_name: marker, website: `${marker}.example` } });
  const storedFile = await prisma.storedFile.create({
    data: { org_id, file_name: `${marker}.pdf`, mime_type: 'application/pdf', size: 4, storage_key: `${org_id}/${'0'.repeat(32)}.pdf` },
  });
  await prisma.fileAttachment.create({
    data: { org_id, provider: 'box', subject_type: 'lead', subject_id: lead.id, external_id: marker, name: marker, web_url: `https://${marker}.example` },
  });
  const contact = await prisma.contact.create({ data: { org_id, name: marker, email: `${marker}@c.example`, company_id: company.id } });
  // the writes above also left activity feed entries (the marker among their changes), by trigger
  const notification = await prisma.notification.create({
    data: { org_id, user_id: member.id, type_id: 1, title: marker, message: marker, data: { model_type: 'lead', model_id: lead.id } },
  });
  const job = await prisma.job.create({
    data: { org_id, type: 'export', status: 'running', workflow_id: `export:${org_id}:${marker}`, params: { marker } },
  });
  // a completed export with its file, so that a download that ignored the organization would succeed
  const storage = createFileStorage(t.deps.config.STORAGE_DIR);
  const exportKey = storage.newKey(org_id, 'csv');
  const exportFile = await storage.openForWriting(exportKey, 0);
  await exportFile.append(`id,first_name\n${lead.id},${marker}\n`);
  await exportFile.close();
  const completedExport = await prisma.job.create({
    data: {
      org_id, type: 'export', status: 'completed', workflow_id: `export:${org_id}:${marker}-done`, params: { marker },
      output_key: exportKey, result: { file_name: `${marker}.csv` },
    },
  });
  // A's HubSpot connection (its token carries the marker: it must never reach B) and an import job
  await prisma.connectedApp.create({
    data: { org_id, provider: 'hubspot', access_token: `pat-${marker}`, settings: { base_path: `https://${marker}.example` } },
  });
  const hubspotImport = await prisma.job.create({
    data: { org_id, type: 'hubspot_import', status: 'running', workflow_id: `hubspot_import:${org_id}:${marker}`, params: { marker } },
  });
  const enrichmentJob = await prisma.job.create({
    data: { org_id, type: 'enrichment', status: 'running', workflow_id: `enrichment:${org_id}:${marker}`, params: { marker } },
  });
  return {
    enrichmentJob: enrichmentJob.id, hubspotImport: hubspotImport.id, job: job.id, completedExport: completedExport.id, lead: lead.id, member: member.id, role: role.id, tag: tag.id, customField: customField.id, view: view.id,
    pipeline: pipeline.id, stage: stage.id, deal: deal.id, note: note.id, followUp: followUp.id, document: document.id,
    company: company.id, contact: contact.id, storedFile: storedFile.id, notification: notification.id,
  };
}
type Fixtures = Awaited<ReturnType<typeof seedFixtures>>;

/** Every row organization A has, in every tenant table: must be identical after B's calls. */
async function snapshotOf(orgId: number) {
  const { prisma } = t.database;
  const where = { where: { org_id: orgId }, orderBy: { id: 'asc' as const } };
  return JSON.stringify(
    await Promise.all([
      prisma.lead.findMany(where), prisma.user.findMany(where), prisma.role.findMany(where), prisma.customLookup.findMany(where),
      prisma.customFieldDefinition.findMany(where), prisma.customView.findMany(where), prisma.pipeline.findMany(where),
      prisma.stage.findMany(where), prisma.deal.findMany(where), prisma.leadNote.findMany(where), prisma.followUp.findMany(where),
      prisma.leadDocument.findMany(where), prisma.company.findMany(where), prisma.contact.findMany(where),
      prisma.storedFile.findMany(where), prisma.fileAttachment.findMany(where), prisma.notification.findMany(where),
      prisma.activityFeedEntry.findMany(where), prisma.job.findMany(where), prisma.jobRowError.findMany(where),
      prisma.enrichmentCache.findMany(where), prisma.enrichmentCreditEntry.findMany(where), prisma.connectedApp.findMany(where),
      prisma.organization.findMany({ where: { id: orgId } }),
    ]),
    // activity feed ids are bigint
    (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value),
  );
}

/**
 * hidden: the route addresses A's row: 404. rejected: A's id is a reference
 * inside a B request: 404 or 422. visible-to-b: B's own view of a list or of
 * itself: 2xx. own-data: the route touches nothing of A's by construction.
 */
type Expectation = 'hidden' | 'rejected' | 'visible-to-b' | 'own-data';
interface IsolationCase {
  expect: Expectation;
  params?: Record<string, number>;
  query?: Record<string, string | number>;
  body?: unknown;
  multipart?: Record<string, string | Blob>;
}

const PNG = new Blob([Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0])], { type: 'image/png' });

/** Cases for routes that take ids or change data; GET routes without them are lists (visible-to-b). */
const cases = (f: Fixtures, marker: string): Record<string, IsolationCase> => ({
  'POST /api/auth/logout': { expect: 'own-data' },
  'POST /api/user/add': { expect: 'rejected', body: { first_name: 'Bea', email: `bea-${marker.slice(3)}@b.example`, phone_no: '+1 415 555 0101', password: 'long-enough-1', role_id: f.role } },
  'POST /api/user/update/{id}': { expect: 'hidden', params: { id: f.member }, body: { first_name: 'Hacked', email: `hacked-${marker.slice(3)}@b.example`, phone_no: '+1 415 555 0100' } },
  'POST /api/user/change-password': { expect: 'own-data', body: { current_password: TEST_PASSWORD, new_password: 'b-password-2', confirm_password: 'b-password-2' } },
  'POST /api/user/delete': { expect: 'hidden', body: { user_id: f.member } },
  'GET /api/user/global-search': { expect: 'visible-to-b', query: { search_value: marker } },
  'POST /api/role/add': { expect: 'own-data', body: { name: 'B role' } },
  'POST /api/lead': { expect: 'own-data', body: { email: `b-${randomBytes(4).toString('hex')}@b.example` } },
  'GET /api/lead/lead-list': { expect: 'visible-to-b', query: { search_value: marker } },
  'GET /api/lead/list': { expect: 'visible-to-b', query: { search_value: marker } },
  'POST /api/lead/add': { expect: 'rejected', body: { first_name: 'Bob', last_name: 'Bee', assigned_to: f.member, tags: [f.tag] } },
  'GET /api/lead/view/{id}': { expect: 'hidden', params: { id: f.lead } },
  'POST /api/lead/update/{id}': { expect: 'hidden', params: { id: f.lead }, body: { first_name: 'Hacked' } },
  'DELETE /api/lead/delete': { expect: 'hidden', body: { ids: [f.lead] } },
  'POST /api/lead/status-change': { expect: 'hidden', body: { ids: [f.lead], status: 2 } },
  'POST /api/lead/assign-user': { expect: 'hidden', body: { ids: [f.lead], assigned_to: null } },
  'POST /api/lead/assign-tags': { expect: 'hidden', body: { ids: [f.lead], tags: ['b-tag'] } },
  'POST /api/lead/set-assign-tags': { expect: 'hidden', body: { ids: [f.lead], tags: ['b-tag'] } },
  'POST /api/lead/update-custom-fields': { expect: 'hidden', body: { lead_id: f.lead, custom_fields: { hacked: true } } },
  'POST /api/lead/{id}/upload-profile-image': { expect: 'hidden', params: { id: f.lead }, multipart: { image: new File([PNG], 'x.png', { type: 'image/png' }) } },
  'GET /api/lead/{id}/profile-image': { expect: 'hidden', params: { id: f.lead } },
  'GET /api/lead/note/list': { expect: 'hidden', query: { lead_id: f.lead } },
  'POST /api/lead/note/add': { expect: 'hidden', body: { lead_id: f.lead, title: 'Hacked note' } },
  'GET /api/lead/follow-up/list': { expect: 'hidden', query: { lead_id: f.lead } },
  'POST /api/lead/follow-up/add': { expect: 'hidden', body: { lead_id: f.lead, follow_up_date: new Date().toISOString() } },
  'GET /api/lead/document/list': { expect: 'hidden', query: { lead_id: f.lead } },
  'POST /api/lead/document/add': { expect: 'hidden', multipart: { lead_id: String(f.lead), file: new File(['%PDF-1.4 x'], 'x.pdf', { type: 'application/pdf' }) } },
  'GET /api/lead/document/{id}/download': { expect: 'hidden', params: { id: f.document } },
  'POST /api/lead/custom-field': { expect: 'hidden', body: { lead_id: f.lead, field_name: 'hacked', field_value: 'x' } },
  'POST /api/custom-lookups/add': { expect: 'rejected', body: { module_name: 'lead', type: 'tag', name: `${marker}-b`, parent_id: f.tag } },
  'POST /api/custom-lookups/update/{id}': { expect: 'hidden', params: { id: f.tag }, body: { name: 'Hacked' } },
  'POST /api/custom-view/add': { expect: 'own-data', body: { module_name: 'lead', visibility: 'public', view_name: 'B view' } },
  'POST /api/custom-view/update/{id}': { expect: 'hidden', params: { id: f.view }, body: { view_name: 'Hacked' } },
  'DELETE /api/custom-view/delete/{id}': { expect: 'hidden', params: { id: f.view } },
  'POST /api/pipelines/add': { expect: 'own-data', body: { name: 'B pipeline' } },
  'PUT /api/pipelines/update/{id}': { expect: 'hidden', params: { id: f.pipeline }, body: { name: 'Hacked' } },
  'DELETE /api/pipelines/delete': { expect: 'hidden', body: { ids: [f.pipeline] } },
  'GET /api/pipelines/stages/{id}': { expect: 'hidden', params: { id: f.pipeline } },
  'GET /api/lead/deal/list': { expect: 'visible-to-b', query: { lead_id: f.lead } },
  'POST /api/lead/deal/add': {
    expect: 'rejected',
    body: { lead_id: f.lead, pipeline_id: f.pipeline, stage_id: f.stage, title: 'Hacked deal', value: 10, expected_close_date: '2027-01-01' },
  },
  'POST /api/storage-file/add': { expect: 'own-data', multipart: { file: new File(['%PDF-1.4 b'], 'b.pdf') } },
  'GET /api/storage-file/{id}/download': { expect: 'hidden', params: { id: f.storedFile } },
  'POST /api/file/attach': {
    expect: 'hidden',
    body: { provider: 'box', subject_type: 'lead', subject_id: f.lead, file: { id: 'b', name: 'b', web_url: 'https://example.com/b' } },
  },
  'GET /api/file/list': { expect: 'hidden', query: { subject_type: 'lead', subject_id: f.lead } },
  'POST /api/lead/deal/update/{id}': { expect: 'hidden', params: { id: f.deal }, body: { title: 'Hacked deal' } },
  'DELETE /api/lead/deal/delete': { expect: 'hidden', body: { ids: [f.deal] } },
  'GET /api/contact/list': { expect: 'visible-to-b', query: { company_id: f.company } },
  'GET /api/contact/view/{id}': { expect: 'hidden', params: { id: f.contact } },
  'POST /api/contact/add': { expect: 'rejected', body: { name: 'Bob Bee', company_id: f.company } },
  'POST /api/contact/update/{id}': { expect: 'hidden', params: { id: f.contact }, body: { name: 'Hacked' } },
  'POST /api/contact/bulk-update': { expect: 'hidden', body: { contact_ids: [f.contact], lead_score: 1 } },
  'DELETE /api/contact/delete/{id}': { expect: 'hidden', params: { id: f.contact }, body: { ids: [f.contact] } },
  'GET /api/company/list': { expect: 'visible-to-b', query: { company_id: f.company } },
  'GET /api/company/stats': { expect: 'visible-to-b', query: { company_id: f.company } },
  'GET /api/company/view/{id}': { expect: 'hidden', params: { id: f.company } },
  'GET /api/company/similar/{id}': { expect: 'hidden', params: { id: f.company } },
  'POST /api/company/add': { expect: 'own-data', body: { company_name: 'B company' } },
  'POST /api/company/update/{id}': { expect: 'hidden', params: { id: f.company }, multipart: { company_name: 'Hacked', company_logo: new File([PNG], 'x.png', { type: 'image/png' }) } },
  'DELETE /api/company/delete/{id}': { expect: 'hidden', params: { id: f.company }, body: { ids: [f.company] } },
  'GET /api/company/{id}/logo': { expect: 'hidden', params: { id: f.company } },
  // aggregates over B's rows only; exact counts with A's rows seeded are in test/api/dashboard.test.ts
  'GET /api/dashboard/overview': { expect: 'visible-to-b', query: { start_date: '2000-01-01', end_date: '2100-12-31' } },
  'GET /api/dashboard/stats': { expect: 'visible-to-b', query: { start_date: '2020-01-01', end_date: '2029-12-31' } },
  'GET /api/dashboard/top-accounts': { expect: 'visible-to-b', query: { limit: 50 } },
  'GET /api/notification/list': { expect: 'visible-to-b', query: { search_value: marker } },
  // another user's ids are ignored (updated: 0); the snapshot proves A's notification stays unread
  'POST /api/notification/read': { expect: 'own-data', body: { ids: [f.notification] } },
  'GET /api/feed/list': { expect: 'visible-to-b', query: { model_type: 'lead', model_id: f.lead } },
  'GET /api/jobs': { expect: 'visible-to-b', query: { search_value: marker } },
  'GET /api/jobs/{id}': { expect: 'hidden', params: { id: f.job } },
  'POST /api/jobs/{id}/pause': { expect: 'hidden', params: { id: f.job } },
  'POST /api/jobs/{id}/resume': { expect: 'hidden', params: { id: f.job } },
  'POST /api/jobs/{id}/cancel': { expect: 'hidden', params: { id: f.job } },
  // B's own import job, from B's own file
  'POST /api/lead/lead-imports': { expect: 'own-data', multipart: { file: new File(['email\nb@b.example\n'], 'b.csv'), duplicates: 'merge' } },
  'GET /api/import-job/list': { expect: 'visible-to-b', query: { search_value: marker } },
  'GET /api/import-job/{id}/errors': { expect: 'hidden', params: { id: f.hubspotImport } },
  // B's own export job; A's company id in its filters selects nothing of B's
  'POST /api/exports/create': { expect: 'own-data', body: { export_type: 'contacts', filters: { company_id: f.company } } },
  'GET /api/exports/list': { expect: 'visible-to-b', query: { search_value: marker } },
  'GET /api/exports/download/{id}': { expect: 'hidden', params: { id: f.completedExport } },
  // B connects its own HubSpot and its disconnect (mounted right after) removes it again; A's connection is never
  // used for B: B's properties and imports answer 422 hubspot_not_connected
  'POST /api/connected-apps/hubspot/connect': { expect: 'own-data', body: { access_token: 'pat-b-0000' } },
  'POST /api/connected-apps/hubspot/disconnect': { expect: 'own-data' },
  'GET /api/connected-apps/hubspot/properties': { expect: 'rejected', query: { all: 1 } },
  'POST /api/connected-apps/hubspot/import': { expect: 'rejected', body: {} },
  'GET /api/connected-apps/hubspot/import/{id}/status': { expect: 'hidden', params: { id: f.hubspotImport } },
  'POST /api/lead-enrichment/enrich': { expect: 'hidden', body: { lead_id: f.lead } },
  // B's own job: its inputs become B's leads when it runs
  'POST /api/lead-enrichment/enrich/bulk': { expect: 'own-data', body: { leads: [{ email: `b-${randomBytes(4).toString('hex')}@b.example` }] } },
  'GET /api/lead-enrichment/job/{jobId}': { expect: 'hidden', params: { jobId: f.enrichmentJob } },
  'GET /api/lead-enrichment/linkedin-leads/recent': { expect: 'visible-to-b', query: { search: marker } },
  'GET /api/lead-enrichment/linkedin-leads/{id}': { expect: 'hidden', params: { id: f.lead } },
  'POST /api/company/enrich': { expect: 'hidden', body: { company_id: f.company } },
});

function requestFor(route: RouteEntry, c: IsolationCase) {
  const path = fillPath(route.path, c.params ?? {});
  if (c.multipart) {
    const form = new FormData();
    for (const [k, v] of Object.entries(c.multipart)) form.append(k, v);
    return { path, options: { query: c.query, body: form } };
  }
  return { path, options: { query: c.query, body: c.body } };
}

describe('tenant isolation on every route', () => {
  it('never lets organization B read, change, count or infer organization A rows', async () => {
    const [a, b] = await seedTwoTenants(t);
    const marker = `iso${randomBytes(5).toString('hex')}`;
    const fixtures = await seedFixtures(a, marker);
    const table = cases(fixtures, marker);
    const before = await snapshotOf(a.orgId);
    const problems: string[] = [];
    // logout revokes B's token: it goes last
    const routes = routeTable(t.app)
      .filter((r) => r.authenticated)
      .sort((x, y) => Number(x.path === '/api/auth/logout') - Number(y.path === '/api/auth/logout'));
    for (const route of routes) {
      const key = `${route.method} ${route.path}`;
      const c = table[key] ?? (route.method === 'GET' && route.pathParams.length === 0 ? { expect: 'visible-to-b' as const } : undefined);
      if (!c) {
        problems.push(`${key}: no isolation case; add one to test/api/tenant-isolation.test.ts`);
        continue;
      }
      const { path, options } = requestFor(route, c);
      const res = await t.call(route.method, path, { ...options, token: b.token });
      const text = JSON.stringify(res.body) ?? '';
      if (text.includes(marker) || text.includes(a.orgPublicId)) problems.push(`${key}: answer shows organization A's data`);
      const ok =
        c.expect === 'hidden' ? res.status === 404
        : c.expect === 'rejected' ? res.status === 404 || res.status === 422
        : res.status >= 200 && res.status < 300;
      if (!ok) problems.push(`${key}: expected ${c.expect}, got ${res.status} ${text.slice(0, 200)}`);
    }
    expect(problems).toEqual([]);
    expect(await snapshotOf(a.orgId)).toBe(before);
  });

  it('covers routes that every case names (no stale entries)', async () => {
    const [a] = await seedTwoTenants(t);
    const routes = new Set(routeTable(t.app).map((r) => `${r.method} ${r.path}`));
    const stale = Object.keys(cases(await seedFixtures(a, `iso${randomBytes(5).toString('hex')}`), 'x')).filter((k) => !routes.has(k));
    expect(stale).toEqual([]);
  });
});
