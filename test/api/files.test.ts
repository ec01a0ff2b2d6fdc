import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLead } from '../../domain/leads/lead.service.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { seedTenant, seedTwoTenants, type Tenant } from '../helpers/tenants.js';

let t: TestApp;
beforeAll(() => {
  t = createTestApp({ UPLOAD_MAX_BYTES: '2048' });
});
afterAll(async () => {
  await t.close();
  await rm(t.deps.config.STORAGE_DIR, { recursive: true, force: true });
});

const PDF = '%PDF-1.7\n1 0 obj\n';

function uploadForm(content: BlobPart, name: string) {
  const form = new FormData();
  form.set('file', new File([content], name));
  return form;
}

const upload = (tenant: Tenant, content: BlobPart, name: string) =>
  t.call('POST', '/api/storage-file/add', { token: tenant.token, body: uploadForm(content, name) });

async function leadOf(tenant: Tenant) {
  return (await createLead(t.database, { orgId: tenant.orgId, userId: tenant.adminId }, { first_name: 'Fiona', last_name: 'File' })).lead;
}

describe('POST /api/storage-file/add', () => {
  it('stores the file under a random name with its sniffed type and serves it back to the same organization only', async () => {
    const [a, b] = await seedTwoTenants(t);
    const res = await upload(a, PDF, '../../etc/offer.txt');
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ file_name: 'offer.txt', mime_type: 'application/pdf', size: PDF.length });
    const row = await t.database.prisma.storedFile.findUniqueOrThrow({ where: { id: res.body.data.id } });
    expect(row.storage_key).toMatch(new RegExp(`^${a.orgId}/[0-9a-f]{32}\\.pdf$`));
    const download = await t.app.request(res.body.data.url, { headers: { authorization: `Bearer ${a.token}` } });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/pdf');
    expect(await download.text()).toBe(PDF);
    expect((await t.call('GET', res.body.data.url, { token: b.token })).status).toBe(404);
  });

  it('rejects an empty file, an unknown type (422) and a file over the limit (413), storing nothing', async () => {
    const tenant = await seedTenant(t);
    const before = await t.database.prisma.storedFile.count({ where: { org_id: tenant.orgId } });
    expect((await upload(tenant, '', 'empty.pdf')).status).toBe(422);
    const binary = await upload(tenant, new Uint8Array([0, 1, 2, 3, 0xff]), 'blob.bin');
    expect(binary.status).toBe(422);
    expect(binary.body.error.code).toBe('unsupported_file_type');
    expect((await upload(tenant, `${PDF}${'x'.repeat(4096)}`, 'big.pdf')).status).toBe(413);
    expect(await t.database.prisma.storedFile.count({ where: { org_id: tenant.orgId } })).toBe(before);
  });

  it('answers 400 without a file and 401 without a token', async () => {
    const tenant = await seedTenant(t);
    const form = new FormData();
    form.set('other', 'x');
    expect((await t.call('POST', '/api/storage-file/add', { token: tenant.token, body: form })).status).toBe(400);
    expect((await t.call('POST', '/api/storage-file/add', { body: uploadForm(PDF, 'a.pdf') })).status).toBe(401);
  });
});

describe('POST /api/file/attach and GET /api/file/list', () => {
  it('attaches cloud files and uploaded files to a record and lists them with filters', async () => {
    const tenant = await seedTenant(t);
    const lead = await leadOf(tenant);
    const cloud = await t.call('POST', '/api/file/attach', {
      token: tenant.token,
      body: {
        provider: 'google_drive',
        subject_type: 'lead',
        subject_id: lead.id,
        category: 'proposal',
        file: { id: 'drive-123', name: 'Proposal.gdoc', mime_type: 'application/vnd.google-apps.document', web_url: 'https://docs.google.com/document/d/123' },
      },
    });
    expect(cloud.status).toBe(201);
    expect(cloud.body.data).toMatchObject({ provider: 'google_drive', subject_type: 'lead', subject_id: lead.id, file: { id: 'drive-123', web_url: 'https://docs.google.com/document/d/123' } });

    const stored = await upload(tenant, PDF, 'contract.pdf');
    const local = await t.call('POST', '/api/file/attach', {
      token: tenant.token,
      body: { provider: 'lio', subject_type: 'lead', subject_id: lead.id, file: { id: String(stored.body.data.id), name: 'contract.pdf', web_url: 'https://evil.example/x' } },
    });
    expect(local.status).toBe(201);
    // the address of a stored file is ours, whatever the caller sent
    expect(local.body.data.file).toMatchObject({ web_url: stored.body.data.url, mime_type: 'application/pdf' });

    const all = await t.call('GET', '/api/file/list', { token: tenant.token, query: { subject_type: 'lead', subject_id: lead.id } });
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ total: 2, page: 1, limit: 10 });
    expect(all.body.data.map((f: { id: number }) => f.id)).toEqual([local.body.data.id, cloud.body.data.id]);
    const proposals = await t.call('GET', '/api/file/list', { token: tenant.token, query: { subject_type: 'lead', subject_id: lead.id, category: 'proposal' } });
    expect(proposals.body.data.map((f: { id: number }) => f.id)).toEqual([cloud.body.data.id]);
    const fromLio = await t.call('GET', '/api/file/list', { token: tenant.token, query: { subject_type: 'lead', subject_id: lead.id, provider: 'lio', order_in: 'asc' } });
    expect(fromLio.body.data.map((f: { id: number }) => f.id)).toEqual([local.body.data.id]);
  });

  it("refuses another organization's record (404) and stored file (422), and invalid input", async () => {
    const [a, b] = await seedTwoTenants(t);
    const lead = await leadOf(a);
    const theirs = await upload(a, PDF, 'a.pdf');
    const file = { id: 'x', name: 'x', web_url: 'https://example.com/x' };
    expect((await t.call('POST', '/api/file/attach', { token: b.token, body: { provider: 'box', subject_type: 'lead', subject_id: lead.id, file } })).status).toBe(404);
    expect((await t.call('GET', '/api/file/list', { token: b.token, query: { subject_type: 'lead', subject_id: lead.id } })).status).toBe(404);
    const ownLead = await leadOf(b);
    const stolen = await t.call('POST', '/api/file/attach', {
      token: b.token,
      body: { provider: 'lio', subject_type: 'lead', subject_id: ownLead.id, file: { id: String(theirs.body.data.id), name: 'a.pdf' } },
    });
    expect(stolen.status).toBe(422);
    const base = { provider: 'box', subject_type: 'lead', subject_id: ownLead.id, file };
    expect((await t.call('POST', '/api/file/attach', { token: b.token, body: { ...base, provider: 'ftp' } })).status).toBe(422);
    expect((await t.call('POST', '/api/file/attach', { token: b.token, body: { ...base, file: { ...file, web_url: 'javascript:alert(1)' } } })).status).toBe(422);
    expect((await t.call('POST', '/api/file/attach', { token: b.token, body: { ...base, file: { id: 'x', name: 'x' } } })).status).toBe(422);
    expect((await t.call('POST', '/api/file/attach', { token: b.token, body: { provider: 'box' } })).status).toBe(400);
    expect((await t.call('GET', '/api/file/list', { token: b.token, query: { subject_type: 'lead' } })).status).toBe(400);
    expect((await t.call('GET', '/api/file/list', { token: b.token, query: { subject_type: 'invoice', subject_id: 1 } })).status).toBe(422);
    expect((await t.call('GET', '/api/file/list', { query: { subject_type: 'lead', subject_id: 1 } })).status).toBe(401);
  });
});
