/**
 * Streams one role directory as a POSIX pax archive (ustar-compatible, so GNU tar, bsdtar and
 * 7-Zip extract it) while hashing every file, without ever holding more than one read buffer of
 * a file in memory.
 *
 * Live sources change while they are read. Each file is stat'ed before it is opened and again
 * after it has been read; if anything moved, the entry already written stays (a tar cannot take
 * bytes back) and the file is queued to be appended again at the end of the archive, where the
 * later entry of the same path wins on extraction. After `maxAttempts` reads that all saw a
 * change the file is reported inconsistent and the caller marks the role PartialSucceeded.
 */

import { createHash } from 'node:crypto';
import { constants as fsConstants, type BigIntStats } from 'node:fs';
import { lstat, open, readdir, readlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { AzsError } from '../errors.js';
import { BLOCK, F, TYPE, headerChecksum, octalLimit } from './tar-format.js';

export interface PackedFile {
  /** Path relative to the role root, '/'-separated. */
  path: string;
  size: number;
  /** ISO-8601 modification time of the copy that was archived. */
  mtime: string;
  sha256: string;
}

export interface PackSummary {
  /** Final, consistent copies only, in archive order of their last entry. */
  files: PackedFile[];
  fileCount: number;
  /** Sum of the sizes in `files`. */
  bytes: number;
  /** Total tar bytes produced, headers, re-reads and padding included. */
  archiveBytes: number;
  /** Files that changed on every one of the attempts; their last (torn) copy is in the archive. */
  inconsistent: string[];
  /** Files or directories that could not be read (permissions, I/O errors); no good copy exists. */
  unreadable: string[];
  /** Files listed in their directory but gone before they could be opened. */
  vanished: string[];
  /** Entries that are neither file, directory nor symlink (sockets, FIFOs, devices); not archived. */
  skipped: string[];
}

export interface PackOptions {
  /** Reads of a changing file before it is declared inconsistent. Default 3. */
  maxAttempts?: number;
  /**
   * Called for each read of a regular file, after its pre-read stat and before it is opened
   * (progress reporting; tests use the gap to change a file mid-backup). Awaited.
   */
  onFile?: (relPath: string, attempt: number) => void | Promise<void>;
  /** Read buffer size per file read. Default 256 KiB. */
  readSize?: number;
}

export interface PackResult {
  stream: Readable;
  /** Resolves after the last byte was produced; rejects if the stream failed or was destroyed. */
  done: Promise<PackSummary>;
}

const DEFAULT_READ_SIZE = 256 * 1024;
// NOFOLLOW: a file swapped for a symlink after the stat must not be followed out of the role.
// NONBLOCK: a file swapped for a FIFO must not hang the backup in open(); it is a no-op on
// regular files. Both are undefined on Windows, where neither swap can happen silently.
const OPEN_FLAGS = fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0) | (fsConstants.O_NONBLOCK ?? 0);

interface Snapshot {
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  ino: bigint;
  dev: bigint;
}

function snapshot(st: BigIntStats): Snapshot {
  return { size: st.size, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs, ino: st.ino, dev: st.dev };
}

function sameSnapshot(a: Snapshot, b: Snapshot): boolean {
  // ctime as well as mtime: a writer that restores mtime afterwards (touch -r, some
  // copy tools) still moves ctime, and a chmod causing a harmless re-read is cheap.
  return a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs && a.ino === b.ino && a.dev === b.dev;
}

function errno(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Header encoding

interface EntryMeta {
  path: string;
  type: typeof TYPE.file | typeof TYPE.directory | typeof TYPE.symlink;
  mode: number;
  size: bigint;
  mtimeNs: bigint;
  linkname?: string;
}

function isPlainAscii(s: string): boolean {
  return /^[\x20-\x7e]*$/.test(s);
}

/** ASCII stand-in for a field that pax carries in full; only tar readers without pax see it. */
function ustarFallback(s: string, len: number): string {
  const ascii = s.replace(/[^\x20-\x7e]/g, '_');
  return ascii.length <= len ? ascii : ascii.slice(ascii.length - len);
}

function writeString(header: Buffer, field: readonly [number, number], value: string): void {
  header.write(value, field[0], field[1], 'latin1');
}

function writeOctal(header: Buffer, field: readonly [number, number], value: bigint): void {
  const [start, len] = field;
  header.write(value.toString(8).padStart(len - 1, '0'), start, len - 1, 'latin1');
  header[start + len - 1] = 0;
}

/** pax record: "<len> <key>=<value>\n" where <len> counts the whole record, itself included. */
function paxRecord(key: string, value: string): Buffer {
  const body = Buffer.from(` ${key}=${value}\n`, 'utf8');
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return Buffer.concat([Buffer.from(String(len), 'latin1'), body]);
}

/** pax time: seconds with the fractional part only as long as needed (trailing zeros dropped). */
function paxTime(ns: bigint): string {
  const negative = ns < 0n;
  const abs = negative ? -ns : ns;
  const sec = abs / 1_000_000_000n;
  const frac = abs % 1_000_000_000n;
  let text = sec.toString();
  if (frac !== 0n) text += '.' + frac.toString().padStart(9, '0').replace(/0+$/, '');
  return (negative ? '-' : '') + text;
}

function ustarHeader(meta: {
  name: string;
  type: string;
  mode: number;
  size: bigint;
  mtimeSec: bigint;
  linkname: string;
}): Buffer {
  const h = Buffer.alloc(BLOCK);
  writeString(h, F.name, meta.name);
  writeOctal(h, F.mode, BigInt(meta.mode & 0o7777));
  // uid/gid 0 and no names: ownership is the restoring account's business, and numeric ids from
  // one host mean nothing on another.
  writeOctal(h, F.uid, 0n);
  writeOctal(h, F.gid, 0n);
  writeOctal(h, F.size, meta.size);
  writeOctal(h, F.mtime, meta.mtimeSec);
  writeString(h, F.typeflag, meta.type);
  writeString(h, F.linkname, meta.linkname);
  writeString(h, F.magic, 'ustar\0');
  writeString(h, F.version, '00');
  writeOctal(h, F.devmajor, 0n);
  writeOctal(h, F.devminor, 0n);
  const sum = headerChecksum(h);
  // Six octal digits, NUL, space: the historic layout every reader accepts.
  h.write(sum.toString(8).padStart(6, '0'), F.chksum[0], 6, 'latin1');
  h[F.chksum[0] + 6] = 0;
  h[F.chksum[0] + 7] = 0x20;
  return h;
}

function padding(size: bigint): Buffer | undefined {
  const rest = Number(size % BigInt(BLOCK));
  return rest === 0 ? undefined : Buffer.alloc(BLOCK - rest);
}

/** Header block(s) for one entry: a pax 'x' header first when ustar cannot say it all. */
export function encodeHeaders(meta: EntryMeta): Buffer[] {
  const name = meta.type === TYPE.directory ? meta.path + '/' : meta.path;
  const linkname = meta.linkname ?? '';
  const records: Buffer[] = [];
  let ustarName = name;
  let ustarLink = linkname;
  if (Buffer.byteLength(name, 'utf8') > F.name[1] || !isPlainAscii(name)) {
    records.push(paxRecord('path', name));
    ustarName = ustarFallback(name, F.name[1]);
  }
  if (Buffer.byteLength(linkname, 'utf8') > F.linkname[1] || !isPlainAscii(linkname)) {
    records.push(paxRecord('linkpath', linkname));
    ustarLink = ustarFallback(linkname, F.linkname[1]);
  }
  let ustarSize = meta.size;
  if (meta.size > octalLimit(F.size[1])) {
    records.push(paxRecord('size', meta.size.toString()));
    ustarSize = 0n;
  }
  const mtimeSec = meta.mtimeNs >= 0n ? meta.mtimeNs / 1_000_000_000n : -1n;
  let ustarMtime = mtimeSec;
  if (meta.mtimeNs % 1_000_000_000n !== 0n || mtimeSec < 0n || mtimeSec > octalLimit(F.mtime[1])) {
    records.push(paxRecord('mtime', paxTime(meta.mtimeNs)));
    if (mtimeSec < 0n || mtimeSec > octalLimit(F.mtime[1])) ustarMtime = 0n;
  }
  const blocks: Buffer[] = [];
  if (records.length > 0) {
    const data = Buffer.concat(records);
    const paxName = ustarFallback(`PaxHeaders/${path.posix.basename(meta.path)}`, F.name[1]);
    blocks.push(ustarHeader({ name: paxName, type: TYPE.paxExtended, mode: 0o644, size: BigInt(data.length), mtimeSec: ustarMtime, linkname: '' }));
    blocks.push(data);
    const pad = padding(BigInt(data.length));
    if (pad) blocks.push(pad);
  }
  blocks.push(ustarHeader({ name: ustarName, type: meta.type, mode: meta.mode, size: ustarSize, mtimeSec: ustarMtime, linkname: ustarLink }));
  return blocks;
}

// ---------------------------------------------------------------------------------------------
// Walking and reading

/** Byte order of the UTF-8 names, so the archive order does not depend on locale or platform. */
function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

type ReadOutcome = 'ok' | 'changed' | 'unreadable' | 'vanished' | 'notfile';

class Packer {
  readonly summary: PackSummary = {
    files: [],
    fileCount: 0,
    bytes: 0,
    archiveBytes: 0,
    inconsistent: [],
    unreadable: [],
    vanished: [],
    skipped: [],
  };
  private readonly good = new Map<string, PackedFile>();
  private readonly retry: Array<{ rel: string; attempts: number }> = [];
  private readonly maxAttempts: number;
  private readonly readSize: number;

  constructor(
    private readonly root: string,
    private readonly options: PackOptions,
  ) {
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 3);
    this.readSize = options.readSize ?? DEFAULT_READ_SIZE;
  }

  private abs(rel: string): string {
    return path.join(this.root, ...rel.split('/'));
  }

  private *emit(buffers: Buffer[]): Generator<Buffer> {
    for (const b of buffers) {
      this.summary.archiveBytes += b.length;
      yield b;
    }
  }

  async *run(): AsyncGenerator<Buffer> {
    let rootStat;
    try {
      rootStat = await lstat(this.root);
    } catch (err) {
      throw new AzsError('SourceRejected', `The role directory ${this.root} cannot be read: ${errno(err) ?? String(err)}.`, {
        target: this.root,
        remediation: 'Check that the role path exists and is readable, then retry.',
        cause: err,
      });
    }
    if (!rootStat.isDirectory()) {
      throw new AzsError('SourceRejected', `The role path ${this.root} is not a directory.`, {
        target: this.root,
        remediation: 'Point the role at a directory.',
      });
    }
    yield* this.walk('');
    while (this.retry.length > 0) {
      const item = this.retry.shift()!;
      yield* this.packFile(item.rel, item.attempts + 1);
    }
    const s = this.summary;
    s.files = [...this.good.values()];
    s.fileCount = s.files.length;
    s.bytes = s.files.reduce((n, f) => n + f.size, 0);
    // End of archive: two zero blocks. GNU tar's 10 KiB record padding is not needed by readers.
    yield* this.emit([Buffer.alloc(2 * BLOCK)]);
  }

  private async *walk(dirRel: string): AsyncGenerator<Buffer> {
    let names: string[];
    try {
      names = await readdir(dirRel === '' ? this.root : this.abs(dirRel));
    } catch (err) {
      const code = errno(err);
      if (dirRel === '') {
        throw new AzsError('SourceRejected', `The role directory ${this.root} cannot be listed: ${code ?? String(err)}.`, {
          target: this.root,
          remediation: 'Check that the engine account can read the role directory, then retry.',
          cause: err,
        });
      }
      if (code === 'ENOENT') this.summary.vanished.push(dirRel + '/');
      else this.summary.unreadable.push(dirRel + '/');
      return;
    }
    names.sort(compareNames);
    for (const name of names) {
      const rel = dirRel === '' ? name : `${dirRel}/${name}`;
      let st: BigIntStats;
      try {
        st = await lstat(this.abs(rel), { bigint: true });
      } catch (err) {
        if (errno(err) === 'ENOENT') this.summary.vanished.push(rel);
        else this.summary.unreadable.push(rel);
        continue;
      }
      if (st.isDirectory()) {
        yield* this.emit(encodeHeaders({ path: rel, type: TYPE.directory, mode: Number(st.mode), size: 0n, mtimeNs: st.mtimeNs }));
        yield* this.walk(rel);
      } else if (st.isSymbolicLink()) {
        let target: string;
        try {
          target = await readlink(this.abs(rel));
        } catch (err) {
          if (errno(err) === 'ENOENT') this.summary.vanished.push(rel);
          else this.summary.unreadable.push(rel);
          continue;
        }
        yield* this.emit(
          encodeHeaders({ path: rel, type: TYPE.symlink, mode: Number(st.mode), size: 0n, mtimeNs: st.mtimeNs, linkname: target }),
        );
      } else if (st.isFile()) {
        yield* this.packFile(rel, 1, st);
      } else {
        this.summary.skipped.push(rel);
      }
    }
  }

  private settle(rel: string, attempt: number, outcome: ReadOutcome): void {
    const s = this.summary;
    if (outcome === 'unreadable') s.unreadable.push(rel);
    else if (outcome === 'vanished') s.vanished.push(rel);
    else if (outcome === 'changed' || outcome === 'notfile') {
      if (outcome === 'changed' && attempt < this.maxAttempts) this.retry.push({ rel, attempts: attempt });
      else s.inconsistent.push(rel);
    }
  }

  /**
   * Writes one entry for a regular file. The header is only emitted once the file is open, so an
   * unreadable or vanished file leaves no trace in the archive; from then on exactly the declared
   * size is written whatever the file does, so the archive stays well-formed.
   */
  private async *packFile(rel: string, attempt: number, listed?: BigIntStats): AsyncGenerator<Buffer> {
    const abs = this.abs(rel);
    let before: BigIntStats;
    if (listed !== undefined) {
      before = listed;
    } else {
      try {
        before = await lstat(abs, { bigint: true });
      } catch (err) {
        // A retried file that disappeared: its earlier, torn copy is still in the archive.
        this.good.delete(rel);
        this.settle(rel, attempt, errno(err) === 'ENOENT' ? 'vanished' : 'unreadable');
        return;
      }
      if (!before.isFile()) {
        this.good.delete(rel);
        this.settle(rel, attempt, 'notfile');
        return;
      }
    }
    await this.options.onFile?.(rel, attempt);

    let handle: FileHandle;
    try {
      handle = await open(abs, OPEN_FLAGS);
    } catch (err) {
      const code = errno(err);
      // ELOOP: replaced by a symlink since the stat; treat as a change and look again later.
      this.good.delete(rel);
      this.settle(rel, attempt, code === 'ENOENT' ? 'vanished' : code === 'ELOOP' ? 'changed' : 'unreadable');
      return;
    }

    let outcome: ReadOutcome = 'ok';
    const hash = createHash('sha256');
    const declared = before.size;
    try {
      const opened = await handle.stat({ bigint: true });
      if (!opened.isFile() || opened.ino !== before.ino || opened.dev !== before.dev) {
        // Swapped for another file (or a FIFO, a directory) since the stat: nothing of it is
        // worth writing; look at the path again later.
        outcome = 'changed';
        return;
      }

      yield* this.emit(
        encodeHeaders({ path: rel, type: TYPE.file, mode: Number(before.mode), size: declared, mtimeNs: before.mtimeNs }),
      );

      let position = 0n;
      let ioError: unknown;
      while (position < declared) {
        const want = Number(declared - position < BigInt(this.readSize) ? declared - position : BigInt(this.readSize));
        // A fresh buffer per read: the previous one now belongs to the stream consumer.
        const buf = Buffer.allocUnsafe(want);
        let got = 0;
        if (ioError === undefined) {
          try {
            ({ bytesRead: got } = await handle.read(buf, 0, want, position));
          } catch (err) {
            ioError = err;
          }
        }
        if (got === 0) {
          // Shrunk (or failed) under us: zero-fill the rest of the declared size.
          if (ioError === undefined) outcome = 'changed';
          buf.fill(0);
          got = want;
        }
        const chunk = got === want ? buf : buf.subarray(0, got);
        hash.update(chunk);
        position += BigInt(got);
        yield* this.emit([chunk]);
      }
      const pad = padding(declared);
      if (pad) yield* this.emit([pad]);

      if (ioError !== undefined) {
        outcome = 'unreadable';
      } else if (outcome === 'ok') {
        const afterHandle = await handle.stat({ bigint: true });
        let afterPath: BigIntStats | undefined;
        try {
          afterPath = await lstat(abs, { bigint: true });
        } catch (err) {
          // Deleted after a clean read: the copy is a true picture of the file as it was. Any
          // other failure means we cannot vouch for the copy, so it is read again.
          if (errno(err) !== 'ENOENT') outcome = 'changed';
        }
        const b = snapshot(before);
        if (!sameSnapshot(b, snapshot(afterHandle))) outcome = 'changed';
        else if (afterPath !== undefined && !sameSnapshot(b, snapshot(afterPath))) outcome = 'changed';
      }
    } finally {
      await handle.close();
      if (outcome !== 'ok') {
        this.good.delete(rel);
        this.settle(rel, attempt, outcome);
      }
    }

    if (outcome === 'ok') {
      this.good.delete(rel); // re-insert so `files` follows the order of the final entries
      this.good.set(rel, {
        path: rel,
        size: Number(declared),
        mtime: new Date(Number(before.mtimeNs / 1_000_000n)).toISOString(),
        sha256: hash.digest('hex'),
      });
    }
  }
}

/**
 * Streams `root` as a tar archive. Nothing is read until the stream is consumed, and reading
 * follows the consumer's pace (back-pressure), so memory stays at a few read buffers.
 */
export function packDirectory(root: string, options: PackOptions = {}): PackResult {
  const packer = new Packer(path.resolve(root), options);
  let finished = false;
  let resolveDone!: (s: PackSummary) => void;
  let rejectDone!: (e: unknown) => void;
  const done = new Promise<PackSummary>((res, rej) => {
    resolveDone = res;
    rejectDone = rej;
  });
  // Callers that only watch the stream must not get an unhandled rejection from `done`.
  done.catch(() => undefined);

  async function* produce(): AsyncGenerator<Buffer> {
    yield* packer.run();
    finished = true;
    resolveDone(packer.summary);
  }
  const stream = Readable.from(produce(), { objectMode: false, highWaterMark: 64 * 1024 });
  stream.once('error', (err) => rejectDone(err));
  stream.once('close', () => {
    if (!finished) rejectDone(new AzsError('Internal', `Archiving of ${root} stopped before the end of the archive.`, { target: root }));
  });
  return { stream, done };
}
