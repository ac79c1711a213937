import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, expect, it } from 'vitest';
import { measureTree } from '../../../ts/roles/measure.js';

const root = mkdtempSync(join(tmpdir(), 'azsb-measure-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

it('counts the regular files, their bytes and their paths\' bytes under a tree, without following links', () => {
  mkdirSync(join(root, 'a', 'b'), { recursive: true });
  writeFileSync(join(root, 'top.txt'), 'x'.repeat(10));
  writeFileSync(join(root, 'a', 'one.bin'), Buffer.alloc(1000));
  writeFileSync(join(root, 'a', 'b', 'two.json'), '{}');
  const outside = mkdtempSync(join(tmpdir(), 'azsb-measure-outside-'));
  writeFileSync(join(outside, 'big'), Buffer.alloc(50_000));
  try {
    symlinkSync(outside, join(root, 'a', 'link-to-dir'));
    symlinkSync(join(outside, 'big'), join(root, 'link-to-file'));
    execFileSync('mkfifo', [join(root, 'a', 'fifo')]);
    // Path bytes: top.txt 7, a/one.bin 9, a/b/two.json 12.
    expect(measureTree(root)).toEqual({ bytes: 1012, files: 3, pathBytes: 28 });
    writeFileSync(join(root, 'a', 'b', 'three'), 'abc');
    expect(measureTree(root)).toEqual({ bytes: 1015, files: 4, pathBytes: 37 });
    // In UTF-8 bytes, as the manifest stores them: 'naïve' is 6.
    writeFileSync(join(root, 'naïve'), 'z');
    expect(measureTree(root)).toEqual({ bytes: 1016, files: 5, pathBytes: 43 });
  } finally {
    rmSync(outside, { recursive: true, force: true });
  }
});

it('skips what it cannot list and answers zero for a missing root', () => {
  expect(measureTree(join(root, 'missing'))).toEqual({ bytes: 0, files: 0, pathBytes: 0 });
});
