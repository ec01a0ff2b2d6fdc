// The admin command line, run as operators run it: a child process on the test database.
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { randomBytes } from 'node:crypto';
import { OPENING_AI_CREDITS } from '../domain/billing/ledger.service.js';
import { authenticateApiKey } from '../domain/identity/auth.service.js';
import { connectHubspot, getHubspotConnection } from '../domain/integrations/connected-app.service.js';
import { createSecretBox, parseCredentialsKey } from '../domain/platform/secret-box.js';
import { ApiError } from '../domain/platform/errors.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { createScratchDatabase } from './helpers/scratch-database.js';
import { seedTenant, uniqueEmail } from './helpers/tenants.js';

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function lio(...args: string[]): Promise<CliResult> {
  return lioWith({}, ...args);
}

function lioWith(env: Record<string, string>, ...args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    // what `npm run lio` runs (tsx), minus npm's and npx's start-up time
    execFile(
      process.execPath,
      ['--import', 'tsx', 'scripts/lio.ts', ...args],
      { env: { ...process.env, DATABASE_URL: inject('databaseUrl'), ...env }, timeout: 60_000 },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') reject(err);
        else resolve({ code: err ? (err.code as number) : 0, stdout, stderr });
      },
    );
  });
}

/** The value of a `key: value` line of the CLI's output. */
function field(output: string, key: string): string {
  const value = output.match(new RegExp(`^${key}: (.+)$`, 'm'))?.[1];
  if (!value) throw new Error(`no "${key}:" line in:\n${output}`);
  return value;
}

const noOrigin = { ip: null, domain: null };

let t: TestApp;
beforeAll(() => {
  t = createTestApp();
});
afterAll(() => t.close());

describe('lio org:create', () => {
  it('creates an organization whose admin can log in through the API', async () => {
    const email = uniqueEmail('founder');
    const res = await lio('org:create', '--name', 'Initech', '--email', email.toUpperCase(), '--password', 'a-strong-pass', '--first-name', 'Bill', '--last-name', 'Lumbergh');
    expect(res).toMatchObject({ code: 0, stderr: '' });
    const orgId = field(res.stdout, 'organization_id');
    expect(orgId).toMatch(/^org_/);
    expect(field(res.stdout, 'admin_email')).toBe(email);

    const session = await t.call('POST', '/api/auth/login', { body: { email, password: 'a-strong-pass' } });
    expect(session.status).toBe(200);
    expect(session.body.user).toMatchObject({ organization_id: orgId, role_name: 'Admin', name: 'Bill Lumbergh' });
  });

  it('fails with a one-line message when the email is taken, and exits 2 on invalid flags', async () => {
    const tenant = await seedTenant(t);
    const taken = await lio('org:create', '--name', 'Dupe', '--email', tenant.adminEmail, '--password', 'a-strong-pass');
    expect(taken.code).toBe(1);
    expect(taken.stderr.trim()).toBe('error: A user with this email already exists');

    const invalid = await lio('org:create', '--name', 'Bad', '--email', 'not-an-email', '--password', 'short');
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('--email');
    expect(invalid.stderr).toContain('--password');
    expect(invalid.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('lio apikey:*', () => {
  it('creates a key shown once that authenticates, lists keys without it, and revokes it', async () => {
    const tenant = await seedTenant(t);
    const created = await lio('apikey:create', '--org', tenant.orgPublicId, '--name', 'Website form', '--domains', 'Example.com,*.shop.example', '--ips', '203.0.113.7');
    expect(created.code).toBe(0);
    const key = field(created.stdout, 'api_key');
    const keyId = Number(field(created.stdout, 'id'));

    const auth = await authenticateApiKey(t.database, key, { ip: '203.0.113.7', domain: 'www.example.com' });
    expect(auth).toMatchObject({ orgId: tenant.orgId, orgPublicId: tenant.orgPublicId, via: 'api_key', apiKeyId: keyId });
    await expect(authenticateApiKey(t.database, key, { ip: '198.51.100.1', domain: 'example.com' })).rejects.toMatchObject({
      kind: 'forbidden',
      options: { code: 'ip_not_allowed' },
    });

    const listed = await lio('apikey:list', '--org', tenant.orgPublicId);
    expect(listed.code).toBe(0);
    expect(listed.stdout).not.toContain(key);
    expect(listed.stdout).toContain(field(created.stdout, 'prefix'));
    expect(listed.stdout).toContain('Website form');
    expect(listed.stdout).toContain('example.com,*.shop.example');
    expect(listed.stdout).toContain('203.0.113.7');

    const revoked = await lio('apikey:revoke', '--org', tenant.orgPublicId, '--id', String(keyId));
    expect(revoked.code).toBe(0);
    const rejection = await authenticateApiKey(t.database, key, { ip: '203.0.113.7', domain: 'example.com' }).catch((err: unknown) => err);
    expect(rejection).toBeInstanceOf(ApiError);
    expect(rejection).toMatchObject({ kind: 'forbidden', status: 403 });

    const again = await lio('apikey:revoke', '--org', tenant.orgPublicId, '--id', String(keyId));
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`No active API key ${keyId}`);
  });

  it("sets an expiry, and never lists or revokes another organization's keys", async () => {
    const [a, b] = await Promise.all([seedTenant(t), seedTenant(t)]);
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const created = await lio('apikey:create', '--org', a.orgPublicId, '--name', 'Expiring', '--expires-at', expiresAt);
    expect(created.code).toBe(0);
    const key = field(created.stdout, 'api_key');
    const keyId = field(created.stdout, 'id');
    await expect(authenticateApiKey(t.database, key, noOrigin)).resolves.toMatchObject({ orgId: a.orgId });

    const listedA = await lio('apikey:list', '--org', a.orgPublicId);
    expect(listedA.stdout).toContain(expiresAt);
    const listedB = await lio('apikey:list', '--org', b.orgPublicId);
    expect(listedB.stdout.trim()).toBe(`No API keys in ${b.orgPublicId}`);

    const crossRevoke = await lio('apikey:revoke', '--org', b.orgPublicId, '--id', keyId);
    expect(crossRevoke.code).toBe(1);
    await expect(authenticateApiKey(t.database, key, noOrigin)).resolves.toMatchObject({ orgId: a.orgId });
  });

  it('rejects invalid flags with exit code 2 and unknown organizations with exit code 1', async () => {
    const tenant = await seedTenant(t);
    for (const flags of [
      ['--org', tenant.orgPublicId, '--name', 'x', '--ips', '300.1.1.1'],
      ['--org', tenant.orgPublicId, '--name', 'x', '--domains', 'not a domain'],
      ['--org', tenant.orgPublicId, '--name', 'x', '--expires-at', '2001-01-01'],
      ['--org', tenant.orgPublicId],
      ['--org', tenant.orgPublicId, '--name', 'x', '--colour', 'blue'],
    ]) {
      const res = await lio('apikey:create', ...flags);
      expect(res.code, flags.join(' ')).toBe(2);
      expect(res.stderr).toMatch(/^error: apikey:create: /);
    }
    const unknown = await lio('apikey:list', '--org', 'org_doesnotexist');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toBe('error: No organization org_doesnotexist');
  });
});

describe('lio help', () => {
  it('prints the usage; an unknown command prints it too and exits 2', async () => {
    const help = await lio('help');
    expect(help.code).toBe(0);
    for (const name of ['org:create', 'apikey:create', 'apikey:list', 'apikey:revoke']) expect(help.stdout).toContain(name);
    const unknown = await lio('org:destroy');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command: org:destroy');
    expect(unknown.stderr).toContain('apikey:revoke --org');
    expect((await lio()).code).toBe(2);
  });
});

describe('lio credits:grant and wallet:top-up', () => {
  it('credits an account once per reference', async () => {
    const tenant = await seedTenant(t);
    const { public_id } = await t.database.prisma.organization.findUniqueOrThrow({ where: { id: tenant.orgId } });
    const first = await lio('wallet:top-up', '--org', public_id, '--amount', '2500', '--reference', 'invoice-17');
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(field(first.stdout, 'balance')).toBe('2500');
    const again = await lio('wallet:top-up', '--org', public_id, '--amount', '2500', '--reference', 'invoice-17');
    expect(again.stdout).toMatch(/already credited/);
    expect(field(again.stdout, 'balance')).toBe('2500');
    const credits = await lio('credits:grant', '--org', public_id, '--amount', '50', '--reference', 'goodwill');
    expect(field(credits.stdout, 'balance')).toBe(String(OPENING_AI_CREDITS + 50));
    expect((await lio('wallet:top-up', '--org', public_id, '--amount', '-5', '--reference', 'x')).code).toBe(2);
  });
});

describe('lio credentials:rotate', () => {
  it('re-seals every stored credential under the new key, after which the old key is no longer needed', async () => {
    // a database of its own: rotation re-seals every row, and other test files share the run's database
    const scratch = await createScratchDatabase(inject('adminDatabaseUrl'), 'rotation');
    const app = createTestApp({ DATABASE_URL: scratch.url });
    try {
      const tenant = await seedTenant(app);
      const token = `pat-${randomBytes(8).toString('hex')}`;
      await connectHubspot(app.database, app.deps.services.secrets, { orgId: tenant.orgId, userId: tenant.adminId, roleName: 'Admin' }, { access_token: token });
      const oldKey = app.deps.config.CREDENTIALS_KEY;
      const newKey = randomBytes(32).toString('base64');

      const missing = await lioWith({ DATABASE_URL: scratch.url, CREDENTIALS_KEY: '' }, 'credentials:rotate');
      expect(missing.code).toBe(2);
      const res = await lioWith({ DATABASE_URL: scratch.url, CREDENTIALS_KEY: newKey, CREDENTIALS_PREVIOUS_KEYS: oldKey }, 'credentials:rotate');
      expect(res).toMatchObject({ code: 0, stderr: '' });
      expect(field(res.stdout, 'connected_apps')).toBe('1 re-sealed');
      const again = await lioWith({ DATABASE_URL: scratch.url, CREDENTIALS_KEY: newKey, CREDENTIALS_PREVIOUS_KEYS: oldKey }, 'credentials:rotate');
      expect(field(again.stdout, 'connected_apps')).toBe('0 re-sealed');

      const onlyNewKey = createSecretBox(parseCredentialsKey(newKey));
      expect((await getHubspotConnection(app.database, onlyNewKey, tenant.orgId, app.deps.config)).accessToken).toBe(token);
    } finally {
      await app.close();
      await scratch.drop();
    }
  });
});
