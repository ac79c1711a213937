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

  it('the Azure SDK loads only when a blob location is opened: from its side bundle, through blob.ts, which nothing imports statically', () => {
    const sources = files(TS).map((f) => ({ file: relative(TS, f), text: readFileSync(f, 'utf8') }));
    // No value import at all: the main bundle must not hold the SDK (util/side-bundle.ts).
    const sdk = sources.filter((s) => /from '@azure\//.test(s.text.replace(/^import type .*$/gm, ''))).map((s) => s.file);
    expect(sdk).toEqual([]);
    const loaders = sources.filter((s) => s.text.includes("import('@azure/storage-blob')")).map((s) => s.file);
    expect(loaders).toEqual(['storage/blob.ts']);
    expect(sources.find((s) => s.file === 'storage/blob.ts')!.text).toContain("loadSideBundle(SIDE_BUNDLES.azureStorageBlob, () => import('@azure/storage-blob'))");
    // A value import of blob.js would make the bundle initialise blob.ts at every start; `import
    // type` is erased.
    const staticImporters = sources.filter((s) => /^import (?!type )[^;]*from '\.{1,2}\/(storage\/)?blob\.js'/m.test(s.text)).map((s) => s.file);
    expect(staticImporters).toEqual([]);
    expect(sources.find((s) => s.file === 'storage/open.ts')!.text).toContain("await import('./blob.js')");
  });
});

describe('what the engine loads at start', () => {
  // Every module the bundle initialises at start stays on the heap, and each full garbage
  // collection marks it again: during a 1 GiB backup there are about a hundred of them. So the
  // packages only some commands need are reached through `await import` alone.
  it('node-forge, execa and the Azure SDK are not reachable from the CLI through static imports', async () => {
    const { build } = await import('esbuild');
    const result = await build({
      entryPoints: [join(TS, 'cli/main.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      write: false,
      metafile: true,
      logLevel: 'silent',
      define: { __AZSBACKUP_VERSION__: '"0.0.0"' },
    });
    const inputs = result.metafile.inputs;
    const entry = Object.keys(inputs).find((k) => k.endsWith('ts/cli/main.ts'))!;
    const seen = new Set([entry]);
    const queue = [entry];
    while (queue.length > 0) {
      for (const edge of inputs[queue.shift()!]!.imports) {
        if (edge.kind === 'dynamic-import' || edge.external || seen.has(edge.path)) continue;
        seen.add(edge.path);
        queue.push(edge.path);
      }
    }
    const eager = [...seen].filter((p) => /node_modules\/(node-forge|execa|@azure)\//.test(p));
    expect(eager).toEqual([]);
    // The same walk does find what start-up needs, so an empty list above is not an empty walk.
    expect([...seen].some((p) => p.includes('node_modules/commander/'))).toBe(true);
    // And the lazy ones are reached, behind a dynamic import (scripts/build.mjs then moves execa
    // and the SDK out of the main bundle into side bundles of their own).
    const dynamic = Object.values(inputs).flatMap((i) => i.imports.filter((e) => e.kind === 'dynamic-import').map((e) => e.path));
    expect(dynamic.some((p) => p.endsWith('crypto/certificate.ts'))).toBe(true);
    expect(dynamic.some((p) => p.includes('node_modules/execa/'))).toBe(true);
  });
});
