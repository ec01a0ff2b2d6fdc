// Generated from the route table (the OpenAPI document): every route needs an
// explicit case here, or this suite fails naming it. Each case is sent by
// organization B, pointed at organization A's rows (ids in the path, query or
// body), and then by A itself as the control: the same request that B is
// refused must succeed for A, so a 404 means "not yours", not "malformed".
// B's refusals carry the exact error kind; B's list answers are identical to
// the answers it got before A's rows existed (ids that existed nowhere then),
// while A's own answers changed; and no request of B's changes anything in
// any table that holds A's data, read from the database catalogue so a new
// table is covered without editing this file.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectHubspot } from '../../domain/integrations/connected-app.service.js';
import { connectSlack, connectTeams, replaceNotificationRoutes } from '../../domain/integrations/messaging.service.js';
import { startFakeSlack, type FakeSlack } from '../fakes/slack-fake.js';
import { startFakeTeams, type FakeTeams } from '../fakes/teams-fake.js';
import { addMailConfiguration, openMailAccount } from '../../domain/communications/mail-configuration.service.js';
import { queueMail } from '../../domain/communications/mail-delivery.js';
import { startGmailFake, type GmailFake } from '../fakes/gmail-fake.js';
import { startGoogleCalendarFake, type GoogleCalendarFake } from '../fakes/google-calendar-fake.js';
import { sealingContext } from '../../domain/platform/sealed-credentials.js';
import { postLedgerEntry } from '../../domain/billing/ledger.service.js';
import { startFakeTwilio, type FakeTwilio } from '../fakes/twilio-fake.js';
import { createFileStorage } from '../../domain/platform/file-storage.js';
import { createLead } from '../../domain/leads/lead.service.js';
import { recordSignal } from '../../domain/engagement/intent-signals.js';
import { TRACKING_PURPOSE } from '../../domain/engagement/email-tracking.js';
import { signManageToken } from '../../domain/booking/booking.service.js';
import { transaction } from '../../domain/platform/transaction.js';
import { createPipeline } from '../../domain/crm/pipeline.service.js';
import { createTestApp, type CallResult, type TestApp } from '../helpers/app.js';
import { startFakeHubspot, type FakeHubspot } from '../helpers/fake-hubspot.js';
import { fillPath, routeTable, type RouteEntry } from '../helpers/routes.js';
import { seedTwoTenants, TEST_PASSWORD, uniqueEmail, type Tenant } from '../helpers/tenants.js';

// A's HubSpot token: the fake answers only it, and B must never see it
const HUBSPOT_TOKEN = `pat-a-${randomBytes(6).toString('hex')}`;

let t: TestApp;
let hubspot: FakeHubspot;
// Slack and Teams (messaging): local fakes; the bot token is valid for any organization that presents it
const SLACK_TOKEN = `xoxb-iso-${randomBytes(6).toString('hex')}`;
let slack: FakeSlack;
let teams: FakeTeams;
// mail (issue 10 §6.11): a local Gmail that accepts this token from any organization, so both may add a configuration
const GMAIL_TOKEN = `ya29.iso-${randomBytes(6).toString('hex')}`;
let gmail: GmailFake;
// calendar (issue 10 §6.11): a local Google Calendar accepting the same token, A's calendar through A's gmail configuration
let calendar: GoogleCalendarFake;
// voice (issue 10 §6.12): a local Twilio; each organization gets its own subaccount there on its first purchase
let twilio: FakeTwilio;
beforeAll(async () => {
  twilio = await startFakeTwilio();
  [slack, teams] = await Promise.all([startFakeSlack(), startFakeTeams()]);
  gmail = await startGmailFake({ accessToken: GMAIL_TOKEN });
  calendar = await startGoogleCalendarFake({ accessToken: GMAIL_TOKEN, refreshToken: `iso-refresh-${randomBytes(4).toString('hex')}` });
  slack.tokens.set(SLACK_TOKEN, { teamId: 'T0ISO', team: 'iso' });
  slack.channels.push({ id: 'C0ISO1', name: 'iso', is_private: false, is_member: true, num_members: 2 });
  teams.teams.set('team-a', [{ id: '19:a@thread.tacv2', displayName: 'General', description: null, membershipType: 'standard' }]);
  hubspot = await startFakeHubspot({ token: HUBSPOT_TOKEN });
  const property = (name: string) => ({ name, label: name, type: 'string', fieldType: 'text', groupName: 'information' });
  hubspot.properties.contacts.push(property('email'));
  hubspot.properties.companies.push(property('name'));
  // A's HubSpot is the local fake, which the egress check refuses unless private networks are allowed
  t = createTestApp({
    HUBSPOT_BASE_PATH: hubspot.url,
    EGRESS_ALLOW_PRIVATE_NETWORKS: 'true',
    SLACK_API_URL: slack.url,
    MICROSOFT_GRAPH_BASE_URL: teams.graphUrl,
    GOOGLE_API_BASE_URL: gmail.apiUrl,
    GOOGLE_TOKEN_URL: gmail.tokenUrl,
    GOOGLE_CALENDAR_API_BASE_URL: calendar.rootUrl,
    TWILIO_ACCOUNT_SID: twilio.parent.sid,
    TWILIO_AUTH_TOKEN: twilio.parent.token,
    TWILIO_API_BASE_URL: twilio.url,
    TWILIO_API_KEY_SID: `SK${randomBytes(16).toString('hex')}`,
    TWILIO_API_KEY_SECRET: randomBytes(16).toString('hex'),
    TWILIO_TWIML_APP_SID: `AP${randomBytes(16).toString('hex')}`,
  });
});
afterAll(async () => {
  await t?.close();
  await hubspot?.close();
  await Promise.all([slack?.close(), teams?.close(), gmail?.close(), twilio?.close(), calendar?.close()]);
});

const PNG = new Blob([Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0])], { type: 'image/png' });
const pdf = (text: string) => new File([`%PDF-1.4 ${text}`], `${text}.pdf`, { type: 'application/pdf' });

function form(fields: Record<string, string | Blob>): FormData {
  const body = new FormData();
  for (const [k, v] of Object.entries(fields)) body.append(k, v);
  return body;
}

async function created(res: Promise<CallResult>): Promise<number> {
  const { status, body } = await res;
  if (status >= 300) throw new Error(`fixture request failed: ${status} ${JSON.stringify(body)}`);
  return body.data.id;
}

/**
 * One row of every tenant resource in organization A, each carrying `marker`.
 * Uploaded files go through A's own API, so that their downloads succeed for A.
 */
async function seedFixtures(a: Tenant, marker: string) {
  const { prisma } = t.database;
  const org_id = a.orgId;
  const asA = { token: a.token };
  const { lead } = await createLead(t.database, { orgId: org_id, userId: a.adminId }, {
    first_name: marker,
    last_name: 'Lead',
    email: `${marker}@a.example`,
    company: marker,
    linkedin_url: `https://linkedin.com/in/${marker}`,
  });
  const salesRep = await prisma.role.findUniqueOrThrow({ where: { org_id_name: { org_id, name: 'Sales Rep' } } });
  const member = await prisma.user.create({
    data: { org_id, role_id: salesRep.id, email: `${marker}@member.example`, first_name: marker, last_name: 'Member', password_hash: 'unused' },
  });
  const role = await prisma.role.create({ data: { org_id, name: `${marker} role` } });
  const tag = await prisma.customLookup.create({
    data: { org_id, module_name: 'lead', type: 'tag', name: marker, name_key: marker.toLowerCase() },
  });
  await prisma.lead.update({ where: { id: lead.id }, data: { tags: [tag.id], custom_fields: { note: marker } } });
  const customField = await prisma.customFieldDefinition.create({ data: { org_id, module_name: 'lead', field_name: marker } });
  const view = await prisma.customView.create({
    data: { org_id, user_id: a.adminId, module_name: 'lead', view_name: marker, visibility: 'public' },
  });
  const pipeline = await createPipeline(t.database, { orgId: org_id }, { name: `${marker} pipeline`, description: marker });
  // deleting a pipeline that holds deals is refused, so the delete case gets one without
  const emptyPipeline = await createPipeline(t.database, { orgId: org_id }, { name: `${marker} empty pipeline` });
  const stage = pipeline.stages.find((s) => !s.is_won && !s.is_lost)!;
  const deal = await prisma.deal.create({
    data: { org_id, lead_id: lead.id, pipeline_id: pipeline.id, stage_id: stage.id, title: marker, value: 1000, expected_close_date: new Date('2027-01-31') },
  });
  const note = await prisma.leadNote.create({ data: { org_id, lead_id: lead.id, title: marker, note: marker } });
  await prisma.followUp.create({ data: { org_id, lead_id: lead.id, follow_up_date: new Date(), notes: marker } });
  const company = await prisma.company.create({ data: { org_id, company_name: marker, website: `${marker}.example` } });
  const contact = await prisma.contact.create({ data: { org_id, name: marker, email: `${marker}@c.example`, company_id: company.id } });
  // outreach plans (issue 11 §6.8): A's contact in a target account of A's (on a company of its own), with a planned step
  const outreachCompany = await prisma.company.create({ data: { org_id, company_name: `${marker} outreach` } });
  const outreachAccount = await prisma.targetAccount.create({ data: { org_id, company_id: outreachCompany.id, owner_id: a.adminId } });
  await prisma.targetAccountContact.create({ data: { org_id, target_account_id: outreachAccount.id, contact_id: contact.id } });
  await prisma.outreachStep.create({ data: { org_id, target_account_id: outreachAccount.id, contact_id: contact.id, channel: 'task', scheduled_at: new Date('2027-03-01T10:00:00Z'), notes: marker } });
  await prisma.fileAttachment.create({
    data: { org_id, provider: 'box', subject_type: 'lead', subject_id: lead.id, external_id: marker, name: marker, web_url: `https://${marker}.example` },
  });
  await t.call('POST', fillPath('/api/lead/{id}/upload-profile-image', { id: lead.id }), { ...asA, body: form({ image: new File([PNG], 'a.png') }) });
  await t.call('POST', fillPath('/api/company/update/{id}', { id: company.id }), { ...asA, body: form({ company_name: marker, company_logo: new File([PNG], 'a.png') }) });
  const document = await created(t.call('POST', '/api/lead/document/add', { ...asA, body: form({ lead_id: String(lead.id), file: pdf(marker) }) }));
  const storedFile = await created(t.call('POST', '/api/storage-file/add', { ...asA, body: form({ file: pdf(marker) }) }));
  // addressed to A's admin, the caller of A's controls
  const notification = await prisma.notification.create({
    data: { org_id, user_id: a.adminId, type_id: 1, title: marker, message: marker, data: { model_type: 'lead', model_id: lead.id } },
  });
  const job = (status: 'running', type: 'export' | 'hubspot_import' | 'enrichment', suffix: string) =>
    prisma.job.create({ data: { org_id, type, status, workflow_id: `${type}:${org_id}:${marker}-${suffix}`, params: { marker } } });
  const runningJob = await job('running', 'export', 'running');
  const pausedJob = await prisma.job.create({
    data: { org_id, type: 'export', status: 'paused', pause_requested: true, workflow_id: `export:${org_id}:${marker}-paused`, params: { marker } },
  });
  // a completed export with its file, as the worker leaves it: a download that ignored the organization would serve it
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
  await connectHubspot(t.database, t.deps.services.secrets, { orgId: org_id, userId: a.adminId, roleName: 'Admin' }, { access_token: HUBSPOT_TOKEN });
  const hubspotImport = await job('running', 'hubspot_import', 'hubspot');
  // messaging: A's Slack and Teams connections and its notification routes
  const adminScope = { orgId: org_id, userId: a.adminId, roleName: 'Admin' };
  await connectSlack(t.database, t.deps.services.secrets, adminScope, { botToken: SLACK_TOKEN, teamId: 'T0ISO', teamName: 'iso' });
  await connectTeams(t.database, t.deps.services.secrets, adminScope, { webhookUrl: `${teams.webhookBase}/a`, graphAccessToken: teams.graphToken });
  await replaceNotificationRoutes(t.database, adminScope, [{ event_type: 'deal_won', slack_channels: ['C0ISO1'], teams: true }]);
  const enrichmentJob = await job('running', 'enrichment', 'enrichment');
  // mail: A's sandbox mail configuration (its inbox is what the sandbox recorded) and a message queued through it
  const mailScope = { orgId: org_id, userId: a.adminId };
  const mailConfig = await addMailConfiguration(t.database, t.deps.services.secrets, mailScope, { mailer: 'sandbox', from_address: `${marker}@a.example`, password: marker }, async () => undefined);
  const mailAccount = await openMailAccount(t.database, t.deps.services.secrets, org_id, mailConfig.id);
  const mail = await queueMail(t.database, mailScope, mailAccount, { to: [`${marker}@lead.example`], subject: marker, body: `<p>${marker}</p>` });
  // voice: A's number (bought through A's API, in A's own subaccount), its wallet, a lead with a phone, and a
  // completed call with its recording at the provider and the provider's signed callback repeating its status
  const phoneNumber = await created(t.call('POST', '/api/voice/purchase-number', { ...asA, body: { phoneNumber: twilio.newNumber() } }));
  await postLedgerEntry(t.database.pool, { orgId: org_id, account: 'voice_wallet', amount: 1000, reason: 'top_up', idempotencyKey: `iso-${marker}` });
  const { lead: callee } = await createLead(t.database, { orgId: org_id, userId: a.adminId }, { first_name: marker, last_name: 'Callee', phone_number: '+14155550199' });
  const voiceAccount = (await prisma.connectedApp.findFirstOrThrow({ where: { org_id, provider: 'twilio' } })).settings as { account_sid: string };
  const call = await prisma.call.create({
    data: { org_id, user_id: a.adminId, lead_id: callee.id, from_number: '+14155550100', to_number: '+14155550199', status: 'completed', provider: 'twilio', transcript: marker },
  });
  const providerCall = twilio.seedCall(voiceAccount.account_sid, {
    to: '+14155550199', from: '+14155550100', status: 'completed', statusCallback: `${t.deps.config.PUBLIC_BASE_URL}/api/call/${call.id}/status-callback`,
  });
  const recording = twilio.addRecording(providerCall.sid, { audio: Buffer.from(marker), transcript: marker });
  await prisma.call.update({ where: { id: call.id }, data: { provider_call_sid: providerCall.sid, recording_sid: recording.sid } });
  const callback = twilio.callbackOf(providerCall.sid, 'completed');
  // calendar and meetings: A's admin's Google calendar (a gmail configuration) and a meeting with its transcript
  await prisma.mailConfiguration.create({
    data: {
      org_id, user_id: a.adminId, mailer: 'gmail', from_address: `${marker}@calendar.example`,
      secret_sealed: t.deps.services.secrets.seal(JSON.stringify({ access_token: GMAIL_TOKEN }), sealingContext.mailConfiguration(org_id)),
    },
  });
  const meeting = await prisma.meeting.create({
    data: {
      org_id, user_id: a.adminId, lead_id: lead.id, title: marker, description: marker, transcript: marker,
      start_time: new Date('2027-03-01T10:00:00Z'), end_time: new Date('2027-03-01T11:00:00Z'), attendees: [{ email: `${marker}@lead.example` }],
    },
  });
  // ABM target accounts (issue 11 §6.8): A's account on A's company with A's contact as a stakeholder; another contact of
  // the company to add, and a company that is no target account yet to create one on
  const targetAccount = await prisma.targetAccount.create({ data: { org_id, company_id: company.id, owner_id: a.adminId } });
  await prisma.targetAccountContact.create({ data: { org_id, target_account_id: targetAccount.id, contact_id: contact.id, stakeholder_role: 'champion' } });
  const abmContact = await prisma.contact.create({ data: { org_id, name: `${marker} stakeholder`, email: `${marker}@stakeholder.example`, company_id: company.id } });
  const abmCompany = await prisma.company.create({ data: { org_id, company_name: `${marker} prospect` } });
  // intent (issue 11 §6.13): a demo request makes A's lead hot, raising its alert
  const intentAlert = (
    await transaction(t.database.pool, { actorId: null }, (tx) => recordSignal(tx, { orgId: org_id, leadId: lead.id, signalType: 'demo_requested', source: marker }))
  ).alert_id!;
  // AI email (issue 11 §6.9): an approved draft for A's lead (sending it uses it up)
  const aiDraft = await prisma.aiEmailDraft.create({
    data: { org_id, lead_id: lead.id, subject: marker, body: `<p>${marker}</p>`, generator: 'offline', prompt_version: 'ai_email_draft@1', status: 'approved' },
  });
  // dashboards and saved queries (issue 12 §6.10): A's team dashboard and saved query, both named by the marker
  const dashboard = await prisma.dashboard.create({
    data: { org_id, owner_id: a.adminId, name: marker, scope: 'team', definition: { version: 1, widgets: [{ id: 'n', title: marker, type: 'kpi', query: { entity: 'leads', aggregates: [{ fn: 'count', alias: 'n' }] } }] } },
  });
  const savedQuery = await prisma.savedQuery.create({
    data: { org_id, owner_id: a.adminId, name: marker, definition: { entity: 'leads', filters: [{ field: 'company', op: 'eq', value: marker }], aggregates: [{ fn: 'count', alias: 'n' }] } },
  });
  // forecasting (issue 12 §6.7): snapshots of A's deal — last month's (for the accuracy report), a week ago's and today's
  // (closing this month, 40 points lower: a contributor of the current month and at risk)
  await t.database.pool.query(
    `INSERT INTO deal_forecasts (org_id, deal_id, pipeline_id, stage_id, snapshot_date, win_probability, expected_close_date, value, weighted_value, category)
     SELECT $1, $2, $3, $4, s.day, s.p, s.close, 1000, 1000 * s.p, 'pipeline'
       FROM (VALUES (date_trunc('month', current_date - interval '1 month')::date, 0.9, date_trunc('month', current_date - interval '1 month')::date + 14),
                    (current_date - 7, 0.9, date_trunc('month', current_date - interval '1 month')::date + 14),
                    (current_date, 0.5, current_date)) AS s(day, p, close)
     ON CONFLICT DO NOTHING`,
    [org_id, deal.id, pipeline.id, stage.id],
  );
  // learning scores (issue 12): a trained scoring model of A's (the next version each time A is seeded), its decision naming the marker
  await t.database.pool.query(
    `INSERT INTO scoring_models (org_id, kind, version, status, decision)
     SELECT $1, 'logistic-v1', coalesce(max(version), 0) + 1, 'rejected', $2 FROM scoring_models WHERE org_id = $1`,
    [org_id, marker],
  );
  // hosted web forms (issue 13): A's form, reachable by its public link (its page shows its name to anyone: not the marker)
  const webForm = await prisma.webForm.create({
    data: { org_id, name: 'Isolation form', form_link: `iso${randomBytes(12).toString('hex')}`, fields: [{ key: 'email', label: 'Email', type: 'email', required: true, maps_to: 'email', options: null, max_length: null, placeholder: null, help: null }] },
  });
  // public booking (issue 13): A's booking profile (its slug public) and a booking on it, with its manage token
  const bookingProfile = await prisma.bookingProfile.create({
    data: { org_id, user_id: a.adminId, slug: `iso-${randomBytes(8).toString('hex')}`, title: 'Public intro', durations: [30], working_hours: { mon: [['09:00', '17:00']] }, timezone: 'UTC' },
  });
  const booking = await prisma.booking.create({
    data: { org_id, profile_id: bookingProfile.id, user_id: a.adminId, start_time: new Date('2027-03-01T10:00:00Z'), end_time: new Date('2027-03-01T10:30:00Z'), name: marker, email: 'booker@example.com' },
  });
  return {
    bookingProfile: bookingProfile.id, bookingSlug: bookingProfile.slug, bookingToken: signManageToken(t.deps.services.tokens, booking.id),
    dashboard: dashboard.id, savedQuery: savedQuery.id,
    webForm: webForm.id, webFormLink: webForm.form_link,
    aiDraft: aiDraft.id,
    intentAlert,
    meeting: meeting.id,
    phoneNumber, callee: callee.id, call: call.id, callbackBody: callback.body, callbackSignature: callback.signature,
    mailConfig: mailConfig.id, mail: mail.id,
    targetAccount: targetAccount.id, abmContact: abmContact.id, abmCompany: abmCompany.id,
    lead: lead.id, member: member.id, role: role.id, tag: tag.id, customField: customField.id, view: view.id,
    pipeline: pipeline.id, emptyPipeline: emptyPipeline.id, stage: stage.id, deal: deal.id, note: note.id,
    document, company: company.id, contact: contact.id, storedFile, notification: notification.id, outreachAccount: outreachAccount.id,
    runningJob: runningJob.id, pausedJob: pausedJob.id, completedExport: completedExport.id, hubspotImport: hubspotImport.id, enrichmentJob: enrichmentJob.id,
  };
}
type Fixtures = Awaited<ReturnType<typeof seedFixtures>>;

// Tables that hold no organization's data, and why; every other table must
// have an org_id column (organizations is keyed by its own id).
const GLOBAL_TABLES: Record<string, string> = {
  _prisma_migrations: 'migration history of the schema',
  rate_limit_windows: 'request counters keyed by client IP, login email or API key, never read back as data',
  provider_throttles: "an outside provider account's Retry-After pause, keyed by provider and account, never read back as data",
};

async function tenantTables(): Promise<{ withOrgId: string[]; unclassified: string[] }> {
  const { rows } = await t.database.pool.query<{ table_name: string; has_org_id: boolean }>(
    `SELECT c.relname AS table_name,
            EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'org_id' AND NOT a.attisdropped) AS has_org_id
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      ORDER BY 1`,
  );
  return {
    withOrgId: rows.filter((r) => r.has_org_id).map((r) => r.table_name),
    unclassified: rows.filter((r) => !r.has_org_id && r.table_name !== 'organizations' && !(r.table_name in GLOBAL_TABLES)).map((r) => r.table_name),
  };
}

/** Row count and a digest of every row of organization A, per table: equal before and after each of B's requests. */
async function snapshotOf(orgId: number, withOrgId: string[]): Promise<Record<string, string>> {
  const digest = (table: string, where: string) =>
    `SELECT '${table}' AS table_name, count(*) || ':' || md5(coalesce(string_agg(r::text, E'\\n' ORDER BY r::text), '')) AS digest
       FROM "${table}" r WHERE ${where}`;
  const { rows } = await t.database.pool.query<{ table_name: string; digest: string }>(
    [digest('organizations', 'r.id = $1'), ...withOrgId.map((table) => digest(table, 'r.org_id = $1'))].join(' UNION ALL '),
    [orgId],
  );
  return Object.fromEntries(rows.map((r) => [r.table_name, r.digest]));
}

/**
 * What B gets (A's control always gets a 2xx):
 * - hidden: the request addresses A's row: 404 not_found.
 * - refused: B's request is refused with exactly this error (an A id used as a reference, a resource B lacks).
 * - list: read-only; B's answer is the one it got before A's rows existed, A's answer is not.
 * - own: acts on the caller's own data only; the snapshot proves A's rows untouched.
 */
type Expectation =
  | { kind: 'hidden' }
  | { kind: 'refused'; status: number; type: string; code: string | null }
  | { kind: 'list' }
  | { kind: 'own' };
interface IsolationCase {
  expect: Expectation;
  params?: Record<string, number | string>;
  query?: Record<string, string | number>;
  /** a function when the body depends on the caller (login) or must be new on every call */
  body?: unknown | ((caller: Tenant) => unknown);
  multipart?: Record<string, string | Blob>;
  /** request headers beyond the token, e.g. a provider's signature on its callback (with its form body's content type) */
  headers?: Record<string, string>;
  /** A's control deletes or disables the rows it names: the cases after it get fresh ones */
  usesUp?: true;
  /** the status B's own request and A's control answer instead of a 2xx (a redirect) */
  status?: number;
  /** answer fields that tell the time, left out when list answers are compared */
  clockFields?: string[];
}

const hidden = { kind: 'hidden' } as const;
const list = { kind: 'list' } as const;
const own = { kind: 'own' } as const;
const refused = (status: number, type: string, code: string | null = null) => ({ kind: 'refused', status, type, code }) as const;
const unique = (label: string) => () => ({ email: uniqueEmail(label) });

const cases = (f: Fixtures, marker: string): Record<string, IsolationCase> => ({
  'POST /api/auth/login': { expect: own, body: (caller: Tenant) => ({ email: caller.adminEmail, password: TEST_PASSWORD }) },
  'POST /api/auth/logout': { expect: own },
  'GET /api/user/my': { expect: own },
  'GET /api/user/list': { expect: list },
  'POST /api/user/add': {
    expect: refused(422, 'validation_error'),
    body: () => ({ first_name: 'Bea', email: uniqueEmail('bea'), phone_no: '+1 415 555 0101', password: 'long-enough-1', role_id: f.role }),
  },
  'POST /api/user/update/{id}': { expect: hidden, params: { id: f.member }, body: () => ({ first_name: 'Changed', email: uniqueEmail('changed'), phone_no: '+1 415 555 0100' }) },
  'POST /api/user/change-password': { expect: own, body: { current_password: TEST_PASSWORD, new_password: 'b-password-2', confirm_password: 'b-password-2' } },
  'POST /api/user/delete': { expect: hidden, body: { user_id: f.member }, usesUp: true },
  'GET /api/user/global-search': { expect: list, query: { search_value: marker } },
  'GET /api/role/list': { expect: list },
  'POST /api/role/add': { expect: own, body: () => ({ name: `role ${randomBytes(3).toString('hex')}` }) },
  'POST /api/lead': { expect: own, body: unique('ingested') },
  'GET /api/lead/lead-list': { expect: list, query: { search_value: marker } },
  'GET /api/lead/list': { expect: list, query: { search_value: marker } },
  'POST /api/lead/add': { expect: refused(422, 'validation_error'), body: { first_name: 'Bob', last_name: 'Bee', assigned_to: f.member, tags: [f.tag] } },
  'GET /api/lead/view/{id}': { expect: hidden, params: { id: f.lead } },
  'POST /api/lead/update/{id}': { expect: hidden, params: { id: f.lead }, body: { first_name: 'Changed' } },
  'DELETE /api/lead/delete': { expect: hidden, body: { ids: [f.lead] }, usesUp: true },
  'POST /api/lead/status-change': { expect: hidden, body: { ids: [f.lead], status: 2 } },
  'POST /api/lead/assign-user': { expect: hidden, body: { ids: [f.lead], assigned_to: null } },
  'POST /api/lead/assign-tags': { expect: hidden, body: { ids: [f.lead], tags: ['b-tag'] } },
  'POST /api/lead/set-assign-tags': { expect: hidden, body: { ids: [f.lead], tags: ['b-tag'] } },
  'POST /api/lead/update-custom-fields': { expect: hidden, body: { lead_id: f.lead, custom_fields: { changed: true } } },
  'POST /api/lead/{id}/upload-profile-image': { expect: hidden, params: { id: f.lead }, multipart: { image: new File([PNG], 'x.png', { type: 'image/png' }) } },
  'GET /api/lead/{id}/profile-image': { expect: hidden, params: { id: f.lead } },
  'GET /api/lead/note/list': { expect: hidden, query: { lead_id: f.lead } },
  'POST /api/lead/note/add': { expect: hidden, body: { lead_id: f.lead, title: 'Another note' } },
  'GET /api/lead/follow-up/list': { expect: hidden, query: { lead_id: f.lead } },
  'POST /api/lead/follow-up/add': { expect: hidden, body: { lead_id: f.lead, follow_up_date: new Date().toISOString() } },
  'GET /api/lead/document/list': { expect: hidden, query: { lead_id: f.lead } },
  'POST /api/lead/document/add': { expect: hidden, multipart: { lead_id: String(f.lead), file: pdf('x') } },
  'GET /api/lead/document/{id}/download': { expect: hidden, params: { id: f.document } },
  'GET /api/lead/custom-field/list': { expect: list },
  'POST /api/lead/custom-field': { expect: hidden, body: { lead_id: f.lead, field_name: 'changed', field_value: 'x' } },
  'GET /api/custom-lookups/list': { expect: list },
  'POST /api/custom-lookups/add': { expect: refused(422, 'validation_error'), body: () => ({ module_name: 'lead', type: 'tag', name: `tag-${randomBytes(3).toString('hex')}`, parent_id: f.tag }) },
  'POST /api/custom-lookups/update/{id}': { expect: hidden, params: { id: f.tag }, body: { name: 'Changed' } },
  'GET /api/custom-view/list': { expect: list },
  'POST /api/custom-view/add': { expect: own, body: { module_name: 'lead', visibility: 'public', view_name: 'Own view' } },
  'POST /api/custom-view/update/{id}': { expect: hidden, params: { id: f.view }, body: { view_name: 'Changed' } },
  'DELETE /api/custom-view/delete/{id}': { expect: hidden, params: { id: f.view }, usesUp: true },
  'GET /api/pipelines/list': { expect: list },
  'POST /api/pipelines/add': { expect: own, body: () => ({ name: `pipeline ${randomBytes(3).toString('hex')}` }) },
  'PUT /api/pipelines/update/{id}': { expect: hidden, params: { id: f.pipeline }, body: { name: `changed ${marker}` } },
  'DELETE /api/pipelines/delete': { expect: hidden, body: { ids: [f.emptyPipeline] }, usesUp: true },
  'GET /api/pipelines/stages/{id}': { expect: hidden, params: { id: f.pipeline } },
  'GET /api/lead/deal/list': { expect: list, query: { lead_id: f.lead } },
  'POST /api/lead/deal/add': {
    expect: refused(422, 'validation_error'),
    body: { lead_id: f.lead, pipeline_id: f.pipeline, stage_id: f.stage, title: 'Another deal', value: 10, expected_close_date: '2027-01-01' },
  },
  'POST /api/lead/deal/update/{id}': { expect: hidden, params: { id: f.deal }, body: { title: 'Changed deal' } },
  'DELETE /api/lead/deal/delete': { expect: hidden, body: { ids: [f.deal] }, usesUp: true },
  'POST /api/storage-file/add': { expect: own, multipart: { file: pdf('own') } },
  'GET /api/storage-file/{id}/download': { expect: hidden, params: { id: f.storedFile } },
  'POST /api/file/attach': {
    expect: hidden,
    body: { provider: 'box', subject_type: 'lead', subject_id: f.lead, file: { id: 'b', name: 'b', web_url: 'https://example.com/b' } },
  },
  'GET /api/file/list': { expect: hidden, query: { subject_type: 'lead', subject_id: f.lead } },
  'GET /api/contact/list': { expect: list, query: { company_id: f.company } },
  'GET /api/contact/view/{id}': { expect: hidden, params: { id: f.contact } },
  'POST /api/contact/add': { expect: refused(422, 'validation_error'), body: () => ({ name: 'Bob Bee', email: uniqueEmail('contact'), company_id: f.company }) },
  'POST /api/contact/update/{id}': { expect: hidden, params: { id: f.contact }, body: { name: 'Changed' } },
  'POST /api/contact/bulk-update': { expect: hidden, body: { contact_ids: [f.contact], lead_score: 1 } },
  'DELETE /api/contact/delete/{id}': { expect: hidden, params: { id: f.contact }, body: { ids: [f.contact] }, usesUp: true },
  'GET /api/company/list': { expect: list, query: { company_id: f.company } },
  'GET /api/company/stats': { expect: list, query: { company_id: f.company } },
  'GET /api/company/view/{id}': { expect: hidden, params: { id: f.company } },
  'GET /api/company/similar/{id}': { expect: hidden, params: { id: f.company } },
  'POST /api/company/add': { expect: own, body: () => ({ company_name: `company ${randomBytes(3).toString('hex')}` }) },
  'POST /api/company/update/{id}': { expect: hidden, params: { id: f.company }, multipart: { company_name: 'Changed', company_logo: new File([PNG], 'x.png', { type: 'image/png' }) } },
  'DELETE /api/company/delete/{id}': { expect: hidden, params: { id: f.company }, body: { ids: [f.company] }, usesUp: true },
  'GET /api/company/{id}/logo': { expect: hidden, params: { id: f.company } },
  'GET /api/dashboard/overview': { expect: list, query: { start_date: '2000-01-01', end_date: '2100-12-31' } },
  'GET /api/dashboard/stats': { expect: list, query: { start_date: '2020-01-01', end_date: '2029-12-31' } },
  'GET /api/dashboard/lead-aging': { expect: list, clockFields: ['as_of'] },
  'GET /api/dashboard/top-accounts': { expect: list, query: { limit: 50 } },
  // dashboards, saved queries and AI dashboards (issue 12 §6.10): B copying, reading, changing or running A's is 404
  'GET /api/dashboards': { expect: list },
  'POST /api/dashboards': { expect: hidden, body: { dashboard_id: f.dashboard } },
  'GET /api/dashboards/{id}': { expect: hidden, params: { id: f.dashboard } },
  'PUT /api/dashboards/{id}': { expect: hidden, params: { id: f.dashboard }, body: { name: 'Changed' } },
  'GET /api/dashboards/{id}/widgets/{widgetId}/data': { expect: hidden, params: { id: f.dashboard, widgetId: 'n' } },
  'DELETE /api/dashboards/{id}': { expect: hidden, params: { id: f.dashboard }, usesUp: true },
  'POST /api/ai-dashboards/generate': { expect: own, body: { prompt: 'Leads by source', save: true } },
  'GET /api/queries': { expect: list },
  'POST /api/queries': { expect: own, body: { name: 'Own query', definition: { entity: 'leads', aggregates: [{ fn: 'count', alias: 'n' }] } } },
  'GET /api/queries/{queryId}': { expect: hidden, params: { queryId: f.savedQuery } },
  'PUT /api/queries/{queryId}': { expect: hidden, params: { queryId: f.savedQuery }, body: { name: 'Changed' } },
  'DELETE /api/queries/{queryId}': { expect: hidden, params: { queryId: f.savedQuery }, usesUp: true },
  'POST /api/queries/{queryId}/execute': { expect: hidden, params: { queryId: f.savedQuery }, body: {} },
  // learning scores (issue 12): B sees the rules and no versions; B's training and rescoring jobs are its own
  'GET /api/scoring/model': { expect: list },
  'GET /api/scoring/models': { expect: list },
  'POST /api/scoring/model/train': { expect: own },
  'POST /api/scoring/rescore': { expect: own },
  'GET /api/notification/list': { expect: list },
  // another user's ids are ignored (updated: 0); the snapshot proves A's notification stays unread
  'POST /api/notification/read': { expect: own, body: { ids: [f.notification] } },
  'GET /api/feed/list': { expect: list, query: { model_type: 'lead', model_id: f.lead } },
  'GET /api/jobs': { expect: list },
  'GET /api/jobs/{id}': { expect: hidden, params: { id: f.runningJob } },
  'POST /api/jobs/{id}/pause': { expect: hidden, params: { id: f.runningJob }, usesUp: true },
  'POST /api/jobs/{id}/resume': { expect: hidden, params: { id: f.pausedJob }, usesUp: true },
  'POST /api/jobs/{id}/cancel': { expect: hidden, params: { id: f.runningJob }, usesUp: true },
  'POST /api/lead/lead-imports': { expect: own, multipart: { file: new File(['email\nown@own.example\n'], 'own.csv'), duplicates: 'merge' } },
  'GET /api/import-job/list': { expect: list },
  'GET /api/import-job/{id}/errors': { expect: hidden, params: { id: f.hubspotImport } },
  // A's company id in B's filters selects nothing of B's
  'POST /api/exports/create': { expect: own, body: { export_type: 'contacts', filters: { company_id: f.company } } },
  'GET /api/exports/list': { expect: list },
  'GET /api/exports/download/{id}': { expect: hidden, params: { id: f.completedExport } },
  'GET /api/connected-apps/list': { expect: list },
  'POST /api/connected-apps/hubspot/connect': { expect: own, body: { access_token: HUBSPOT_TOKEN } },
  // B has no connection to remove: A's is left alone (the snapshot)
  'POST /api/connected-apps/hubspot/disconnect': { expect: own, usesUp: true },
  // A's connection is never used for B
  'GET /api/connected-apps/hubspot/properties': { expect: refused(422, 'validation_error', 'hubspot_not_connected'), query: { all: 1 } },
  'POST /api/connected-apps/hubspot/import': { expect: refused(422, 'validation_error', 'hubspot_not_connected'), body: {} },
  'GET /api/connected-apps/hubspot/import/{id}/status': { expect: hidden, params: { id: f.hubspotImport } },
  'POST /api/lead-enrichment/enrich': { expect: hidden, body: { lead_id: f.lead } },
  'POST /api/lead-enrichment/enrich/bulk': { expect: own, body: () => ({ leads: [unique('bulk')()] }) },
  'GET /api/lead-enrichment/job/{jobId}': { expect: hidden, params: { jobId: f.enrichmentJob } },
  'GET /api/lead-enrichment/linkedin-leads/recent': { expect: list, query: { search: marker } },
  'GET /api/lead-enrichment/linkedin-leads/{id}': { expect: hidden, params: { id: f.lead } },
  'POST /api/company/enrich': { expect: hidden, body: { company_id: f.company } },
  // AI credits (issue 10 §6.9): each organization reads its own balance (B's debits and A's are kept apart in test/api/credits.test.ts) and the shared price list
  'GET /api/credits': { expect: own },
  'GET /api/credits/ai-features': { expect: own },
  // Slack and Teams (messaging, issue 10 §6.14): B connects and disconnects its own (A's connection is left alone: the
  // snapshot); A's connections and routes are never used or shown for B
  'POST /api/connected-apps/slack/connect': { expect: own, body: { bot_token: SLACK_TOKEN } },
  'POST /api/connected-apps/slack/disconnect': { expect: own, usesUp: true },
  'POST /api/connected-apps/teams/connect': { expect: own, body: { webhook_url: 'https://127.0.0.1:9/webhooks/own' } },
  'POST /api/connected-apps/teams/disconnect': { expect: own, usesUp: true },
  'GET /api/slack/channels': { expect: refused(422, 'validation_error', 'slack_not_connected') },
  'POST /api/slack/test-notification': { expect: refused(422, 'validation_error', 'slack_not_connected'), body: { channel: 'C0ISO1', event_type: 'deal_won' } },
  'GET /api/teams/channels': { expect: refused(422, 'validation_error', 'teams_not_connected'), query: { team_id: 'team-a' } },
  'GET /api/notification-routes': { expect: list },
  'PUT /api/notification-routes': { expect: own, body: { routes: [{ event_type: 'hot_lead', slack_channels: ['C0ISO1'] }] } },
  // Mail (issue 10 §6.11): A's configuration, its inbox and its queued messages are a 404 for B; B adds its own
  'GET /api/mail-configurations/list': { expect: list },
  'POST /api/mail-configurations/add': { expect: own, body: { mailer: 'gmail', from_address: 'b@example.com', password: GMAIL_TOKEN } },
  'GET /api/inbox/list': { expect: hidden, query: { config_id: f.mailConfig } },
  'GET /api/inbox/view/{messageId}': { expect: hidden, params: { messageId: f.mail }, query: { config_id: f.mailConfig } },
  'POST /api/inbox/send': { expect: hidden, body: { config_id: f.mailConfig, to: ['x@b.example'], subject: 'Hi', body: 'Hello' } },
  'POST /api/inbox/reply/{messageId}': { expect: hidden, params: { messageId: f.mail }, body: { config_id: f.mailConfig, body: 'Thanks' } },
  'GET /api/inbox/outbound/{id}': { expect: hidden, params: { id: f.mail } },
  'GET /api/sandbox/messages': { expect: list },
  // Voice (issue 10 §6.12): A's numbers, calls and recordings are a 404 for B; B searches, buys and gets a token in its own
  // subaccount (numbers for sale are the provider's, not an organization's: 'own', not 'list'); A's wallet is never B's
  'GET /api/voice/available-numbers': { expect: own, query: { areaCode: 415 } },
  'GET /api/voice/my-numbers': { expect: list },
  'POST /api/voice/purchase-number': { expect: own, body: () => ({ phoneNumber: twilio.newNumber() }) },
  'POST /api/voice/assign-number': { expect: hidden, body: { number_id: f.phoneNumber, user_ids: [] } },
  'GET /api/voice/wallet': { expect: list },
  'POST /api/call/voice-token': { expect: own },
  'POST /api/call/agent/initiate': { expect: hidden, body: { system_prompt: 'Book a demo.', lead_id: f.callee } },
  'GET /api/call/list': { expect: list },
  'GET /api/call/{id}': { expect: hidden, params: { id: f.call } },
  'GET /api/call/{id}/recording': { expect: hidden, params: { id: f.call } },
  'GET /api/call/{id}/transcript': { expect: hidden, params: { id: f.call } },
  // Twilio's signed callback, public (no token): whoever replays it, a status the call already has changes nothing (the snapshot)
  'POST /api/call/{id}/status-callback': {
    expect: own,
    params: { id: f.call },
    body: f.callbackBody,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': String(f.callbackSignature) },
  },
  // Calendar and meetings (issue 10 §6.11): A's meetings and A's users' working hours and availability are a 404 for B;
  // B sets its own hours; A's connected Google calendar is never used for B (these run before B adds a mail configuration of its own)
  'GET /api/calendar/working-hours': { expect: hidden, query: { user_id: f.member } },
  'PUT /api/calendar/working-hours': { expect: own, body: { timezone: 'Europe/Berlin', working_hours: { mon: [['09:00', '17:00']] }, buffer_minutes: 10 } },
  'GET /api/calendar/availability': { expect: hidden, query: { user_id: f.member, date: '2027-03-01' } },
  'GET /api/calendar/{provider}/events': { expect: refused(422, 'validation_error', 'calendar_not_connected'), params: { provider: 'google' } },
  'POST /api/calendar/{provider}/events': {
    expect: refused(422, 'validation_error', 'calendar_not_connected'),
    params: { provider: 'google' },
    body: { summary: 'Call', start: '2027-03-01T10:00:00Z', end: '2027-03-01T11:00:00Z' },
  },
  'GET /api/meeting/list': { expect: list },
  'POST /api/meeting/add': { expect: refused(422, 'validation_error'), body: { title: 'Call', start_time: '2027-03-01T10:00:00Z', end_time: '2027-03-01T11:00:00Z', lead_id: f.lead } },
  'GET /api/meeting/view/{id}': { expect: hidden, params: { id: f.meeting } },
  'POST /api/meeting/update/{id}': { expect: hidden, params: { id: f.meeting }, body: { title: 'Changed' } },
  'DELETE /api/meeting/delete/{id}': { expect: hidden, params: { id: f.meeting }, usesUp: true },
  'GET /api/meeting/{id}/transcript': { expect: hidden, params: { id: f.meeting } },
  'POST /api/meeting/{id}/generate-summary': { expect: hidden, params: { id: f.meeting }, body: { detail: 'brief' } },
  // Outreach plans (issue 11 §6.8): A's target account is a 404 for B, whatever contact B names; A plans and lists its own
  'GET /api/target-accounts/{id}/outreach-plans': { expect: hidden, params: { id: f.outreachAccount } },
  'POST /api/target-accounts/{id}/outreach-plans': {
    expect: hidden,
    params: { id: f.outreachAccount },
    body: { contact_id: f.contact, channel: 'task', scheduled_at: new Date(Date.now() + 86_400_000).toISOString(), notes: marker },
  },
  // ABM target accounts (issue 11 §6.8): A's accounts are a 404 for B, A's company is no company B can target (422), and
  // A's accounts count in none of B's reports; A's controls create, add, email (A's sandbox mailbox) and delete its own
  'GET /api/target-accounts': { expect: list, query: { search: marker } },
  'POST /api/target-accounts': { expect: refused(422, 'validation_error'), body: { company_id: f.abmCompany }, usesUp: true },
  'GET /api/target-accounts/{id}': { expect: hidden, params: { id: f.targetAccount } },
  'PATCH /api/target-accounts/{id}': { expect: hidden, params: { id: f.targetAccount }, body: { tier: 1, status: 'paused' } },
  'POST /api/target-accounts/{id}/contacts': { expect: hidden, params: { id: f.targetAccount }, body: { contact_id: f.abmContact }, usesUp: true },
  'POST /api/target-accounts/{id}/send-bulk-email': { expect: hidden, params: { id: f.targetAccount }, body: { subject: 'Hi {{first_name}}', body: '<p>Hello</p>' } },
  'DELETE /api/target-accounts/{id}': { expect: hidden, params: { id: f.targetAccount }, usesUp: true },
  'GET /api/reports/abm/funnel': { expect: list },
  'GET /api/reports/abm/top-engaged': { expect: list, query: { limit: 100 } },
  // AI tools and AI email (issue 11 §6.9): A's lead is no lead context, no draft target and no bulk lead for B (404, or 422
  // unknown_leads naming it), A's drafts are a 404; no model is configured here, so A's controls get the offline generator
  'POST /api/ai-tools/magicpen': { expect: hidden, body: { noteText: 'tidy this note', leadContext: f.lead } },
  'POST /api/ai-tools/email-generator': { expect: hidden, body: { prompt: 'Say hello', leadContext: { lead_id: f.lead } } },
  'POST /api/ai-email/generate/{lead_id}': { expect: hidden, params: { lead_id: f.lead } },
  'POST /api/ai-email/bulk-generate': { expect: refused(422, 'validation_error', 'unknown_leads'), body: { lead_ids: [f.lead] } },
  'GET /api/ai-email/drafts/lead/{lead_id}': { expect: hidden, params: { lead_id: f.lead } },
  'PUT /api/ai-email/draft/{draft_id}/approve': { expect: hidden, params: { draft_id: f.aiDraft } },
  'POST /api/ai-email/draft/{draft_id}/send': { expect: hidden, params: { draft_id: f.aiDraft }, body: { config_id: f.mailConfig }, usesUp: true },
  // ABM automation (issue 11 §6.8, scheduled runs): each organization reads and sets only its own schedule (A's settings and
  // outbox are left alone: the snapshot); the Temporal Schedule a save leads to is named by the caller's organization
  'GET /api/abm/automation': { expect: own },
  'PUT /api/abm/automation': { expect: own, body: { enabled: true, days: ['mon', 'fri'], time: '09:30', timezone: 'Europe/Berlin' } },
  // Tracking and intent (issue 11 §9, §6.13). The public tracking links carry their own signed credential, not a caller's
  // organization: sent by anyone, a token naming no email (or no organization) records nothing (the snapshot), answers as usual
  'GET /api/track/open/{token}': { expect: own, params: { token: t.deps.services.tokens.sign(TRACKING_PURPOSE.open, { e: ABSENT_ID }) } },
  'GET /api/track/click/{token}': { expect: own, status: 302, params: { token: t.deps.services.tokens.sign(TRACKING_PURPOSE.click, { e: ABSENT_ID, u: 'https://example.com/' }) } },
  'GET /api/track/unsubscribe/{token}': { expect: own, params: { token: t.deps.services.tokens.sign(TRACKING_PURPOSE.unsubscribe, { o: ABSENT_ID, a: 'x@example.com' }) } },
  'POST /api/track/unsubscribe/{token}': { expect: own, params: { token: t.deps.services.tokens.sign(TRACKING_PURPOSE.unsubscribe, { o: ABSENT_ID, a: 'x@example.com' }) } },
  // Hosted web forms (issue 13): managing forms is the organization's own (A's owner is refused as B's assigned_to). The public
  // form routes take no caller's organization, only the form's link: B sees A's form as anyone does, reading changes nothing;
  // a post to a link that names no form changes nothing either (posts to real links: test/api/web-forms.test.ts)
  'GET /api/web-forms': { expect: list },
  'POST /api/web-forms': { expect: refused(422, 'validation_error'), body: { name: 'Own form', fields: [{ key: 'email', label: 'Email', type: 'email', maps_to: 'email' }], assigned_to: f.member } },
  'GET /api/web-forms/{id}': { expect: hidden, params: { id: f.webForm } },
  'PUT /api/web-forms/{id}': { expect: hidden, params: { id: f.webForm }, body: { name: 'Changed', fields: [{ key: 'email', label: 'Email', type: 'email', maps_to: 'email' }] } },
  'GET /api/web-forms/{id}/submissions': { expect: hidden, params: { id: f.webForm } },
  'DELETE /api/web-forms/{id}': { expect: hidden, params: { id: f.webForm }, usesUp: true },
  'GET /api/web-form/{form_link}': { expect: own, params: { form_link: f.webFormLink } },
  'GET /api/web-form/{form_link}/thanks': { expect: own, params: { form_link: f.webFormLink } },
  'POST /api/web-form/{form_link}': { expect: own, status: 404, params: { form_link: 'isoNoSuchForm0000000000' }, body: { email: 'x@example.com' } },
  // Public booking (issue 13): managing profiles is the organization's own (B's admin naming A's user is refused); the
  // public routes take no caller's organization, only the slug or the signed manage token: B reads A's page as anyone does,
  // reading changes nothing; writes go to a slug or token that names nothing (confirm, cancel: test/api/booking.test.ts)
  'GET /api/booking-profiles': { expect: list },
  'POST /api/booking-profiles': { expect: refused(422, 'validation_error'), body: { slug: `iso-own-${randomBytes(6).toString('hex')}`, title: 'Own', durations: [30], working_hours: {}, timezone: 'UTC', user_id: f.member } },
  'GET /api/booking-profiles/{id}': { expect: hidden, params: { id: f.bookingProfile } },
  'PUT /api/booking-profiles/{id}': { expect: hidden, params: { id: f.bookingProfile }, body: { title: 'Changed' } },
  'DELETE /api/booking-profiles/{id}': { expect: hidden, params: { id: f.bookingProfile }, usesUp: true },
  'GET /api/bookings': { expect: list },
  'GET /api/booking/{slug}': { expect: own, params: { slug: f.bookingSlug } },
  'GET /api/booking/{slug}/availability': { expect: own, params: { slug: f.bookingSlug }, query: { date: '2027-03-01' } },
  'GET /api/booking/{slug}/page': { expect: own, params: { slug: f.bookingSlug }, query: { date: '2027-03-01', tz: 'UTC' } },
  'POST /api/booking/{slug}/confirm': { expect: own, status: 404, params: { slug: 'iso-no-such-page' }, body: { start: '2027-03-01T10:00:00Z', end: '2027-03-01T10:30:00Z', name: 'B', email: 'b@example.com' } },
  'POST /api/booking/{slug}/page': { expect: own, status: 404, params: { slug: 'iso-no-such-page' } },
  'GET /api/booking/manage/{token}': { expect: own, params: { token: f.bookingToken } },
  'POST /api/booking/manage/{token}/cancel': { expect: own, status: 404, params: { token: 'not-a-token-of-ours' } },
  // forecasting (issue 12 §6.7): A's deal's forecast is a 404 for B; B's pipeline forecast, contributors, at-risk deals and
  // accuracy never change when A's deals and snapshots appear; runs and schedule settings are each organization's own
  'GET /api/forecast/deal/{id}': { expect: hidden, params: { id: f.deal } },
  'GET /api/forecast/deal/{id}/history': { expect: hidden, params: { id: f.deal } },
  'GET /api/forecast/pipeline': { expect: list, query: { months: 3 } },
  'GET /api/forecast/pipeline/contributors': { expect: list },
  'GET /api/forecast/at-risk': { expect: list },
  'GET /api/forecast/accuracy': { expect: list, query: { months: 3 } },
  'POST /api/forecast/runs': { expect: own, status: 202 },
  'GET /api/forecast/settings': { expect: own },
  'PUT /api/forecast/settings': { expect: own, body: { run_at: '05:30', paused: true } },
  // A's leads take no signal from B, A's alerts are a 404 for B; settings are each organization's own
  'POST /api/intent-signal': { expect: hidden, body: { lead_id: f.lead, signal_type: 'manual' } },
  'POST /api/intent-alert/signal': { expect: hidden, body: { lead_id: f.lead, signal_type: 'manual' } },
  'GET /api/intent-alert/list': { expect: list },
  'GET /api/intent-alert/hot-leads': { expect: list },
  'GET /api/intent-alert/lead/{leadId}': { expect: hidden, params: { leadId: f.lead } },
  'POST /api/intent-alert/acknowledge/{id}': { expect: hidden, params: { id: f.intentAlert } },
  'GET /api/intent-alert/settings': { expect: own },
  'PUT /api/intent-alert/settings': { expect: own, body: { hot_lead_threshold: 10 } },
});

// Run last, in this order: they change the caller's own credentials (A's
// password, then both tokens), which every other request needs.
const CREDENTIAL_ROUTES = ['POST /api/user/change-password', 'POST /api/auth/logout'];
const order = (key: string) => CREDENTIAL_ROUTES.indexOf(key);

const keyOf = (route: RouteEntry) => `${route.method} ${route.path}`;

function send(route: RouteEntry, c: IsolationCase, caller: Tenant): Promise<CallResult> {
  const path = fillPath(route.path, c.params ?? {});
  const body = c.multipart ? form(c.multipart) : typeof c.body === 'function' ? c.body(caller) : c.body;
  return t.call(route.method, path, { token: caller.token, query: c.query, body, headers: c.headers });
}

const is2xx = (res: CallResult) => res.status >= 200 && res.status < 300;
const succeeded = (res: CallResult, c: IsolationCase) => (c.status === undefined ? is2xx(res) : res.status === c.status);
const comparable = (res: CallResult, c: IsolationCase) =>
  JSON.stringify(res.body, (key, value: unknown) => (c.clockFields?.includes(key) ? undefined : value));
const describeAnswer = (res: CallResult) => `${res.status} ${(JSON.stringify(res.body) ?? '').slice(0, 300)}`;

/** An id that no row has: B's list answers before A's rows exist are taken with it. */
const ABSENT_ID = 2_000_000_000;
const absentFixtures = new Proxy({}, { get: () => ABSENT_ID }) as Fixtures;

describe('tenant isolation on every route', () => {
  it('has a case for every route of the OpenAPI document, and no case for a route that does not exist', () => {
    const routes = routeTable(t.app).map(keyOf);
    const named = Object.keys(cases(absentFixtures, 'x'));
    expect(routes.filter((key) => !named.includes(key)).map((key) => `${key}: no isolation case; add one to test/api/tenant-isolation.test.ts`)).toEqual([]);
    expect(named.filter((key) => !routes.includes(key))).toEqual([]);
  });

  it('snapshots every table that holds tenant data: each has org_id or is a documented global table', async () => {
    const { withOrgId, unclassified } = await tenantTables();
    expect(unclassified).toEqual([]);
    // the four named in issue 8 among them
    expect(withOrgId).toEqual(expect.arrayContaining(['outbox_events', 'sessions', 'api_keys', 'idempotency_records', 'leads', 'jobs']));
  });

  it('answers B with A\'s rows nowhere, refuses B A\'s ids with the exact error, changes nothing of A\'s, and serves A the same requests', async () => {
    const [a, b] = await seedTwoTenants(t);
    const tables = (await tenantTables()).withOrgId;
    const markers = [`iso${randomBytes(5).toString('hex')}`];
    const routes = routeTable(t.app).sort((x, y) => order(keyOf(x)) - order(keyOf(y)));
    const listRoutes = routes.filter((r) => cases(absentFixtures, markers[0]!)[keyOf(r)]?.expect.kind === 'list');
    const problems: string[] = [];
    const leaks = (res: CallResult, label: string) => {
      const text = JSON.stringify(res.body) ?? '';
      const shown = [...markers, a.orgPublicId, a.adminEmail, HUBSPOT_TOKEN].filter((secret) => text.includes(secret));
      if (shown.length > 0) problems.push(`${label}: B's answer shows organization A's ${shown.join(', ')}`);
    };

    // before A's rows exist (their ids exist nowhere yet), the answers of both organizations to every list
    const before = new Map<string, { a: CallResult; b: CallResult }>();
    for (const route of listRoutes) {
      const c = cases(absentFixtures, markers[0]!)[keyOf(route)]!;
      before.set(keyOf(route), { b: await send(route, c, b), a: await send(route, c, a) });
    }

    let fixtures = await seedFixtures(a, markers[0]!);
    for (const route of listRoutes) {
      const key = keyOf(route);
      const c = cases(fixtures, markers[0]!)[key]!;
      const [asB, asA] = [await send(route, c, b), await send(route, c, a)];
      leaks(asB, key);
      if (!is2xx(asB) || comparable(asB, c) !== comparable(before.get(key)!.b, c)) {
        problems.push(`${key}: B's answer changed when A's rows were added: ${describeAnswer(asB)}`);
      }
      if (!is2xx(asA) || comparable(asA, c) === comparable(before.get(key)!.a, c)) {
        problems.push(`${key}: control: A's answer should succeed and show A's new rows, got ${describeAnswer(asA)}`);
      }
    }

    for (const route of routes.filter((r) => !listRoutes.includes(r))) {
      const key = keyOf(route);
      const c = cases(fixtures, markers.at(-1)!)[key];
      if (!c) continue; // reported by the coverage test above
      const snapshot = await snapshotOf(a.orgId, tables);
      const asB = await send(route, c, b);
      leaks(asB, key);
      const expected = c.expect;
      if (expected.kind === 'hidden' || expected.kind === 'refused') {
        const { status, type, code } = expected.kind === 'hidden' ? { status: 404, type: 'not_found', code: null } : expected;
        const matches = asB.status === status && asB.body?.error?.type === type && asB.body?.error?.code === code;
        if (!matches) problems.push(`${key}: expected B to get ${status} ${type}${code ? ` ${code}` : ''}, got ${describeAnswer(asB)}`);
      } else if (!succeeded(asB, c)) {
        problems.push(`${key}: B's request on its own data failed: ${describeAnswer(asB)}`);
      }
      const afterB = await snapshotOf(a.orgId, tables);
      for (const table of Object.keys(afterB)) {
        if (afterB[table] !== snapshot[table]) problems.push(`${key}: B's request changed organization A's ${table}`);
      }
      const asA = await send(route, c, a);
      if (!succeeded(asA, c)) problems.push(`${key}: control: A's own request failed: ${describeAnswer(asA)}`);
      if (c.usesUp) {
        markers.push(`iso${randomBytes(5).toString('hex')}`);
        fixtures = await seedFixtures(a, markers.at(-1)!);
      }
    }
    expect(problems).toEqual([]);
  }, 120_000);
});
