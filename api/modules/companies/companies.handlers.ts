import type { RouteHandler } from '@hono/zod-openapi';
import type { Context } from 'hono';
import {
  companyStats,
  createCompany,
  deleteCompanies,
  getCompany,
  listCompanies,
  openCompanyLogo,
  similarCompanies,
  updateCompany,
  type LogoChange,
} from '../../../domain/crm/company.service.js';
import { ApiError } from '../../../domain/platform/errors.js';
import type { AppEnv } from '../../app-env.js';
import { ok, okList } from '../../openapi/envelopes.js';
import { deletionOf } from '../../openapi/selection.js';
import { fileStorageOf, sendStoredFile } from '../../openapi/uploads.js';
import type {
  addCompanyRoute,
  companyLogoRoute,
  companyStatsRoute,
  deleteCompaniesRoute,
  listCompaniesRoute,
  similarCompaniesRoute,
  updateCompanyRoute,
  viewCompanyRoute,
} from './companies.routes.js';

/**
 * The body in the content type that was sent: each content type's validator
 * only runs when it is the one sent (the other leaves {}), so a request
 * without any body is refused here.
 */
function sentBody<J, F>(c: Context<AppEnv>, json: J, form: F): J | F {
  const contentType = c.req.header('content-type')?.toLowerCase() ?? '';
  if (contentType.startsWith('multipart/form-data') || contentType.startsWith('application/x-www-form-urlencoded')) return form;
  if (contentType) return json;
  throw new ApiError('bad_request', 'Missing request body: send the company as application/json or multipart/form-data');
}

/** The body's fields, and what it asks of the logo: a new upload, removal (null) or nothing (undefined). */
function splitLogo<B extends object>(c: Context<AppEnv>, body: B): { fields: Omit<B, 'company_logo'>; logo: LogoChange } {
  // only the multipart bodies (and the JSON update's null) carry company_logo
  const { company_logo, ...fields } = body as B & { company_logo?: unknown };
  const logo: LogoChange =
    company_logo instanceof File
      ? { upload: company_logo, uploadMaxBytes: c.var.deps.config.UPLOAD_MAX_BYTES }
      : company_logo === null
        ? null
        : undefined;
  return { fields, logo };
}

export const listCompaniesHandler: RouteHandler<typeof listCompaniesRoute, AppEnv> = async (c) => {
  const { page, limit, order_by, order_in, ...filters } = c.req.valid('query');
  return okList(c, await listCompanies(c.var.deps.database, c.var.auth, { page, limit, order_by, order_in }, filters));
};

export const companyStatsHandler: RouteHandler<typeof companyStatsRoute, AppEnv> = async (c) =>
  ok(c, await companyStats(c.var.deps.database, c.var.auth, c.req.valid('query')));

export const viewCompanyHandler: RouteHandler<typeof viewCompanyRoute, AppEnv> = async (c) =>
  ok(c, await getCompany(c.var.deps.database, c.var.auth, c.req.valid('param').id));

export const similarCompaniesHandler: RouteHandler<typeof similarCompaniesRoute, AppEnv> = async (c) => {
  const similar = await similarCompanies(c.var.deps.database, c.var.auth, c.req.valid('param').id, c.req.valid('query').limit);
  return ok(c, similar);
};

export const addCompanyHandler: RouteHandler<typeof addCompanyRoute, AppEnv> = async (c) => {
  const { fields, logo } = splitLogo(c, sentBody(c, c.req.valid('json'), c.req.valid('form')));
  const company = await createCompany(c.var.deps.database, fileStorageOf(c), c.var.auth, fields, logo);
  return ok(c, company, 'Company created successfully', 201);
};

export const updateCompanyHandler: RouteHandler<typeof updateCompanyRoute, AppEnv> = async (c) => {
  const { fields, logo } = splitLogo(c, sentBody(c, c.req.valid('json'), c.req.valid('form')));
  const company = await updateCompany(c.var.deps.database, fileStorageOf(c), c.var.auth, c.req.valid('param').id, fields, logo);
  return ok(c, company, 'Company updated successfully');
};

export const deleteCompaniesHandler: RouteHandler<typeof deleteCompaniesRoute, AppEnv> = async (c) => {
  const deletion = deletionOf(c.req.valid('param').id, c.req.valid('json'));
  const deleted = await deleteCompanies(c.var.deps.database, fileStorageOf(c), c.var.auth, deletion);
  return ok(c, { deleted }, `${deleted} company(ies) deleted`);
};

export const companyLogoHandler: RouteHandler<typeof companyLogoRoute, AppEnv> = async (c) => {
  const logo = await openCompanyLogo(c.var.deps.database, fileStorageOf(c), c.var.auth, c.req.valid('param').id);
  return sendStoredFile(c, logo, 'inline');
};
