// The schemathesis fuzzer (PyPI) for `npm run fuzz` and the fuzz test,
// installed into the project's tool folder on first use like the Temporal CLI.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { run } from './process.js';

/** Pinned: checks and their findings change between releases; docs/fuzzing.md names the version it reports on. */
export const SCHEMATHESIS_VERSION = '4.32.5';
const LOCAL_VENV = path.resolve('.tools/fuzz');
const LOCAL_CLI = path.join(LOCAL_VENV, 'bin', 'schemathesis');

/** FUZZ_SCHEMATHESIS, else the project-local copy, installed from PyPI when missing. */
export async function schemathesisCli(): Promise<string> {
  if (process.env.FUZZ_SCHEMATHESIS) return process.env.FUZZ_SCHEMATHESIS;
  if (!existsSync(LOCAL_CLI)) {
    console.log(`installing schemathesis ${SCHEMATHESIS_VERSION} into ${LOCAL_VENV} (PyPI) ...`);
    await run('python3', ['-m', 'venv', LOCAL_VENV]);
    await run(path.join(LOCAL_VENV, 'bin', 'pip'), ['install', '--quiet', `schemathesis==${SCHEMATHESIS_VERSION}`]);
  }
  const version = await run(LOCAL_CLI, ['--version']);
  if (!version.includes(SCHEMATHESIS_VERSION)) throw new Error(`${LOCAL_CLI} is not schemathesis ${SCHEMATHESIS_VERSION}: ${version.trim()}`);
  return LOCAL_CLI;
}
