// The job as every job endpoint shows it (jobs API, import jobs, exports,
// enrichment and HubSpot import status): one shape, from presentJob().
import { z } from '@hono/zod-openapi';
import { JOB_STATUSES, JOB_TYPES } from '../../../domain/jobs/job.service.js';

export const jobSchema = z
  .object({
    id: z.number().int(),
    type: z.enum(JOB_TYPES),
    status: z.enum(JOB_STATUSES).openapi({ description: 'queued → running ⇄ paused → completed | failed | cancelled' }),
    workflow_id: z.string().openapi({ description: 'The Temporal workflow running the job (find it in the Temporal UI)' }),
    params: z.record(z.string(), z.unknown()).openapi({ description: 'What the job was asked to do' }),
    progress: z.object({
      total: z.number().int().nullable().openapi({ description: 'Units of work (rows, leads, records) when known' }),
      processed: z.number().int(),
      created: z.number().int(),
      merged: z.number().int(),
      skipped: z.number().int(),
      failed: z.number().int(),
      percent: z.number().nullable(),
    }),
    result: z.record(z.string(), z.unknown()).openapi({ description: 'What the job produced (e.g. a download path)' }),
    error: z.string().nullable(),
    created_by: z.number().int().nullable(),
    created_at: z.string(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
    updated_at: z.string(),
  })
  .openapi('Job');
