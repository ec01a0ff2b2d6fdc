// Which workflow runs each job type: the outbox relay starts jobs by type.
import type { JobType } from '../domain/jobs/job.service.js';
import { aiEmailBulkWorkflow } from './ai-email-bulk.workflow.js';
import { enrichmentWorkflow } from './enrichment.workflow.js';
import { exportWorkflow } from './export.workflow.js';
import { forecastRunWorkflow } from './forecast-run.workflow.js';
import { hubspotImportWorkflow } from './hubspot-import.workflow.js';
import type { JobWorkflowInput } from './job-control.js';
import { leadImportWorkflow } from './lead-import.workflow.js';
import { outreachSequenceWorkflow } from './outreach-sequence.workflow.js';
import { leadRescoreWorkflow } from './lead-rescore.workflow.js';
import { scoringTrainWorkflow } from './scoring-train.workflow.js';

export const JOB_WORKFLOWS: Record<JobType, (input: JobWorkflowInput) => Promise<unknown>> = {
  ai_email_bulk: aiEmailBulkWorkflow,
  enrichment: enrichmentWorkflow,
  export: exportWorkflow,
  forecast_run: forecastRunWorkflow,
  hubspot_import: hubspotImportWorkflow,
  lead_import: leadImportWorkflow,
  outreach_sequence: outreachSequenceWorkflow,
  scoring_train: scoringTrainWorkflow,
  lead_rescore: leadRescoreWorkflow,
};
