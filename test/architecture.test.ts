// The layering of ENGINEERING.md §2, checked on the source: workflows stay
// deterministic (only @temporalio/workflow and other workflow files at
// runtime; activity and domain modules as types only), domain/ knows neither
// HTTP nor Temporal, connectors (called by activities) know neither the API
// nor the activities and workflows above them, and the API reaches Temporal
// only through the outbox.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

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

  it('connectors/ do not reach up into api/, activities/ or workflows/', () => {
    const offending = importsOf('connectors').filter((i) => /(^|\/)(api|activities|workflows)\//.test(i.from));
    expect(offending.map(describeImport)).toEqual([]);
  });

  it('api/ starts work only through the outbox: no Temporal, activities or workflows', () => {
    const offending = importsOf('api').filter((i) => /^@temporalio\/|(^|\/)(activities|workflows)\//.test(i.from));
    expect(offending.map(describeImport)).toEqual([]);
  });
});
