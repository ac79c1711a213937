/**
 * Streams one role directory as a POSIX pax archive (ustar-compatible, so GNU tar, bsdtar and
 * 7-Zip extract it) while hashing every file, without ever holding more than two read buffers
 * of a file (or one small file whole) in memory.
 *
 * Live sources change while they are read. A listed file is opened without following a link and
 * without blocking on a FIFO, and its handle is stat'ed: that stat is what the entry's header says,
 * and nothing is read unless it shows a regular file (on Windows, which cannot open without
 * following, the path is lstat'ed first and the handle must be that same file). The handle is
 * stat'ed again after the read; if anything moved, the entry already written stays (a tar cannot
 * take bytes back) and the file is queued to be appended again at the end of the archive, where the
 * later entry of the same path wins on extraction. After `maxAttempts` reads that all saw a
 * change the file is reported inconsistent and the caller marks the role PartialSucceeded.
 */

import { createHash, hash } from 'node:crypto';
import {
  close,
  closeSync,
  constants as fsConstants,
  fstat,
  fstatSync,
  lstatSync,
  openSync,
  read,
  readSync,
  readdirSync,
  readlinkSync,
  type BigIntStats,
  type Dirent,
} from 'node:fs';
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { AzsError } from '../errors.js';
import { deferred } from '../util/deferred.js';
import { isoTime } from '../util/iso-time.js';
import { ownerNames } from './owner-names.js';
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
  /**
   * Final, consistent copies only, in archive order of their last entry. Empty when the caller
   * passed `collectFiles: false` (it gets them one by one from `onPacked` instead).
   */
  files: PackedFile[];
  /** Number of final, consistent copies (whether or not `files` holds them). */
  fileCount: number;
  /** Sum of the sizes of the final, consistent copies. */
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
   * Called for each read of a regular file, once it is open and stat'ed and before a byte of it
   * is read (progress reporting; tests use the gap to change a file mid-read). Awaited.
   */
  onFile?: (relPath: string, attempt: number) => void | Promise<void>;
  /**
   * Read size for files of 1 MiB and more, which are read asynchronously one piece ahead.
   * Default 1 MiB. Smaller files are read whole, synchronously (one buffer per entry).
   */
  readSize?: number;
  /**
   * Called once for each final, consistent copy, in the order the copies are finalised (the
   * order of `files`), once the last byte of its entry was produced (it may still wait in the
   * packer's batch for the stream). A throw fails the stream.
   */
  onPacked?: (file: PackedFile) => void;
  /**
   * Called with the size of each piece of file data as it is read (a re-read file counts again);
   * headers and padding are not counted. Progress in the bytes a user recognises: on a tree of
   * small files the archive is several times larger than its data. Must stay cheap.
   */
  onData?: (bytes: number) => void;
  /**
   * Keep every PackedFile in `summary.files`. Default true. Pass false (with `onPacked`) so
   * memory does not grow with the file count; `fileCount` and `bytes` stay correct.
   */
  collectFiles?: boolean;
  /**
   * The consumer is done with each chunk when it asks for the next one (it copies them, as the
   * packing thread does into its ring): the packer then reuses its batches and read buffers.
   * Only for packArchive's generator; a stream may hold chunks for as long as it likes.
   */
  reuseBuffers?: boolean;
}

export interface PackResult {
  stream: Readable;
  /** Resolves after the last byte was produced; rejects if the stream failed or was destroyed. */
  done: Promise<PackSummary>;
}

const DEFAULT_READ_SIZE = 1024 * 1024;
/**
 * Headers and small files are gathered into chunks of this size before they go to the stream:
 * one stream chunk per small file cost more than the file itself (100 000 files were 100 000
 * trips through every stage of the pipeline, and as many buffers for the collector).
 */
const BATCH_SIZE = 256 * 1024;
/** Files smaller than this are read synchronously, whole (see readSmall). */
const SYNC_READ_LIMIT = 1024 * 1024;
// NOFOLLOW: a file swapped for a symlink after the listing must not be followed out of the role.
// NONBLOCK: a file swapped for a FIFO must not hang the backup in open(); it is a no-op on
// regular files. Both are undefined on Windows, where no FIFO can be swapped in.
const OPEN_FLAGS = fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0) | (fsConstants.O_NONBLOCK ?? 0);
/**
 * Where open() cannot refuse a link (Windows), a listed file is lstat'ed before it is opened and
 * the handle must be that same file. Elsewhere the open itself is the check, and the path lstat
 * it replaces was a sixth of the packing thread's time on 100 000 small files.
 */
const STAT_BEFORE_OPEN = fsConstants.O_NOFOLLOW === undefined;

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
  /** Owner and group ids; 0 when not given. Names are looked up on this host and recorded too. */
  uid?: number;
  gid?: number;
}

function isPlainAscii(s: string): boolean {
  return /^[\x20-\x7e]*$/.test(s);
}

/** ASCII stand-in for a field that pax carries in full; only tar readers without pax see it. */
function ustarFallback(s: string, len: number): string {
  const ascii = s.replace(/[^\x20-\x7e]/g, '_');
  return ascii.length <= len ? ascii : ascii.slice(ascii.length - len);
}

/** The end of `s` when it is longer than `len`, as ustarFallback cuts an ASCII string. */
function lastChars(s: string, len: number): string {
  return s.length <= len ? s : s.slice(s.length - len);
}

/**
 * A latin1 string into a field of the header at `base`, cut to the field; returns the sum of the
 * bytes written, for the checksum. Byte by byte: these fields are short, and a Buffer.write call
 * for each cost more than the copy.
 */
function writeString(h: Buffer, base: number, field: readonly [number, number], value: string): number {
  const start = base + field[0];
  const n = Math.min(value.length, field[1]);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const byte = value.charCodeAt(i) & 0xff;
    h[start + i] = byte;
    sum += byte;
  }
  return sum;
}

/**
 * `len - 1` zero-padded octal digits and a NUL; returns the sum of the bytes written, for the
 * checksum. Written digit by digit from the right: once per field of every entry, and a string
 * for each was about 7 % of the packing thread for small files.
 */
function writeOctal(header: Buffer, base: number, field: readonly [number, number], value: bigint | number): number {
  const start = base + field[0];
  const len = field[1];
  const end = start + len - 1;
  header[end] = 0;
  let v = typeof value === 'number' ? value : value <= MAX_SAFE ? Number(value) : -1;
  if (v >= 0) {
    let sum = 0;
    for (let i = end - 1; i >= start; i--) {
      const digit = v % 8;
      header[i] = 0x30 + digit;
      sum += 0x30 + digit;
      v = (v - digit) / 8;
    }
    if (v === 0) return sum;
  }
  // Does not fit (planHeaders moves such values to pax records first): as tar-format always did.
  return writeString(header, base, [field[0], len - 1], value.toString(8).padStart(len - 1, '0'));
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const SIZE_LIMIT = octalLimit(F.size[1]);
const MTIME_LIMIT = octalLimit(F.mtime[1]);
const ID_LIMIT = Number(octalLimit(F.uid[1]));

/**
 * The fields every ustar header has in common; each header starts as a copy of it. The fields
 * written afterwards are zeros here, so a header's checksum is the template's plus the sums of
 * what was written.
 */
const USTAR_TEMPLATE = (() => {
  const h = Buffer.alloc(BLOCK);
  writeString(h, 0, F.magic, 'ustar\0');
  writeString(h, 0, F.version, '00');
  writeOctal(h, 0, F.devmajor, 0);
  writeOctal(h, 0, F.devminor, 0);
  return h;
})();
const TEMPLATE_CHECKSUM = headerChecksum(USTAR_TEMPLATE);

/** pax record: "<len> <key>=<value>\n" where <len> counts the whole record, itself included. */
function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  const n = Buffer.byteLength(body, 'utf8');
  let len = n + 1;
  while (String(len).length + n !== len) len = String(len).length + n;
  return Buffer.from(`${len}${body}`, 'utf8');
}

/** pax time: seconds with the fractional part only as long as needed (trailing zeros dropped). */
function paxTime(ns: bigint): string {
  const negative = ns < 0n;
  const abs = negative ? -ns : ns;
  let text = (abs / 1_000_000_000n).toString();
  let frac = Number(abs % 1_000_000_000n);
  if (frac !== 0) {
    let digits = 9;
    while (frac % 10 === 0) {
      frac /= 10;
      digits--;
    }
    text += '.' + String(frac).padStart(digits, '0');
  }
  return (negative ? '-' : '') + text;
}

interface UstarMeta {
  name: string;
  type: string;
  mode: number;
  size: bigint;
  mtimeSec: bigint;
  linkname: string;
  uid?: number;
  gid?: number;
  uname?: string;
  gname?: string;
}

/** Writes one ustar header into the 512 bytes of `h` from `base` (starting from the template). */
function writeUstarHeader(h: Buffer, base: number, meta: UstarMeta): void {
  USTAR_TEMPLATE.copy(h, base);
  let sum = TEMPLATE_CHECKSUM;
  sum += writeString(h, base, F.name, meta.name);
  sum += writeOctal(h, base, F.mode, meta.mode & 0o7777);
  // Owner ids and names, as tar records them: a restore by root gives every file back its owner
  // (by name where the host knows it, else by id). Ids too large for ustar go in pax records.
  sum += writeOctal(h, base, F.uid, meta.uid ?? 0);
  sum += writeOctal(h, base, F.gid, meta.gid ?? 0);
  if (meta.uname) sum += writeString(h, base, F.uname, meta.uname);
  if (meta.gname) sum += writeString(h, base, F.gname, meta.gname);
  sum += writeOctal(h, base, F.size, meta.size);
  sum += writeOctal(h, base, F.mtime, meta.mtimeSec);
  sum += writeString(h, base, F.typeflag, meta.type);
  if (meta.linkname) sum += writeString(h, base, F.linkname, meta.linkname);
  // Six octal digits, NUL, space: the historic layout every reader accepts. A header sums to at
  // most 512 * 255, which six digits hold.
  const c = base + F.chksum[0];
  for (let i = 5; i >= 0; i--) {
    h[c + i] = 0x30 + (sum & 7);
    sum >>= 3;
  }
  h[c + 6] = 0;
  h[c + 7] = 0x20;
}

function ustarHeader(meta: UstarMeta): Buffer {
  const h = Buffer.allocUnsafe(BLOCK);
  writeUstarHeader(h, 0, meta);
  return h;
}

/** Zero bytes that complete the last 512-byte block of `size` bytes of data. */
function paddingLength(size: bigint): number {
  const rest = Number(size % BigInt(BLOCK));
  return rest === 0 ? 0 : BLOCK - rest;
}

function padding(size: bigint): Buffer | undefined {
  const length = paddingLength(size);
  return length === 0 ? undefined : Buffer.alloc(length);
}

/** What one entry's headers say: a pax 'x' header and its records first when ustar cannot say it all. */
interface HeaderPlan {
  pax: { header: UstarMeta; records: Buffer } | null;
  ustar: UstarMeta;
}

function planHeaders(meta: EntryMeta): HeaderPlan {
  const name = meta.type === TYPE.directory ? meta.path + '/' : meta.path;
  const linkname = meta.linkname ?? '';
  const records: Buffer[] = [];
  let ustarName = name;
  let ustarLink = linkname;
  // For plain ASCII, characters are bytes.
  const plainName = isPlainAscii(name);
  if (!plainName || name.length > F.name[1]) {
    records.push(paxRecord('path', name));
    ustarName = ustarFallback(name, F.name[1]);
  }
  if (linkname !== '' && (!isPlainAscii(linkname) || linkname.length > F.linkname[1])) {
    records.push(paxRecord('linkpath', linkname));
    ustarLink = ustarFallback(linkname, F.linkname[1]);
  }
  let ustarSize = meta.size;
  if (meta.size > SIZE_LIMIT) {
    records.push(paxRecord('size', meta.size.toString()));
    ustarSize = 0n;
  }
  const mtimeSec = meta.mtimeNs >= 0n ? meta.mtimeNs / 1_000_000_000n : -1n;
  let ustarMtime = mtimeSec;
  if (meta.mtimeNs % 1_000_000_000n !== 0n || mtimeSec < 0n || mtimeSec > MTIME_LIMIT) {
    records.push(paxRecord('mtime', paxTime(meta.mtimeNs)));
    if (mtimeSec < 0n || mtimeSec > MTIME_LIMIT) ustarMtime = 0n;
  }
  const owner = ownerFields(meta, records);
  let pax: HeaderPlan['pax'] = null;
  if (records.length > 0) {
    const data = records.length === 1 ? records[0]! : Buffer.concat(records);
    const paxName = `PaxHeaders/${path.posix.basename(meta.path)}`;
    // The base name of a plain ASCII path is plain ASCII: only its length may need the fallback.
    pax = { header: { name: plainName ? lastChars(paxName, F.name[1]) : ustarFallback(paxName, F.name[1]), type: TYPE.paxExtended, mode: 0o644, size: BigInt(data.length), mtimeSec: ustarMtime, linkname: '' }, records: data };
  }
  return { pax, ustar: { name: ustarName, type: meta.type, mode: meta.mode, size: ustarSize, mtimeSec: ustarMtime, linkname: ustarLink, ...owner } };
}

/** Bytes a plan's headers take in the archive. */
function headersLength(plan: HeaderPlan): number {
  if (plan.pax === null) return BLOCK;
  const records = plan.pax.records.length;
  return BLOCK + records + paddingLength(BigInt(records)) + BLOCK;
}

/** Writes a plan's headers into `buf` at `at` (headersLength bytes); returns where they end. */
function writeHeaders(plan: HeaderPlan, buf: Buffer, at: number): number {
  if (plan.pax !== null) {
    writeUstarHeader(buf, at, plan.pax.header);
    at += BLOCK;
    at += plan.pax.records.copy(buf, at);
    const pad = paddingLength(BigInt(plan.pax.records.length));
    buf.fill(0, at, at + pad);
    at += pad;
  }
  writeUstarHeader(buf, at, plan.ustar);
  return at + BLOCK;
}

/** Header block(s) for one entry: a pax 'x' header first when ustar cannot say it all. */
export function encodeHeaders(meta: EntryMeta): Buffer[] {
  const plan = planHeaders(meta);
  const blocks: Buffer[] = [];
  if (plan.pax !== null) {
    blocks.push(ustarHeader(plan.pax.header));
    blocks.push(plan.pax.records);
    const pad = padding(BigInt(plan.pax.records.length));
    if (pad) blocks.push(pad);
  }
  blocks.push(ustarHeader(plan.ustar));
  return blocks;
}

type OwnerFields = { uid: number; gid: number; uname?: string; gname?: string };

/** The last owner looked up: the files of a role mostly share one. */
let lastOwner: { uid: number | undefined; gid: number | undefined; fields: OwnerFields; records: Buffer[] } | undefined;

/** The ustar owner fields for an entry; pax records (pushed onto `records`) for what does not fit. */
function ownerFields(meta: EntryMeta, records: Buffer[]): OwnerFields {
  if (lastOwner === undefined || lastOwner.uid !== meta.uid || lastOwner.gid !== meta.gid) {
    lastOwner = { uid: meta.uid, gid: meta.gid, ...lookUpOwner(meta) };
  }
  for (const r of lastOwner.records) records.push(r);
  return lastOwner.fields;
}

function lookUpOwner(meta: EntryMeta): { fields: OwnerFields; records: Buffer[] } {
  const names = ownerNames();
  const records: Buffer[] = [];
  const out: OwnerFields = { uid: meta.uid ?? 0, gid: meta.gid ?? 0 };
  if (out.uid > ID_LIMIT) {
    records.push(paxRecord('uid', String(out.uid)));
    out.uid = 0;
  }
  if (out.gid > ID_LIMIT) {
    records.push(paxRecord('gid', String(out.gid)));
    out.gid = 0;
  }
  const uname = meta.uid === undefined ? undefined : names.userName(meta.uid);
  const gname = meta.gid === undefined ? undefined : names.groupName(meta.gid);
  for (const [key, name] of [['uname', uname], ['gname', gname]] as const) {
    if (name === undefined) continue;
    if (Buffer.byteLength(name, 'utf8') < F.uname[1] && isPlainAscii(name)) out[key] = name;
    else records.push(paxRecord(key, name));
  }
  return { fields: out, records };
}

// ---------------------------------------------------------------------------------------------
// Walking and reading

/** Byte order of the UTF-8 names, so the archive order does not depend on locale or platform. */
function sortEntries(entries: Dirent[]): Dirent[] {
  // UTF-16 code-unit order equals UTF-8 byte order unless a name holds a surrogate pair or a
  // character from U+E000 up; only then is it worth encoding every name once to compare bytes.
  if (!entries.some((e) => /[\ud800-\uffff]/.test(e.name))) return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return entries
    .map((e) => ({ e, b: Buffer.from(e.name, 'utf8') }))
    .sort((x, y) => Buffer.compare(x.b, y.b))
    .map((x) => x.e);
}

type ReadOutcome = 'ok' | 'changed' | 'unreadable' | 'vanished' | 'notfile';

interface DirFrame {
  rel: string;
  abs: string;
  entries: Dirent[];
  next: number;
}

interface ReadResult {
  buf: Buffer;
  got: number;
  err?: unknown;
}

function fstatOf(fd: number): Promise<BigIntStats> {
  return new Promise((resolve, reject) => fstat(fd, { bigint: true }, (err, st) => (err ? reject(err) : resolve(st))));
}

function closeFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => close(fd, (err) => (err ? reject(err) : resolve())));
}

function sha256Hex(data: Buffer): string {
  // One call, no Hash object: one per small file added up (and to the collector's work).
  return hash('sha256', data, 'hex');
}

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
  private readonly retry: Array<{ rel: string; abs: string; attempts: number }> = [];
  private batch: Buffer;
  private batchUsed = 0;
  /** Output complete and in archive order, waiting to be yielded. */
  private readonly ready: Buffer[] = [];
  private readonly maxAttempts: number;
  private readonly readSize: number;
  private readonly collectFiles: boolean;
  private readonly reuse: boolean;
  /**
   * With reuseBuffers: memory this packer allocated and got back from the consumer. Buffers from
   * Node's shared pool are never in it (allocUnsafeSlow never pools).
   */
  private readonly spare: ArrayBuffer[] = [];
  private readonly owned = new WeakSet<ArrayBuffer>();

  constructor(
    private readonly root: string,
    private readonly options: PackOptions,
  ) {
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 3);
    this.readSize = Math.max(BLOCK, options.readSize ?? DEFAULT_READ_SIZE);
    this.collectFiles = options.collectFiles ?? true;
    this.reuse = options.reuseBuffers ?? false;
    this.batch = this.take(BATCH_SIZE);
  }

  /**
   * `n` bytes of uninitialised memory for output. Without reuse, always new memory: the stream's
   * consumer may still hold every chunk it was given. With it, the smallest spare that fits.
   */
  private take(n: number): Buffer {
    if (!this.reuse) return Buffer.allocUnsafe(n);
    let best = -1;
    for (let i = 0; i < this.spare.length; i++) {
      if (this.spare[i]!.byteLength >= n && (best < 0 || this.spare[i]!.byteLength < this.spare[best]!.byteLength)) best = i;
    }
    if (best >= 0) return Buffer.from(this.spare.splice(best, 1)[0]!, 0, n);
    const buf = Buffer.allocUnsafeSlow(n);
    this.owned.add(buf.buffer as ArrayBuffer);
    return buf;
  }

  /** Called once the consumer asked for the chunk after `chunk`: with reuse, its memory is free. */
  private recycle(chunk: Buffer): void {
    const memory = chunk.buffer as ArrayBuffer;
    // A few spares cover the steady state: a batch, and a read piece with its read-ahead.
    if (this.reuse && this.owned.has(memory) && this.spare.length < 4 && !this.spare.includes(memory)) this.spare.push(memory);
  }

  private child(dirAbs: string, name: string): string {
    return dirAbs.endsWith(path.sep) ? dirAbs + name : dirAbs + path.sep + name;
  }

  /** Counts the bytes of one chunk about to be handed to the stream. */
  private out(chunk: Buffer): Buffer {
    this.summary.archiveBytes += chunk.length;
    return chunk;
  }

  /**
   * Room for `n` bytes of output, in archive order: in the current batch when they fit, else in
   * a buffer of their own queued after the batch. The caller must fill all of it.
   */
  private place(n: number): { buf: Buffer; at: number } {
    if (n > BATCH_SIZE) {
      this.flush();
      const buf = this.take(n);
      this.ready.push(this.out(buf));
      return { buf, at: 0 };
    }
    if (this.batchUsed + n > BATCH_SIZE) this.flush();
    const at = this.batchUsed;
    this.batchUsed += n;
    return { buf: this.batch, at };
  }

  /** Queues the filled part of the batch and starts a new one. */
  private flush(): void {
    if (this.batchUsed === 0) return;
    this.ready.push(this.out(this.batch.subarray(0, this.batchUsed)));
    // A new buffer, not the same one again: the consumer may still hold the chunk just queued.
    this.batch = this.take(BATCH_SIZE);
    this.batchUsed = 0;
  }

  /** The queued chunks, in order. */
  private *drain(): Generator<Buffer> {
    for (let chunk = this.ready.shift(); chunk !== undefined; chunk = this.ready.shift()) {
      yield chunk;
      this.recycle(chunk);
    }
  }

  /** A large piece of file data: whatever was batched before it goes first. */
  private *emit(chunk: Buffer): Generator<Buffer> {
    this.flush();
    yield* this.drain();
    yield this.out(chunk);
    this.recycle(chunk);
  }

  /**
   * Writes an entry's headers straight into the output, with room for `extra` bytes after them;
   * returns where the headers end (for readSmall's data).
   */
  private placeHeaders(meta: EntryMeta, extra: number): { buf: Buffer; at: number } {
    const plan = planHeaders(meta);
    const room = this.place(headersLength(plan) + extra);
    return { buf: room.buf, at: writeHeaders(plan, room.buf, room.at) };
  }

  private *header(meta: EntryMeta): Generator<Buffer> {
    this.placeHeaders(meta, 0);
    yield* this.drain();
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

    // Depth-first walk with an explicit stack (one generator, not one per directory level):
    // entries in sorted order, each directory's header before its contents. Metadata calls are
    // synchronous: on a local disk they cost microseconds, less than a thread-pool round trip.
    // The role's folder itself, as './': its mode, times and owner come back with it.
    const top = lstatSync(this.root, { bigint: true });
    yield* this.header({ path: '.', type: TYPE.directory, mode: Number(top.mode), size: 0n, mtimeNs: top.mtimeNs, uid: Number(top.uid), gid: Number(top.gid) });
    const stack: DirFrame[] = [];
    const rootEntries = this.list('', this.root);
    if (rootEntries) stack.push({ rel: '', abs: this.root, entries: rootEntries, next: 0 });
    while (stack.length > 0) {
      const dir = stack[stack.length - 1]!;
      if (dir.next >= dir.entries.length) {
        stack.pop();
        continue;
      }
      const entry = dir.entries[dir.next++]!;
      const rel = dir.rel === '' ? entry.name : `${dir.rel}/${entry.name}`;
      const abs = this.child(dir.abs, entry.name);
      // A regular file in the listing is opened at once: its handle's stat is the one that counts.
      if (entry.isFile()) {
        yield* this.packFile(rel, abs, 1);
        continue;
      }
      let st: BigIntStats;
      try {
        st = lstatSync(abs, { bigint: true });
      } catch (err) {
        if (errno(err) === 'ENOENT') this.summary.vanished.push(rel);
        else this.summary.unreadable.push(rel);
        continue;
      }
      if (st.isDirectory()) {
        yield* this.header({ path: rel, type: TYPE.directory, mode: Number(st.mode), size: 0n, mtimeNs: st.mtimeNs, uid: Number(st.uid), gid: Number(st.gid) });
        const entries = this.list(rel, abs);
        if (entries) stack.push({ rel, abs, entries, next: 0 });
      } else if (st.isSymbolicLink()) {
        let target: string;
        try {
          target = readlinkSync(abs);
        } catch (err) {
          if (errno(err) === 'ENOENT') this.summary.vanished.push(rel);
          else this.summary.unreadable.push(rel);
          continue;
        }
        yield* this.header({ path: rel, type: TYPE.symlink, mode: Number(st.mode), size: 0n, mtimeNs: st.mtimeNs, linkname: target, uid: Number(st.uid), gid: Number(st.gid) });
      } else if (st.isFile()) {
        // Listed as something else, a file by now.
        yield* this.packFile(rel, abs, 1);
      } else {
        this.summary.skipped.push(rel);
      }
    }

    while (this.retry.length > 0) {
      const item = this.retry.shift()!;
      yield* this.packFile(item.rel, item.abs, item.attempts + 1);
    }
    // End of archive: two zero blocks. GNU tar's 10 KiB record padding is not needed by readers.
    const end = this.place(2 * BLOCK);
    end.buf.fill(0, end.at, end.at + 2 * BLOCK);
    this.flush();
    yield* this.drain();
  }

  /** Sorted entries of a directory, or undefined (reported) when it cannot be listed. */
  private list(dirRel: string, dirAbs: string): Dirent[] | undefined {
    let entries: Dirent[];
    try {
      entries = readdirSync(dirAbs, { withFileTypes: true });
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
      return undefined;
    }
    return sortEntries(entries);
  }

  /** Records the outcome of one read of a file; a good copy is final and reported. */
  private settle(rel: string, abs: string, attempt: number, outcome: ReadOutcome, good?: PackedFile): void {
    const s = this.summary;
    if (outcome === 'ok') {
      s.fileCount += 1;
      s.bytes += good!.size;
      if (this.collectFiles) s.files.push(good!);
      this.options.onPacked?.(good!);
    } else if (outcome === 'unreadable') s.unreadable.push(rel);
    else if (outcome === 'vanished') s.vanished.push(rel);
    else if (outcome === 'changed' && attempt < this.maxAttempts) this.retry.push({ rel, abs, attempts: attempt });
    else s.inconsistent.push(rel);
  }

  private packed(rel: string, before: BigIntStats, sha256: string): PackedFile {
    return {
      path: rel,
      size: Number(before.size),
      mtime: isoTime(Number(before.mtimeNs / 1_000_000n)),
      sha256,
    };
  }

  /**
   * Writes one entry for a regular file. The header is only emitted once the file is open and
   * seen to be a regular file, so an unreadable, vanished or swapped file leaves no trace in the
   * archive; from then on exactly the declared size is written whatever the file does, so the
   * archive stays well-formed.
   */
  private async *packFile(rel: string, abs: string, attempt: number): AsyncGenerator<Buffer> {
    let listed: BigIntStats | undefined;
    if (STAT_BEFORE_OPEN) {
      try {
        listed = lstatSync(abs, { bigint: true });
      } catch (err) {
        this.settle(rel, abs, attempt, errno(err) === 'ENOENT' ? 'vanished' : 'unreadable');
        return;
      }
      if (!listed.isFile()) {
        this.settle(rel, abs, attempt, 'changed');
        return;
      }
    }
    let fd: number;
    try {
      fd = openSync(abs, OPEN_FLAGS);
    } catch (err) {
      const code = errno(err);
      // ELOOP: a symlink now; treat as a change and look again later. A retried file that
      // disappeared keeps its earlier, torn copy in the archive.
      this.settle(rel, abs, attempt, code === 'ENOENT' ? 'vanished' : code === 'ELOOP' ? 'changed' : 'unreadable');
      return;
    }
    let open = true;
    try {
      let before: BigIntStats;
      try {
        before = fstatSync(fd, { bigint: true });
      } catch {
        this.settle(rel, abs, attempt, 'unreadable');
        return;
      }
      if (!before.isFile() || (listed !== undefined && (before.ino !== listed.ino || before.dev !== listed.dev))) {
        // A FIFO, a directory or another file in its place: nothing of it is worth writing.
        this.settle(rel, abs, attempt, 'changed');
        return;
      }
      const pending = this.options.onFile?.(rel, attempt);
      if (pending !== undefined) await pending;
      if (before.size < BigInt(SYNC_READ_LIMIT)) {
        const r = this.readSmall(fd, rel, before);
        open = false;
        closeSync(fd);
        if (this.ready.length > 0) yield* this.drain();
        this.settle(rel, abs, attempt, r.outcome, r.outcome === 'ok' ? this.packed(rel, before, r.sha256!) : undefined);
        return;
      }
      open = false;
      yield* this.readLarge(rel, abs, attempt, fd, before);
    } finally {
      if (open) closeSync(fd);
    }
  }

  /**
   * A small file, read synchronously in one piece straight into the output batch (headers,
   * data, padding): page-cached small files cost microseconds this way, against seven
   * thread-pool round trips the asynchronous way. Same checks as the large-file path.
   */
  private readSmall(fd: number, rel: string, before: BigIntStats): { outcome: ReadOutcome; sha256?: string } {
    const size = Number(before.size);
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    const meta: EntryMeta = { path: rel, type: TYPE.file, mode: Number(before.mode), size: before.size, mtimeNs: before.mtimeNs, uid: Number(before.uid), gid: Number(before.gid) };
    const { buf, at: dataAt } = this.placeHeaders(meta, padded);
    this.options.onData?.(size);
    let got = 0;
    let ioError: unknown;
    while (got < size) {
      let n: number;
      try {
        n = readSync(fd, buf, dataAt + got, size - got, got);
      } catch (err) {
        ioError = err;
        break;
      }
      if (n === 0) break;
      got += n;
    }
    // Shrunk (or failed) under us: zero-fill the rest of the declared size, then the padding.
    buf.fill(0, dataAt + got, dataAt + padded);
    const sha256 = sha256Hex(buf.subarray(dataAt, dataAt + size));
    let outcome: ReadOutcome = 'ok';
    if (ioError !== undefined) outcome = 'unreadable';
    else if (got < size) outcome = 'changed';
    else outcome = this.unchanged(before, fstatSync(fd, { bigint: true })) ? 'ok' : 'changed';
    return { outcome, sha256 };
  }

  /**
   * After a clean read: is the file we read still as its handle's stat before the read saw it?
   * This one fstat covers writes during the read; a rename over the path afterwards leaves our
   * copy a true picture of the file we opened.
   */
  private unchanged(before: BigIntStats, afterHandle: BigIntStats): boolean {
    return sameSnapshot(snapshot(before), snapshot(afterHandle));
  }

  /**
   * A large file, read asynchronously in `readSize` pieces with one read ahead: the next piece
   * is read by the thread pool while the current one is hashed and handed to the consumer.
   * Closes `fd`.
   */
  private async *readLarge(rel: string, abs: string, attempt: number, fd: number, before: BigIntStats): AsyncGenerator<Buffer> {
    let outcome: ReadOutcome = 'ok';
    let ahead: Promise<ReadResult> | undefined;
    const hash = createHash('sha256');
    const declared = before.size;
    const readAt = (position: bigint): Promise<ReadResult> => {
      const rest = declared - position;
      // A fresh buffer per read unless the consumer gives them back: the previous one now belongs
      // to the stream consumer.
      const buf = this.take(rest < BigInt(this.readSize) ? Number(rest) : this.readSize);
      return new Promise<ReadResult>((resolve) => {
        read(fd, buf, 0, buf.length, position, (err, bytesRead) => resolve(err ? { buf, got: 0, err } : { buf, got: bytesRead }));
      });
    };
    try {
      yield* this.header({ path: rel, type: TYPE.file, mode: Number(before.mode), size: declared, mtimeNs: before.mtimeNs, uid: Number(before.uid), gid: Number(before.gid) });

      let position = 0n;
      let ioError: unknown;
      while (position < declared) {
        let chunk: Buffer;
        if (ioError !== undefined || outcome !== 'ok') {
          // Failed or shrunk earlier: zero-fill the rest of the declared size.
          const rest = declared - position;
          chunk = Buffer.alloc(rest < BigInt(this.readSize) ? Number(rest) : this.readSize);
        } else {
          const r = await (ahead ?? readAt(position));
          ahead = undefined;
          if (r.err !== undefined) {
            ioError = r.err;
            chunk = r.buf.fill(0);
          } else if (r.got === 0) {
            outcome = 'changed';
            chunk = r.buf.fill(0);
          } else {
            chunk = r.got === r.buf.length ? r.buf : r.buf.subarray(0, r.got);
            const next = position + BigInt(chunk.length);
            // Read ahead only after a full piece: a short read means the file shrank.
            if (r.got === r.buf.length && next < declared) ahead = readAt(next);
          }
        }
        hash.update(chunk);
        position += BigInt(chunk.length);
        this.options.onData?.(chunk.length);
        yield* this.emit(chunk);
      }
      const pad = paddingLength(declared);
      if (pad > 0) {
        const room = this.place(pad);
        room.buf.fill(0, room.at, room.at + pad);
      }

      if (ioError !== undefined) outcome = 'unreadable';
      else if (outcome === 'ok' && !this.unchanged(before, await fstatOf(fd))) outcome = 'changed';
    } finally {
      // A read still in flight (the consumer stopped early) must finish before the close.
      if (ahead !== undefined) await ahead;
      await closeFd(fd);
      if (outcome !== 'ok') this.settle(rel, abs, attempt, outcome);
    }
    if (outcome === 'ok') this.settle(rel, abs, attempt, 'ok', this.packed(rel, before, hash.digest('hex')));
  }
}

/**
 * Streams `root` as a tar archive. Nothing is read until the stream is consumed, and reading
 * follows the consumer's pace (back-pressure), so memory stays at a few read buffers.
 */
export function packDirectory(root: string, options: PackOptions = {}): PackResult {
  const packer = new Packer(path.resolve(root), { ...options, reuseBuffers: false });
  let finished = false;
  const { promise: done, resolve: resolveDone, reject: rejectDone } = deferred<PackSummary>();

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

/**
 * `root` as tar archive chunks from a generator, without a stream: for a consumer that copies
 * each chunk before it asks for the next (`reuseBuffers`), as the packing thread does. `summary`
 * is complete once the generator has finished; ending it early closes what it had open.
 */
export function packArchive(root: string, options: PackOptions = {}): { chunks: AsyncGenerator<Buffer>; summary: PackSummary } {
  const packer = new Packer(path.resolve(root), options);
  return { chunks: packer.run(), summary: packer.summary };
}
