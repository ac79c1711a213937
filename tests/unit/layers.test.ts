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

  it('the Azure SDK loads only when a blob location is opened: blob.ts is the only importer, and nothing imports it statically', () => {
    const sources = files(TS).map((f) => ({ file: relative(TS, f), text: readFileSync(f, 'utf8') }));
    const sdk = sources.filter((s) => /from '@azure\//.test(s.text.replace(/^import type .*$/gm, ''))).map((s) => s.file);
    expect(sdk).toEqual(['storage/blob.ts']);
    // A value import of blob.js would make the bundle initialise the SDK at every start (~6 MB,
    // and the work of every module it pulls in); `import type` is erased.
    const staticImporters = sources.filter((s) => /^import (?!type )[^;]*from '\.{1,2}\/(storage\/)?blob\.js'/m.test(s.text)).map((s) => s.file);
    expect(staticImporters).toEqual([]);
    expect(sources.find((s) => s.file === 'storage/open.ts')!.text).toContain("await import('./blob.js')");
  });
});
