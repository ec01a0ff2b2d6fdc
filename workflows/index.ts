// Every workflow the worker runs (its workflowsPath bundles this file).
export { abmAutomationWorkflow } from './abm-automation.workflow.js';
export { accountHealthWorkflow } from './account-health.workflow.js';
export { agentCallWorkflow } from './agent-call.workflow.js';
export { aiEmailBulkWorkflow } from './ai-email-bulk.workflow.js';
export { enrichmentWorkflow } from './enrichment.workflow.js';
export { exportWorkflow } from './export.workflow.js';
export { followUpDueWorkflow } from './follow-up-due.workflow.js';
export { forecastRunWorkflow, forecastScheduleWorkflow } from './forecast-run.workflow.js';
export { hubspotImportWorkflow } from './hubspot-import.workflow.js';
export { leadImportWorkflow } from './lead-import.workflow.js';
export { mailDeliveryWorkflow } from './mail-delivery.workflow.js';
export { meetingCalendarWorkflow, meetingEventRemovalWorkflow } from './meeting-calendar.workflow.js';
export { notificationDeliveryWorkflow } from './notification-delivery.workflow.js';
export { outreachSequenceWorkflow } from './outreach-sequence.workflow.js';
export { scoreLeadWorkflow } from './score-lead.workflow.js';
export { leadRescoreWorkflow } from './lead-rescore.workflow.js';
export { scheduledScoringTrainWorkflow, scoringTrainWorkflow } from './scoring-train.workflow.js';
