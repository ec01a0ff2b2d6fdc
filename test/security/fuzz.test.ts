// The fuzzer in the suite (issue 8): `npm run fuzz` with a small budget,
// schemathesis against a running API on its own database. The run fails on
// any 5xx and on any response whose status, content type, headers or body
// the OpenAPI document does not declare. The full budget with every check
// is `npm run fuzz` (docs/fuzzing.md).
import { spawn } from 'node:child_process';
import { inject, it, expect } from 'vitest';

const CHECKS = [
  'not_a_server_error',
  'status_code_conformance',
  'content_type_conformance',
  'response_headers_conformance',
  'response_schema_conformance',
];

it('schemathesis finds no server error and no response outside the OpenAPI document', { timeout: 20 * 60_000 }, async () => {
  const child = spawn('npx', ['tsx', 'scripts/fuzz.ts', '--examples', '3', '--workers', '1', '--checks', CHECKS.join(',')], {
    env: { ...process.env, DATABASE_URL: inject('adminDatabaseUrl') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', resolve));
  // the run really happened: every operation was tested (an unreachable API or a missing fuzzer fails here too)
  expect(output, output).toMatch(/Tested: \d{2,}/);
  expect(exitCode, output.slice(-20_000)).toBe(0);
});
