import type { RouteHandler } from '@hono/zod-openapi';
import { sendAccountBulkEmail } from '../../../domain/engagement/abm-bulk-email.js';
import {
  abmFunnel,
  addAccountContact,
  createTargetAccount,
  deleteTargetAccount,
  getTargetAccount,
  listTargetAccounts,
  topEngagedAccounts,
  updateTargetAccount,
} from '../../../domain/engagement/target-account.service.js';
import type { AppEnv } from '../../app-env.js';
import { ok, okList } from '../../openapi/envelopes.js';
import type {
  abmFunnelRoute,
  abmTopEngagedRoute,
  addTargetAccountContactRoute,
  createTargetAccountRoute,
  deleteTargetAccountRoute,
  listTargetAccountsRoute,
  sendTargetAccountBulkEmailRoute,
  updateTargetAccountRoute,
  viewTargetAccountRoute,
} from './target-accounts.routes.js';

export const listTargetAccountsHandler: RouteHandler<typeof listTargetAccountsRoute, AppEnv> = async (c) => {
  const { page, limit, order_by, order_in, sort, search, search_value, ...filters } = c.req.valid('query');
  const order = sort ?? { order_by, order_in };
  return okList(c, await listTargetAccounts(c.var.deps.database, c.var.auth, { page, limit, ...order }, { ...filters, search: search ?? search_value }));
};

export const createTargetAccountHandler: RouteHandler<typeof createTargetAccountRoute, AppEnv> = async (c) =>
  ok(c, await createTargetAccount(c.var.deps.database, c.var.auth, c.req.valid('json')), 'Target account created', 201);

export const viewTargetAccountHandler: RouteHandler<typeof viewTargetAccountRoute, AppEnv> = async (c) =>
  ok(c, await getTargetAccount(c.var.deps.database, c.var.auth, c.req.valid('param').id));

export const updateTargetAccountHandler: RouteHandler<typeof updateTargetAccountRoute, AppEnv> = async (c) =>
  ok(c, await updateTargetAccount(c.var.deps.database, c.var.auth, c.req.valid('param').id, c.req.valid('json')), 'Target account updated');

export const deleteTargetAccountHandler: RouteHandler<typeof deleteTargetAccountRoute, AppEnv> = async (c) =>
  ok(c, await deleteTargetAccount(c.var.deps.database, c.var.auth, c.req.valid('param').id), 'Target account deleted');

export const addTargetAccountContactHandler: RouteHandler<typeof addTargetAccountContactRoute, AppEnv> = async (c) =>
  ok(c, await addAccountContact(c.var.deps.database, c.var.auth, c.req.valid('param').id, c.req.valid('json')), 'Contact added', 201);

export const sendTargetAccountBulkEmailHandler: RouteHandler<typeof sendTargetAccountBulkEmailRoute, AppEnv> = async (c) => {
  const { database, services, config } = c.var.deps;
  const result = await sendAccountBulkEmail(
    database,
    { secrets: services.secrets, links: { tokens: services.tokens, publicBaseUrl: config.PUBLIC_BASE_URL } },
    c.var.auth,
    c.req.valid('param').id,
    c.req.valid('json'),
    c.req.valid('header')['idempotency-key'],
  );
  if (result.mode === 'preview') return ok(c, result, 'Preview: nothing was sent');
  return ok(c, result, `${result.queued.length} email(s) queued, ${result.skipped.length} skipped`, 202);
};

export const abmFunnelHandler: RouteHandler<typeof abmFunnelRoute, AppEnv> = async (c) =>
  ok(c, await abmFunnel(c.var.deps.database, c.var.auth, c.req.valid('query')));

export const abmTopEngagedHandler: RouteHandler<typeof abmTopEngagedRoute, AppEnv> = async (c) => {
  const { limit, ...filters } = c.req.valid('query');
  return ok(c, await topEngagedAccounts(c.var.deps.database, c.var.auth, limit, filters));
};
