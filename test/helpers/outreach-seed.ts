// A target account with contacts, written straight to the database (the
// target-accounts API is another module's): what outreach-plan tests start from.
import type { TestApp } from './app.js';
import type { Tenant } from './tenants.js';

export interface SeededAccount {
  accountId: number;
  companyId: number;
  /** contacts linked to the account, each with a lead of its own */
  contacts: { id: number; leadId: number; email: string }[];
}

export async function seedTargetAccount(
  t: TestApp,
  tenant: Tenant,
  options: { contacts?: number; ownerId?: number | null; timezone?: string | null } = {},
): Promise<SeededAccount> {
  const { prisma } = t.database;
  const company = await prisma.company.create({ data: { org_id: tenant.orgId, company_name: `Target ${Math.random().toString(36).slice(2, 8)}` } });
  const account = await prisma.targetAccount.create({
    data: { org_id: tenant.orgId, company_id: company.id, owner_id: options.ownerId === undefined ? tenant.adminId : options.ownerId },
  });
  const contacts = [];
  for (let i = 0; i < (options.contacts ?? 1); i++) {
    const email = `buyer${i}-${account.id}@customer.example`;
    const lead = await prisma.lead.create({ data: { org_id: tenant.orgId, first_name: 'Buyer', last_name: String(i), email, company_id: company.id } });
    const contact = await prisma.contact.create({
      data: { org_id: tenant.orgId, name: `Buyer ${i}`, email, company_id: company.id, lead_id: lead.id, timezone: options.timezone ?? null },
    });
    await prisma.targetAccountContact.create({ data: { org_id: tenant.orgId, target_account_id: account.id, contact_id: contact.id, stakeholder_role: 'decision_maker' } });
    contacts.push({ id: contact.id, leadId: lead.id, email });
  }
  return { accountId: account.id, companyId: company.id, contacts };
}

/** No quiet hours for the organization (start = end), so steps seconds apart run at their time whatever the hour of the test. */
export const withoutQuietHours = (t: TestApp, orgId: number) =>
  t.database.pool.query(
    `INSERT INTO engagement_settings (org_id, quiet_hours_start, quiet_hours_end) VALUES ($1, 0, 0)
     ON CONFLICT (org_id) DO UPDATE SET quiet_hours_start = 0, quiet_hours_end = 0`,
    [orgId],
  );
