// A dashboard's definition (issue 12): its widgets, each a query — a saved
// query of the organization, by id, or an inline query-language document —
// and the widget type that draws it. One schema, used by the dashboards API
// and by the AI dashboard generator, so a generated dashboard passes exactly
// the checks a hand-made one does: strict objects (unknown keys refused),
// bounded counts and size, inline queries checked against the catalogue, and
// every widget's type suited to its query's shape (the check the execute
// endpoint makes). Saved-query widgets are checked against their stored
// query by checkSavedQueryWidgets, which needs the database.
import { z } from 'zod';
import { ApiError } from '../platform/errors.js';
import { checkQuery, queryDocumentSchema, type ParameterDeclaration, type QueryDocument } from './query-language.js';
import { WIDGET_TYPES, widgetShapeProblem } from './query-runner.js';

export const MAX_WIDGETS = 50;
/** the definition's JSON, in bytes */
export const MAX_DEFINITION_BYTES = 64 * 1024;
const PG_INT_MAX = 2_147_483_647;

const widgetSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'must be a slug: lower-case letters, digits, - and _, at most 40'),
  title: z.string().trim().min(1).max(120),
  type: z.enum(WIDGET_TYPES),
  query: z.union([z.strictObject({ saved_query_id: z.number().int().min(1).max(PG_INT_MAX) }), queryDocumentSchema]),
  /** values for the saved query's declared parameters (a saved-query widget only) */
  parameters: z.record(z.string().regex(/^[a-z][a-z0-9_]{0,39}$/), z.union([z.string().max(500), z.number(), z.boolean(), z.array(z.union([z.string().max(500), z.number()])).max(100)])).optional(),
  position: z
    .strictObject({
      x: z.number().int().min(0).max(11),
      y: z.number().int().min(0).max(1000),
      w: z.number().int().min(1).max(12),
      h: z.number().int().min(1).max(50),
    })
    .optional(),
});
export type DashboardWidget = z.infer<typeof widgetSchema>;

const isInline = (query: DashboardWidget['query']): query is QueryDocument => 'entity' in query;

export const dashboardDefinitionSchema = z
  .strictObject({
    version: z.literal(1),
    layout: z.strictObject({ columns: z.number().int().min(1).max(12) }).optional(),
    widgets: z.array(widgetSchema).max(MAX_WIDGETS),
  })
  .superRefine((definition, ctx) => {
    if (Buffer.byteLength(JSON.stringify(definition)) > MAX_DEFINITION_BYTES) {
      ctx.addIssue({ code: 'custom', path: [], message: `a definition may be at most ${MAX_DEFINITION_BYTES} bytes of JSON` });
    }
    const ids = new Set<string>();
    definition.widgets.forEach((widget, i) => {
      if (ids.has(widget.id)) ctx.addIssue({ code: 'custom', path: ['widgets', i, 'id'], message: `widget id ${widget.id} is used twice` });
      ids.add(widget.id);
      if (!isInline(widget.query)) return;
      if (widget.parameters !== undefined) ctx.addIssue({ code: 'custom', path: ['widgets', i, 'parameters'], message: 'parameters go with a saved query; an inline query gives its values itself' });
      // an inline query has no declarations: a { param } in it is refused
      for (const problem of checkQuery(widget.query, null)) {
        ctx.addIssue({ code: 'custom', path: ['widgets', i, 'query', ...problem.path.split('.').filter(Boolean)], message: problem.message });
      }
      const shape = widgetShapeProblem(widget.query, widget.type);
      if (shape) ctx.addIssue({ code: 'custom', path: ['widgets', i, 'type'], message: shape });
    });
  });
export type DashboardDefinition = z.infer<typeof dashboardDefinitionSchema>;

export interface DefinitionProblem {
  path: string;
  message: string;
}

/** The definition's problems as path + message, for a 422 or for the model's repair round. */
export function definitionProblems(input: unknown): { definition: DashboardDefinition; problems: [] } | { definition: null; problems: DefinitionProblem[] } {
  const parsed = dashboardDefinitionSchema.safeParse(input);
  if (parsed.success) return { definition: parsed.data, problems: [] };
  return { definition: null, problems: parsed.error.issues.slice(0, 20).map((issue) => ({ path: issue.path.join('.'), message: issue.message })) };
}

export function invalidDefinition(problems: DefinitionProblem[], code = 'invalid_definition'): ApiError {
  const details = problems.map((p) => ({ path: p.path ? `definition.${p.path}` : 'definition', message: p.message }));
  return new ApiError('validation_error', `Invalid dashboard definition: ${details.slice(0, 3).map((d) => `${d.path}: ${d.message}`).join('; ')}`, { code, details });
}

/** The saved queries a definition's widgets use (ids), to load and check. */
export const savedQueryIdsOf = (definition: DashboardDefinition): number[] => [
  ...new Set(definition.widgets.flatMap((w) => (isInline(w.query) ? [] : [w.query.saved_query_id]))),
];

export interface StoredQuery {
  id: number;
  definition: QueryDocument;
  parameters: ParameterDeclaration[];
}

/**
 * Each saved-query widget against its query: the query is the
 * organization's (`stored` holds only the organization's), its shape suits
 * the widget, and the widget's parameters are declared by it.
 */
export function savedQueryWidgetProblems(definition: DashboardDefinition, stored: ReadonlyMap<number, StoredQuery>): DefinitionProblem[] {
  const problems: DefinitionProblem[] = [];
  definition.widgets.forEach((widget, i) => {
    if (isInline(widget.query)) return;
    const query = stored.get(widget.query.saved_query_id);
    if (!query) {
      problems.push({ path: `widgets.${i}.query.saved_query_id`, message: `saved query ${widget.query.saved_query_id} not found` });
      return;
    }
    const shape = widgetShapeProblem(query.definition, widget.type);
    if (shape) problems.push({ path: `widgets.${i}.type`, message: shape });
    const declared = new Set(query.parameters.map((p) => p.name));
    for (const name of Object.keys(widget.parameters ?? {})) {
      if (!declared.has(name)) problems.push({ path: `widgets.${i}.parameters.${name}`, message: `${name} is not a parameter of saved query ${query.id}` });
    }
  });
  return problems;
}
