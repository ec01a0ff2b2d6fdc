// AI tools (§6.9): magic pen (improve a note) and the email generator,
// through the language model the composition root built (services.llm; the
// labelled offline generator when none is configured). Each use is paid for
// in AI credits: an organization that cannot pay is refused (422
// insufficient_credits) before the model is called, and the debit is posted
// after the answer, in its own transaction whose ledger entry records what
// was produced (template version, generator, model, lead): a model failure
// costs nothing.
//
// What the model sees of a lead is decided here, not by the client: the
// client names a lead (an id, or { lead_id }), and the lead's own row of the
// caller's organization supplies a fixed allow-list of fields. Contact
// details (email, phone) and everything else of the record stay out.
import { randomUUID } from 'node:crypto';
import type { Scope } from '../platform/auth-context.js';
import type { Database } from '../platform/db.js';
import { apiErrorOf, type OutsideService } from '../platform/connector-failure.js';
import { notFound } from '../platform/errors.js';
import { transaction, type SqlClient } from '../platform/transaction.js';
import { assertCredits, debitCredits, type AiFeatureName } from '../billing/credits.service.js';
import { EMAIL_GENERATOR_V1, MAGICPEN_V1, type PromptTemplate } from './ai-prompts.js';

export const LANGUAGE_MODEL: OutsideService = { name: 'The language model', code: 'llm' };

/** What writes the text: the LLM connector (services.llm) as the domain sees it. */
export interface TextGenerator {
  complete(request: { system: string; prompt: string; maxTokens?: number; signal?: AbortSignal }): Promise<{
    text: string;
    generator: 'llm' | 'offline';
    model: string;
  }>;
}

/** The allow-list of a lead's fields a prompt may carry. */
export interface LeadContext {
  id: number;
  name: string | null;
  job_title: string | null;
  company: string | null;
  industry: string | null;
  city: string | null;
  country: string | null;
  status_text: string | null;
  /** the latest notes, each cut to NOTE_CHARS */
  recent_notes: string[];
}

/** Notes a prompt carries, and how much of each. */
const RECENT_NOTES = 3;
const NOTE_CHARS = 300;
/** Any one field's text is cut here: a record's field cannot flood the prompt. */
const FIELD_CHARS = 200;

const cut = (text: string | null, max: number) => {
  if (text === null) return null;
  const trimmed = text.trim().replace(/\s+/g, ' ');
  if (!trimmed) return null;
  return trimmed.length > max ? `${trimmed.slice(0, max - 1)}…` : trimmed;
};

/**
 * The lead's allow-listed fields, read from the lead's own row of the
 * organization (404 for a lead it does not have, another organization's
 * included).
 */
export async function loadLeadContext(db: SqlClient, orgId: number, leadId: number): Promise<LeadContext> {
  const { rows } = await db.query<{
    id: number;
    first_name: string | null;
    last_name: string | null;
    job_title: string | null;
    company: string | null;
    industry: string | null;
    city: string | null;
    country: string | null;
    status_text: string | null;
    notes: string | null;
    recent_notes: string[] | null;
  }>(
    `SELECT l.id, l.first_name, l.last_name, l.job_title, l.company, l.industry, l.city, l.country, l.notes,
            (SELECT name FROM custom_lookups s WHERE s.org_id = l.org_id AND s.module_name = 'lead' AND s.type = 'status' AND s.code = l.status LIMIT 1) AS status_text,
            (SELECT array_agg(concat_ws(': ', n.title, n.note) ORDER BY n.id DESC)
               FROM (SELECT id, title, note FROM lead_notes WHERE org_id = l.org_id AND lead_id = l.id ORDER BY id DESC LIMIT $3) n) AS recent_notes
       FROM leads l WHERE l.id = $1 AND l.org_id = $2`,
    [leadId, orgId, RECENT_NOTES],
  );
  const lead = rows[0];
  if (!lead) throw notFound('Lead');
  const notes = [...(lead.recent_notes ?? []), ...(lead.notes ? [lead.notes] : [])]
    .slice(0, RECENT_NOTES)
    .map((note) => cut(note, NOTE_CHARS))
    .filter((note): note is string => note !== null);
  return {
    id: lead.id,
    name: cut([lead.first_name, lead.last_name].filter(Boolean).join(' '), FIELD_CHARS),
    job_title: cut(lead.job_title, FIELD_CHARS),
    company: cut(lead.company, FIELD_CHARS),
    industry: cut(lead.industry, FIELD_CHARS),
    city: cut(lead.city, FIELD_CHARS),
    country: cut(lead.country, FIELD_CHARS),
    status_text: cut(lead.status_text, FIELD_CHARS),
    recent_notes: notes,
  };
}

/** The lead a client names as leadContext: a lead id, or an object carrying lead_id (its other keys are never used). */
export type LeadContextRef = number | { lead_id: number };

export const leadIdOf = (ref: LeadContextRef | null | undefined): number | null => (ref === null || ref === undefined ? null : typeof ref === 'number' ? ref : ref.lead_id);

export interface AiToolAnswer {
  text: string;
  generator: 'llm' | 'offline';
  model: string;
  prompt_version: string;
  lead_id: number | null;
  credits_charged: number;
  credits_remaining: number;
}

/** One paid use of a template: credits checked, the model asked, the debit posted with what it produced. */
async function runPaidTemplate<Input>(
  db: Database,
  generator: TextGenerator,
  scope: Pick<Scope, 'orgId' | 'userId'>,
  feature: AiFeatureName,
  template: PromptTemplate<Input>,
  input: Input,
  leadId: number | null,
): Promise<AiToolAnswer> {
  await assertCredits(db, scope.orgId, feature);
  const answer = await generator
    .complete({ system: template.system, prompt: template.build(input), maxTokens: template.maxTokens })
    .catch((err: unknown) => {
      throw apiErrorOf(LANGUAGE_MODEL, err);
    });
  // one request, one debit: the key is this request's own (a repeated request is a new use of the model, and is paid for)
  const debit = await transaction(db.pool, { actorId: scope.userId }, (client) =>
    debitCredits(client, {
      orgId: scope.orgId,
      userId: scope.userId,
      feature,
      idempotencyKey: randomUUID(),
      reference: { prompt_version: template.version, generator: answer.generator, model: answer.model, lead_id: leadId, chars: answer.text.length },
    }),
  );
  return {
    text: answer.text,
    generator: answer.generator,
    model: answer.model,
    prompt_version: template.version,
    lead_id: leadId,
    credits_charged: debit.credits,
    credits_remaining: debit.balance,
  };
}

const contextOf = async (db: Database, orgId: number, ref: LeadContextRef | null | undefined) => {
  const leadId = leadIdOf(ref);
  return leadId === null ? null : loadLeadContext(db.pool, orgId, leadId);
};

export async function magicpen(
  db: Database,
  generator: TextGenerator,
  scope: Pick<Scope, 'orgId' | 'userId'>,
  input: { noteText: string; leadContext?: LeadContextRef | null },
): Promise<AiToolAnswer> {
  const lead = await contextOf(db, scope.orgId, input.leadContext);
  return runPaidTemplate(db, generator, scope, 'magicpen', MAGICPEN_V1, { noteText: input.noteText, lead }, lead?.id ?? null);
}

export async function generateEmailBody(
  db: Database,
  generator: TextGenerator,
  scope: Pick<Scope, 'orgId' | 'userId'>,
  input: { prompt: string; emailSubject?: string; emailBody?: string; leadContext?: LeadContextRef | null },
): Promise<AiToolAnswer> {
  const lead = await contextOf(db, scope.orgId, input.leadContext);
  return runPaidTemplate(
    db,
    generator,
    scope,
    'email_generator',
    EMAIL_GENERATOR_V1,
    { prompt: input.prompt, emailSubject: input.emailSubject ?? '', emailBody: input.emailBody ?? '', lead },
    lead?.id ?? null,
  );
}
