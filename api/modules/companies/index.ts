import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { uploadBodyLimit } from '../../openapi/uploads.js';
import {
  addCompanyHandler,
  companyLogoHandler,
  companyStatsHandler,
  deleteCompaniesHandler,
  listCompaniesHandler,
  similarCompaniesHandler,
  updateCompanyHandler,
  viewCompanyHandler,
} from './companies.handlers.js';
import {
  addCompanyRoute,
  companyLogoRoute,
  companyStatsRoute,
  deleteCompaniesRoute,
  listCompaniesRoute,
  similarCompaniesRoute,
  updateCompanyRoute,
  viewCompanyRoute,
} from './companies.routes.js';

export function mountCompanies(app: OpenAPIHono<AppEnv>) {
  // ahead of the routes, so the size guard runs before anything reads the body
  app.use('/api/company/add', uploadBodyLimit);
  app.use('/api/company/update/:id', uploadBodyLimit);

  app.openapi(listCompaniesRoute, listCompaniesHandler);
  app.openapi(companyStatsRoute, companyStatsHandler);
  app.openapi(viewCompanyRoute, viewCompanyHandler);
  app.openapi(similarCompaniesRoute, similarCompaniesHandler);
  app.openapi(addCompanyRoute, addCompanyHandler);
  app.openapi(updateCompanyRoute, updateCompanyHandler);
  app.openapi(deleteCompaniesRoute, deleteCompaniesHandler);
  app.openapi(companyLogoRoute, companyLogoHandler);
}
