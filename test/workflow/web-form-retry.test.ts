// A hosted form submission whose lead cannot be made is kept and made later
// by the real outbox relay (worker/outbox-relay.ts 'web_form.submission'),
// exactly once — on a database of its own, since a relay claims every due
// event of its database.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLogger } from '../../domain/platform/logger.js';
import { renderStamp } from '../../domain/webforms/form-stamp.js';
import { connectTemporalClient, type TemporalClient } from '../../worker/temporal-connection.js';
import { startOutboxRelay } from '../../worker/outbox-relay.js';
import { createTestSystem, type TestSystem } from '../helpers/system.js';
import { seedTenant, uniqueEmail } from '../helpers/tenants.js';

let system: TestSystem;
let temporal: TemporalClient;

beforeAll(async () => {
  system = await createTestSystem('webformretry', { worker: false });
  temporal = await connectTemporalClient(system.t.deps.config);
});
afterAll(async () => {
  await temporal?.connection.close();
  await system?.close();
});

it('keeps a submission whose lead failed, and the relay makes the lead exactly once after the failure passes', { timeout: 60_000 }, async () => {
  const { t } = system;
  const tenant = await seedTenant(t);
  const created = await t.call('POST', '/api/web-forms', {
    token: tenant.token,
    body: { name: 'Retry', fields: [{ key: 'email', label: 'Email', type: 'email', required: true, maps_to: 'email' }, { key: 'first_name', label: 'First name', type: 'text', maps_to: 'first_name' }] },
  });
  const { id: formId, form_link: formLink } = created.body.data as { id: number; form_link: string };
  const email = uniqueEmail('relayed');
  const pool = t.database.pool;
  // the database refuses this lead until the trigger is dropped (the database is this test's own)
  await pool.query(`CREATE FUNCTION refuse_leads() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'leads unavailable (test)'; END $$`);
  await pool.query('CREATE TRIGGER refuse_leads BEFORE INSERT ON leads FOR EACH ROW EXECUTE FUNCTION refuse_leads()');

  const body = new URLSearchParams({ email, first_name: 'Relay', _lio_ts: renderStamp(t.deps.services.tokens, formLink, Date.now() - 10_000) });
  const res = await t.app.request(`/api/v1/web-form/${formLink}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() });
  expect(res.status).toBe(303);
  const submission = () => pool.query('SELECT status, attempts, lead_id, error FROM web_form_submissions WHERE form_id = $1', [formId]).then((r) => r.rows[0]);
  expect(await submission()).toMatchObject({ status: 'failed', attempts: 1, lead_id: null });

  const relay = startOutboxRelay({ database: t.database, client: temporal.client, taskQueue: t.deps.config.TEMPORAL_TASK_QUEUE, logger: createLogger('silent'), idleMs: 50 });
  try {
    // the relay's delivery fails while the database refuses, and backs off (the event stays, its attempts counted)
    const eventAttempts = () => pool.query(`SELECT attempts FROM outbox_events WHERE kind = 'web_form.submission'`).then((r) => r.rows.map((row) => row.attempts));
    for (let waited = 0; (await eventAttempts())[0] !== 1 && waited < 15_000; waited += 200) await new Promise((r) => setTimeout(r, 200));
    expect(await eventAttempts()).toEqual([1]);
    expect(await submission()).toMatchObject({ status: 'failed', attempts: 2 });

    await pool.query('DROP TRIGGER refuse_leads ON leads; DROP FUNCTION refuse_leads()');
    for (let waited = 0; (await submission()).status !== 'accepted' && waited < 20_000; waited += 200) await new Promise((r) => setTimeout(r, 200));
  } finally {
    await relay.stop();
  }
  const leads = await pool.query('SELECT id, first_name FROM leads WHERE org_id = $1 AND dedupe_email = $2', [tenant.orgId, email]);
  expect(leads.rows).toEqual([{ id: expect.any(Number), first_name: 'Relay' }]);
  expect(await submission()).toMatchObject({ status: 'accepted', attempts: 3, lead_id: leads.rows[0].id, error: null });
  // delivered: the event is gone, nothing is left to retry
  expect((await pool.query(`SELECT 1 FROM outbox_events WHERE kind = 'web_form.submission'`)).rowCount).toBe(0);
});
