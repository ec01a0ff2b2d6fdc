// Creating an organization seeds what every organization starts with: system
// roles, the lookup codes §7.1 documents, and a default pipeline.
import { randomBytes } from 'node:crypto';
import type { Database } from '../platform/db.js';
import { transaction } from '../platform/transaction.js';
import { ApiError } from '../platform/errors.js';
import { hashPassword } from './passwords.js';

export const SYSTEM_ROLES = ['Admin', 'Manager', 'Sales Rep'] as const;

/** Lookup codes every organization starts with (spec §7.1); organizations add more. */
export const DEFAULT_LEAD_LOOKUPS: Record<string, readonly string[]> = {
  status: ['New', 'Contacted', 'Qualified', 'Proposal Sent', 'Negotiation', 'Won', 'Lost'],
  priority: ['Low', 'Medium', 'High', 'Urgent'],
  lead_source: ['Website', 'Referral', 'LinkedIn', 'Email', 'Direct'],
};

export const DEFAULT_PIPELINE_STAGES = [
  { name: 'Qualification', color: '#6366f1', probability: 0.1 },
  { name: 'Discovery', color: '#0ea5e9', probability: 0.25 },
  { name: 'Proposal', color: '#f59e0b', probability: 0.5 },
  { name: 'Negotiation', color: '#f97316', probability: 0.75 },
  { name: 'Won', color: '#22c55e', probability: 1, is_won: true, is_protected: true },
  { name: 'Lost', color: '#ef4444', probability: 0, is_lost: true, is_protected: true },
] as const;

export interface NewOrganization {
  name: string;
  admin: { email: string; password: string; first_name: string; last_name?: string };
}

export async function createOrganization(db: Database, input: NewOrganization) {
  const passwordHash = await hashPassword(input.admin.password);
  const email = input.admin.email.trim().toLowerCase();
  return transaction(db.prisma, { actorId: null }, async (tx) => {
    if (await tx.user.findUnique({ where: { email } })) throw new ApiError('conflict', 'A user with this email already exists');
    const org = await tx.organization.create({
      data: { name: input.name, public_id: `org_${randomBytes(9).toString('base64url')}` },
    });
    await tx.role.createMany({
      data: SYSTEM_ROLES.map((name) => ({ org_id: org.id, name, is_system: true })),
    });
    const adminRole = await tx.role.findUniqueOrThrow({ where: { org_id_name: { org_id: org.id, name: 'Admin' } } });
    await tx.customLookup.createMany({
      data: Object.entries(DEFAULT_LEAD_LOOKUPS).flatMap(([type, names]) =>
        names.map((name, i) => ({ org_id: org.id, module_name: 'lead', type, code: i + 1, name, name_key: name.toLowerCase() })),
      ),
    });
    await tx.pipeline.create({
      data: {
        org_id: org.id,
        name: 'Sales Pipeline',
        stages: {
          create: DEFAULT_PIPELINE_STAGES.map((stage, position) => ({ ...stage, org_id: org.id, position: position + 1 })),
        },
      },
    });
    const admin = await tx.user.create({
      data: {
        org_id: org.id,
        role_id: adminRole.id,
        email,
        first_name: input.admin.first_name,
        last_name: input.admin.last_name ?? null,
        password_hash: passwordHash,
      },
    });
    return { org, admin };
  });
}
