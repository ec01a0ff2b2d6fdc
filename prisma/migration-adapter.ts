// The driver adapter the Prisma CLI (schema engine, wasm) uses for migrate/db
// commands. It works around upstream faults of @prisma/adapter-pg 6.19.3 that
// break migrations on machines without Prisma's native engines. Delete this
// file (and the adapter line in prisma.config.ts) once the fixes land upstream.
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';

const PG_NAME_OID = 19;
const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;

type QueryResultLike = { fields?: { dataTypeID: number }[] };

function reportCatalogTypesAsText<T>(result: T): T {
  for (const field of (result as QueryResultLike)?.fields ?? []) {
    if (field.dataTypeID === PG_NAME_OID || field.dataTypeID === PG_CHAR_OID) field.dataTypeID = PG_TEXT_OID;
  }
  return result;
}

// prisma/orm#27403: adapter-pg maps no column type for `name` (oid 19) and
// `"char"` (oid 18), which the schema engine's introspection of pg_catalog
// returns ("Column type 'name' could not be deserialized").
class CatalogTextClient extends pg.Client {
  // pg's overloads cannot be re-declared one by one; results are post-processed
  // whether they come back through a callback (pg.Pool) or a promise.
  override query(...args: unknown[]): any {
    const last = args.length - 1;
    const callback = args[last];
    if (typeof callback === 'function') {
      args[last] = (err: unknown, res: unknown) => callback(err, err ? res : reportCatalogTypesAsText(res));
    }
    const result = (super.query as (...a: unknown[]) => unknown)(...args);
    return result instanceof Promise ? result.then(reportCatalogTypesAsText) : result;
  }
}

function discreteConfig(url: string, database?: string): pg.PoolConfig {
  // pg lets connectionString override `database`, so adapter-pg's
  // `{...config, database}` shadow "database" was the main one: build
  // configs from discrete fields instead.
  const u = new URL(url);
  return {
    host: decodeURIComponent(u.hostname) || u.searchParams.get('host') || undefined,
    port: u.port ? Number(u.port) : 5432,
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: database ?? decodeURIComponent(u.pathname.slice(1)),
    Client: CatalogTextClient,
    // idle pool connections otherwise keep the CLI alive for ~10 s
    allowExitOnIdle: true,
  } as pg.PoolConfig;
}

type Adapter = Awaited<ReturnType<PrismaPg['connect']>>;

// adapter-pg's executeScript() splits on every ';' and runs the pieces outside
// a transaction ('a;b' literals and $$ bodies break, failures half-apply).
// One simple-protocol query runs the whole script as one implicit transaction.
function runScriptsWhole(adapter: Adapter): Adapter {
  adapter.executeScript = async (script: string) => {
    await adapter.underlyingDriver().query(script);
  };
  return adapter;
}

export class MigrationPrismaPg extends PrismaPg {
  constructor(private readonly url: string) {
    super(discreteConfig(url));
  }

  override async connect(): Promise<Adapter> {
    return runScriptsWhole(await super.connect());
  }

  // adapter-pg drops the shadow database before closing its pool, leaking one
  // database per `migrate dev`/`migrate diff`: close first, then drop with FORCE.
  override async connectToShadowDb(): Promise<Adapter> {
    const name = `prisma_shadow_${globalThis.crypto.randomUUID().replaceAll('-', '')}`;
    const admin = new pg.Client(discreteConfig(this.url));
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    await admin.end();
    const shadow = await new PrismaPg(discreteConfig(this.url, name)).connect();
    const dispose = shadow.dispose.bind(shadow);
    shadow.dispose = async () => {
      await dispose();
      const dropper = new pg.Client(discreteConfig(this.url));
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await dropper.end();
    };
    return runScriptsWhole(shadow);
  }
}
