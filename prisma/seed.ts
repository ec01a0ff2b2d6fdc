// The demo organization `npm run dev` starts with. Idempotent: a second run
// finds the demo admin and changes nothing.
import type { Database } from '../domain/platform/db.js';
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
