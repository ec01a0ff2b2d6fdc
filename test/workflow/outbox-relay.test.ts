// The no-dual-write proof: the API only commits leads and their outbox rows;
// a worker process that is killed while relaying loses nothing, because rows
// leave the outbox only after Temporal accepted the start, and a replayed
// start is harmless.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { connectTemporalClient, type TemporalClient } from '../../worker/temporal-connection.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createScratchDatabase, type ScratchDatabase } from '../helpers/scratch-database.js';
import { seedTenant, uniqueEmail, type Tenant } from '../helpers/tenants.js';
import { spawnWorker, workerEnvOf } from '../helpers/worker-process.js';

const LEADS = 600;

let scratch: ScratchDatabase;
let t: TestApp;
let temporal: TemporalClient;
const workers: ChildProcess[] = [];

beforeAll(async () => {
  scratch = await createScratchDatabase(inject('adminDatabaseUrl'), 'relay');
  t = createTestApp({ DATABASE_URL: scratch.url, TEMPORAL_TASK_QUEUE: `relay-test-${randomBytes(4).toString('hex')}` });
  temporal = await connectTemporalClient(t.deps.config);
});

afterAll(async () => {
  for (const worker of workers) if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
  await temporal?.connection.close();
  await t?.close();
  await scratch?.drop();
});

/** `npm run worker` as its own OS process, its stderr kept to explain an early exit. */
function startWorker() {
  const child = spawnWorker({ ...workerEnvOf(t), LOG_LEVEL: 'warn' });
  let output = '';
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  workers.push(child);
  return { child, exited, output: () => output };
}

async function progress(tenant: Tenant) {
  const { rows } = await t.database.pool.query<{ scored: number; pending: number }>(
    `SELECT (SELECT count(*)::int FROM leads WHERE org_id = $1 AND score > 0) AS scored,
            (SELECT count(*)::int FROM outbox_events WHERE org_id = $1) AS pending`,
    [tenant.orgId],
  );
  return rows[0]!;
}

describe('outbox relay across a worker crash', () => {
  it('scores every committed lead and empties the outbox although the worker is SIGKILLed mid-relay', async () => {
    const tenant = await seedTenant(t);
    const key = await tenant.apiKey();
    // the API commits leads while no relay runs, as if it had died right after each commit
    for (let i = 0; i < LEADS; i += 25) {
      const batch = Array.from({ length: Math.min(25, LEADS - i) }, () =>
        t.call('POST', '/api/v1/lead', { apiKey: key, body: { email: uniqueEmail('relay'), job_title: 'Director' } }),
      );
      for (const res of await Promise.all(batch)) expect(res.status).toBe(201);
    }
    expect(await progress(tenant)).toEqual({ scored: 0, pending: LEADS });

    const first = startWorker();
    const atKill = await vi.waitFor(
      async () => {
        const now = await progress(tenant);
        if (first.child.exitCode !== null) throw new Error(`worker exited early:\n${first.output()}`);
        expect(now.scored).toBeGreaterThan(0);
        return now;
      },
      { timeout: 60_000, interval: 20 },
    );
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    // it really died mid-way: events were still waiting, leads still unscored
    expect(atKill.pending).toBeGreaterThan(0);
    const afterKill = await progress(tenant);
    expect(afterKill.scored).toBeLessThan(LEADS);

    // restarted as two processes: their relays share the outbox through SKIP LOCKED
    const survivors = [startWorker(), startWorker()];
    await vi.waitFor(
      async () => {
        for (const worker of survivors) {
          if (worker.child.exitCode !== null) throw new Error(`worker exited early:\n${worker.output()}`);
        }
        expect(await progress(tenant)).toEqual({ scored: LEADS, pending: 0 });
      },
      { timeout: 90_000, interval: 250 },
    );
    // every lead's workflow closes successfully, however often its event was relayed
    // (the last workflow tasks of runs the dead worker held may still be pending)
    const { rows: leads } = await t.database.pool.query<{ id: number }>('SELECT id FROM leads WHERE org_id = $1', [tenant.orgId]);
    await vi.waitFor(
      async () => {
        const runs = new Map<string, string[]>();
        for await (const execution of temporal.client.workflow.list({ query: `OrgId = "${tenant.orgPublicId}"` })) {
          runs.set(execution.workflowId, [...(runs.get(execution.workflowId) ?? []), execution.status.name]);
        }
        expect(runs.size).toBe(leads.length);
        expect([...runs].filter(([, statuses]) => statuses.some((status) => status !== 'COMPLETED'))).toEqual([]);
      },
      { timeout: 60_000, interval: 500 },
    );

    for (const worker of survivors) worker.child.kill('SIGTERM');
    for (const worker of survivors) expect(await worker.exited).toEqual({ code: 0, signal: null });
  }, 240_000);
});
