// The worker process (`npm run worker`): runs LIO's workflows and
// activities, relays the transactional outbox to Temporal, and prunes
// expired idempotency records and rate-limit windows. Any number of worker
// processes may run side by side. `npm run dev` and the tests run the same
// runtime in-process through startWorkerRuntime().
import { fileURLToPath, pathToFileURL } from 'node:url';
import { NativeConnection, Runtime, Worker, type Logger as TemporalLogger, type LogLevel, type LogMetadata } from '@temporalio/worker';
import type { Logger } from 'pino';
import { loadConfig, type Config } from '../domain/platform/config.js';
import { createDatabase, workerDatabaseOptions, type Database } from '../domain/platform/db.js';
import { IDEMPOTENCY_RETENTION_HOURS, pruneIdempotencyRecords } from '../domain/platform/idempotency.service.js';
import { ensureForecastSchedules } from '../domain/forecasting/forecast-settings.js';
import { foldDashboardRollups } from '../domain/analytics/dashboard-rollups.js';
import { ensureScoringSchedules } from '../domain/scoring/scoring-model.service.js';
import { createLogger } from '../domain/platform/logger.js';
import { pruneRateLimitWindows } from '../domain/platform/rate-limit.service.js';
import { describeEnrichmentProviders } from '../services/enrichment.js';
import { createServices } from '../services/services.js';
import type { ActivityDeps } from '../activities/activity-deps.js';
import { createAbmAutomationActivities } from '../activities/abm-automation.activities.js';
import { createAccountHealthActivities } from '../activities/account-health.activities.js';
import { createAiEmailActivities } from '../activities/ai-email.activities.js';
import { createCalendarActivities } from '../activities/calendar.activities.js';
import { createEnrichmentActivities } from '../activities/enrichment.activities.js';
import { createExportActivities } from '../activities/export.activities.js';
import { createFollowUpActivities } from '../activities/follow-up.activities.js';
import { createForecastActivities } from '../activities/forecast.activities.js';
import { createHubspotImportActivities } from '../activities/hubspot-import.activities.js';
import { createJobActivities } from '../activities/job.activities.js';
import { createLeadImportActivities } from '../activities/lead-import.activities.js';
import { createNotificationDeliveryActivities } from '../activities/notification-delivery.activities.js';
import { createMailActivities } from '../activities/mail.activities.js';
import { createOutreachActivities } from '../activities/outreach.activities.js';
import { startOutboxRelay } from './outbox-relay.js';
import { createScoringActivities } from '../activities/scoring.activities.js';
import { createScoringModelActivities } from '../activities/scoring-model.activities.js';
import { createVoiceActivities } from '../activities/voice.activities.js';
import { connectTemporalClient, ensureSearchAttributes } from './temporal-connection.js';

export interface WorkerDeps {
  config: Config;
  database: Database;
  logger: Logger;
}

export interface WorkerRuntime {
  /** settles when the Temporal worker stops; rejects when it fails */
  done: Promise<void>;
  /** stops relaying, drains the Temporal worker, closes the connections (not the database: the caller owns it) */
  stop(): Promise<void>;
}

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));
const MAINTENANCE_INTERVAL_MS = 60_000;
// longer than any rate-limit window in use (they are one minute)
const RATE_LIMIT_WINDOW_RETENTION_MS = 60 * 60 * 1000;

/**
 * A chore of the worker's maintenance round (at start, then every minute):
 * each is idempotent, a failure is logged and the next round retries it, and
 * what it answers (how many records it touched) is logged when not zero.
 */
interface MaintenanceTask {
  what: string;
  run(database: Database): Promise<number>;
}

const MAINTENANCE_TASKS: readonly MaintenanceTask[] = [
  {
    what: 'pruning expired idempotency records',
    run: (database) => pruneIdempotencyRecords(database, new Date(Date.now() - IDEMPOTENCY_RETENTION_HOURS * 3600_000)),
  },
  { what: 'pruning ended rate-limit windows', run: (database) => pruneRateLimitWindows(database, new Date(Date.now() - RATE_LIMIT_WINDOW_RETENTION_MS)) },
  // every organization with deals gets its daily forecast schedule without anyone calling the API:
  // its default settings row and sync event are written here (new organizations within a minute)
  { what: 'requesting forecast schedules', run: ensureForecastSchedules },
  // and every organization with a closed deal its weekly scoring-model training (with a first training now)
  { what: 'requesting scoring schedules', run: ensureScoringSchedules },
  // the dashboards read unfolded deltas too, so folding only keeps their reads short
  { what: 'folding dashboard rollup deltas', run: foldDashboardRollups },
];

async function runMaintenance({ database, logger }: WorkerDeps): Promise<void> {
  for (const task of MAINTENANCE_TASKS) {
    try {
      const touched = await task.run(database);
      if (touched > 0) logger.info({ touched }, task.what);
    } catch (err) {
      logger.warn({ err }, `${task.what} failed; the next round retries`);
    }
  }
}

function temporalLogger(logger: Logger): TemporalLogger {
  const log = (level: LogLevel, message: string, meta?: LogMetadata) =>
    logger[level.toLowerCase() as 'trace' | 'debug' | 'info' | 'warn' | 'error'](meta ?? {}, message);
  return {
    log,
    trace: (message, meta) => log('TRACE', message, meta),
    debug: (message, meta) => log('DEBUG', message, meta),
    info: (message, meta) => log('INFO', message, meta),
    warn: (message, meta) => log('WARN', message, meta),
    error: (message, meta) => log('ERROR', message, meta),
  };
}

// Temporal's runtime is one per process; the first worker runtime installs it
// so the SDK logs through our logger. Without shutdown signals: whoever runs
// the worker handles signals and stops it in order (relay first, then worker).
function installTemporalRuntime(logger: Logger) {
  if (Runtime._instance === undefined) Runtime.install({ logger: temporalLogger(logger), shutdownSignals: [] });
}

/** Every activity the worker runs (also what the time-skipping test worker registers, test/helpers/time-skipping.ts). */
export function workerActivities(activityDeps: ActivityDeps) {
  return {
    ...createScoringActivities(activityDeps),
    ...createScoringModelActivities(activityDeps),
    ...createAbmAutomationActivities(activityDeps),
    ...createAccountHealthActivities(activityDeps),
    ...createFollowUpActivities(activityDeps),
    ...createJobActivities(activityDeps),
    ...createEnrichmentActivities(activityDeps),
    ...createHubspotImportActivities(activityDeps),
    ...createExportActivities(activityDeps),
    ...createLeadImportActivities(activityDeps),
    ...createVoiceActivities(activityDeps),
    ...createNotificationDeliveryActivities(activityDeps),
    ...createMailActivities(activityDeps),
    ...createCalendarActivities(activityDeps),
    ...createOutreachActivities(activityDeps),
    ...createAiEmailActivities(activityDeps),
    ...createForecastActivities(activityDeps),
  };
}

export async function startWorkerRuntime(deps: WorkerDeps): Promise<WorkerRuntime> {
  const { config, logger } = deps;
  installTemporalRuntime(logger);
  // every connector, the egress and the shared limiters of this worker, built once (services/services.ts)
  const activityDeps: ActivityDeps = { ...deps, services: createServices(config) };
  logger.info(describeEnrichmentProviders(config), 'enrichment providers');
  const temporal = await connectTemporalClient(config);
  let connection: NativeConnection | undefined;
  try {
    await ensureSearchAttributes(temporal.connection, config.TEMPORAL_NAMESPACE);
    connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
    const worker = await Worker.create({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      workflowsPath: WORKFLOWS_PATH,
      activities: workerActivities(activityDeps),
    });
    const done = worker.run();
    // logged here, so that a failure is seen even where nobody awaits `done`
    done.catch((err) => logger.error({ err }, 'Temporal worker failed'));
    const relay = startOutboxRelay({ database: deps.database, client: temporal.client, taskQueue: config.TEMPORAL_TASK_QUEUE, logger });
    void runMaintenance(deps);
    const maintenance = setInterval(() => void runMaintenance(deps), MAINTENANCE_INTERVAL_MS);
    const workerConnection = connection;
    logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE, namespace: config.TEMPORAL_NAMESPACE }, 'worker running');
    return {
      done,
      async stop() {
        clearInterval(maintenance);
        await relay.stop();
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await done.catch(() => undefined);
        await workerConnection.close();
        await temporal.connection.close();
      },
    };
  } catch (err) {
    await connection?.close();
    await temporal.connection.close();
    throw err;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, 'lio-worker');
  // bounds of its own, wider than the API's: activities run long statements by design
  const database = createDatabase(config.DATABASE_URL, workerDatabaseOptions(config, logger));
  const runtime = await startWorkerRuntime({ config, database, logger });
  let exiting = false;
  const shutdown = async (code: number) => {
    if (exiting) return;
    exiting = true;
    await runtime.stop();
    await database.close();
    process.exit(code);
  };
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));
  runtime.done.catch(() => void shutdown(1));
}
