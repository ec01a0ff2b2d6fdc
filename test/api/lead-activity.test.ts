// §6.2 lead activity: notes, follow-ups and documents, each bound to a lead
// of the caller's organization; documents are typed by their bytes.
import { existsSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLead } from '../../domain/leads/lead.service.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { seedTenant, seedTwoTenants, type Tenant } from '../helpers/tenants.js';

let t: TestApp;
beforeAll(() => {
  t = createTestApp();
});
// uploads of this file's apps go to their own STORAGE_DIR
const closeAndRemoveUploads = async (app: TestApp) => {
  await app.close();
  await rm(app.deps.config.STORAGE_DIR, { recursive: true, force: true });
};
afterAll(() => closeAndRemoveUploads(t));

const seedLead = async (tenant: Tenant) =>
  (await createLead(t.database, { orgId: tenant.orgId, userId: tenant.adminId }, { first_name: 'Lead', last_name: 'Person' })).lead;

const ids = (res: { body: { data: { id: number }[] } }) => res.body.data.map((row) => row.id);

/** The files stored for an organization. */
const storedFiles = (orgId: number) => {
  const dir = path.resolve(t.deps.config.STORAGE_DIR, String(orgId));
  return existsSync(dir) ? readdirSync(dir) : [];
};

describe('notes', () => {
  it("adds a note, marks the lead's last activity, and lists the lead's notes", async () => {
    const tenant = await seedTenant(t);
    const lead = await seedLead(tenant);
    const other = await seedLead(tenant);
    const before = Date.now();
    const res = await t.call('POST', '/api/lead/note/add', { token: tenant.token, body: { lead_id: lead.id, title: 'Discovery call', note: 'Wants a demo' } });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ lead_id: lead.id, title: 'Discovery call', note: 'Wants a demo', created_by: tenant.adminId });
    const second = await t.call('POST', '/api/lead/note/add', { token: tenant.token, body: { lead_id: lead.id, title: 'Follow-up email' } });
    expect(second.body.data.note).toBeNull();
    await t.call('POST', '/api/lead/note/add', { token: tenant.token, body: { lead_id: other.id, title: 'Unrelated' } });

    const view = await t.call('GET', `/api/lead/view/${lead.id}`, { token: tenant.token });
    expect(Date.parse(view.body.data.last_activity_at)).toBeGreaterThanOrEqual(before - 1000);

    const list = await t.call('GET', '/api/lead/note/list', { token: tenant.token, query: { lead_id: lead.id } });
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ total: 2, page: 1, limit: 10 });
    expect(ids(list)).toEqual([second.body.data.id, res.body.data.id]);
    const searched = await t.call('GET', '/api/lead/note/list', { token: tenant.token, query: { lead_id: lead.id, search_value: 'DEMO' } });
    expect(ids(searched)).toEqual([res.body.data.id]);
  });

  it('answers 400 for a missing lead_id or title and 422 for invalid values', async () => {
    const tenant = await seedTenant(t);
    const lead = await seedLead(tenant);
    expect((await t.call('GET', '/api/lead/note/list', { token: tenant.token })).status).toBe(400);
    expect((await t.call('POST', '/api/lead/note/add', { token: tenant.token, body: { lead_id: lead.id } })).status).toBe(400);
    expect((await t.call('POST', '/api/lead/note/add', { token: tenant.token, body: { title: 'Call' } })).status).toBe(400);
    for (const body of [{ lead_id: lead.id, title: 'x' }, { lead_id: lead.id, title: 'x'.repeat(101) }, { lead_id: 'one', title: 'Call' }]) {
      expect((await t.call('POST', '/api/lead/note/add', { token: tenant.token, body })).status, JSON.stringify(body)).toBe(422);
    }
    expect((await t.call('GET', '/api/lead/note/list', { token: tenant.token, query: { lead_id: 'x' } })).status).toBe(422);
    expect((await t.call('GET', '/api/lead/note/list', { token: tenant.token, query: { lead_id: lead.id, order_by: 'note' } })).status).toBe(422);
  });

  it("answers 404 for another organization's lead, adding or listing", async () => {
    const [a, b] = await seedTwoTenants(t);
    const lead = await seedLead(a);
    await t.call('POST', '/api/lead/note/add', { token: a.token, body: { lead_id: lead.id, title: 'Private note' } });
    expect((await t.call('POST', '/api/lead/note/add', { token: b.token, body: { lead_id: lead.id, title: 'Sneaky' } })).status).toBe(404);
    const list = await t.call('GET', '/api/lead/note/list', { token: b.token, query: { lead_id: lead.id } });
    expect(list.status).toBe(404);
    expect(JSON.stringify(list.body)).not.toContain('Private note');
    expect(await t.database.prisma.leadNote.count({ where: { lead_id: lead.id } })).toBe(1);
  });
});

describe('follow-ups', () => {
  it('creates follow-ups (status 1 by default) and lists them by lead and by status', async () => {
    const [a, b] = await seedTwoTenants(t);
    const lead = await seedLead(a);
    const other = await seedLead(a);
    const pending = await t.call('POST', '/api/lead/follow-up/add', {
      token: a.token,
      body: { lead_id: lead.id, follow_up_date: '2026-07-01T09:30:00+02:00', notes: 'Send pricing' },
    });
    expect(pending.status).toBe(201);
    expect(pending.body.data).toMatchObject({
      lead_id: lead.id,
      follow_up_date: '2026-07-01T07:30:00.000Z',
      notes: 'Send pricing',
      status: 1,
      status_text: 'Pending',
    });
    const done = await t.call('POST', '/api/lead/follow-up/add', { token: a.token, body: { lead_id: lead.id, follow_up_date: '2026-07-02', status: 2 } });
    expect(done.body.data).toMatchObject({ follow_up_date: '2026-07-02T00:00:00.000Z', status: 2, status_text: 'Completed' });
    const elsewhere = await t.call('POST', '/api/lead/follow-up/add', { token: a.token, body: { lead_id: other.id, follow_up_date: '2026-07-03T00:00:00Z', status: 6 } });
    expect(elsewhere.body.data.status_text).toBe('In progress');
    const theirs = await seedLead(b);
    await t.call('POST', '/api/lead/follow-up/add', { token: b.token, body: { lead_id: theirs.id, follow_up_date: '2026-07-01T00:00:00Z' } });

    const byLead = await t.call('GET', '/api/lead/follow-up/list', { token: a.token, query: { lead_id: lead.id, order_by: 'follow_up_date', order_in: 'ASC' } });
    expect(ids(byLead)).toEqual([pending.body.data.id, done.body.data.id]);
    const byStatus = await t.call('GET', '/api/lead/follow-up/list', { token: a.token, query: { lead_id: lead.id, status: 2 } });
    expect(ids(byStatus)).toEqual([done.body.data.id]);
    const organization = await t.call('GET', '/api/lead/follow-up/list', { token: a.token });
    expect(organization.body.total).toBe(3);
    expect(ids(organization)).toEqual([elsewhere.body.data.id, done.body.data.id, pending.body.data.id]);
  });

  it('answers 400 for a missing lead_id or date and 422 for invalid values', async () => {
    const tenant = await seedTenant(t);
    const lead = await seedLead(tenant);
    expect((await t.call('POST', '/api/lead/follow-up/add', { token: tenant.token, body: { lead_id: lead.id } })).status).toBe(400);
    expect((await t.call('POST', '/api/lead/follow-up/add', { token: tenant.token, body: { follow_up_date: '2026-07-01' } })).status).toBe(400);
    const invalid = [
      { lead_id: lead.id, follow_up_date: 'next tuesday' },
      { lead_id: lead.id, follow_up_date: '2026-07-01T10:00:00' },
      { lead_id: lead.id, follow_up_date: '2026-07-01', status: 7 },
      { lead_id: lead.id, follow_up_date: '2026-07-01', status: 0 },
    ];
    for (const body of invalid) {
      expect((await t.call('POST', '/api/lead/follow-up/add', { token: tenant.token, body })).status, JSON.stringify(body)).toBe(422);
    }
    expect((await t.call('GET', '/api/lead/follow-up/list', { token: tenant.token, query: { status: 9 } })).status).toBe(422);
    expect(await t.database.prisma.followUp.count({ where: { lead_id: lead.id } })).toBe(0);
  });

  it("answers 404 for another organization's lead and keeps its follow-ups out of other lists", async () => {
    const [a, b] = await seedTwoTenants(t);
    const lead = await seedLead(a);
    await t.call('POST', '/api/lead/follow-up/add', { token: a.token, body: { lead_id: lead.id, follow_up_date: '2026-07-01' } });
    expect((await t.call('POST', '/api/lead/follow-up/add', { token: b.token, body: { lead_id: lead.id, follow_up_date: '2026-07-01' } })).status).toBe(404);
    expect((await t.call('GET', '/api/lead/follow-up/list', { token: b.token, query: { lead_id: lead.id } })).status).toBe(404);
    const theirs = await t.call('GET', '/api/lead/follow-up/list', { token: b.token });
    expect(theirs.body).toMatchObject({ data: [], total: 0 });
  });
});

describe('documents', () => {
  const documentForm = (leadId: number | string, content: BlobPart | undefined, name: string, extra: Record<string, string> = {}) => {
    const form = new FormData();
    form.set('lead_id', String(leadId));
    if (content !== undefined) form.set('file', new File([content], name, { type: 'application/octet-stream' }));
    for (const [key, value] of Object.entries(extra)) form.set(key, value);
    return form;
  };
  const attach = (tenant: Tenant, form: FormData) => t.call('POST', '/api/lead/document/add', { token: tenant.token, body: form });
  const ZIP_HEADER = Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 20, 0, 6, 0, 8, 0]);

  it('stores a document under a random name, detects its type from its bytes and serves it back', async () => {
    const tenant = await seedTenant(t);
    const lead = await seedLead(tenant);
    const pdf = '%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n';
    const res = await attach(tenant, documentForm(lead.id, pdf, '../../../etc/Angebot Müller.pdf', { document_type: 'proposal', description: 'Q3 offer' }));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const document = res.body.data;
    expect(document).toMatchObject({
      lead_id: lead.id,
      file_name: 'Angebot Müller.pdf',
      mime_type: 'application/pdf',
      size: pdf.length,
      document_type: 'proposal',
      description: 'Q3 offer',
      download_url: `/api/lead/document/${document.id}/download`,
    });
    expect(document).not.toHaveProperty('storage_key');
    const { storage_key } = await t.database.prisma.leadDocument.findUniqueOrThrow({ where: { id: document.id } });
    expect(storage_key).toMatch(new RegExp(`^${tenant.orgId}/[0-9a-f]{32}\\.pdf$`));
    expect(storedFiles(tenant.orgId)).toEqual([path.basename(storage_key)]);

    const download = await t.app.request(document.download_url, { headers: { authorization: `Bearer ${tenant.token}` } });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/pdf');
    expect(download.headers.get('content-disposition')).toBe(`attachment; filename="Angebot M_ller.pdf"; filename*=UTF-8''Angebot%20M%C3%BCller.pdf`);
    expect(await download.text()).toBe(pdf);

    const list = await t.call('GET', '/api/lead/document/list', { token: tenant.token, query: { lead_id: lead.id } });
    expect(list.body).toMatchObject({ total: 1, data: [{ id: document.id, mime_type: 'application/pdf' }] });
  });

  it('accepts images, text, CSV and Office documents by content; Office by container plus extension', async () => {
    const tenant = await seedTenant(t);
    const lead = await seedLead(tenant);
    const accepted: [BlobPart, string, string][] = [
      [Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 1, 2]), 'scan.pdf', 'image/jpeg'],
      ['name,email\nJane,jane@example.test\n', 'contacts.csv', 'text/csv'],
      ['Meeting notes — ünïcode is fine\n', 'notes.txt', 'text/plain'],
      [ZIP_HEADER, 'contract.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
      [ZIP_HEADER, 'forecast.XLSX', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
      [ZIP_HEADER, 'deck.pptx', 'application/vnd.openxmlformats-officedocument.presentationml.presentation'],
      [Uint8Array.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0]), 'old.doc', 'application/msword'],
    ];
    for (const [content, name, mimeType] of accepted) {
      const res = await attach(tenant, documentForm(lead.id, content, name));
      expect(res.status, name).toBe(201);
      expect(res.body.data.mime_type, name).toBe(mimeType);
    }
    const list = await t.call('GET', '/api/lead/document/list', { token: tenant.token, query: { lead_id: lead.id, search_value: 'contract' } });
    expect(list.body.total).toBe(1);
  });

  it('rejects other content with 422 and leaves nothing stored', async () => {
    const tenant = await seedTenant(t);
    const lead = await seedLead(tenant);
    const rejected: [BlobPart, string][] = [
      [ZIP_HEADER, 'archive.zip'],
      [ZIP_HEADER, 'contract.pdf'],
      [Uint8Array.from([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00]), 'invoice.pdf'],
      [Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01]), 'notes.txt'],
      [Uint8Array.from([0x00, 0x61, 0x62]), 'data.csv'],
    ];
    for (const [content, name] of rejected) {
      const res = await attach(tenant, documentForm(lead.id, content, name));
      expect(res.status, name).toBe(422);
      expect(res.body.error).toMatchObject({ type: 'validation_error', code: 'unsupported_file_type' });
    }
    expect(await t.database.prisma.leadDocument.count({ where: { lead_id: lead.id } })).toBe(0);
    expect(storedFiles(tenant.orgId)).toEqual([]);
  });

  it('rejects a file over UPLOAD_MAX_BYTES with 413 and an empty file with 422', async () => {
    const small = createTestApp({ UPLOAD_MAX_BYTES: '2048' });
    try {
      const tenant = await seedTenant(small);
      const lead = (await createLead(small.database, { orgId: tenant.orgId, userId: tenant.adminId }, { first_name: 'Big', last_name: 'File' })).lead;
      const post = (form: FormData) => small.call('POST', '/api/lead/document/add', { token: tenant.token, body: form });
      const over = await post(documentForm(lead.id, 'x'.repeat(2049), 'big.txt'));
      expect(over.status).toBe(413);
      expect(over.body.error).toMatchObject({ type: 'payload_too_large', max_bytes: 2048 });
      expect((await post(documentForm(lead.id, 'x'.repeat(2048), 'fits.txt'))).status).toBe(201);
      expect((await post(documentForm(lead.id, 'x'.repeat(300_000), 'huge.txt'))).status).toBe(413);
      expect((await post(documentForm(lead.id, '', 'empty.txt'))).status).toBe(422);
    } finally {
      await closeAndRemoveUploads(small);
    }
  });

  it('answers 400 without a file or lead_id and 422 for invalid fields', async () => {
    const tenant = await seedTenant(t);
    const lead = await seedLead(tenant);
    expect((await attach(tenant, documentForm(lead.id, undefined, ''))).status).toBe(400);
    const noLead = new FormData();
    noLead.set('file', new File(['hello'], 'a.txt'));
    expect((await attach(tenant, noLead)).status).toBe(400);
    expect((await attach(tenant, documentForm('abc', 'hello', 'a.txt'))).status).toBe(422);
    const textAsFile = new FormData();
    textAsFile.set('lead_id', String(lead.id));
    textAsFile.set('file', 'not a file');
    expect((await attach(tenant, textAsFile)).status).toBe(422);
    expect((await attach(tenant, documentForm(lead.id, 'hello', 'a.txt', { description: 'x'.repeat(1001) }))).status).toBe(422);
    expect((await t.call('GET', '/api/lead/document/list', { token: tenant.token })).status).toBe(400);
    expect((await t.call('GET', '/api/lead/document/1/download', { token: tenant.token })).status).toBe(404);
    expect((await t.call('GET', '/api/lead/document/x/download', { token: tenant.token })).status).toBe(422);
  });

  it("answers 404 for another organization's lead or document and stores nothing for it", async () => {
    const [a, b] = await seedTwoTenants(t);
    const lead = await seedLead(a);
    const mine = await attach(a, documentForm(lead.id, '%PDF-1.4 secret', 'secret.pdf'));
    expect(mine.status).toBe(201);
    const sneaky = await attach(b, documentForm(lead.id, 'hello', 'a.txt'));
    expect(sneaky.status).toBe(404);
    expect(storedFiles(b.orgId)).toEqual([]);
    expect((await t.call('GET', '/api/lead/document/list', { token: b.token, query: { lead_id: lead.id } })).status).toBe(404);
    const download = await t.call('GET', mine.body.data.download_url, { token: b.token });
    expect(download.status).toBe(404);
    expect(JSON.stringify(download.body)).not.toContain('secret');
  });
});

describe('authentication', () => {
  it('answers 401 on every activity route without a valid bearer token', async () => {
    const tenant = await seedTenant(t);
    const lead = await seedLead(tenant);
    const routes: [string, string][] = [
      ['GET', `/api/lead/note/list?lead_id=${lead.id}`],
      ['POST', '/api/lead/note/add'],
      ['GET', `/api/lead/follow-up/list?lead_id=${lead.id}`],
      ['POST', '/api/lead/follow-up/add'],
      ['GET', `/api/lead/document/list?lead_id=${lead.id}`],
      ['POST', '/api/lead/document/add'],
      ['GET', '/api/lead/document/1/download'],
    ];
    for (const [method, route] of routes) {
      for (const token of [undefined, 'not-a-token']) {
        const res = await t.call(method, route, { token, body: method === 'GET' ? undefined : { lead_id: lead.id, title: 'Hi', follow_up_date: '2026-07-01' } });
        expect(res.status, `${method} ${route}`).toBe(401);
        expect(res.body.error.type).toBe('unauthorized');
      }
    }
    const { prisma } = t.database;
    expect(await prisma.leadNote.count({ where: { lead_id: lead.id } })).toBe(0);
    expect(await prisma.followUp.count({ where: { lead_id: lead.id } })).toBe(0);
  });
});
