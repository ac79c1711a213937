import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExpectedFiles, RoleSizer } from '../../../ts/engine/manifest-reader.js';

const dir = mkdtempSync(join(tmpdir(), 'azsb-expected-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function spool(files: Array<[string, number, string]>): ExpectedFiles {
  const path = join(dir, `spool-${n++}.jsonl`);
  writeFileSync(path, files.map(([p, size, sha256]) => `${JSON.stringify({ type: 'file', role: 'R', path: p, size, mtime: '2026-01-01T00:00:00.000Z', sha256 })}\n`).join(''));
  return new ExpectedFiles(path);
}

describe('ExpectedFiles: the manifest matched against the archive in one pass', () => {
  it('matches files in archive order, passing over earlier copies of changed files and files it does not list', () => {
    // The archive: a, a torn copy of c, b, an unlisted file, then c again (its final copy).
    const expected = spool([['a', 1, 'A'], ['b', 2, 'B'], ['c', 3, 'C']]);
    expected.mark('a', 1, 'A');
    expected.mark('c', 3, 'torn');
    expected.mark('b', 2, 'B');
    expected.mark('extra', 9, 'X');
    expected.mark('c', 3, 'C');
    // What verify reports as the role's bytes: the final copies only.
    expect([expected.matchedFiles, expected.matchedBytes]).toEqual([3, 6]);
    expect(expected.unmatched()).toEqual([]);
  });

  it('names a missing file and a file whose content differs', () => {
    const missing = spool([['a', 1, 'A'], ['b', 2, 'B']]);
    missing.mark('a', 1, 'A');
    expect(missing.unmatched()).toEqual(['b is missing or differs from the manifest']);

    const different = spool([['a', 1, 'A'], ['b', 2, 'B']]);
    different.mark('a', 1, 'A');
    different.mark('b', 2, 'not B');
    expect(different.unmatched()).toEqual(['b is missing or differs from the manifest']);
  });

  it('names five and counts the rest when many are missing', () => {
    const expected = spool(Array.from({ length: 12 }, (_, i) => [`f${i}`, i, `S${i}`] as [string, number, string]));
    const problems = expected.unmatched();
    expect(problems).toHaveLength(6);
    expect(problems[0]).toBe('f0 is missing or differs from the manifest');
    expect(problems[5]).toBe('7 more');
  });

  it('reads a spool larger than its 1 MiB read size, with multi-byte names split across reads', () => {
    const files = Array.from({ length: 30_000 }, (_, i) => [`dossier-é-漢字/${i}`, i, `${i}`.padStart(64, '0')] as [string, number, string]);
    const expected = spool(files);
    for (const [p, size, sha] of files) expected.mark(p, size, sha);
    expect(expected.unmatched()).toEqual([]);
  });

  it('expects nothing without a spool, and refuses to read after close', () => {
    expect(new ExpectedFiles(null).unmatched()).toEqual([]);
    const closed = spool([['a', 1, 'A']]);
    closed.close();
    expect(() => closed.unmatched()).toThrow(/after close/);
  });
});

describe('RoleSizer: the space a role takes once restored, for the free-space check', () => {
  it('rounds each file up to 4 KiB and counts each folder once while its files come together', () => {
    const sizer = new RoleSizer();
    for (const [path, size] of [['top.txt', 1], ['a/x', 4096], ['a/y', 4097], ['a/b/z', 0], ['c/d/w', 10]] as const) sizer.add(path, size);
    // Folders: a, a/b, c, c/d. Files: 4096 + 4096 + 8192 + 0 + 4096; folders 4 x 4096. The data itself: 1 + 4096 + 4097 + 0 + 10.
    expect(sizer.size).toEqual({ files: 5, directories: 4, bytes: 20480 + 4 * 4096, dataBytes: 8204 });
  });

  it('counts a folder the order returns to again, so the estimate errs high', () => {
    const sizer = new RoleSizer();
    for (const path of ['a/1', 'b/2', 'a/3']) sizer.add(path, 0);
    expect(sizer.size.directories).toBe(3);
  });
});
