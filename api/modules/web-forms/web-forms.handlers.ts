import type { RouteHandler } from '@hono/zod-openapi';
import type { Context } from 'hono';
import {
  createWebForm,
  deleteWebForm,
  getWebForm,
  listSubmissions,
  listWebForms,
  updateWebForm,
  type WebFormView,
} from '../../../domain/webforms/web-form.service.js';
import type { AppEnv } from '../../app-env.js';
import { ok, okList } from '../../openapi/envelopes.js';
import { publicFormUrl } from '../public-forms/public-form-links.js';
import type {
  createWebFormRoute,
  deleteWebFormRoute,
  listWebFormSubmissionsRoute,
  listWebFormsRoute,
  updateWebFormRoute,
  viewWebFormRoute,
} from './web-forms.routes.js';

const withUrl = (c: Context<AppEnv>, form: WebFormView) => ({ ...form, public_url: publicFormUrl(c.var.deps.config.PUBLIC_BASE_URL, form.form_link) });

export const listWebFormsHandler: RouteHandler<typeof listWebFormsRoute, AppEnv> = async (c) => {
  const { page, limit, order_by, order_in, search, search_value, status } = c.req.valid('query');
  const result = await listWebForms(c.var.deps.database, c.var.auth, { page, limit, order_by, order_in }, { search: search ?? search_value, status });
  return okList(c, { ...result, data: result.data.map((form) => withUrl(c, form)) });
};

export const createWebFormHandler: RouteHandler<typeof createWebFormRoute, AppEnv> = async (c) =>
  ok(c, withUrl(c, await createWebForm(c.var.deps.database, c.var.auth, c.req.valid('json'))), 'Web form created', 201);

export const viewWebFormHandler: RouteHandler<typeof viewWebFormRoute, AppEnv> = async (c) =>
  ok(c, withUrl(c, await getWebForm(c.var.deps.database, c.var.auth, c.req.valid('param').id)));

export const updateWebFormHandler: RouteHandler<typeof updateWebFormRoute, AppEnv> = async (c) =>
  ok(c, withUrl(c, await updateWebForm(c.var.deps.database, c.var.auth, c.req.valid('param').id, c.req.valid('json'))), 'Web form updated');

export const deleteWebFormHandler: RouteHandler<typeof deleteWebFormRoute, AppEnv> = async (c) =>
  ok(c, withUrl(c, await deleteWebForm(c.var.deps.database, c.var.auth, c.req.valid('param').id)), 'Web form deleted');

export const listWebFormSubmissionsHandler: RouteHandler<typeof listWebFormSubmissionsRoute, AppEnv> = async (c) => {
  const { page, limit, order_by, order_in, status, lead_id, start_date, end_date } = c.req.valid('query');
  return okList(c, await listSubmissions(c.var.deps.database, c.var.auth, c.req.valid('param').id, { page, limit, order_by, order_in }, { status, lead_id, start_date, end_date }));
};
