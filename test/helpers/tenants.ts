// Each test seeds its own organizations: tests never depend on order or on each other's data.
import { randomBytes } from 'node:crypto';
import { createApiKey, login } from '../../domain/identity/auth.service.js';
import type { Database } from '../../domain/platform/db.js';
import { createOrganization } from '../../domain/identity/organization.service.js';
import { hashPassword } from '../../domain/identity/passwords.js';
import type { TestApp } from './app.js';

export const TEST_PASSWORD = 'correct horse battery staple';

export interface Tenant {
  orgId: number;
  orgPublicId: string;
  adminId: number;
  adminEmail: string;
  token: string;
  /** creates a user with the given role in this organization and returns a token for it */
  addUser(roleName?: string): Promise<{ id: number; email: string; token: string }>;
  apiKey(options?: { allowedIps?: string[]; allowedDomains?: string[]; expiresAt?: Date }): Promise<string>;
}

export const uniqueEmail = (label = 'user') => `${label}-${randomBytes(5).toString('hex')}@example.test`;

// One hash reused for every seeded user: scrypt is deliberately slow.
let passwordHash: Promise<string> | undefined;

export async function seedTenant(t: TestApp, name = 'Acme'): Promise<Tenant> {
  const { prisma } = t.database;
  const secret = t.deps.config.JWT_SECRET;
  const adminEmail = uniqueEmail('admin');
  const { org, admin } = await createOrganization(t.database, {
    name: `${name} ${randomBytes(3).toString('hex')}`,
    admin: { email: adminEmail, password: TEST_PASSWORD, first_name: 'Ada', last_name: 'Admin' },
  });
  const token = (await login(t.database, secret, adminEmail, TEST_PASSWORD)).access_token;
  return {
    orgId: org.id,
    orgPublicId: org.public_id,
    adminId: admin.id,
    adminEmail,
    token,
    async addUser(roleName = 'Sales Rep') {
      const role = await prisma.role.findUniqueOrThrow({ where: { org_id_name: { org_id: org.id, name: roleName } } });
      const email = uniqueEmail('rep');
      passwordHash ??= hashPassword(TEST_PASSWORD);
      const user = await prisma.user.create({
        data: { org_id: org.id, role_id: role.id, email, first_name: 'Rep', last_name: 'User', password_hash: await passwordHash },
      });
      return { id: user.id, email, token: (await login(t.database, secret, email, TEST_PASSWORD)).access_token };
    },
    async apiKey(options = {}) {
      return (await createApiKey(t.database, { orgId: org.id, name: 'test key', ...options })).key;
    },
  };
}

export async function seedTwoTenants(t: TestApp): Promise<[Tenant, Tenant]> {
  return Promise.all([seedTenant(t, 'Org A'), seedTenant(t, 'Org B')]);
}

export type { Database };
