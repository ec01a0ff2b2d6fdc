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
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { freePort, run, sleep } from './process.js';

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

// The SDK gives the server 5 seconds to listen, which a cold JVM on a loaded
// CI machine can miss: the class data archive written at install time (CDS),
// the client compiler only and the serial collector bring its start from
// about 6 to about 2.5 seconds there. -Xshare:auto: without a usable archive
// it starts anyway, only slower.
const JVM_OPTIONS = '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto';
const CLASS_ARCHIVE = path.join(LOCAL_DIR, 'classes.jsa');
// exec: the SDK stops the server by killing the process it started, which must be the JVM itself
const launcher = `#!/bin/sh
# written by scripts/infra/temporal-test-server.ts: Temporal's time-skipping test server on the port given as $1
dir="$(dirname "$0")"
exec java ${JVM_OPTIONS} -XX:SharedArchiveFile="$dir/classes.jsa" -cp "$dir/lib/*" io.temporal.testserver.TestServer "$@"
`;
/** What an installed folder must say it holds: the version, and how its launcher starts it (a new launcher reinstalls). */
const INSTALL_ID = `${TEMPORAL_TEST_SERVER_VERSION} launcher-2`;

/** Starts the server once to record the classes it loads into the archive the launcher maps at start. */
async function writeClassArchive(): Promise<void> {
  const port = await freePort();
  const child = spawn('java', [`-XX:ArchiveClassesAtExit=${CLASS_ARCHIVE}`, '-cp', `${path.join(LOCAL_DIR, 'lib')}/*`, 'io.temporal.testserver.TestServer', String(port)], {
    stdio: 'ignore',
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + 60_000;
  while (!(await listening(port))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error('the Temporal test server did not start to record its class archive');
    await sleep(200);
  }
  // the classes of serving a connection too
  await sleep(1000);
  child.kill('SIGTERM');
  await exited;
  if (!existsSync(CLASS_ARCHIVE)) throw new Error(`java wrote no class archive to ${CLASS_ARCHIVE}`);
}

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

const installedVersion = () => (existsSync(INSTALLED_MARKER) ? readFileSync(INSTALLED_MARKER, 'utf8').trim() : null);

/**
 * TEMPORAL_TEST_SERVER (a launcher taking the port), else the project-local
 * launcher, installed from Maven Central when missing or of another version.
 * Throws when it cannot be installed: tests that need it must fail, not skip.
 */
export async function temporalTestServer(): Promise<string> {
  if (process.env.TEMPORAL_TEST_SERVER) return process.env.TEMPORAL_TEST_SERVER;
  if (installedVersion() !== INSTALL_ID || !existsSync(LAUNCHER)) {
    console.log(`installing the Temporal test server ${TEMPORAL_TEST_SERVER_VERSION} into ${LOCAL_DIR} (Maven Central) ...`);
    mkdirSync(LOCAL_DIR, { recursive: true });
    writeFileSync(path.join(LOCAL_DIR, 'pom.xml'), pom(TEMPORAL_TEST_SERVER_VERSION));
    await run('mvn', ['-B', '-q', '-f', path.join(LOCAL_DIR, 'pom.xml'), 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${path.join(LOCAL_DIR, 'lib')}`]);
    rmSync(CLASS_ARCHIVE, { force: true });
    await writeClassArchive();
    writeFileSync(LAUNCHER, launcher);
    chmodSync(LAUNCHER, 0o755);
    // written last: an interrupted install is redone on the next run
    writeFileSync(INSTALLED_MARKER, `${INSTALL_ID}\n`);
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
