import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { expect } from 'vitest';
import { AzsError } from '../../../ts/errors.js';

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(tmpdir(), `azsb-${prefix}-`));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  await pipeline(
    stream,
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        parts.push(chunk);
        cb();
      },
    }),
  );
  return Buffer.concat(parts);
}

/** Consumes a stream slowly, so concurrent writers get a chance to run mid-read. */
export async function collectSlowly(stream: Readable, delayMs: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  await pipeline(
    stream,
    new Writable({
      highWaterMark: 1,
      write(chunk: Buffer, _enc, cb) {
        parts.push(chunk);
        setTimeout(cb, delayMs);
      },
    }),
  );
  return Buffer.concat(parts);
}

export const LONG_DIR = 'deep/' + 'a-rather-long-directory-name-to-pass-the-ustar-limit/'.repeat(3);
export const LONG_FILE = LONG_DIR + 'and-a-long-file-name-too.txt';
export const UNICODE_FILE = 'ünïcödé/日本語のファイル名 🚀.txt';

/**
 * The tree the round-trip tests use: nested dirs, empty files, a 5 MiB random file, a path
 * longer than 100 bytes, unicode names, a symlink and an empty directory. Returns the regular
 * files' contents by relative path.
 */
export async function makeTree(root: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>([
    ['a.txt', Buffer.from('alpha\n')],
    ['empty.bin', Buffer.alloc(0)],
    ['nested/one/two/three.txt', Buffer.from('three levels down\n'.repeat(100))],
    ['nested/one/empty-too', Buffer.alloc(0)],
    ['nested/random.bin', randomBytes(5 * 1024 * 1024)],
    ['nested/exact-512.bin', randomBytes(512)],
    [LONG_FILE, Buffer.from('long path content\n')],
    [UNICODE_FILE, Buffer.from('unicode content ✓\n')],
  ]);
  for (const [rel, data] of files) {
    const abs = path.join(root, rel);
    await mkdir(path.dirname(abs), { recursive: true });
    await writeFile(abs, data);
  }
  await mkdir(path.join(root, 'empty-dir'));
  await symlink('one/two/three.txt', path.join(root, 'nested', 'link-to-three'));
  // A sub-second mtime, to see pax mtime survive the round trip.
  await utimes(path.join(root, 'a.txt'), 1_700_000_000.25, 1_700_000_000.25);
  return files;
}

export async function readTreeFile(root: string, rel: string): Promise<Buffer> {
  return readFile(path.join(root, ...rel.split('/')));
}

export function fromBuffer(buf: Buffer, chunk = 64 * 1024): Readable {
  // Splits into chunks so the reader sees headers straddling chunk boundaries.
  const parts: Buffer[] = [];
  for (let i = 0; i < buf.length; i += chunk) parts.push(buf.subarray(i, i + chunk));
  return Readable.from(parts);
}

/** Awaits a promise that must reject with IntegrityFailed (and a message matching `pattern`). */
export async function expectIntegrityFailed(promise: Promise<unknown>, pattern?: RegExp): Promise<AzsError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AzsError);
  expect((err as AzsError).code).toBe('IntegrityFailed');
  if (pattern) expect((err as AzsError).message).toMatch(pattern);
  return err as AzsError;
}
