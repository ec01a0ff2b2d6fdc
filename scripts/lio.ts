// The operator's command line: `npm run lio -- <command> [--flags]`.
// Organizations and API keys are created here, by whoever runs the
// deployment, because the API has no endpoint that could create either.
// Database: DATABASE_URL, else the private cluster `npm run dev` runs.
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { createApiKey, revokeApiKey } from '../domain/identity/auth.service.js';
import { createDatabase, type Database } from '../domain/platform/db.js';
import { ApiError } from '../domain/platform/errors.js';
import { createOrganization } from '../domain/identity/organization.service.js';
import { ensureOpeningCredits, postLedgerEntry, type LedgerAccount } from '../domain/billing/ledger.service.js';
import { resealCredentials } from '../domain/platform/sealed-credentials.js';
import { createSecretBox, parseCredentialsKey } from '../domain/platform/secret-box.js';
import { DEV_DATABASE_URL } from './infra/postgres.js';

/** Wrong usage (unknown command or flag, invalid value): the shell convention for misuse. */
const EXIT_USAGE = 2;
/** The command was well-formed but could not be carried out. */
const EXIT_FAILURE = 1;

class UsageError extends Error {}

interface Command<S extends z.ZodType> {
  synopsis: string;
  /** every flag takes a string value; the schema validates and converts them */
  flags: readonly string[];
  schema: S;
  run(db: Database, input: z.output<S>): Promise<string[]>;
}

const command = <S extends z.ZodType>(c: Command<S>) => c;

const orgPublicId = z.string().regex(/^org_[A-Za-z0-9_-]+$/, 'must be an organization id such as org_3kq9x1');

const csv = (item: z.ZodType<string, string>) =>
  z
    .string()
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(item));

const ipAddress = z.string().refine((ip) => isIP(ip) !== 0, 'must be a list of IPv4 or IPv6 addresses');
// "example.com" or "*.example.com", as authenticateApiKey matches them
const domainRule = z
  .string()
  .toLowerCase()
  .regex(/^(\*\.)?([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/, 'must be a list of domains such as example.com or *.example.com');

const futureDate = z
  .string()
  .refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO 8601 date or date-time')
  .transform((v) => new Date(v))
  .refine((d) => d.getTime() > Date.now(), 'must be in the future');

async function organizationByPublicId(db: Database, publicId: string) {
  const org = await db.prisma.organization.findUnique({ where: { public_id: publicId } });
  if (!org) throw new ApiError('not_found', `No organization ${publicId}`);
  return org;
}

const isoOrDash = (d: Date | null) => d?.toISOString() ?? '-';

/** Left-aligned columns under a header row. */
function table(rows: Record<string, string>[]): string[] {
  const columns = Object.keys(rows[0]!);
  const widths = columns.map((col) => Math.max(col.length, ...rows.map((row) => row[col]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(columns), ...rows.map((row) => line(columns.map((col) => row[col]!)))];
}

/** The secret box of CREDENTIALS_KEY and CREDENTIALS_PREVIOUS_KEYS, as the API and worker build it. */
function secretBoxOfEnvironment() {
  const current = process.env.CREDENTIALS_KEY;
  if (!current) throw new UsageError('CREDENTIALS_KEY is not set: give the new key, and the old one in CREDENTIALS_PREVIOUS_KEYS');
  const previous = (process.env.CREDENTIALS_PREVIOUS_KEYS ?? '').split(',').map((k) => k.trim()).filter(Boolean);
  try {
    return createSecretBox(parseCredentialsKey(current), previous.map(parseCredentialsKey));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** A top-up: credited once per --reference (running it again with the same reference changes nothing). */
const topUp = (account: LedgerAccount, unit: string) =>
  command({
    synopsis: `${account === 'ai_credits' ? 'credits:grant' : 'wallet:top-up'} --org <org id> --amount N --reference R   (${unit})`,
    flags: ['org', 'amount', 'reference'],
    schema: z.object({
      org: orgPublicId,
      amount: z.coerce.number().int().positive().max(1_000_000_000),
      reference: z.string().trim().min(1).max(200),
    }),
    async run(db, input) {
      const org = await organizationByPublicId(db, input.org);
      if (account === 'ai_credits') await ensureOpeningCredits(db.pool, org.id);
      const { applied, balance } = await postLedgerEntry(db.pool, {
        orgId: org.id,
        account,
        amount: input.amount,
        reason: 'top_up',
        idempotencyKey: `top-up:${input.reference}`,
        reference: { by: 'lio cli' },
      });
      return [applied ? `credited ${input.amount} ${unit}` : `reference ${input.reference} was already credited: nothing changed`, `balance: ${balance}`];
    },
  });

const commands = {
  'org:create': command({
    synopsis: 'org:create --name N --email E --password P [--first-name F] [--last-name L]',
    flags: ['name', 'email', 'password', 'first-name', 'last-name'],
    schema: z.object({
      name: z.string().trim().min(2).max(100),
      email: z.string().trim().email(),
      password: z.string().min(8).max(200),
      'first-name': z.string().trim().min(2).max(50).default('Admin'),
      'last-name': z.string().trim().max(50).optional(),
    }),
    async run(db, input) {
      const { org, admin } = await createOrganization(db, {
        name: input.name,
        admin: { email: input.email, password: input.password, first_name: input['first-name'], last_name: input['last-name'] },
      });
      return [`organization_id: ${org.public_id}`, `admin_email: ${admin.email}`];
    },
  }),

  'apikey:create': command({
    synopsis: 'apikey:create --org <org id> --name N [--ips a,b] [--domains x.com,y.com] [--expires-at ISO]',
    flags: ['org', 'name', 'ips', 'domains', 'expires-at'],
    schema: z.object({
      org: orgPublicId,
      name: z.string().trim().min(1).max(100),
      ips: csv(ipAddress).optional(),
      domains: csv(domainRule).optional(),
      'expires-at': futureDate.optional(),
    }),
    async run(db, input) {
      const org = await organizationByPublicId(db, input.org);
      const { key, apiKey } = await createApiKey(db, {
        orgId: org.id,
        name: input.name,
        allowedIps: input.ips,
        allowedDomains: input.domains,
        expiresAt: input['expires-at'],
      });
      return [
        `api_key: ${key}`,
        `id: ${apiKey.id}`,
        `prefix: ${apiKey.prefix}`,
        'The key is shown only this once (LIO stores a hash of it): store it now.',
      ];
    },
  }),

  'apikey:list': command({
    synopsis: 'apikey:list --org <org id>',
    flags: ['org'],
    schema: z.object({ org: orgPublicId }),
    async run(db, input) {
      const org = await organizationByPublicId(db, input.org);
      const keys = await db.prisma.apiKey.findMany({
        where: { org_id: org.id },
        orderBy: { id: 'asc' },
        select: { id: true, name: true, prefix: true, allowed_ips: true, allowed_domains: true, expires_at: true, revoked_at: true, created_at: true },
      });
      if (keys.length === 0) return [`No API keys in ${org.public_id}`];
      return table(
        keys.map((k) => ({
          id: String(k.id),
          name: k.name,
          prefix: k.prefix,
          allowed_ips: k.allowed_ips.join(',') || '*',
          allowed_domains: k.allowed_domains.join(',') || '*',
          expires_at: isoOrDash(k.expires_at),
          revoked_at: isoOrDash(k.revoked_at),
          created_at: k.created_at.toISOString(),
        })),
      );
    },
  }),

  'apikey:revoke': command({
    synopsis: 'apikey:revoke --org <org id> --id N',
    flags: ['org', 'id'],
    schema: z.object({ org: orgPublicId, id: z.coerce.number().int().positive() }),
    async run(db, input) {
      const org = await organizationByPublicId(db, input.org);
      if (!(await revokeApiKey(db, org.id, input.id))) {
        throw new ApiError('not_found', `No active API key ${input.id} in ${org.public_id}`);
      }
      return [`API key ${input.id} revoked`];
    },
  }),

  'credits:grant': topUp('ai_credits', 'AI credits'),
  'wallet:top-up': topUp('voice_wallet', "minor units of the organization's currency"),

  'credentials:rotate': command({
    synopsis: 'credentials:rotate   (CREDENTIALS_KEY = the new key, CREDENTIALS_PREVIOUS_KEYS = the old ones)',
    flags: [],
    schema: z.object({}),
    async run(db) {
      const counts = await resealCredentials(db, secretBoxOfEnvironment());
      return [...Object.entries(counts).map(([table, n]) => `${table}: ${n} re-sealed`), 'Every stored credential now opens with CREDENTIALS_KEY alone.'];
    },
  }),
};

type CommandName = keyof typeof commands;

const usage = [
  'usage: npm run lio -- <command> [--flags]',
  '',
  'commands:',
  ...Object.values(commands).map((c) => `  ${c.synopsis}`),
  '  help',
  '',
  `DATABASE_URL selects the database (default ${DEV_DATABASE_URL}).`,
].join('\n');

function parseInput<S extends z.ZodType>(name: string, spec: Command<S>, args: string[]): z.output<S> {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      options: Object.fromEntries(spec.flags.map((flag) => [flag, { type: 'string' as const }])),
      strict: true,
      allowPositionals: false,
    }) as { values: Record<string, string | undefined> });
  } catch (err) {
    throw new UsageError(`${name}: ${(err as Error).message}`);
  }
  const parsed = spec.schema.safeParse(values);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; ');
    throw new UsageError(`${name}: ${problems} (usage: ${spec.synopsis})`);
  }
  return parsed.data;
}

/** One line, naming the database without the password its URL may carry. */
function describeFailure(err: unknown, databaseUrl: string): string {
  if ((err as { code?: unknown }).code === 'P1001') {
    const url = new URL(databaseUrl);
    url.password = '';
    return `cannot reach the database at ${url.toString()} (start it with \`npm run dev\` or set DATABASE_URL)`;
  }
  // Prisma's messages open with a source excerpt and end with the reason
  const lines = (err instanceof Error ? err.message : String(err)).split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.at(-1) ?? 'unknown error';
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === 'help' || name === '--help' || name === '-h') {
    console.log(usage);
    return 0;
  }
  if (!name || !Object.hasOwn(commands, name)) {
    console.error(name ? `unknown command: ${name}\n\n${usage}` : usage);
    return EXIT_USAGE;
  }
  const spec: Command<z.ZodType> = commands[name as CommandName];
  const databaseUrl = process.env.DATABASE_URL || DEV_DATABASE_URL;
  let database: ReturnType<typeof createDatabase> | undefined;
  try {
    const input = parseInput(name, spec, args);
    database = createDatabase(databaseUrl, { max: 2 });
    for (const line of await spec.run(database, input)) console.log(line);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`error: ${err.message}`);
      return EXIT_USAGE;
    }
    console.error(`error: ${describeFailure(err, databaseUrl)}`);
    return EXIT_FAILURE;
  } finally {
    await database?.close();
  }
}

process.exitCode = await main(process.argv.slice(2));
