// What a workflow test runs against: the app on a database of its own (a
// worker's outbox relay claims every due event in its database) with a task
// queue of its own, and the in-process worker runtime when asked for.
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { startWorkerRuntime, type WorkerRuntime } from '../../worker/worker.js';
import type { Config } from '../../domain/platform/config.js';
import { createLogger } from '../../domain/platform/logger.js';
import { createTestApp, type TestApp } from './app.js';
import { createScratchDatabase, type ScratchDatabase } from './scratch-database.js';

export interface TestSystem {
  t: TestApp;
  scratch: ScratchDatabase;
  /** stops the worker and starts a new one, as a deploy or a crash would: workflows continue from their history */
  restartWorker(): Promise<void>;
  /** stops the worker (when one runs), closes the app and drops the database */
  close(): Promise<void>;
}

export async function createTestSystem(
  label: string,
  options: { worker: boolean; config?: Partial<Record<keyof Config, string>> },
): Promise<TestSystem> {
  const scratch = await createScratchDatabase(inject('adminDatabaseUrl'), label.replace(/\W/g, ''));
  const t = createTestApp({ DATABASE_URL: scratch.url, TEMPORAL_TASK_QUEUE: `${label}-test-${randomBytes(4).toString('hex')}`, ...options.config });
  const startWorker = () => startWorkerRuntime({ config: t.deps.config, database: t.database, logger: createLogger('silent') });
  let runtime: WorkerRuntime | undefined;
  try {
    if (options.worker) runtime = await startWorker();
  } catch (err) {
    await t.close();
    await scratch.drop();
    throw err;
  }
  return {
    t,
    scratch,
    async restartWorker() {
      await runtime?.stop();
      runtime = undefined;
      runtime = await startWorker();
    },
    async close() {
      await runtime?.stop();
      await t.close();
      await scratch.drop();
    },
  };
}
