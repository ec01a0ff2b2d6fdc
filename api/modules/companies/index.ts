import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { mountRoutes } from '../../openapi/mount.js';
import { uploadBodyLimit } from '../../openapi/uploads.js';
import * as handlers from './companies.handlers.js';
import * as routes from './companies.routes.js';

export function mountCompanies(app: OpenAPIHono<AppEnv>) {
  // ahead of the routes, so the size guard runs before anything reads the body
  app.use('/api/company/add', uploadBodyLimit);
  app.use('/api/company/update/:id', uploadBodyLimit);

  mountRoutes(app, routes, handlers, [
    'listCompanies',
    'companyStats',
    'viewCompany',
    'similarCompanies',
    'addCompany',
    'updateCompany',
    'deleteCompanies',
    'companyLogo',
  ]);
}
