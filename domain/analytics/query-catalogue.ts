// What the query language (query-language.ts) may read: a fixed catalogue of
// entities, each a table of the organization's data with the fields a query
// may name. A field is a name a client uses and a SQL expression only this
// file writes; a client never supplies an identifier that reaches SQL. Joins
// are the ones declared here, each tied to the entity's org_id, so a joined
// row is the organization's too.

export const FIELD_TYPES = ['number', 'string', 'date', 'boolean', 'lookup'] as const;
/**
 * number: a quantity (sums and averages make sense); lookup: a code or a
 * record id (equality and lists only); date: a timestamp; string, boolean.
 */
export type FieldType = (typeof FIELD_TYPES)[number];

export interface FieldDefinition {
  /** the SQL expression over the entity's alias and its declared joins; written here, never from input */
  sql: string;
  type: FieldType;
  /** the joins (by name, of the entity's `joins`) this expression reads */
  joins?: readonly string[];
  description: string;
}

export interface EntityDefinition {
  table: string;
  /** the table's alias in compiled SQL */
  alias: string;
  description: string;
  /** LEFT JOIN clauses by name; each one's ON names the joined table's org_id = the entity's org_id */
  joins: Readonly<Record<string, string>>;
  fields: Readonly<Record<string, FieldDefinition>>;
}

const field = (sql: string, type: FieldType, description: string, joins?: readonly string[]): FieldDefinition => ({ sql, type, description, joins });

/** A lead's coded lookup (status, priority, lead_source) joined to its label in the organization's custom_lookups. */
const leadLookupJoin = (alias: string, type: string, column: string) =>
  `LEFT JOIN custom_lookups ${alias} ON ${alias}.org_id = l.org_id AND ${alias}.module_name = 'lead' AND ${alias}.type = '${type}' AND ${alias}.code = ${column}`;

const userName = (alias: string) => `NULLIF(concat_ws(' ', ${alias}.first_name, ${alias}.last_name), '')`;

export const ENTITIES = {
  leads: {
    table: 'leads',
    alias: 'l',
    description: 'Leads',
    joins: {
      status_lookup: leadLookupJoin('lks', 'status', 'l.status'),
      priority_lookup: leadLookupJoin('lkp', 'priority', 'l.priority'),
      source_lookup: leadLookupJoin('lkr', 'lead_source', 'l.lead_source'),
      assignee: 'LEFT JOIN users lu ON lu.id = l.assigned_to AND lu.org_id = l.org_id',
    },
    fields: {
      id: field('l.id', 'lookup', 'The lead id'),
      first_name: field('l.first_name', 'string', 'First name'),
      last_name: field('l.last_name', 'string', 'Last name'),
      company: field('l.company', 'string', 'Company name as given on the lead'),
      company_id: field('l.company_id', 'lookup', 'Linked company id'),
      job_title: field('l.job_title', 'string', 'Job title'),
      industry: field('l.industry', 'string', 'Industry'),
      city: field('l.city', 'string', 'City'),
      state: field('l.state', 'string', 'State'),
      country: field('l.country', 'string', 'Country'),
      status: field('l.status', 'lookup', 'Status code'),
      status_text: field('lks.name', 'string', 'Status label', ['status_lookup']),
      priority: field('l.priority', 'lookup', 'Priority code (1 Low … 4 Urgent)'),
      priority_text: field('lkp.name', 'string', 'Priority label', ['priority_lookup']),
      lead_source: field('l.lead_source', 'lookup', 'Lead source code'),
      lead_source_text: field('lkr.name', 'string', 'Lead source label (Website, Referral, …)', ['source_lookup']),
      score: field('l.score', 'number', 'Lead score 0–100'),
      estimated_value: field('l.estimated_value', 'number', 'Estimated value'),
      assigned_to: field('l.assigned_to', 'lookup', 'Assigned rep (user id)'),
      assigned_to_name: field(userName('lu'), 'string', "Assigned rep's name", ['assignee']),
      is_duplicate: field('(l.duplicate_of IS NOT NULL)', 'boolean', 'Accepted as a duplicate of another lead'),
      last_activity_at: field('l.last_activity_at', 'date', 'Last sales activity'),
      created_at: field('l.created_at', 'date', 'Created'),
      updated_at: field('l.updated_at', 'date', 'Last updated'),
    },
  },
  deals: {
    table: 'deals',
    alias: 'd',
    description: 'Deals in pipelines',
    joins: {
      stage: 'LEFT JOIN stages ds ON ds.id = d.stage_id AND ds.org_id = d.org_id',
      pipeline: 'LEFT JOIN pipelines dp ON dp.id = d.pipeline_id AND dp.org_id = d.org_id',
      creator: 'LEFT JOIN users du ON du.id = d.created_by AND du.org_id = d.org_id',
    },
    fields: {
      id: field('d.id', 'lookup', 'The deal id'),
      lead_id: field('d.lead_id', 'lookup', 'Owning lead'),
      title: field('d.title', 'string', 'Title'),
      value: field('d.value', 'number', 'Deal value'),
      priority: field('d.priority', 'lookup', 'Priority code (1 Low … 4 Urgent)'),
      pipeline_id: field('d.pipeline_id', 'lookup', 'Pipeline id'),
      pipeline_name: field('dp.name', 'string', 'Pipeline name', ['pipeline']),
      stage_id: field('d.stage_id', 'lookup', 'Stage id'),
      stage_name: field('ds.name', 'string', 'Stage name', ['stage']),
      stage_position: field('ds.position', 'number', "Stage's position in its pipeline", ['stage']),
      stage_probability: field('ds.probability', 'number', "Stage's win probability (0–1)", ['stage']),
      stage_is_won: field('ds.is_won', 'boolean', 'In a won stage', ['stage']),
      stage_is_lost: field('ds.is_lost', 'boolean', 'In a lost stage', ['stage']),
      is_open: field('NOT (coalesce(ds.is_won, false) OR coalesce(ds.is_lost, false))', 'boolean', 'Neither won nor lost', ['stage']),
      created_by: field('d.created_by', 'lookup', 'Creator (user id)'),
      created_by_name: field(userName('du'), 'string', "Creator's name", ['creator']),
      expected_close_date: field('d.expected_close_date::timestamptz', 'date', 'Expected close date'),
      stage_entered_at: field('d.stage_entered_at', 'date', 'Entered its current stage'),
      closed_at: field('d.closed_at', 'date', 'Won or lost at'),
      created_at: field('d.created_at', 'date', 'Created'),
      updated_at: field('d.updated_at', 'date', 'Last updated'),
    },
  },
  companies: {
    table: 'companies',
    alias: 'co',
    description: 'Companies',
    joins: {},
    fields: {
      id: field('co.id', 'lookup', 'The company id'),
      company_name: field('co.company_name', 'string', 'Name'),
      industry_type: field('co.industry_type', 'string', 'Industry'),
      city: field('co.city', 'string', 'City'),
      country: field('co.country', 'string', 'Country'),
      employee_size: field('co.employee_size', 'string', 'Headcount band (1-10 … 5001+)'),
      rating: field('co.rating', 'number', 'Rating 1–5'),
      created_at: field('co.created_at', 'date', 'Created'),
      updated_at: field('co.updated_at', 'date', 'Last updated'),
    },
  },
  contacts: {
    table: 'contacts',
    alias: 'ct',
    description: 'Contacts',
    joins: { company: 'LEFT JOIN companies ctc ON ctc.id = ct.company_id AND ctc.org_id = ct.org_id' },
    fields: {
      id: field('ct.id', 'lookup', 'The contact id'),
      name: field('ct.name', 'string', 'Name'),
      company_id: field('ct.company_id', 'lookup', 'Company id'),
      company_name: field('ctc.company_name', 'string', "Company's name", ['company']),
      lead_id: field('ct.lead_id', 'lookup', 'Linked lead'),
      designation: field('ct.designation', 'string', 'Designation'),
      seniority: field('ct.seniority', 'string', 'Seniority'),
      decision_maker: field('ct.decision_maker', 'string', 'Decision maker'),
      lead_score: field('ct.lead_score', 'number', 'Contact score 0–100'),
      status: field('ct.status', 'lookup', 'Status code'),
      created_at: field('ct.created_at', 'date', 'Created'),
    },
  },
  meetings: {
    table: 'meetings',
    alias: 'm',
    description: 'Meetings',
    joins: { organizer: 'LEFT JOIN users mu ON mu.id = m.user_id AND mu.org_id = m.org_id' },
    fields: {
      id: field('m.id', 'lookup', 'The meeting id'),
      user_id: field('m.user_id', 'lookup', 'Organizer (user id)'),
      user_name: field(userName('mu'), 'string', "Organizer's name", ['organizer']),
      lead_id: field('m.lead_id', 'lookup', 'Lead'),
      contact_id: field('m.contact_id', 'lookup', 'Contact'),
      company_id: field('m.company_id', 'lookup', 'Company'),
      title: field('m.title', 'string', 'Title'),
      meeting_tool: field('m.meeting_tool', 'string', 'meet | teams | zoom | custom | none'),
      status: field('m.status', 'lookup', 'Status code (1 Scheduled … 5 No Show)'),
      status_text: field(
        "CASE m.status WHEN 1 THEN 'Scheduled' WHEN 2 THEN 'Rescheduled' WHEN 3 THEN 'Held' WHEN 4 THEN 'Cancelled' WHEN 5 THEN 'No Show' END",
        'string',
        'Status label',
      ),
      duration_minutes: field('(extract(epoch FROM m.end_time - m.start_time) / 60)', 'number', 'Length in minutes'),
      start_time: field('m.start_time', 'date', 'Starts'),
      end_time: field('m.end_time', 'date', 'Ends'),
      created_at: field('m.created_at', 'date', 'Created'),
    },
  },
  calls: {
    table: 'calls',
    alias: 'ca',
    description: 'Calls',
    joins: { caller: 'LEFT JOIN users cau ON cau.id = ca.user_id AND cau.org_id = ca.org_id' },
    fields: {
      id: field('ca.id', 'lookup', 'The call id'),
      user_id: field('ca.user_id', 'lookup', 'Rep (user id)'),
      user_name: field(userName('cau'), 'string', "Rep's name", ['caller']),
      lead_id: field('ca.lead_id', 'lookup', 'Lead'),
      contact_id: field('ca.contact_id', 'lookup', 'Contact'),
      direction: field('ca.direction', 'string', 'inbound | outbound'),
      status: field('ca.status', 'string', 'queued … completed, busy, no-answer, failed, canceled'),
      duration_sec: field('ca.duration_sec', 'number', 'Duration in seconds'),
      started_at: field('ca.started_at', 'date', 'Started'),
      ended_at: field('ca.ended_at', 'date', 'Ended'),
      created_at: field('ca.created_at', 'date', 'Created'),
    },
  },
  intent_signals: {
    table: 'intent_signals',
    alias: 'si',
    description: 'Intent signals',
    joins: {},
    fields: {
      id: field('si.id', 'lookup', 'The signal id'),
      lead_id: field('si.lead_id', 'lookup', 'Lead'),
      signal_type: field('si.signal_type', 'string', 'pricing_page_visit, demo_requested, form_submitted, reply_received, email_opened, …'),
      source: field('si.source', 'string', 'api, app, tracking, inbox, booking, …'),
      occurred_at: field('si.occurred_at', 'date', 'When it happened'),
      created_at: field('si.created_at', 'date', 'Recorded'),
    },
  },
  tracked_emails: {
    table: 'tracked_emails',
    alias: 'te',
    description: 'Tracked engagement emails (opens, clicks)',
    joins: {},
    fields: {
      id: field('te.id', 'lookup', 'The tracked email id'),
      lead_id: field('te.lead_id', 'lookup', 'Lead'),
      contact_id: field('te.contact_id', 'lookup', 'Contact'),
      source: field('te.source', 'string', 'ai_email | abm_bulk | sequence'),
      open_count: field('te.open_count', 'number', "Opens counted as a person's"),
      click_count: field('te.click_count', 'number', 'Clicks'),
      opened: field('(te.open_count > 0)', 'boolean', 'Opened at least once'),
      clicked: field('(te.click_count > 0)', 'boolean', 'Clicked at least once'),
      first_opened_at: field('te.first_opened_at', 'date', 'First opened'),
      last_opened_at: field('te.last_opened_at', 'date', 'Last opened'),
      created_at: field('te.created_at', 'date', 'Sent'),
    },
  },
} as const satisfies Record<string, EntityDefinition>;

export type EntityName = keyof typeof ENTITIES;
export const ENTITY_NAMES = Object.keys(ENTITIES) as [EntityName, ...EntityName[]];

const entities: Readonly<Record<string, EntityDefinition>> = ENTITIES;

/** The entity's field of that name, or undefined (an own property only: "constructor" is no field). */
export function fieldOf(entity: EntityName, name: string): FieldDefinition | undefined {
  const fields = entities[entity]!.fields;
  return Object.hasOwn(fields, name) ? fields[name] : undefined;
}

export const entityOf = (entity: EntityName): EntityDefinition => entities[entity]!;

/** The catalogue as text, one entity a line: what the AI dashboard generator tells the model it may use. */
export function describeCatalogue(): string {
  return ENTITY_NAMES.map((name) => {
    const fields = Object.entries(entityOf(name).fields).map(([f, d]) => `${f} (${d.type})`);
    return `- ${name}: ${fields.join(', ')}`;
  }).join('\n');
}
