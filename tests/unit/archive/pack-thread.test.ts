import { readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packDirectoryOnThread, packWorkerSource, type PackWorkerSource } from '../../../ts/archive/pack-thread.js';
import { packArchive, packDirectory, type PackedFile } from '../../../ts/archive/tar-writer.js';
import { AzsError } from '../../../ts/errors.js';
import { decodeFiles, encodeFiles } from '../../../ts/archive/pack-protocol.js';
import { handBack } from '../../../ts/util/lent-buffers.js';
import { collect, makeTree, removeDir, sha256, tempDir } from './helpers.js';

// The worker as the engine binary runs it: ts/archive/pack-worker.ts bundled the way
// scripts/build.mjs bundles it.
let work: string;
let source: PackWorkerSource;
beforeAll(async () => {
  work = await tempDir('pack-thread');
  const file = path.join(work, 'pack-worker.cjs');
  await build({ entryPoints: [path.join(import.meta.dirname, '../../../ts/archive/pack-worker.ts')], outfile: file, bundle: true, platform: 'node', format: 'cjs', target: 'node22', logLevel: 'warning' });
  source = { file };
});
afterAll(async () => {
  await removeDir(work);
});

const openFds = () => readdirSync('/proc/self/fd').length;

async function tree(name: string): Promise<string> {
  const root = path.join(work, name);
  await mkdir(root);
  await makeTree(root);
  return root;
}

describe('packing on a thread of its own', () => {
  // 64 KiB pieces: the 5 MiB file crosses in many messages. 4 MiB pieces: each one is larger
  // than the 1 MiB ring, so it must be announced and copied out part by part.
  it.each([64 * 1024, 4 * 1024 * 1024])('produces the same archive, summary and onPacked calls as packing on the main thread (read size %i)', async (readSize) => {
    const root = await tree(`same-${readSize}`);
    // Sizes that do not fill the last read piece nor the ring's end evenly.
    await writeFile(path.join(root, 'tail-small.bin'), Buffer.alloc(1024 * 1024 + 100, 3));
    await writeFile(path.join(root, 'tail-large.bin'), Buffer.alloc(3 * 1024 * 1024 + 20_000, 4));
    const here: PackedFile[] = [];
    let hereRead = 0;
    const local = packDirectory(root, { collectFiles: false, readSize, onPacked: (f) => here.push(f), onData: (n) => (hereRead += n) });
    const localBytes = await collect(local.stream);
    const there: PackedFile[] = [];
    let thereRead = 0;
    const threaded = packDirectoryOnThread(root, { readSize, onPacked: (f) => there.push(f), onData: (n) => (thereRead += n) }, source);
    const threadedBytes = await collect(threaded.stream);

    expect(threadedBytes.length).toBe(localBytes.length);
    expect(sha256(threadedBytes)).toBe(sha256(localBytes));
    expect(await threaded.done).toEqual(await local.done);
    expect(there).toEqual(here);
    expect(there.map((f) => f.path)).toContain('nested/random.bin');
    // onData counts file data only, on both paths: every byte of every file once, no header or padding.
    const data = here.reduce((sum, f) => sum + f.size, 0);
    expect(hereRead).toBe(data);
    expect(thereRead).toBe(data);
    expect(localBytes.length).toBeGreaterThan(data + 512 * here.length);
  });

  it('reuses its memory for a consumer that copies each chunk, and writes the same archive', async () => {
    const root = await tree('reuse');
    for (let i = 0; i < 500; i++) await writeFile(path.join(root, `small-${i}.txt`), Buffer.alloc(3000, i % 251));
    const distinct = async (reuseBuffers: boolean) => {
      const memory = new Set<ArrayBufferLike>();
      const copies: Buffer[] = [];
      const { chunks, summary } = packArchive(root, { readSize: 64 * 1024, reuseBuffers });
      for await (const chunk of chunks) {
        memory.add(chunk.buffer);
        copies.push(Buffer.from(chunk));
      }
      return { memory: memory.size, bytes: Buffer.concat(copies), summary };
    };
    const fresh = await distinct(false);
    const reused = await distinct(true);
    expect(sha256(reused.bytes)).toBe(sha256(fresh.bytes));
    expect(sha256(reused.bytes)).toBe(sha256(await collect(packDirectory(root).stream)));
    expect(reused.summary.fileCount).toBe(fresh.summary.fileCount);
    // Some ninety pieces and batches; with reuse a handful of buffers carried all of them.
    expect(fresh.memory).toBeGreaterThan(50);
    expect(reused.memory).toBeLessThanOrEqual(6);
  });

  it('lends what it copies out of the ring: a consumer that hands each piece back gets the same few buffers', async () => {
    const root = await tree('lend');
    for (let i = 0; i < 40; i++) await writeFile(path.join(root, `part-${i}.bin`), Buffer.alloc(200_000, i));
    const read = async (giveBack: boolean) => {
      const memory = new Set<ArrayBufferLike>();
      const copies: Buffer[] = [];
      const { stream, done } = packDirectoryOnThread(root, {}, source);
      for await (const piece of stream as AsyncIterable<Buffer>) {
        memory.add(piece.buffer);
        copies.push(Buffer.from(piece));
        if (giveBack) handBack(piece);
      }
      await done;
      return { memory: memory.size, bytes: Buffer.concat(copies) };
    };
    const kept = await read(false);
    const returned = await read(true);
    expect(sha256(returned.bytes)).toBe(sha256(kept.bytes));
    expect(sha256(returned.bytes)).toBe(sha256(await collect(packDirectory(root).stream)));
    // 8 MB in pieces of at most 256 KiB: thirty or more buffers when none come back, a handful when
    // they do. How many is a handful depends on how far the pump ran ahead of the consumer before
    // it got the CPU back: 9 was seen once on a slow, loaded machine; 12 still tells the two apart.
    expect(kept.memory).toBeGreaterThanOrEqual(30);
    expect(returned.memory).toBeLessThanOrEqual(12);
  });

  it('sends settled files as text that keeps any path a file system allows but NUL', () => {
    const files: PackedFile[] = [
      { path: 'tab\there/new\nline', size: 0, mtime: '2026-12-01T00:00:00.000Z', sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' },
      { path: 'ünïcödé/日本語 🚀.txt', size: 2 ** 40 + 3, mtime: '1969-12-31T23:59:59.999Z', sha256: 'ab'.repeat(32) },
    ];
    expect(decodeFiles(encodeFiles(files))).toEqual(files);
    expect(decodeFiles(encodeFiles([]))).toEqual([]);
  });

  it('carries the engine error of the worker, code and all', async () => {
    const threaded = packDirectoryOnThread(path.join(work, 'no-such-role'), {}, source);
    const err = await collect(threaded.stream).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AzsError);
    expect((err as AzsError).code).toBe('SourceRejected');
    expect((err as AzsError).target).toBe(path.join(work, 'no-such-role'));
    await expect(threaded.done).rejects.toBeInstanceOf(AzsError);
  });

  it('waits for the consumer: a paused stream stops the walk, and reading on finishes it', async () => {
    const root = path.join(work, 'many');
    await mkdir(root);
    for (let i = 0; i < 2000; i++) await writeFile(path.join(root, `f${String(i).padStart(4, '0')}.txt`), Buffer.alloc(4000, i % 251));
    let reported = 0;
    const threaded = packDirectoryOnThread(root, { onPacked: () => reported++ }, source);
    threaded.stream.pause();
    await new Promise((resolve) => setTimeout(resolve, 500));
    // 2000 entries of 4.5 KiB are 9 MiB; a 256 KiB batch holds 56 of them, and only the batches
    // the main thread buffers plus the worker's credit of four may be packed ahead.
    expect(reported).toBeGreaterThan(0);
    expect(reported).toBeLessThan(500);
    await collect(threaded.stream);
    expect(reported).toBe(2000);
    expect((await threaded.done).fileCount).toBe(2000);
  });

  it('keeps what the worker packed when the worker ends before the consumer reads it', async () => {
    const root = await tree('small-and-slow');
    await writeFile(path.join(root, 'nested', 'random.bin'), Buffer.alloc(1000, 1));
    const threaded = packDirectoryOnThread(root, {}, source);
    threaded.stream.pause();
    // Long enough for the worker to pack everything into the ring, say done and exit.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const bytes = await collect(threaded.stream);
    expect(sha256(bytes)).toBe(sha256(await collect(packDirectory(root).stream)));
    expect((await threaded.done).fileCount).toBeGreaterThan(5);
  });

  it('stops the worker when the consumer gives up, closing every file it had open', async () => {
    const root = path.join(work, 'big');
    await mkdir(root);
    await writeFile(path.join(root, 'big.bin'), Buffer.alloc(32 * 1024 * 1024, 7));
    const before = openFds();
    const threaded = packDirectoryOnThread(root, { readSize: 64 * 1024 }, source);
    const first = await new Promise<Buffer>((resolve) => threaded.stream.once('data', resolve));
    expect(first.length).toBeGreaterThan(0);
    threaded.stream.destroy();
    await expect(threaded.done).rejects.toThrow(/stopped before the end of the archive/);
    // The worker answers the stop by closing its file and ending.
    for (let i = 0; i < 100 && openFds() > before; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(openFds()).toBe(before);
  });

  it('fails the stream when onPacked throws (the manifest could not take the file)', async () => {
    const root = await tree('throws');
    const threaded = packDirectoryOnThread(root, { onPacked: () => { throw new Error('manifest disk full'); } }, source);
    await expect(collect(threaded.stream)).rejects.toThrow('manifest disk full');
    await expect(threaded.done).rejects.toThrow('manifest disk full');
  });

  it('packs on the main thread where there is no bundled worker, as under the test runner', async () => {
    expect(await packWorkerSource()).toBeNull();
    const root = await tree('fallback');
    const reported: string[] = [];
    const local = packDirectoryOnThread(root, { onPacked: (f) => reported.push(f.path) }, null);
    await collect(local.stream);
    expect((await local.done).fileCount).toBe(reported.length);
    expect(reported).toContain('a.txt');
  });
});
