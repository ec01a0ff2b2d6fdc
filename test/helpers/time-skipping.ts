// What a time-skipping workflow test runs against: the app on a database of
// its own (test/helpers/system.ts), Temporal's time-skipping test server
// (scripts/infra/temporal-test-server.ts; a process per environment), and a
// worker on it built as the worker process builds its own — the same
// workflows (workflows/index.ts), every activity (workerActivities) on the
// same ActivityDeps — plus the outbox relay, so that an API call starts its
// workflow as in production. Workflow time then jumps: `env.sleep('14 days')`,
// or awaiting a workflow's result through `env.client`, skips timers instead
// of waiting for them.
//
// What the test server (Java SDK 1.31) does not do like the real server:
// custom search attributes must be registered (AddSearchAttributes; it has no
// ListSearchAttributes) and are then kept per execution, but there are no list
// queries by them (no visibility store); there are no Schedules
// (client.schedule answers UNIMPLEMENTED) — those are tested against the dev
// server; and time only skips while nothing holds it (an activity running, a
// client not awaiting a result), so tests skip explicitly with env.sleep; and
// after a worker restart it may hand the next task to the stopped worker's
// abandoned poll, so restarts are tested on the dev server, not here.
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes.js';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { temporalTestServer } from '../../scripts/infra/temporal-test-server.js';
import type { Config } from '../../domain/platform/config.js';
import { createLogger } from '../../domain/platform/logger.js';
import { startOutboxRelay } from '../../worker/outbox-relay.js';
import { LIO_SEARCH_ATTRIBUTES } from '../../worker/temporal-connection.js';
import { WORKFLOWS_PATH, workerActivities } from '../../worker/worker.js';
import { createTestSystem, type TestSystem } from './system.js';

export interface TimeSkippingSystem extends Omit<TestSystem, 'restartWorker' | 'close'> {
  env: TestWorkflowEnvironment;
  /** the task queue the worker polls (the app's TEMPORAL_TASK_QUEUE) */
  taskQueue: string;
  close(): Promise<void>;
}

// The SDK waits 5 seconds for the server to listen; a JVM on a machine busy
// with the rest of the suite can take longer even with its class archive.
const SERVER_START_ATTEMPTS = 3;

async function startTestServer(launcher: string): Promise<TestWorkflowEnvironment> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: launcher } } });
    } catch (err) {
      if (attempt >= SERVER_START_ATTEMPTS || !/did not start within/.test(String(err))) throw err;
    }
  }
}

// bundled once per test file: webpack over every workflow is the slow part of starting a worker
let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

export async function createTimeSkippingEnv(
  label: string,
  options: { config?: Partial<Record<keyof Config, string>> } = {},
): Promise<TimeSkippingSystem> {
  const system = await createTestSystem(label, { worker: false, config: options.config });
  const { t } = system;
  const logger = createLogger('silent');
  const taskQueue = t.deps.config.TEMPORAL_TASK_QUEUE;
  let env: TestWorkflowEnvironment | undefined;
  // the SDK's own runtime logs every worker state change at INFO; warnings and errors still show
  if (Runtime._instance === undefined) Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
  try {
    env = await startTestServer(await temporalTestServer());
    // the relay's starts carry LIO's search attributes, which the server rejects unless registered; it
    // implements AddSearchAttributes but not ListSearchAttributes (so not ensureSearchAttributes)
    await env.connection.operatorService.addSearchAttributes({
      namespace: env.namespace,
      searchAttributes: Object.fromEntries(Object.values(LIO_SEARCH_ATTRIBUTES).map((key) => [key.name, encodeSearchAttributeIndexedValueType(key.type)!])),
    });
    bundle ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') });
    const workflowBundle = await bundle;
    const activities = workerActivities({ config: t.deps.config, database: t.database, services: t.deps.services, logger });
    const temporal = env;
    const worker = await Worker.create({ connection: temporal.nativeConnection, namespace: temporal.namespace, taskQueue, workflowBundle, activities });
    const running = worker.run();
    const relay = startOutboxRelay({ database: t.database, client: env.client, taskQueue, logger, idleMs: 50 });
    return {
      ...system,
      env,
      taskQueue,
      async close() {
        await relay.stop();
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running.catch(() => undefined);
        await temporal.teardown();
        await system.close();
      },
    };
  } catch (err) {
    await env?.teardown().catch(() => undefined);
    await system.close();
    throw err;
  }
}
