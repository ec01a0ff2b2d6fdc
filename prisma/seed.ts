// The demo organization `npm run dev` starts with. Idempotent: a second run
// finds the demo admin and changes nothing.
import { postLedgerEntry } from '../domain/billing/ledger.service.js';
import { addMailConfiguration } from '../domain/communications/mail-configuration.service.js';
import type { Database } from '../domain/platform/db.js';
import type { SecretBox } from '../domain/platform/secret-box.js';
import { createApiKey } from '../domain/identity/auth.service.js';
import { createLead } from '../domain/leads/lead.service.js';
import { createOrganization } from '../domain/identity/organization.service.js';

export const DEMO_LOGIN = { email: 'demo@lio.local', password: 'demo-password' } as const;

const DEMO_LEADS = [
  { first_name: 'Jane', last_name: 'Cooper', email: 'jane.cooper@acme.example', company: 'Acme Corp', job_title: 'VP of Sales', lead_source: 1 },
  { first_name: 'Wade', last_name: 'Warren', email: 'wade@globex.example', company: 'Globex', job_title: 'Head of Marketing', lead_source: 3 },
  { first_name: 'Esther', last_name: 'Howard', email: 'esther.howard@gmail.com', job_title: 'Consultant', lead_source: 2 },
  { first_name: 'Cameron', last_name: 'Williamson', phone_number: '+14155550101', company: 'Initech', lead_source: 5 },
];

/** Returns the demo API key when this call created it (it is shown once), else null. */
export async function seedDemo(database: Database): Promise<{ created: boolean; apiKey: string | null }> {
  const existing = await database.prisma.user.findUnique({ where: { email: DEMO_LOGIN.email } });
  if (existing) return { created: false, apiKey: null };
  const { org, admin } = await createOrganization(database, {
    name: 'Demo Company',
    admin: { email: DEMO_LOGIN.email, password: DEMO_LOGIN.password, first_name: 'Demo', last_name: 'Admin' },
  });
  for (const lead of DEMO_LEADS) await createLead(database, { orgId: org.id, userId: admin.id }, lead);
  const { key } = await createApiKey(database, { orgId: org.id, name: 'Demo ingestion key' });
  return { created: true, apiKey: key };
}

/** What the demo calls with in the sandbox: enough for a few hundred sandbox calls (minor units). */
const DEMO_WALLET_TOP_UP = 50_00;

/**
 * With the sandbox connectors on, the demo admin gets a sandbox mail account
 * and a wallet to call from, so that sending mail and placing calls work on a
 * fresh machine and show up on /sandbox. Idempotent (also for demo data made
 * before the sandbox existed).
 */
export async function seedSandbox(database: Database, secrets: SecretBox): Promise<void> {
  const admin = await database.prisma.user.findUnique({ where: { email: DEMO_LOGIN.email } });
  if (!admin) return;
  const scope = { orgId: admin.org_id, userId: admin.id };
  const existing = await database.prisma.mailConfiguration.count({ where: { org_id: admin.org_id, user_id: admin.id, mailer: 'sandbox' } });
  if (existing === 0) {
    // the sandbox has nothing to verify: it records instead of sending
    await addMailConfiguration(database, secrets, scope, { mailer: 'sandbox', from_address: 'demo@lio.local', from_name: 'Demo Admin', password: 'sandbox' }, async () => {});
  }
  await postLedgerEntry(database.pool, {
    orgId: admin.org_id,
    account: 'voice_wallet',
    amount: DEMO_WALLET_TOP_UP,
    reason: 'top_up',
    idempotencyKey: 'top-up:demo-sandbox',
  });
}
