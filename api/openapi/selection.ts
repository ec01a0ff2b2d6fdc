// Request shapes shared by bulk endpoints: a list's filters sent as a JSON
// object (select_all + filters, ENGINEERING.md §7), and the delete
// convention of §6.4 (":id, or ids (array) / select_all").
import { z } from '@hono/zod-openapi';
import { idList } from './params.js';

/** JSON filters may carry native values (3, true, [1, 2]) where the query string has text ("3", "true", "1,2"). */
function asQueryStringValues(filters: unknown): unknown {
  if (filters === null || typeof filters !== 'object' || Array.isArray(filters)) return filters;
  return Object.fromEntries(
    Object.entries(filters).map(([key, value]) => [
      key,
      typeof value === 'number' || typeof value === 'boolean' ? String(value) : Array.isArray(value) ? value.join(',') : value,
    ]),
  );
}

/**
 * A list's filter parameters (its query schema without paging and sorting)
 * as the `filters` object of a bulk request. Unknown keys are rejected: a
 * misspelt filter must not widen a bulk change to every row.
 */
export function listFiltersBody<F extends z.ZodObject>(filterParams: F, listPath: string) {
  return z
    .preprocess(asQueryStringValues, filterParams.strict())
    .openapi({ description: `The list filters of GET ${listPath} (same keys and values)` });
}

/** The optional body of DELETE .../delete/{id}: more rows to delete with the one in the path. */
export function deletionBody<F extends z.ZodType>(name: string, noun: string, filters: F) {
  return z
    .object({
      ids: idList.optional().openapi({ description: `More ${noun} to delete, with the one in the path` }),
      select_all: z.boolean().optional().openapi({ description: `\`true\`: also delete every one of the organization's ${noun} matching \`filters\`` }),
      filters: filters.optional(),
    })
    .superRefine((body, ctx) => {
      // path [] points at the body, so the error is a 422 (not a missing-parameter 400)
      if (body.filters !== undefined && body.select_all !== true) {
        ctx.addIssue({ code: 'custom', message: 'filters apply only with select_all: true', path: [] });
      }
    })
    .openapi(name);
}

export const deletionNote = (one: string, many: string, listPath: string) =>
  `Deletes the ${one} in the path; a JSON body may add more: \`ids\` (array) and/or \`select_all: true\` with \`filters\` ` +
  `(the query parameters of GET ${listPath}; none: all ${many}). Everything named is deleted, the path id included. ` +
  `Ids of other organizations are ignored; 404 when nothing of the organization matched.`;

/** The path id, the body's ids and, with select_all, the body's filters (none: every row). */
export function deletionOf<F extends object>(id: number, body: { ids?: number[]; select_all?: boolean; filters?: F }) {
  return { ids: [id, ...(body.ids ?? [])], ...(body.select_all === true && { filters: body.filters ?? ({} as Partial<F>) }) };
}
