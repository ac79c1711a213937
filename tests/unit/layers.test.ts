import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const TS = join(import.meta.dirname, '../../ts');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

describe('layers', () => {
  it('nothing below the CLI imports from ts/cli: the engine is a library the CLI is one face of', () => {
    const offenders = files(TS)
      .filter((f) => !relative(TS, f).startsWith('cli/'))
      .filter((f) => /from '(\.\.\/)+cli\//.test(readFileSync(f, 'utf8')))
      .map((f) => relative(TS, f));
    expect(offenders).toEqual([]);
  });
});
