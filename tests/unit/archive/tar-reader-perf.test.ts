// extractTar's direct-to-final-name writes (synchronous for small files, pipelined for large
// ones) and the collect/onFile options. Archives are built here from tar-format alone, so these
// tests do not depend on tar-writer.
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readFile, readdir, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BLOCK, F, headerChecksum } from '../../../ts/archive/tar-format.js';
import { extractTar, listTar, type TarFileRecord, type TarReadOptions } from '../../../ts/archive/tar-reader.js';
import { expectIntegrityFailed, fromBuffer, removeDir, sha256, tempDir } from './helpers.js';

const MTIME = 1_700_000_123;

interface Item {
  path: string;
  type?: '0' | '1' | '2' | '5';
  data?: Buffer;
  mode?: number;
  linkname?: string;
}

function octal(value: number, len: number): string {
  return value.toString(8).padStart(len - 1, '0') + '\0';
}

function header(item: Item, size: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  const put = (f: readonly [number, number], text: string): void => void h.write(text, f[0], f[1], 'utf8');
  put(F.name, item.path);
  put(F.mode, octal(item.mode ?? 0o644, 8));
  put(F.uid, octal(0, 8));
  put(F.gid, octal(0, 8));
  put(F.size, octal(size, 12));
  put(F.mtime, octal(MTIME, 12));
  put(F.typeflag, item.type ?? '0');
  if (item.linkname) put(F.linkname, item.linkname);
  h.write('ustar\0', F.magic[0], 'latin1');
  h.write('00', F.version[0], 'latin1');
  put(F.chksum, octal(headerChecksum(h), 7) + ' ');
  return h;
}

function tar(items: Item[], endMarker = true): Buffer {
  const parts: Buffer[] = [];
  for (const item of items) {
    const data = item.type === undefined || item.type === '0' ? (item.data ?? Buffer.alloc(0)) : Buffer.alloc(0);
    parts.push(header(item, data.length), data, Buffer.alloc((BLOCK - (data.length % BLOCK)) % BLOCK));
  }
  if (endMarker) parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}

let work: string;
let dst: string;
beforeEach(async () => {
  work = await tempDir('tarperf');
  dst = path.join(work, 'dst');
});
afterEach(async () => {
  await removeDir(work);
});

function openDescriptors(): number {
  return readdirSync('/proc/self/fd').length;
}

const big = randomBytes(3 * 1024 * 1024 + 777); // above the asynchronous-write threshold

describe('extractTar writes files in place', () => {
  it('restores content, exact modes (despite the umask) and times for small and large files', async () => {
    const items: Item[] = [
      { path: 'dir', type: '5', mode: 0o750 },
      { path: 'dir/small.txt', data: Buffer.from('small\n'), mode: 0o666 },
      { path: 'dir/all.sh', data: Buffer.from('#!/bin/sh\n'), mode: 0o777 },
      { path: 'dir/readonly', data: Buffer.from('ro'), mode: 0o400 },
      { path: 'dir/setuid', data: Buffer.from('x'), mode: 0o4755 },
      { path: 'dir/empty', data: Buffer.alloc(0), mode: 0o600 },
      { path: 'dir/big.bin', data: big, mode: 0o640 },
    ];
    const before = openDescriptors();
    // Small input chunks: the large file arrives in many pieces, with writes in flight.
    const result = await extractTar(fromBuffer(tar(items), 10_000), dst);
    expect(openDescriptors()).toBe(before);
    for (const item of items.slice(1)) {
      const file = path.join(dst, item.path);
      expect((await readFile(file)).equals(item.data!)).toBe(true);
      const st = await stat(file);
      expect(st.mode & 0o7777).toBe(item.mode! & 0o1777); // set-id bits dropped
      expect(st.mtimeMs).toBe(MTIME * 1000);
    }
    expect((await stat(path.join(dst, 'dir'))).mode & 0o777).toBe(0o750);
    expect(result.fileCount).toBe(6);
    expect(result.files.find((f) => f.path === 'dir/big.bin')?.sha256).toBe(sha256(big));
    // No temporary names anywhere.
    expect((await readdir(path.join(dst, 'dir'))).sort()).toEqual(['all.sh', 'big.bin', 'empty', 'readonly', 'setuid', 'small.txt']);
  });

  it('reports each file through onFile once it is complete on disk', async () => {
    const seen: string[] = [];
    const check = async (record: TarFileRecord): Promise<void> => {
      const file = path.join(dst, record.path);
      const data = await readFile(file);
      expect(data.length).toBe(record.size);
      expect(sha256(data)).toBe(record.sha256);
      expect((await stat(file)).mtimeMs).toBe(MTIME * 1000);
    };
    const pending: Array<Promise<void>> = [];
    await extractTar(fromBuffer(tar([{ path: 'a', data: Buffer.from('a') }, { path: 'b.bin', data: big }])), dst, {
      onFile: (r) => {
        seen.push(r.path);
        pending.push(check(r));
      },
    });
    await Promise.all(pending);
    expect(seen).toEqual(['a', 'b.bin']);
  });

  it('replaces a later duplicate of a read-only file, small or large', async () => {
    const result = await extractTar(
      fromBuffer(
        tar([
          { path: 'x', data: big, mode: 0o444 },
          { path: 'y', data: Buffer.from('first'), mode: 0o400 },
          { path: 'x', data: Buffer.from('short now'), mode: 0o644 },
          { path: 'y', data: big, mode: 0o600 },
        ]),
      ),
      dst,
    );
    expect(await readFile(path.join(dst, 'x'), 'utf8')).toBe('short now');
    expect((await readFile(path.join(dst, 'y'))).equals(big)).toBe(true);
    expect((await stat(path.join(dst, 'y'))).mode & 0o777).toBe(0o600);
    expect(result.files.map((f) => [f.path, f.size])).toEqual([
      ['x', 9],
      ['y', big.length],
    ]);
    expect(result.fileCount).toBe(2);
    expect(result.bytes).toBe(9 + big.length);
  });

  it('never writes a large file through a symlink the archive planted, dangling or not', async () => {
    const victim = path.join(work, 'victim.bin');
    await writeFile(victim, 'original');
    await extractTar(
      fromBuffer(
        tar([
          { path: 'to-victim', type: '2', linkname: victim },
          { path: 'dangling', type: '2', linkname: path.join(work, 'would-be-created') },
          { path: 'to-victim', data: big },
          { path: 'dangling', data: Buffer.from('small') },
        ]),
      ),
      dst,
    );
    expect(await readFile(victim, 'utf8')).toBe('original');
    await expect(lstat(path.join(work, 'would-be-created'))).rejects.toThrow();
    expect((await lstat(path.join(dst, 'to-victim'))).isFile()).toBe(true);
    expect((await readFile(path.join(dst, 'to-victim'))).equals(big)).toBe(true);
    expect(await readFile(path.join(dst, 'dangling'), 'utf8')).toBe('small');
  });

  it('refuses a symlink planted in the destination before extraction as a parent', async () => {
    const outside = path.join(work, 'outside');
    await mkdir(outside);
    await mkdir(dst);
    await symlink(outside, path.join(dst, 'sub'));
    await expectIntegrityFailed(extractTar(fromBuffer(tar([{ path: 'sub/evil', data: Buffer.from('x') }])), dst));
    expect(await readdir(outside)).toEqual([]);
  });

  it('refuses a file or symlink in place of a directory the archive made', async () => {
    await expectIntegrityFailed(extractTar(fromBuffer(tar([{ path: 'd', type: '5' }, { path: 'd', data: Buffer.from('x') }])), dst));
    await expectIntegrityFailed(
      extractTar(fromBuffer(tar([{ path: 'd/f', data: Buffer.from('x') }, { path: 'd', type: '2', linkname: '/tmp' }])), path.join(work, 'dst2')),
    );
    expect((await lstat(path.join(work, 'dst2', 'd'))).isDirectory()).toBe(true);
  });

  it('removes a large file cut short, closes it, and leaves no descriptor open', async () => {
    const archive = tar([{ path: 'ok.txt', data: Buffer.from('ok') }, { path: 'cut.bin', data: big }]);
    const before = openDescriptors();
    const err = await expectIntegrityFailed(extractTar(fromBuffer(archive.subarray(0, 2 * BLOCK + BLOCK + 2 * 1024 * 1024), 64 * 1024), dst));
    expect(err.message).toMatch(/truncated/);
    expect(openDescriptors()).toBe(before);
    expect(await readdir(dst)).toEqual(['ok.txt']);
  });

  it('requires the end-of-archive marker', async () => {
    await expectIntegrityFailed(extractTar(fromBuffer(tar([{ path: 'a', data: Buffer.from('a') }], false)), dst));
  });

  it('skips hard links and leaves an existing file at that path alone', async () => {
    const result = await extractTar(
      fromBuffer(
        tar([
          { path: 'f', data: Buffer.from('data') },
          { path: 'f', type: '1', linkname: '/etc/passwd' },
        ]),
      ),
      dst,
    );
    expect(result.skipped).toEqual(['f']);
    expect(await readFile(path.join(dst, 'f'), 'utf8')).toBe('data');
    expect(result.fileCount).toBe(1);
  });
});

describe('collect: false', () => {
  /** Duplicates, a file a symlink replaces, a hard link, directories: every counting case. */
  const items: Item[] = [
    { path: 'd', type: '5' },
    { path: 'd/a', data: Buffer.from('1234') },
    { path: 'd/b', data: big },
    { path: 'c', data: Buffer.from('to be a link') },
    { path: 'd/a', data: Buffer.from('123456789') },
    { path: 'c', type: '2', linkname: 'd/a' },
    { path: 'h', type: '1', linkname: 'd/a' },
    { path: 'd/b', data: Buffer.from('tiny') },
  ];

  async function run(
    fn: (options: TarReadOptions) => Promise<{ files: TarFileRecord[]; entries: unknown[]; fileCount: number; bytes: number; skipped: string[] }>,
  ): Promise<void> {
    const full = await fn({});
    expect(full.fileCount).toBe(2);
    expect(full.bytes).toBe(9 + 4);
    expect(full.files.map((f) => f.path)).toEqual(['d/a', 'd/b']);
    expect(full.entries).toHaveLength(items.length);

    const calls: TarFileRecord[] = [];
    const lean = await fn({ collect: false, onFile: (r) => void calls.push(r) });
    expect(lean.files).toEqual([]);
    expect(lean.entries).toEqual([]);
    expect(lean.fileCount).toBe(full.fileCount);
    expect(lean.bytes).toBe(full.bytes);
    expect(lean.skipped).toEqual(['h']);
    // Once per file entry, in archive order; the caller keeps the last of a path.
    expect(calls.map((r) => [r.path, r.size])).toEqual([
      ['d/a', 4],
      ['d/b', big.length],
      ['c', 12],
      ['d/a', 9],
      ['d/b', 4],
    ]);
    expect(calls[1]?.sha256).toBe(sha256(big));
    expect(calls[4]?.mtime).toBe(new Date(MTIME * 1000).toISOString());
  }

  it('extractTar into an empty directory keeps counts exact', async () => {
    let n = 0;
    await run((options) => extractTar(fromBuffer(tar(items)), path.join(work, `out${n++}`), options));
    expect(await readlink(path.join(work, 'out1', 'c'))).toBe('d/a');
    expect(await readFile(path.join(work, 'out1', 'd', 'b'), 'utf8')).toBe('tiny');
  });

  it('extractTar into a directory that already holds files keeps counts exact', async () => {
    let n = 0;
    await run(async (options) => {
      const dir = path.join(work, `out${n++}`);
      await mkdir(path.join(dir, 'd'), { recursive: true });
      // Files the archive did not write: replacing them must not be subtracted.
      await writeFile(path.join(dir, 'c'), 'pre-existing, longer than anything');
      await writeFile(path.join(dir, 'd', 'a'), 'pre-existing');
      return extractTar(fromBuffer(tar(items)), dir, options);
    });
  });

  it('listTar keeps counts exact', async () => {
    await run((options) => listTar(fromBuffer(tar(items)), options));
  });

  it('hashing off still counts and reports', async () => {
    const calls: TarFileRecord[] = [];
    const lean = await listTar(fromBuffer(tar(items)), { collect: false, hash: false, onFile: (r) => void calls.push(r) });
    expect(lean.fileCount).toBe(2);
    expect(calls.every((r) => r.sha256 === undefined)).toBe(true);
  });
});
