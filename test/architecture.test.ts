// The layering of ENGINEERING.md §2, checked on the source: workflows stay
// deterministic (only @temporalio/workflow and other workflow files at
// runtime; activity and domain modules as types only), domain/ knows neither
// HTTP nor Temporal, connectors (called by activities) know neither the API
// nor the activities and workflows above them, and the API reaches Temporal
// only through the outbox. And every route is declared through defineRoute
// (api/openapi/route.ts), the one wrapper that adds auth, `security` and the
// standard errors, so none can be served outside the OpenAPI document.
import { OpenAPIHono } from '@hono/zod-openapi';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { AppEnv } from '../api/app-env.js';
import { mountModules } from '../api/modules/index.js';
import { createTestApp } from './helpers/app.js';
import { routeTable } from './helpers/routes.js';

// Every route object defineRoute returns, to tell them from hand-made ones.
const definedRoutes = vi.hoisted(() => new WeakSet<object>());
vi.mock('../api/openapi/route.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../api/openapi/route.js')>();
  return {
    ...original,
    defineRoute: ((...args: Parameters<typeof original.defineRoute>) => {
      const route = original.defineRoute(...args);
      definedRoutes.add(route);
      return route;
    }) as typeof original.defineRoute,
  };
});

interface ImportLine {
  file: string;
  from: string;
  typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

const IMPORT = /^\s*(import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;

function importsOf(dir: string): ImportLine[] {
  return sourceFiles(dir).flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(IMPORT)].map((m) => ({ file, from: m[3]!, typeOnly: Boolean(m[2]) })),
  );
}

/**
 * The domain's feature folders and their layers: a folder may import its own
 * files and those of lower layers, never a sibling of its layer or one above
 * (ENGINEERING.md §2 "arrows point one way", issue 9).
 */
const DOMAIN_LAYERS: Record<string, number> = {
  platform: 0,
  identity: 1,
  billing: 1,
  crm: 2,
  leads: 3,
  notifications: 4,
  analytics: 4,
  integrations: 4,
  communications: 4,
  jobs: 5,
  voice: 5,
  engagement: 6,
  forecasting: 7,
  scoring: 7,
  webforms: 7,
  booking: 7,
};

/** `crm` for domain/crm/company.service.ts; null outside domain/ (or for a file directly in it). */
function domainFolderOf(file: string): string | null {
  const parts = path.normalize(file).split(path.sep);
  const at = parts.indexOf('domain');
  return at >= 0 && parts.length > at + 2 ? parts[at + 1]! : null;
}

const describeImport = (i: ImportLine) => `${i.file}: ${i.typeOnly ? 'import type' : 'import'} '${i.from}'`;

describe('layering (ENGINEERING.md §2)', () => {
  it('workflows import only @temporalio/workflow and other workflow files at runtime', () => {
    const offending = importsOf('workflows').filter(
      (i) => !i.typeOnly && i.from !== '@temporalio/workflow' && !(i.from.startsWith('./') && !i.from.includes('/..')),
    );
    expect(offending.map(describeImport)).toEqual([]);
  });

  it('domain/ imports neither Hono nor Temporal', () => {
    const offending = importsOf('domain').filter((i) => /^(hono|@hono\/|@temporalio\/)/.test(i.from));
    expect(offending.map(describeImport)).toEqual([]);
  });

  it('domain/ folders import only folders below them (platform < identity, billing < crm < leads < notifications, analytics, integrations, communications < jobs, voice < engagement)', () => {
    const offending = importsOf('domain').filter((i) => {
      const from = domainFolderOf(i.file);
      const target = domainFolderOf(path.join(path.dirname(i.file), i.from));
      return target !== null && target !== from && DOMAIN_LAYERS[target]! >= DOMAIN_LAYERS[from!]!;
    });
    expect(offending.map(describeImport)).toEqual([]);
    // every domain file lives in one of the folders above
    const loose = sourceFiles('domain').filter((file) => domainFolderOf(file) === null || !(domainFolderOf(file)! in DOMAIN_LAYERS));
    expect(loose).toEqual([]);
  });

  it('activities/ reach neither workflows/ nor worker/ (the worker process above them starts workflows)', () => {
    const offending = importsOf('activities').filter((i) => /(^|\/)(workflows|worker)\//.test(i.from));
    expect(offending.map(describeImport)).toEqual([]);
  });

  it('connectors/ do not reach up into api/, activities/ or workflows/', () => {
    const offending = importsOf('connectors').filter((i) => /(^|\/)(api|activities|workflows)\//.test(i.from));
    expect(offending.map(describeImport)).toEqual([]);
  });

  it('connectors/ import nothing from domain/ (they take and return plain data; services/ connects them to the domain)', () => {
    const offending = importsOf('connectors').filter((i) => /(^|\/)domain\//.test(i.from));
    expect(offending.map(describeImport)).toEqual([]);
  });

  it('api/ never imports a connector, and of the composition root (services/) only the process entry api/server.ts takes more than types', () => {
    const offending = importsOf('api').filter(
      (i) => /(^|\/)connectors\//.test(i.from) || (/(^|\/)services\//.test(i.from) && !i.typeOnly && i.file !== path.join('api', 'server.ts')),
    );
    expect(offending.map(describeImport)).toEqual([]);
  });

  it('connectors/ keep no module-level mutable state (ENGINEERING.md §3.13): no top-level let or var, no top-level Map', () => {
    const offending = sourceFiles('connectors').flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => /^(export\s+)?(let|var)\s/.test(line) || /^(export\s+)?const\s+\w+(\s*:[^=]+)?\s*=\s*new\s+(Weak)?Map\b/.test(line))
        .map((line) => `${file}: ${line}`),
    );
    expect(offending).toEqual([]);
  });

  it('api/ starts work only through the outbox: no Temporal, activities or workflows', () => {
    const offending = importsOf('api').filter((i) => /^@temporalio\/|(^|\/)(activities|workflows)\//.test(i.from));
    expect(offending.map(describeImport)).toEqual([]);
  });

  it('only the job module (domain/jobs/job.service.ts) touches the jobs and job_row_errors tables (issue 9 §2)', () => {
    const JOB_TABLE_ACCESS = /\b(FROM|UPDATE|INTO|JOIN)\s+jobs\b|\bjob_row_errors\b|\.job\.\w+\(|\.jobRowError\b/;
    const owner = path.join('domain', 'jobs', 'job.service.ts');
    const offending = ['api', 'domain', 'activities', 'workflows', 'worker', 'services', 'connectors', 'scripts', 'prisma']
      .flatMap((dir) => sourceFiles(dir))
      .filter((file) => file !== owner)
      .flatMap((file) =>
        readFileSync(file, 'utf8')
          .split('\n')
          .filter((line) => JOB_TABLE_ACCESS.test(line))
          .map((line) => `${file}: ${line.trim()}`),
      );
    expect(offending).toEqual([]);
  });

  it('opens transactions only through domain/platform/transaction.ts: no hand-written BEGIN, no $transaction( elsewhere (issue 9 §7)', () => {
    // a BEGIN in a string literal, as pg's client.query('BEGIN') sends it (not iCalendar's BEGIN:VEVENT delimiters, domain/booking/ics.ts)
    const HAND_OPENED_TRANSACTION = /['"`]\s*BEGIN\b(?!:)|\$transaction\(/i;
    const owner = path.join('domain', 'platform', 'transaction.ts');
    const offending = ['api', 'domain', 'activities', 'workflows', 'worker', 'services', 'connectors', 'scripts', 'bench', 'prisma']
      .flatMap((dir) => sourceFiles(dir))
      .filter((file) => file !== owner)
      .flatMap((file) =>
        readFileSync(file, 'utf8')
          .split('\n')
          .filter((line) => HAND_OPENED_TRANSACTION.test(line))
          .map((line) => `${file}: ${line.trim()}`),
      );
    expect(offending).toEqual([]);
  });
});

/** Served outside the OpenAPI document, by api/app.ts: the document itself, its browsable reference, the health check. */
const UNDOCUMENTED_ROUTES = ['GET /api/openapi.json', 'GET /api/docs', 'GET /api/docs/assets/:file', 'GET /health', 'GET /sandbox'];

describe('every route goes through defineRoute (api/openapi/route.ts)', () => {
  it('mounts only route objects that defineRoute made, none hidden from the document', () => {
    const app = new OpenAPIHono<AppEnv>();
    const mount = app.openapi;
    const handMade: string[] = [];
    app.openapi = ((route, ...rest) => {
      if (!definedRoutes.has(route) || route.hide) handMade.push(`${route.method.toUpperCase()} ${route.path}`);
      return mount(route, ...rest);
    }) as typeof app.openapi;
    mountModules(app);
    expect(app.openAPIRegistry.definitions.filter((d) => d.type === 'route').length).toBeGreaterThan(0);
    expect(handMade).toEqual([]);
  });

  it('serves no path of its own beside the documented routes except the few of api/app.ts', async () => {
    const t = createTestApp();
    try {
      const documented = new Set(routeTable(t.app).map((r) => `${r.method} ${r.path.replace(/\{(\w+)\}/g, ':$1')}`));
      // method ALL is middleware (app.use), not a route
      const served = new Set(t.app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`));
      expect([...served].filter((route) => !documented.has(route)).sort()).toEqual([...UNDOCUMENTED_ROUTES].sort());
    } finally {
      await t.close();
    }
  });

  it('calls createRoute nowhere but in api/openapi/route.ts', () => {
    const offending = sourceFiles('api').filter((file) => file !== path.join('api', 'openapi', 'route.ts') && /\bcreateRoute\b/.test(readFileSync(file, 'utf8')));
    expect(offending).toEqual([]);
  });
});
