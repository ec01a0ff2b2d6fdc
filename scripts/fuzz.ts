// `npm run fuzz`: schemathesis (property-based fuzzing from the OpenAPI
// document) against a running LIO API. The API listens on a free port against
// a database of its own with two seeded organizations: schemathesis calls
// every operation as organization A's admin, with every check and the
// stateful phase, and replays A's reads as organization B's admin
// (object-level authorization: B must never get A's objects).
// Results: docs/fuzzing.md. Options (after `npm run fuzz --`):
//   --examples N     test cases per operation and phase (default 25, the full budget; the test suite uses 3)
//   --checks LIST    schemathesis checks (default: all)
//   --seed N         reproduce an earlier run
//   --workers N      concurrent schemathesis workers (default 2; the test suite uses 1: schemathesis 4.32
//                    on CPython 3.11 can raise 'AST constructor recursion depth mismatch' from two threads)
//   --report DIR     where schemathesis writes its JUnit and NDJSON reports (default .data/fuzz/<time>)
// Environment: DATABASE_URL, a superuser URL of a running PostgreSQL (else the
// private test cluster is started); FUZZ_SCHEMATHESIS, the schemathesis
// executable (else the pinned copy in .tools/fuzz, installed on first use).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { closeServer, startApiServer } from '../api/server.js';
import { login } from '../domain/identity/auth.service.js';
import { loadConfig } from '../domain/platform/config.js';
import { createDatabase } from '../domain/platform/db.js';
import { createLogger } from '../domain/platform/logger.js';
import { createOrganization } from '../domain/identity/organization.service.js';
import { startPrivatePostgres, TEST_CLUSTER } from './infra/postgres.js';
import { freePort } from './infra/process.js';
import { schemathesisCli } from './infra/schemathesis.js';
import { createScratchDatabase } from '../test/helpers/scratch-database.js';

const { values: options } = parseArgs({
  options: {
    examples: { type: 'string', default: '25' },
    checks: { type: 'string', default: 'all' },
    seed: { type: 'string' },
    workers: { type: 'string', default: '2' },
    report: { type: 'string' },
  },
});

const PASSWORD = 'fuzz-password-0123456789';
/** The two identities schemathesis uses; the first is the one it fuzzes with. */
const PEERS = ['org-a', 'org-b'] as const;

/**
 * The operations whose document declares 502: they call an outside service
 * (Slack, a mail provider, Twilio, a model …) while the request waits, and no
 * outside service can be reached from where the fuzzer runs, so their 502
 * (with the envelope, never the provider's words) is the designed answer
 * there; schemathesis counts any 5xx as a server error unless told so per
 * operation. Every other operation still fails the run on any 5xx.
 */
async function outsideServiceOperations(base: string): Promise<string[]> {
  const document = (await (await fetch(`${base}/api/openapi.json`)).json()) as { paths: Record<string, Record<string, { responses?: Record<string, unknown> }>> };
  return Object.entries(document.paths).flatMap(([route, operations]) =>
    Object.entries(operations)
      .filter(([, operation]) => operation.responses && '502' in operation.responses)
      .map(([method]) => `${method.toUpperCase()} ${route}`),
  );
}

/** Runs schemathesis in `cwd` (where it keeps its example database); resolves with its exit code. */
function runSchemathesis(cli: string, args: string[], cwd: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(cli, args, { cwd, stdio: 'inherit', env: { ...process.env, PYTHONUNBUFFERED: '1' } });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

const adminUrl = process.env.DATABASE_URL ?? (await startPrivatePostgres(TEST_CLUSTER.dataDir, TEST_CLUSTER.port, { durable: false })).adminUrl;
const cli = await schemathesisCli();
const scratch = await createScratchDatabase(adminUrl, 'fuzz');
const workDir = path.resolve('.data/fuzz', new Date().toISOString().replace(/[:.]/g, '-'));
const reportDir = path.resolve(options.report ?? workDir);
mkdirSync(workDir, { recursive: true });
mkdirSync(reportDir, { recursive: true });

const config = loadConfig({
  ...process.env,
  DATABASE_URL: scratch.url,
  HOST: '127.0.0.1',
  PORT: String(await freePort()),
  JWT_SECRET: randomBytes(24).toString('hex'),
  CREDENTIALS_KEY: randomBytes(32).toString('base64'),
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'error',
  STORAGE_DIR: path.join(workDir, 'storage'),
  // the fuzzer logs in and ingests far faster than a person: the limiters would answer 429 to most of the run
  LOGIN_RATE_LIMIT: '1000000',
  INGEST_RATE_LIMIT: '1000000',
  // the suite's other files share the 2 cores while it runs: a request slowed past the 5 s budget would be a 503 of the
  // machine's load, not of the request (the deadline itself is tested in test/security/resilience.test.ts)
  REQUEST_TIMEOUT_MS: '30000',
});
const database = createDatabase(config.DATABASE_URL);
const server = await startApiServer({ config, database, logger: createLogger(config.LOG_LEVEL, 'lio-api') });
let exitCode = 1;
try {
  const identities = [];
  for (const name of PEERS) {
    const email = `admin@${name}.fuzz.example`;
    await createOrganization(database, { name, admin: { email, password: PASSWORD, first_name: 'Fuzz', last_name: name } });
    const { access_token } = await login(database, config.JWT_SECRET, email, PASSWORD);
    identities.push({ name, fixedHeaders: [{ name: 'Authorization', value: `Bearer ${access_token}` }] });
  }
  // Web Fuzzing Commons auth document: schemathesis's way to name several users
  const authFile = path.join(workDir, 'auth.json');
  writeFileSync(authFile, JSON.stringify({ auth: identities }, null, 2));
  const base = `http://127.0.0.1:${config.PORT}`;
  const configFile = path.join(workDir, 'schemathesis.toml');
  writeFileSync(
    configFile,
    [
      '[auth.wfc]',
      `path = ${JSON.stringify(authFile)}`,
      `user = "${PEERS[0]}"`,
      `peers = [${PEERS.map((p) => `"${p}"`).join(', ')}]`,
      '',
      ...(await outsideServiceOperations(base)).flatMap((name) => [
        '[[operations]]',
        `include-name = ${JSON.stringify(name)}`,
        'checks.not_a_server_error.expected-statuses = ["2xx", "3xx", "4xx", "502"]',
        '',
      ]),
    ].join('\n'),
  );
  console.log(`fuzzing ${base}/api/openapi.json with ${options.examples} examples per operation; reports in ${reportDir}`);
  exitCode = await runSchemathesis(cli, [
    '--config-file', configFile,
    'run', `${base}/api/openapi.json`,
    '--url', base,
    '--checks', options.checks,
    '--phases', 'examples,coverage,fuzzing,stateful',
    '--max-examples', options.examples,
    ...(options.seed ? ['--seed', options.seed] : []),
    // Logout revokes the token every other request is sent with: fuzzing it
    // would turn the rest of the run into 401s (test/api/auth tests cover it).
    '--exclude-path', '/api/auth/logout',
    '--workers', options.workers,
    '--request-timeout', '30',
    '--no-color',
    '--report', 'junit,ndjson',
    '--report-dir', reportDir,
  ], workDir);
} finally {
  await closeServer(server);
  await database.close();
  await scratch.drop();
  rmSync(path.join(workDir, 'storage'), { recursive: true, force: true });
}
process.exit(exitCode);
