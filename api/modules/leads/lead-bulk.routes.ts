import { z } from '@hono/zod-openapi';
import { okEnvelope } from '../../openapi/envelopes.js';
import { defineRoute } from '../../openapi/route.js';
import { bulkActionBody, bulkResultSchema, tagRefs } from './lead.schemas.js';
import { recordId } from '../../openapi/params.js';

const SELECTION_NOTE =
  'Acts on the leads in `ids`, or with `select_all: true` on every lead matching `filters` (the query parameters of GET /api/lead/list). ' +
  "Ids of other organizations are not changed; 404 when none of the ids is one of the organization's leads.";

function bulkRoute<B extends z.ZodType>(path: string, summary: string, body: B) {
  return defineRoute('bearer', {
    method: 'post',
    path,
    tags: ['Leads'],
    summary,
    description: SELECTION_NOTE,
    request: { body: { required: true, content: { 'application/json': { schema: body } } } },
    responses: { 200: { description: 'How many leads were changed', content: { 'application/json': { schema: okEnvelope(bulkResultSchema) } } } },
  });
}

export const changeStatusBody = bulkActionBody('LeadStatusChangeRequest', {
  status: recordId.openapi({ description: 'A status code of the organization' }),
});
export const changeStatusRoute = bulkRoute('/api/lead/status-change', 'Change lead status', changeStatusBody);

export const assignUserBody = bulkActionBody('LeadAssignUserRequest', {
  assigned_to: recordId.nullable().openapi({ description: 'User id of the rep; null unassigns' }),
});
export const assignUserRoute = bulkRoute('/api/lead/assign-user', 'Assign leads to a rep', assignUserBody);

export const addTagsBody = bulkActionBody('LeadAssignTagsRequest', { tags: tagRefs.min(1) });
export const addTagsRoute = bulkRoute('/api/lead/assign-tags', 'Add tags to leads', addTagsBody);

export const replaceTagsBody = bulkActionBody('LeadSetAssignTagsRequest', {
  tags: tagRefs.openapi({ description: 'Tag lookup ids or names that replace the leads’ tags; [] clears them' }),
});
export const replaceTagsRoute = bulkRoute('/api/lead/set-assign-tags', 'Replace the tags of leads', replaceTagsBody);
