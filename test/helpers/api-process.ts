// The API as its own process (`tsx api/server.ts`, the production entry) on a
// free port, for tests that must show what separate instances share: nothing
// but the database.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { TestApp } from './app.js';

export interface ApiProcess {
  /** e.g. http://127.0.0.1:40123 */
  url: string;
  stop(): Promise<void>;
}

/** The environment of an API process on the test app's database, secret and storage. */
export function apiEnvOf(t: TestApp): Record<string, string> {
  const { config } = t.deps;
  return { DATABASE_URL: config.DATABASE_URL, JWT_SECRET: config.JWT_SECRET, CREDENTIALS_KEY: config.CREDENTIALS_KEY, STORAGE_DIR: config.STORAGE_DIR, LOG_LEVEL: 'error' };
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts the process with `env` (over this process's) and resolves once it answers /health. */
export async function startApiProcess(env: Record<string, string>, timeoutMs = 60_000): Promise<ApiProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'api/server.ts'], {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit');
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await exited;
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`API process exited with ${child.exitCode}: ${stderr}`);
    const healthy = await fetch(`${url}/health`).then((res) => res.ok, () => false);
    if (healthy) return { url, stop };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop();
  throw new Error(`API process did not answer /health within ${timeoutMs} ms: ${stderr}`);
}
