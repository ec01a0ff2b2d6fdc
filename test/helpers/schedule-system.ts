// What a test of per-organization Temporal Schedules runs against (the real
// dev server: the time-skipping one has no Schedules): a test system with
// its worker, a Temporal client, and the schedules the test made, deleted at
// close — the dev server outlives the file, and a schedule left behind would
// keep firing into a dropped database.
import type { ScheduleDescription } from '@temporalio/client';
import { vi } from 'vitest';
import { connectTemporalClient, type TemporalClient } from '../../worker/temporal-connection.js';
import { createTestSystem, type TestSystem } from './system.js';

export interface ScheduleTestSystem {
  system: TestSystem;
  temporal: TemporalClient;
  /** remembers a schedule id to delete at close */
  track(...scheduleIds: string[]): void;
  /** the schedule's description once it satisfies `check` (the relay syncs schedules within seconds) */
  scheduleWhen(scheduleId: string, check: (d: ScheduleDescription) => void): Promise<ScheduleDescription>;
  close(): Promise<void>;
}

export async function createScheduleTestSystem(label: string): Promise<ScheduleTestSystem> {
  const system = await createTestSystem(label, { worker: true });
  const temporal = await connectTemporalClient(system.t.deps.config);
  const made: string[] = [];
  return {
    system,
    temporal,
    track: (...ids) => void made.push(...ids),
    scheduleWhen: (scheduleId, check) => {
      const handle = temporal.client.schedule.getHandle(scheduleId);
      return vi.waitFor(
        async () => {
          const description = await handle.describe();
          check(description);
          return description;
        },
        { timeout: 20_000, interval: 200 },
      );
    },
    async close() {
      for (const id of made) await temporal.client.schedule.getHandle(id).delete().catch(() => undefined);
      await temporal.connection.close();
      await system.close();
    },
  };
}
