// Request and response shapes of scheduled ABM automation (§6.8: a Temporal Schedule per organization).
import { z } from '@hono/zod-openapi';
import { isTimeZone } from '../../../domain/communications/availability.js';
import { ABM_TIME, ABM_WEEKDAYS } from '../../../domain/engagement/abm-automation.service.js';

const weekday = z.enum(ABM_WEEKDAYS);

export const abmAutomationBody = z
  .object({
    enabled: z.boolean().openapi({ description: 'false: no schedule (the Temporal Schedule is deleted); days and time are then ignored' }),
    days: z
      .array(weekday)
      .min(1)
      .max(7)
      .refine((days) => new Set(days).size === days.length, 'days must not repeat a day')
      .optional()
      .openapi({ description: 'Week days to run on (required when enabled)', example: ['mon', 'tue', 'wed', 'thu', 'fri'] }),
    time: z
      .string()
      .regex(ABM_TIME, 'time must be HH:MM, 00:00 to 23:59')
      .optional()
      .openapi({ description: 'Local time of day, 24-hour HH:MM (required when enabled)', example: '09:00' }),
    timezone: z
      .string()
      .max(64)
      .refine(isTimeZone, 'timezone must be an IANA time zone name, e.g. Europe/Berlin')
      .optional()
      .openapi({ description: "IANA time zone of days and time; absent: the one stored before, else the organization's", example: 'Europe/Berlin' }),
    paused: z.boolean().optional().openapi({ description: 'Keep the schedule but run nothing until unpaused (default false)' }),
  })
  .superRefine((body, ctx) => {
    if (!body.enabled) return;
    if (!body.days) ctx.addIssue({ code: 'custom', path: ['days'], message: 'days are required when enabled' });
    if (!body.time) ctx.addIssue({ code: 'custom', path: ['time'], message: 'time is required when enabled' });
  })
  .openapi('AbmAutomationRequest');

export const abmAutomationSchema = z
  .object({
    enabled: z.boolean(),
    days: z.array(weekday),
    time: z.string().nullable().openapi({ example: '09:00' }),
    timezone: z.string().openapi({ example: 'Europe/Berlin' }),
    paused: z.boolean(),
    cron: z.string().nullable().openapi({ description: 'The schedule as Temporal runs it (minute hour * * days, 0 = Sunday), in timezone', example: '0 9 * * 1,2,3,4,5' }),
    next_runs: z
      .array(z.string())
      .openapi({ description: 'The next runs (up to 5) as UTC instants; empty when disabled or paused', example: ['2026-12-07T08:00:00.000Z'] }),
    schedule_id: z.string().openapi({ description: "The Temporal Schedule's id (Temporal UI, Schedules)", example: 'abm-automation:org_3kq9' }),
    updated_at: z.string().nullable(),
  })
  .openapi('AbmAutomation');
