import { asUnprivileged } from '../../support/unprivileged.js';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, readdirSync } from 'node:fs';
import { appendFile, lstat, mkdir, readFile, readlink, rm, stat, symlink, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AzsError } from '../../../ts/errors.js';
import { encodeHeaders, packDirectory, type PackedFile } from '../../../ts/archive/tar-writer.js';
import { extractTar, listTar, safeRelativePath } from '../../../ts/archive/tar-reader.js';
import {
  LONG_FILE,
  UNICODE_FILE,
  collect,
  collectSlowly,
  expectIntegrityFailed,
  fromBuffer,
  makeTree,
  readTreeFile,
  removeDir,
  sha256,
  tempDir,
} from './helpers.js';

const hasGnuTar = spawnSync('tar', ['--version'], { encoding: 'utf8' }).stdout?.includes('GNU tar') ?? false;

let work: string;
beforeEach(async () => {
  work = await tempDir('tar');
});
afterEach(async () => {
  await removeDir(work);
});

/** A hand-made archive: each entry's headers from encodeHeaders, data padded, end marker. */
function craft(entries: Array<{ path: string; type: '0' | '5' | '2'; data?: Buffer; linkname?: string }>, endMarker = true): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = e.data ?? Buffer.alloc(0);
    parts.push(...encodeHeaders({ path: e.path, type: e.type, mode: 0o644, size: BigInt(data.length), mtimeNs: 1_700_000_000_000_000_000n, ...(e.linkname ? { linkname: e.linkname } : {}) }));
    if (data.length) {
      parts.push(data, Buffer.alloc((512 - (data.length % 512)) % 512));
    }
  }
  if (endMarker) parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

describe('tar round trip', () => {
  it('extracts a generated tree byte for byte, with matching hashes, modes, times and links', async () => {
    const src = path.join(work, 'src');
    const dst = path.join(work, 'dst');
    await mkdir(src);
    const files = await makeTree(src);
    await writeFile(path.join(src, 'script.sh'), '#!/bin/sh\n', { mode: 0o750 });
    files.set('script.sh', Buffer.from('#!/bin/sh\n'));

    const seen: string[] = [];
    const { stream, done } = packDirectory(src, { onFile: (p) => void seen.push(p) });
    const tar = await collect(stream);
    const summary = await done;

    expect(tar.length % 512).toBe(0);
    expect(summary.inconsistent).toEqual([]);
    expect(summary.unreadable).toEqual([]);
    expect(summary.fileCount).toBe(files.size);
    expect(summary.bytes).toBe([...files.values()].reduce((n, b) => n + b.length, 0));
    expect(summary.archiveBytes).toBe(tar.length);
    expect(seen.sort()).toEqual([...files.keys()].sort());
    for (const f of summary.files) expect(f.sha256).toBe(sha256(files.get(f.path)!));

    // Sorted, deterministic order: the same tree packs to the same entry list.
    const again = await collect(packDirectory(src).stream);
    expect(sha256(again)).toBe(sha256(tar));

    const result = await extractTar(fromBuffer(tar, 7000), dst);
    expect(result.bytes).toBe(summary.bytes);
    expect(new Map(result.files.map((f) => [f.path, f.sha256]))).toEqual(new Map(summary.files.map((f) => [f.path, f.sha256])));
    for (const [rel, data] of files) expect((await readTreeFile(dst, rel)).equals(data)).toBe(true);

    expect(await readlink(path.join(dst, 'nested', 'link-to-three'))).toBe('one/two/three.txt');
    expect((await stat(path.join(dst, 'empty-dir'))).isDirectory()).toBe(true);
    expect((await stat(path.join(dst, 'script.sh'))).mode & 0o777).toBe(0o750);
    expect((await stat(path.join(dst, 'a.txt'))).mtimeMs).toBe(1_700_000_000_250);
    const srcDirTime = (await stat(path.join(src, 'nested'))).mtimeMs;
    expect(Math.abs((await stat(path.join(dst, 'nested'))).mtimeMs - srcDirTime)).toBeLessThan(1);
    expect(summary.files.find((f) => f.path === LONG_FILE)).toBeDefined();
    expect(summary.files.find((f) => f.path === UNICODE_FILE)).toBeDefined();
  });

  it('lists and hashes without writing (verify mode)', async () => {
    const src = path.join(work, 'src');
    await mkdir(src);
    await makeTree(src);
    const { stream, done } = packDirectory(src);
    const tar = await collect(stream);
    const summary = await done;
    const listed = await listTar(fromBuffer(tar));
    expect(listed.files.map((f) => [f.path, f.size, f.sha256])).toEqual(summary.files.map((f) => [f.path, f.size, f.sha256]));
    expect(listed.entries.find((e) => e.path === 'nested/link-to-three')?.linkname).toBe('one/two/three.txt');
    expect(listed.entries.find((e) => e.path === 'empty-dir')?.type).toBe('directory');
  });

  it('encodes sizes of 8 GiB and more in a pax header', () => {
    const blocks = encodeHeaders({ path: 'huge.vhd', type: '0', mode: 0o644, size: 9n * 1024n ** 3n, mtimeNs: 0n });
    // pax header, its records, their padding, then the ustar header with size 0
    expect(blocks.map((b) => b.length)).toEqual([512, blocks[1]!.length, 512 - blocks[1]!.length, 512]);
    expect(String.fromCharCode(blocks[0]![156]!)).toBe('x');
    const record = blocks[1]!.toString('utf8');
    expect(record).toMatch(new RegExp(`^\\d+ size=${9 * 1024 ** 3}\n$`));
    expect(Number(record.split(' ')[0])).toBe(blocks[1]!.length);
    const small = encodeHeaders({ path: 'small', type: '0', mode: 0o644, size: 8n * 1024n ** 3n - 1n, mtimeNs: 0n });
    expect(small.length).toBe(1);
  });
});

describe.skipIf(!hasGnuTar)('cross-tool with GNU tar', () => {
  it('GNU tar lists and extracts our archive identically', async () => {
    const src = path.join(work, 'src');
    const dst = path.join(work, 'gnu-out');
    await mkdir(src);
    await mkdir(dst);
    const files = await makeTree(src);
    const tarFile = path.join(work, 'role.tar');
    await writeFile(tarFile, await collect(packDirectory(src).stream));

    const listing = spawnSync('tar', ['-tvf', tarFile], { encoding: 'utf8' });
    expect(listing.stderr).toBe('');
    expect(listing.status).toBe(0);
    expect(listing.stdout).toContain(LONG_FILE);
    expect(listing.stdout).toContain(UNICODE_FILE);
    expect(listing.stdout).toMatch(/nested\/link-to-three -> one\/two\/three\.txt/);

    const extract = spawnSync('tar', ['-xf', tarFile, '-C', dst], { encoding: 'utf8' });
    expect(extract.stderr).toBe('');
    expect(extract.status).toBe(0);
    for (const [rel, data] of files) expect((await readTreeFile(dst, rel)).equals(data)).toBe(true);
    expect(await readlink(path.join(dst, 'nested', 'link-to-three'))).toBe('one/two/three.txt');
    expect((await stat(path.join(dst, 'empty-dir'))).isDirectory()).toBe(true);
    const t = (await stat(path.join(dst, 'a.txt'))).mtimeMs;
    expect(t).toBe(1_700_000_000_250);
  });

  it('our reader extracts a GNU tar pax archive', async () => {
    const src = path.join(work, 'src');
    const dst = path.join(work, 'dst');
    await mkdir(src);
    const files = await makeTree(src);
    const tarFile = path.join(work, 'gnu.tar');
    execFileSync('tar', ['--format=pax', '-cf', tarFile, '-C', src, '.']);
    const result = await extractTar(fromBuffer(await readFile(tarFile)), dst);
    for (const [rel, data] of files) {
      expect((await readTreeFile(dst, rel)).equals(data)).toBe(true);
      expect(result.files.find((f) => f.path === rel)?.sha256).toBe(sha256(data));
    }
    expect(await readlink(path.join(dst, 'nested', 'link-to-three'))).toBe('one/two/three.txt');
  });

  it('our reader extracts a GNU-format archive with long names', async () => {
    const src = path.join(work, 'src');
    const dst = path.join(work, 'dst');
    await mkdir(src);
    const files = await makeTree(src);
    const tarFile = path.join(work, 'gnu-format.tar');
    execFileSync('tar', ['--format=gnu', '-cf', tarFile, '-C', src, '.']);
    await extractTar(fromBuffer(await readFile(tarFile)), dst);
    for (const [rel, data] of files) expect((await readTreeFile(dst, rel)).equals(data)).toBe(true);
  });
});

describe('consistency of files changing during the backup', () => {
  it('re-reads a file modified while it is read and keeps the final state', async () => {
    const src = path.join(work, 'src');
    const dst = path.join(work, 'dst');
    await mkdir(src);
    await writeFile(path.join(src, 'before.txt'), 'stable\n');
    await writeFile(path.join(src, 'db.log'), 'first version\n');
    await writeFile(path.join(src, 'z-after.txt'), 'stable too\n');
    const attempts: number[] = [];
    let read = 0;
    const { stream, done } = packDirectory(src, {
      onFile: async (rel, attempt) => {
        if (rel !== 'db.log') return;
        attempts.push(attempt);
        // After the pre-read stat: exactly the window a live writer hits.
        if (attempt === 1) await appendFile(path.join(src, 'db.log'), 'appended while backing up\n');
      },
      onData: (n) => (read += n),
    });
    const tar = await collect(stream);
    const summary = await done;
    expect(attempts).toEqual([1, 2]);
    // Progress counts the data read: the torn first read of db.log (its size when opened) and the re-read.
    expect(read).toBe('stable\n'.length + 'first version\n'.length + 'stable too\n'.length + (await readFile(path.join(src, 'db.log'))).length);
    expect(summary.inconsistent).toEqual([]);
    const final = await readFile(path.join(src, 'db.log'));
    expect(summary.files.find((f) => f.path === 'db.log')?.sha256).toBe(sha256(final));
    // The re-read copy is appended at the end, after the files that followed it.
    expect(summary.files.map((f) => f.path)).toEqual(['before.txt', 'z-after.txt', 'db.log']);

    const listed = await listTar(fromBuffer(tar));
    expect(listed.entries.filter((e) => e.path === 'db.log')).toHaveLength(2);
    await extractTar(fromBuffer(tar), dst);
    expect((await readFile(path.join(dst, 'db.log'))).equals(final)).toBe(true);
    if (hasGnuTar) {
      const gnuDst = path.join(work, 'gnu');
      await mkdir(gnuDst);
      const tarFile = path.join(work, 'x.tar');
      await writeFile(tarFile, tar);
      execFileSync('tar', ['-xf', tarFile, '-C', gnuDst]);
      expect((await readFile(path.join(gnuDst, 'db.log'))).equals(final)).toBe(true);
    }
  });

  it('re-reads a file a concurrent writer appends to, and stays a valid archive', async () => {
    const src = path.join(work, 'src');
    const dst = path.join(work, 'dst');
    await mkdir(src);
    const file = path.join(src, 'growing.log');
    await writeFile(file, Buffer.alloc(2 * 1024 * 1024, 0x61));
    let timer: NodeJS.Timeout | undefined;
    const { stream, done } = packDirectory(src, {
      readSize: 64 * 1024,
      onFile: (_rel, attempt) => {
        if (attempt === 1) timer = setInterval(() => appendFileSync(file, 'more\n'), 1);
        else clearInterval(timer);
      },
    });
    const tar = await collectSlowly(stream, 1);
    clearInterval(timer);
    const summary = await done;
    const final = await readFile(file);
    expect(final.length).toBeGreaterThan(2 * 1024 * 1024);
    expect(summary.inconsistent).toEqual([]);
    expect(summary.files[0]?.sha256).toBe(sha256(final));
    await extractTar(fromBuffer(tar), dst);
    expect((await readFile(path.join(dst, 'growing.log'))).equals(final)).toBe(true);
  });

  it('pads a file that shrank mid-read so the archive stays valid, then re-reads it', async () => {
    const src = path.join(work, 'src');
    const dst = path.join(work, 'dst');
    await mkdir(src);
    const file = path.join(src, 'shrinking.bin');
    await writeFile(file, Buffer.alloc(100_000, 0x62));
    const { stream, done } = packDirectory(src, {
      onFile: async (_rel, attempt) => {
        if (attempt === 1) await truncate(file, 1000);
      },
    });
    const tar = await collect(stream);
    const summary = await done;
    const listed = await listTar(fromBuffer(tar));
    expect(listed.entries.map((e) => e.size)).toEqual([100_000, 1000]);
    expect(summary.files[0]?.size).toBe(1000);
    await extractTar(fromBuffer(tar), dst);
    expect((await readFile(path.join(dst, 'shrinking.bin'))).equals(Buffer.alloc(1000, 0x62))).toBe(true);
  });

  it('reports a file that changes on every attempt as inconsistent', async () => {
    const src = path.join(work, 'src');
    await mkdir(src);
    await writeFile(path.join(src, 'hot.db'), 'v0');
    await writeFile(path.join(src, 'cold.txt'), 'cold');
    let n = 0;
    const { stream, done } = packDirectory(src, {
      onFile: async (rel) => {
        if (rel === 'hot.db') await writeFile(path.join(src, 'hot.db'), `v${++n} ${'x'.repeat(n)}`);
      },
    });
    const tar = await collect(stream);
    const summary = await done;
    expect(summary.inconsistent).toEqual(['hot.db']);
    expect(summary.files.map((f) => f.path)).toEqual(['cold.txt']);
    expect(n).toBe(3);
    const listed = await listTar(fromBuffer(tar));
    expect(listed.entries.filter((e) => e.path === 'hot.db')).toHaveLength(3);
  });

  it('honours maxAttempts', async () => {
    const src = path.join(work, 'src');
    await mkdir(src);
    await writeFile(path.join(src, 'hot.db'), 'v0');
    let n = 0;
    const { stream, done } = packDirectory(src, {
      maxAttempts: 5,
      onFile: async () => void (await writeFile(path.join(src, 'hot.db'), `v${++n}`.padEnd(n + 2, '.'))),
    });
    await collect(stream);
    expect((await done).inconsistent).toEqual(['hot.db']);
    expect(n).toBe(5);
  });

  it('reports files that vanish before they are read, without an entry', async () => {
    const src = path.join(work, 'src');
    await mkdir(src);
    await writeFile(path.join(src, 'temp.tmp'), 'short-lived');
    await writeFile(path.join(src, 'keep.txt'), 'keep');
    // Listed with its directory, gone before its turn to be opened.
    const { stream, done } = packDirectory(src, {
      onFile: async (rel) => {
        if (rel === 'keep.txt') await rm(path.join(src, 'temp.tmp'));
      },
    });
    const tar = await collect(stream);
    const summary = await done;
    expect(summary.vanished).toEqual(['temp.tmp']);
    expect(summary.files.map((f) => f.path)).toEqual(['keep.txt']);
    expect((await listTar(fromBuffer(tar))).entries.map((e) => e.path)).toEqual(['keep.txt']);
  });

  it('survives a file replaced by a FIFO mid-backup without hanging', async () => {
    const src = path.join(work, 'src');
    await mkdir(src);
    await writeFile(path.join(src, 'pipe'), 'was a file');
    const { stream, done } = packDirectory(src, {
      onFile: async (_rel, attempt) => {
        if (attempt === 1) {
          await rm(path.join(src, 'pipe'));
          execFileSync('mkfifo', [path.join(src, 'pipe')]);
        }
      },
    });
    const tar = await collect(stream);
    const summary = await done;
    expect(summary.inconsistent).toEqual(['pipe']);
    await listTar(fromBuffer(tar)); // still a well-formed archive
  });

  it('reports an unreadable file and carries on', async () => {
    const src = path.join(work, 'src');
    await mkdir(src);
    await writeFile(path.join(src, 'secret'), 'no', { mode: 0o000 });
    await writeFile(path.join(src, 'open.txt'), 'yes', { mode: 0o644 });
    const summary = await asUnprivileged(work, src, async () => {
      const { stream, done } = packDirectory(src);
      await collect(stream);
      return done;
    });
    expect(summary.unreadable).toEqual(['secret']);
    expect(summary.files.map((f) => f.path)).toEqual(['open.txt']);
  });

  it('skips sockets and FIFOs and reports them', async () => {
    const src = path.join(work, 'src');
    await mkdir(src);
    execFileSync('mkfifo', [path.join(src, 'a-fifo')]);
    await writeFile(path.join(src, 'b.txt'), 'b');
    const { stream, done } = packDirectory(src);
    await collect(stream);
    const summary = await done;
    expect(summary.skipped).toEqual(['a-fifo']);
    expect(summary.fileCount).toBe(1);
  });

  it('rejects a missing root with SourceRejected', async () => {
    const { stream, done } = packDirectory(path.join(work, 'nope'));
    stream.resume();
    const err = await done.catch((e: unknown) => e);
    expect((err as AzsError).code).toBe('SourceRejected');
  });

  it('rejects `done` when the consumer destroys the stream early', async () => {
    const src = path.join(work, 'src');
    await mkdir(src);
    await writeFile(path.join(src, 'big'), Buffer.alloc(4 * 1024 * 1024));
    const { stream, done } = packDirectory(src);
    stream.once('data', () => stream.destroy());
    await expect(done).rejects.toBeInstanceOf(Error);
  });
});

describe('large-file path, streaming API and resources', () => {
  const MiB = 1024 * 1024;

  function openFds(): number {
    return readdirSync('/proc/self/fd').length;
  }

  it('packs files around the small/large boundary identically, whatever the read size', async () => {
    const src = path.join(work, 'src');
    await mkdir(src);
    const files = new Map<string, Buffer>();
    for (const size of [MiB - 1, MiB, MiB + 1, 3 * MiB + 700]) files.set(`f-${size}.bin`, randomBytes(size));
    for (const [rel, data] of files) await writeFile(path.join(src, rel), data);
    const tars: Buffer[] = [];
    for (const readSize of [300 * 1024 + 7, undefined]) {
      const { stream, done } = packDirectory(src, readSize === undefined ? {} : { readSize });
      const tar = await collect(stream);
      const summary = await done;
      expect(summary.archiveBytes).toBe(tar.length);
      expect(summary.files.map((f) => [f.path, f.size, f.sha256])).toEqual(
        [...files].sort(([a], [b]) => (a < b ? -1 : 1)).map(([rel, data]) => [rel, data.length, sha256(data)]),
      );
      const listed = await listTar(fromBuffer(tar));
      expect(listed.files.map((f) => f.sha256)).toEqual(summary.files.map((f) => f.sha256));
      tars.push(tar);
    }
    expect(tars[0]!.equals(tars[1]!)).toBe(true);
  });

  it('collectFiles: false keeps `files` empty and reports every final copy once through onPacked', async () => {
    const src = path.join(work, 'src');
    await mkdir(src);
    await writeFile(path.join(src, 'before.txt'), 'stable\n');
    await writeFile(path.join(src, 'db.log'), 'first version\n');
    await writeFile(path.join(src, 'big.bin'), randomBytes(2 * MiB));
    await writeFile(path.join(src, 'z-after.txt'), 'stable too\n');
    const packed: PackedFile[] = [];
    const { stream, done } = packDirectory(src, {
      collectFiles: false,
      onPacked: (f) => void packed.push(f),
      onFile: async (rel, attempt) => {
        if (rel === 'db.log' && attempt === 1) await appendFile(path.join(src, 'db.log'), 'appended\n');
      },
    });
    await collect(stream);
    const summary = await done;
    expect(summary.files).toEqual([]);
    expect(packed.map((f) => f.path)).toEqual(['before.txt', 'big.bin', 'z-after.txt', 'db.log']);
    expect(summary.fileCount).toBe(4);
    expect(summary.bytes).toBe(packed.reduce((n, f) => n + f.size, 0));
    expect(packed.find((f) => f.path === 'db.log')?.sha256).toBe(sha256(await readFile(path.join(src, 'db.log'))));
    expect(packed.find((f) => f.path === 'big.bin')?.sha256).toBe(sha256(await readFile(path.join(src, 'big.bin'))));

    // The default still collects, and onPacked sees the same list in the same order.
    const again: PackedFile[] = [];
    const second = packDirectory(src, { onPacked: (f) => void again.push(f) });
    await collect(second.stream);
    expect((await second.done).files).toEqual(again);
  });

  it('fails the stream when onPacked throws', async () => {
    const src = path.join(work, 'src');
    await mkdir(src);
    await writeFile(path.join(src, 'a.txt'), 'a');
    const { stream, done } = packDirectory(src, {
      onPacked: () => {
        throw new Error('manifest full');
      },
    });
    await expect(collect(stream)).rejects.toThrow('manifest full');
    await expect(done).rejects.toThrow('manifest full');
  });

  it('pads a large file that shrank mid-read, then re-reads it', async () => {
    const src = path.join(work, 'src');
    const dst = path.join(work, 'dst');
    await mkdir(src);
    const file = path.join(src, 'shrinking.bin');
    await writeFile(file, Buffer.alloc(3 * MiB, 0x62));
    const { stream, done } = packDirectory(src, {
      readSize: 256 * 1024,
      onFile: async (_rel, attempt) => {
        if (attempt === 1) await truncate(file, MiB + 1000);
      },
    });
    const tar = await collect(stream);
    const summary = await done;
    expect((await listTar(fromBuffer(tar))).entries.map((e) => e.size)).toEqual([3 * MiB, MiB + 1000]);
    expect(summary.files[0]?.size).toBe(MiB + 1000);
    await extractTar(fromBuffer(tar), dst);
    expect((await readFile(path.join(dst, 'shrinking.bin'))).equals(Buffer.alloc(MiB + 1000, 0x62))).toBe(true);
  });

  it.each([
    ['small', 100],
    ['large', 2 * MiB],
  ])('reports a %s file swapped for a FIFO or a symlink as inconsistent, without reading it', async (_kind, size) => {
    const src = path.join(work, 'src');
    await mkdir(src);
    await writeFile(path.join(src, 'a-first'), 'read before the swap');
    await writeFile(path.join(src, 'pipe'), Buffer.alloc(size, 1));
    await writeFile(path.join(src, 'link'), Buffer.alloc(size, 2));
    await writeFile(path.join(src, 'target'), 'outside the snapshot');
    // Both are swapped after the directory was listed and before their turn to be opened.
    const { stream, done } = packDirectory(src, {
      onFile: async (rel) => {
        if (rel !== 'a-first') return;
        await rm(path.join(src, 'pipe'));
        execFileSync('mkfifo', [path.join(src, 'pipe')]);
        await rm(path.join(src, 'link'));
        await symlink('target', path.join(src, 'link'));
      },
    });
    const tar = await collect(stream);
    const summary = await done;
    expect(summary.inconsistent.sort()).toEqual(['link', 'pipe']);
    expect(summary.files.map((f) => f.path)).toEqual(['a-first', 'target']);
    // Neither swapped path got an entry: the check happens before any header is written.
    expect((await listTar(fromBuffer(tar))).entries.map((e) => e.path)).toEqual(['a-first', 'target']);
  });

  it.skipIf(process.platform !== 'linux')('closes every file when the consumer stops in the middle of a large file', async () => {
    const src = path.join(work, 'src');
    await mkdir(src);
    await writeFile(path.join(src, 'big'), Buffer.alloc(8 * MiB, 3));
    const baseline = openFds();
    const { stream, done } = packDirectory(src, { readSize: 64 * 1024 });
    let chunks = 0;
    stream.on('data', () => {
      if (++chunks === 3) stream.destroy();
    });
    await expect(done).rejects.toBeInstanceOf(Error);
    for (let i = 0; i < 100 && openFds() > baseline; i++) await new Promise((r) => setTimeout(r, 10));
    expect(openFds()).toBe(baseline);
  });
});

describe('hostile archives', () => {
  it.each([
    ['../evil.txt', /climbs out/],
    ['a/../../evil.txt', /climbs out/],
    ['/etc/evil.txt', /absolute/],
  ])('refuses the entry %s', async (name, pattern) => {
    const tar = craft([{ path: name, type: '0', data: Buffer.from('pwned') }]);
    await expectIntegrityFailed(extractTar(fromBuffer(tar), path.join(work, 'dst')), pattern);
    await expectIntegrityFailed(listTar(fromBuffer(tar)), pattern);
    await expect(lstat(path.join(work, 'evil.txt'))).rejects.toThrow();
  });

  it('refuses to write through a symlink the archive planted', async () => {
    const outside = path.join(work, 'outside');
    await mkdir(outside);
    const tar = craft([
      { path: 'link', type: '2', linkname: outside },
      { path: 'link/evil.txt', type: '0', data: Buffer.from('pwned') },
    ]);
    await expectIntegrityFailed(extractTar(fromBuffer(tar), path.join(work, 'dst')), /through the symlink/);
    await expect(lstat(path.join(outside, 'evil.txt'))).rejects.toThrow();
  });

  it('replaces, rather than follows, a symlink at a file path', async () => {
    const outside = path.join(work, 'victim.txt');
    await writeFile(outside, 'original');
    const dst = path.join(work, 'dst');
    const tar = craft([
      { path: 'f', type: '2', linkname: outside },
      { path: 'f', type: '0', data: Buffer.from('archive content') },
    ]);
    await extractTar(fromBuffer(tar), dst);
    expect(await readFile(outside, 'utf8')).toBe('original');
    expect((await lstat(path.join(dst, 'f'))).isFile()).toBe(true);
    expect(await readFile(path.join(dst, 'f'), 'utf8')).toBe('archive content');
  });

  it('lets a later duplicate entry replace an earlier one', async () => {
    const dst = path.join(work, 'dst');
    const tar = craft([
      { path: 'x.txt', type: '0', data: Buffer.from('old') },
      { path: 'x.txt', type: '0', data: Buffer.from('new and longer') },
    ]);
    const result = await extractTar(fromBuffer(tar), dst);
    expect(await readFile(path.join(dst, 'x.txt'), 'utf8')).toBe('new and longer');
    expect(result.files).toHaveLength(1);
    expect(result.files[0]?.sha256).toBe(sha256(Buffer.from('new and longer')));
  });

  it('listTar counts a repeated path once, and with exactCounts: false counts every copy and keeps nothing per file', async () => {
    const tar = craft([
      { path: 'x.txt', type: '0', data: Buffer.from('old') },
      { path: 'y.txt', type: '0', data: Buffer.from('y') },
      { path: 'x.txt', type: '0', data: Buffer.from('new and longer') },
    ]);
    const exact = await listTar(fromBuffer(tar), { collect: false });
    expect([exact.fileCount, exact.bytes]).toEqual([2, 15]);
    const seen: string[] = [];
    const loose = await listTar(fromBuffer(tar), { collect: false, exactCounts: false, onFile: (f) => seen.push(`${f.path}:${f.size}`) });
    expect([loose.fileCount, loose.bytes]).toEqual([3, 18]);
    expect(seen).toEqual(['x.txt:3', 'y.txt:1', 'x.txt:14']);
  });

  it('validates names the same way on Windows rules', () => {
    expect(() => safeRelativePath('C:/x', 'win32')).toThrow(/absolute/);
    expect(() => safeRelativePath('a\\..\\..\\x', 'win32')).toThrow(/separators/);
    expect(safeRelativePath('./a//b/', 'linux')).toBe('a/b');
  });
});

describe('damaged archives', () => {
  async function sampleTar(): Promise<Buffer> {
    const src = path.join(work, 'src');
    await mkdir(src, { recursive: true });
    await writeFile(path.join(src, 'one.bin'), Buffer.alloc(3000, 1));
    await writeFile(path.join(src, 'two.bin'), Buffer.alloc(5000, 2));
    return collect(packDirectory(src).stream);
  }

  it('fails with IntegrityFailed when the end-of-archive marker is missing', async () => {
    const tar = await sampleTar();
    await expectIntegrityFailed(listTar(fromBuffer(tar.subarray(0, tar.length - 1024))), /end-of-archive marker/);
    await expectIntegrityFailed(listTar(fromBuffer(tar.subarray(0, tar.length - 512))), /end-of-archive/);
  });

  it('fails with IntegrityFailed when cut inside data or a header', async () => {
    const tar = await sampleTar();
    await expectIntegrityFailed(listTar(fromBuffer(tar.subarray(0, 2000))), /truncated/);
    await expectIntegrityFailed(listTar(fromBuffer(tar.subarray(0, 512 * 8 + 100))), /truncated/);
    const dst = path.join(work, 'dst');
    await expectIntegrityFailed(extractTar(fromBuffer(tar.subarray(0, 2000)), dst), /truncated/);
    // No half-written file is left under a real name.
    const left = await import('node:fs/promises').then((fs) => fs.readdir(dst));
    expect(left).toEqual([]);
  });

  it('fails with IntegrityFailed on a corrupted header', async () => {
    const tar = Buffer.from(await sampleTar());
    tar[10] = tar[10]! ^ 0x20; // inside the first name field
    await expectIntegrityFailed(listTar(fromBuffer(tar)), /checksum/);
  });

  it('fails on an empty input', async () => {
    await expectIntegrityFailed(listTar(fromBuffer(Buffer.alloc(0))), /end-of-archive/);
  });
});
