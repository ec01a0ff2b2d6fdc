// Temporal's time-skipping test server for workflow tests that sleep for days
// (test/helpers/time-skipping.ts). @temporalio/testing would download a
// native build from GitHub on first use, which these machines cannot reach;
// the same server ships in the Java SDK as io.temporal:temporal-test-server
// on Maven Central, so it is resolved with Maven into the project's tool
// folder and started through a small launcher, like the Temporal CLI and
// schemathesis. Needs java (17+) and mvn on PATH (.ci/run installs both from
// Debian when missing).
//
// The TS SDK starts an `existing-path` test server as `<path> <port>` and
// then connects to that port; `io.temporal.testserver.TestServer <port>`
// takes exactly that, so the launcher only adds the class path.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { run } from './process.js';

/** Pinned: the server's behaviour (what it supports of the real server's API) changes between releases. */
export const TEMPORAL_TEST_SERVER_VERSION = '1.31.0';
const LOCAL_DIR = path.resolve('.tools/temporal-test-server');
const LAUNCHER = path.join(LOCAL_DIR, 'run');
const INSTALLED_MARKER = path.join(LOCAL_DIR, 'installed-version');

const pom = (version: string) => `<?xml version="1.0" encoding="UTF-8"?>
<!-- written by scripts/infra/temporal-test-server.ts: resolves the test server and its dependencies into lib/ -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>lio.tools</groupId>
  <artifactId>temporal-test-server-launcher</artifactId>
  <version>1</version>
  <dependencies>
    <dependency>
      <groupId>io.temporal</groupId>
      <artifactId>temporal-test-server</artifactId>
      <version>${version}</version>
    </dependency>
  </dependencies>
</project>
`;

// exec: the SDK stops the server by killing the process it started, which must be the JVM itself
const launcher = `#!/bin/sh
# written by scripts/infra/temporal-test-server.ts: Temporal's time-skipping test server on the port given as $1
exec java -cp "$(dirname "$0")/lib/*" io.temporal.testserver.TestServer "$@"
`;

const installedVersion = () => (existsSync(INSTALLED_MARKER) ? readFileSync(INSTALLED_MARKER, 'utf8').trim() : null);

/**
 * TEMPORAL_TEST_SERVER (a launcher taking the port), else the project-local
 * launcher, installed from Maven Central when missing or of another version.
 * Throws when it cannot be installed: tests that need it must fail, not skip.
 */
export async function temporalTestServer(): Promise<string> {
  if (process.env.TEMPORAL_TEST_SERVER) return process.env.TEMPORAL_TEST_SERVER;
  if (installedVersion() !== TEMPORAL_TEST_SERVER_VERSION || !existsSync(LAUNCHER)) {
    console.log(`installing the Temporal test server ${TEMPORAL_TEST_SERVER_VERSION} into ${LOCAL_DIR} (Maven Central) ...`);
    mkdirSync(LOCAL_DIR, { recursive: true });
    writeFileSync(path.join(LOCAL_DIR, 'pom.xml'), pom(TEMPORAL_TEST_SERVER_VERSION));
    await run('mvn', ['-B', '-q', '-f', path.join(LOCAL_DIR, 'pom.xml'), 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${path.join(LOCAL_DIR, 'lib')}`]);
    writeFileSync(LAUNCHER, launcher);
    chmodSync(LAUNCHER, 0o755);
    // written last: an interrupted install is redone on the next run
    writeFileSync(INSTALLED_MARKER, `${TEMPORAL_TEST_SERVER_VERSION}\n`);
  }
  const jar = path.join(LOCAL_DIR, 'lib', `temporal-test-server-${TEMPORAL_TEST_SERVER_VERSION}.jar`);
  if (!existsSync(jar)) throw new Error(`${LOCAL_DIR} lacks ${path.basename(jar)}: remove the folder to install it again`);
  await run('java', ['-version']).catch((err) => {
    throw new Error(`the Temporal test server needs java 17+ on PATH: ${err}`);
  });
  return LAUNCHER;
}

// `node --import tsx scripts/infra/temporal-test-server.ts` (.ci/run): install, print the launcher
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(await temporalTestServer());
}
