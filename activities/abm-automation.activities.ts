// ABM automation I/O (workflows/abm-automation.workflow.ts): one run of an
// organization's schedule, as one transaction of outbox events
// (domain/engagement/abm-automation.service.ts); retrying it only asks again.
import { runAbmAutomation, type AbmRunOutcome } from '../domain/engagement/abm-automation.service.js';
import type { ActivityDeps } from './activity-deps.js';

export interface AbmAutomationInput {
  orgId: number;
}

export function createAbmAutomationActivities({ database }: ActivityDeps) {
  return {
    runAbmAutomation: ({ orgId }: AbmAutomationInput): Promise<AbmRunOutcome> => runAbmAutomation(database, orgId),
  };
}

export type AbmAutomationActivities = ReturnType<typeof createAbmAutomationActivities>;
