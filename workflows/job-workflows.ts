// Which workflow runs each job type: the outbox relay starts jobs by type.
import type { JobType } from '../domain/job.service.js';
import type { JobWorkflowInput } from './job-control.js';

export const JOB_WORKFLOWS: Partial<Record<JobType, (input: JobWorkflowInput) => Promise<unknown>>> = {};
