/**
 * Streaming tar reader: extracts (restore) or only reads and hashes (verify) what tar-writer
 * produces, plus the plain ustar / pax / GNU long-name archives other tools make, with memory
 * bounded by one input chunk regardless of file sizes.
 *
 * An archive is treated as hostile input: entries may not escape the destination (absolute
 * paths, '..', writing through a symlink the archive itself planted), every header checksum is
 * verified, and an archive without its end-of-archive marker is a truncated one.
 */

import { createHash, randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { chmod, lstat, lutimes, mkdir, open, realpath, rename, rm, symlink, unlink, utimes } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { AzsError } from '../errors.js';
import { BLOCK, F, TYPE, headerChecksum } from './tar-format.js';

export type TarEntryType = 'file' | 'directory' | 'symlink' | 'other';

export interface TarEntry {
  /** Normalised relative path ('/'-separated, no trailing slash). */
  path: string;
  type: TarEntryType;
  /** The raw typeflag, for 'other'. */
  typeflag: string;
  mode: number;
  size: number;
  /** Modification time in milliseconds since the epoch (sub-millisecond pax digits dropped). */
  mtimeMs: number;
  linkname?: string;
}

export interface TarFileRecord {
  path: string;
  size: number;
  mtime: string;
  /** Present unless hashing was turned off. */
  sha256?: string;
}

export interface TarReadResult {
  /** The final state of every regular file: a later entry of a path replaces an earlier one. */
  files: TarFileRecord[];
  /** Sum of the sizes in `files`. */
  bytes: number;
  /** Every entry in archive order, duplicates included. */
  entries: TarEntry[];
  /** Entries of types this reader does not restore (hard links, devices, FIFOs). */
  skipped: string[];
}

export interface TarReadOptions {
  /** Compute SHA-256 of each file. Default true. */
  hash?: boolean;
  /** Called for each entry before its data is consumed. */
  onEntry?: (entry: TarEntry) => void;
}

function integrity(message: string, cause?: unknown): AzsError {
  return new AzsError('IntegrityFailed', message, {
    remediation: 'The archive is damaged or was tampered with; restore from another backup.',
    cause,
  });
}

function errno(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Input buffering

/** Pulls exact byte counts out of a chunked stream without concatenating more than one header. */
class ByteSource {
  private readonly iterator: AsyncIterator<unknown>;
  private chunk: Buffer = Buffer.alloc(0);
  private offset = 0;
  private ended = false;
  /** Bytes consumed so far, for error messages. */
  position = 0;

  constructor(stream: Readable) {
    this.iterator = stream[Symbol.asyncIterator]();
  }

  private async fill(): Promise<boolean> {
    while (this.offset >= this.chunk.length) {
      if (this.ended) return false;
      const next = await this.iterator.next();
      if (next.done) {
        this.ended = true;
        return false;
      }
      const value = next.value;
      this.chunk = Buffer.isBuffer(value) ? value : Buffer.from(value as Uint8Array);
      this.offset = 0;
    }
    return true;
  }

  /** Exactly n bytes, or fewer only at end of input. */
  async read(n: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let have = 0;
    while (have < n && (await this.fill())) {
      const take = Math.min(n - have, this.chunk.length - this.offset);
      parts.push(this.chunk.subarray(this.offset, this.offset + take));
      this.offset += take;
      have += take;
    }
    this.position += have;
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, have);
  }

  /** Streams n bytes as they arrive, without copying. */
  async *stream(n: bigint): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0n) {
      if (!(await this.fill())) throw integrity(`The archive ends inside an entry's data (at byte ${this.position}): it is truncated.`);
      const avail = BigInt(this.chunk.length - this.offset);
      const take = Number(avail < left ? avail : left);
      const out = this.chunk.subarray(this.offset, this.offset + take);
      this.offset += take;
      this.position += take;
      left -= BigInt(take);
      yield out;
    }
  }

  async skip(n: bigint): Promise<void> {
    for await (const _ of this.stream(n)) {
      // consumed
    }
  }

  /** Reads whatever follows the end marker so the producer finishes cleanly. */
  async drain(): Promise<void> {
    while (await this.fill()) this.offset = this.chunk.length;
  }

  async close(): Promise<void> {
    await this.iterator.return?.();
  }
}

// ---------------------------------------------------------------------------------------------
// Header decoding

function field(header: Buffer, f: readonly [number, number]): Buffer {
  return header.subarray(f[0], f[0] + f[1]);
}

function cString(buf: Buffer, encoding: BufferEncoding = 'utf8'): string {
  const nul = buf.indexOf(0);
  return (nul < 0 ? buf : buf.subarray(0, nul)).toString(encoding);
}

/** Octal (NUL/space terminated), or GNU base-256 when the high bit of the first byte is set. */
function parseNumber(buf: Buffer, what: string): bigint {
  if (buf.length > 0 && (buf[0]! & 0x80) !== 0) {
    if ((buf[0]! & 0x40) !== 0) throw integrity(`A tar header has a negative ${what}.`);
    let value = BigInt(buf[0]! & 0x7f);
    for (let i = 1; i < buf.length; i++) value = (value << 8n) | BigInt(buf[i]!);
    return value;
  }
  const text = buf.toString('latin1').replace(/[\0 ]+$/, '').replace(/^[ ]+/, '');
  if (text === '') return 0n;
  if (!/^[0-7]+$/.test(text)) throw integrity(`A tar header has a malformed ${what} field.`);
  return BigInt('0o' + text);
}

function parsePax(data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let at = 0;
  while (at < data.length) {
    if (data[at] === 0) break; // some writers pad the record area with NULs
    const space = data.indexOf(0x20, at);
    if (space < 0) throw integrity('A pax extended header is malformed.');
    const len = Number(data.subarray(at, space).toString('latin1'));
    if (!Number.isInteger(len) || len <= space - at + 1 || at + len > data.length || data[at + len - 1] !== 0x0a) {
      throw integrity('A pax extended header record has a wrong length.');
    }
    const record = data.subarray(space + 1, at + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq <= 0) throw integrity('A pax extended header record has no keyword.');
    out.set(record.slice(0, eq), record.slice(eq + 1));
    at += len;
  }
  return out;
}

/** pax times are decimal seconds with an optional fraction. */
function parsePaxTime(text: string): number {
  if (!/^-?\d+(\.\d+)?$/.test(text)) throw integrity(`A pax time '${text}' is malformed.`);
  const [sec, frac = ''] = text.split('.');
  return Number(sec) * 1000 + (text.startsWith('-') ? -1 : 1) * Number((frac + '000').slice(0, 3));
}

/** Metadata headers (pax, GNU long names) are small; this bounds what one may make us buffer. */
const MAX_META_SIZE = 1024 * 1024;

/**
 * Validates and normalises an entry name into relative path components. Anything that could
 * land outside the destination is refused outright rather than silently rewritten, so a
 * tampered archive fails loudly.
 */
export function safeRelativePath(name: string, platform: NodeJS.Platform = process.platform): string {
  if (name.includes('\0')) throw integrity(`The archive entry '${name}' contains a NUL character.`);
  if (name.startsWith('/') || (platform === 'win32' && /^([a-zA-Z]:|[\\/])/.test(name))) {
    throw integrity(`The archive entry '${name}' has an absolute path; refusing to extract it.`);
  }
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') throw integrity(`The archive entry '${name}' climbs out of the destination ('..'); refusing to extract it.`);
    // On Windows '\' and ':' are separators / stream markers, so they could smuggle a '..' or a drive in.
    if (platform === 'win32' && /[\\:]/.test(part)) {
      throw integrity(`The archive entry '${name}' contains characters that are path separators on Windows; refusing to extract it.`);
    }
    parts.push(part);
  }
  return parts.join('/');
}

interface ParsedEntry extends TarEntry {
  sizeBig: bigint;
}

/**
 * Yields the archive's entries one at a time; the caller must consume `data` fully (or call
 * skip) before asking for the next entry.
 */
async function* readEntries(source: ByteSource): AsyncGenerator<{ entry: ParsedEntry; data: AsyncGenerator<Buffer> }> {
  let globalPax = new Map<string, string>();
  let localPax: Map<string, string> | undefined;
  let longName: string | undefined;
  let longLink: string | undefined;

  for (;;) {
    const header = await source.read(BLOCK);
    if (header.length === 0) throw integrity('The archive ends without its end-of-archive marker: it is truncated.');
    if (header.length < BLOCK) throw integrity('The archive ends inside a header: it is truncated.');
    if (header.every((b) => b === 0)) {
      const second = await source.read(BLOCK);
      if (second.length < BLOCK || !second.every((b) => b === 0)) {
        throw integrity('The archive has an incomplete end-of-archive marker: it is truncated or damaged.');
      }
      if (localPax !== undefined || longName !== undefined || longLink !== undefined) {
        throw integrity('The archive ends right after an extended header: it is damaged.');
      }
      return;
    }
    const stored = parseNumber(field(header, F.chksum), 'checksum');
    const unsigned = headerChecksum(header);
    // Some historic writers summed signed bytes; accept that variant too.
    let signed = 0;
    for (let i = 0; i < BLOCK; i++) signed += i >= F.chksum[0] && i < F.chksum[0] + F.chksum[1] ? 0x20 : (header[i]! << 24) >> 24;
    if (stored !== BigInt(unsigned) && stored !== BigInt(signed)) {
      throw integrity(`A tar header checksum does not match (at byte ${source.position - BLOCK}): the archive is damaged.`);
    }

    const typeflag = String.fromCharCode(header[F.typeflag[0]]!);
    const headerSize = parseNumber(field(header, F.size), 'size');

    if (typeflag === TYPE.paxExtended || typeflag === TYPE.paxGlobal || typeflag === TYPE.gnuLongName || typeflag === TYPE.gnuLongLink) {
      if (headerSize > BigInt(MAX_META_SIZE)) throw integrity('An extended tar header is implausibly large.');
      const data = await source.read(Number(headerSize));
      if (data.length < Number(headerSize)) throw integrity('The archive ends inside an extended header: it is truncated.');
      await source.skip(BigInt((BLOCK - (Number(headerSize) % BLOCK)) % BLOCK));
      if (typeflag === TYPE.paxExtended) localPax = new Map([...(localPax ?? []), ...parsePax(data)]);
      else if (typeflag === TYPE.paxGlobal) globalPax = new Map([...globalPax, ...parsePax(data)]);
      else if (typeflag === TYPE.gnuLongName) longName = cString(data);
      else longLink = cString(data);
      continue;
    }

    const pax = new Map([...globalPax, ...(localPax ?? [])]);
    localPax = undefined;

    let name = pax.get('path') ?? longName;
    if (name === undefined) {
      name = cString(field(header, F.name));
      const magic = field(header, F.magic).toString('latin1');
      // Old GNU headers ('ustar  ') keep other data where POSIX ustar has the name prefix.
      const prefix = magic === 'ustar\0' ? cString(field(header, F.prefix)) : '';
      if (prefix !== '') name = `${prefix}/${name}`;
    }
    const linkname = pax.get('linkpath') ?? longLink ?? cString(field(header, F.linkname));
    longName = undefined;
    longLink = undefined;

    let size = headerSize;
    const paxSize = pax.get('size');
    if (paxSize !== undefined) {
      if (!/^\d+$/.test(paxSize)) throw integrity('A pax size record is malformed.');
      size = BigInt(paxSize);
    }
    const paxMtime = pax.get('mtime');
    const mtimeMs = paxMtime !== undefined ? parsePaxTime(paxMtime) : Number(parseNumber(field(header, F.mtime), 'mtime')) * 1000;
    const mode = Number(parseNumber(field(header, F.mode), 'mode') & 0o7777n);

    let type: TarEntryType;
    if (typeflag === TYPE.oldFile && name.endsWith('/')) type = 'directory'; // pre-POSIX directories
    else if (typeflag === TYPE.file || typeflag === TYPE.oldFile || typeflag === '7') type = 'file';
    else if (typeflag === TYPE.directory) type = 'directory';
    else if (typeflag === TYPE.symlink) type = 'symlink';
    else type = 'other';
    // Only regular files carry data; directory and link sizes are ignored as ustar specifies.
    const dataSize = type === 'file' || type === 'other' ? size : 0n;
    if (type !== 'file') size = 0n;

    const rel = safeRelativePath(name);
    if (rel === '') {
      // './' is how tar -C dir . records the root itself; there is nothing to create for it.
      if (type === 'directory') continue;
      throw integrity(`The archive entry '${name}' has an empty path.`);
    }
    const entry: ParsedEntry = {
      path: rel,
      type,
      typeflag,
      mode,
      size: Number(size),
      sizeBig: size,
      mtimeMs,
      ...(type === 'symlink' ? { linkname } : {}),
    };
    let left = dataSize;
    const body = (async function* (): AsyncGenerator<Buffer> {
      for await (const chunk of source.stream(dataSize)) {
        left -= BigInt(chunk.length);
        yield chunk;
      }
    })();
    yield { entry, data: body };
    // Whatever the consumer left unread, then the block padding.
    await source.skip(left);
    const pad = BigInt((BLOCK - Number(dataSize % BigInt(BLOCK))) % BLOCK);
    await source.skip(pad);
  }
}

// ---------------------------------------------------------------------------------------------
// Extraction

function hashOrNull(enabled: boolean): ReturnType<typeof createHash> | undefined {
  return enabled ? createHash('sha256') : undefined;
}

function recordFile(files: Map<string, TarFileRecord>, entry: TarEntry, sha256: string | undefined): void {
  files.delete(entry.path);
  files.set(entry.path, {
    path: entry.path,
    size: entry.size,
    mtime: new Date(entry.mtimeMs).toISOString(),
    ...(sha256 !== undefined ? { sha256 } : {}),
  });
}

function finish(files: Map<string, TarFileRecord>, entries: TarEntry[], skipped: string[]): TarReadResult {
  const list = [...files.values()];
  return { files: list, bytes: list.reduce((n, f) => n + f.size, 0), entries, skipped };
}

function publicEntry(e: ParsedEntry): TarEntry {
  const { sizeBig: _unused, ...rest } = e;
  return rest;
}

/** Reads and hashes an archive without writing anything (backup verify). */
export async function listTar(stream: Readable, options: TarReadOptions = {}): Promise<TarReadResult> {
  const source = new ByteSource(stream);
  const files = new Map<string, TarFileRecord>();
  const entries: TarEntry[] = [];
  const skipped: string[] = [];
  try {
    for await (const { entry, data } of readEntries(source)) {
      const pub = publicEntry(entry);
      options.onEntry?.(pub);
      entries.push(pub);
      const hash = entry.type === 'file' ? hashOrNull(options.hash ?? true) : undefined;
      for await (const chunk of data) hash?.update(chunk);
      if (entry.type === 'file') recordFile(files, pub, hash?.digest('hex'));
      else if (entry.type === 'directory' || entry.type === 'symlink') files.delete(entry.path);
      else skipped.push(entry.path);
    }
    await source.drain();
  } finally {
    await source.close();
  }
  return finish(files, entries, skipped);
}

/**
 * Extracts an archive into destRoot (created if missing). Files are written to a temporary name
 * and renamed into place, so a later duplicate replaces an earlier entry atomically, a symlink
 * at the final component is replaced rather than followed, and a truncated archive never leaves
 * a half-written file under a real name. Directory modes and times are applied last, so a
 * read-only directory can still receive its children and its mtime is not disturbed by them.
 */
export async function extractTar(stream: Readable, destRoot: string, options: TarReadOptions = {}): Promise<TarReadResult> {
  await mkdir(destRoot, { recursive: true });
  const root = await realpath(destRoot);
  const source = new ByteSource(stream);
  const files = new Map<string, TarFileRecord>();
  const entries: TarEntry[] = [];
  const skipped: string[] = [];
  const dirMeta = new Map<string, { mode: number; mtimeMs: number }>();
  /** Directories known to be real directories we created or checked (never symlinks). */
  const verifiedDirs = new Set<string>(['']);

  const abs = (rel: string): string => (rel === '' ? root : path.join(root, ...rel.split('/')));

  /** Makes every ancestor of rel a real directory, refusing to pass through a symlink. */
  async function ensureParents(rel: string): Promise<void> {
    const parts = rel.split('/');
    let current = '';
    for (let i = 0; i < parts.length - 1; i++) {
      current = current === '' ? parts[i]! : `${current}/${parts[i]}`;
      if (verifiedDirs.has(current)) continue;
      await ensureDirectory(current, rel);
    }
  }

  async function ensureDirectory(rel: string, forEntry: string): Promise<void> {
    const target = abs(rel);
    try {
      const st = await lstat(target);
      if (st.isSymbolicLink()) {
        throw integrity(`The archive entry '${forEntry}' would be written through the symlink '${rel}'; refusing to extract it.`);
      }
      if (!st.isDirectory()) {
        throw integrity(`The archive entry '${forEntry}' needs '${rel}' to be a directory, but the archive made it a file.`);
      }
    } catch (err) {
      if (errno(err) !== 'ENOENT') throw err;
      // 0o700 until the end: the archived mode is applied once all children are in.
      await mkdir(target, { mode: 0o700 });
    }
    verifiedDirs.add(rel);
  }

  async function removeNonDirectory(target: string, rel: string): Promise<void> {
    try {
      const st = await lstat(target);
      if (st.isDirectory()) throw integrity(`The archive replaces the directory '${rel}' with a non-directory; refusing.`);
      await unlink(target);
    } catch (err) {
      if (errno(err) !== 'ENOENT') throw err;
    }
  }

  try {
    for await (const { entry, data } of readEntries(source)) {
      const pub = publicEntry(entry);
      options.onEntry?.(pub);
      entries.push(pub);
      await ensureParents(entry.path);
      const target = abs(entry.path);

      if (entry.type === 'directory') {
        await ensureDirectory(entry.path, entry.path);
        dirMeta.set(entry.path, { mode: entry.mode, mtimeMs: entry.mtimeMs });
        files.delete(entry.path);
      } else if (entry.type === 'symlink') {
        await removeNonDirectory(target, entry.path);
        // Created verbatim (even if it points outside): it is data. It is never followed for
        // writing, because ensureParents refuses symlinks and files are renamed over it.
        await symlink(entry.linkname ?? '', target);
        await lutimes(target, entry.mtimeMs / 1000, entry.mtimeMs / 1000).catch(() => undefined);
        files.delete(entry.path);
      } else if (entry.type === 'file') {
        const temp = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.azsb-part`);
        const hash = hashOrNull(options.hash ?? true);
        const handle = await open(temp, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o600);
        let ok = false;
        try {
          for await (const chunk of data) {
            hash?.update(chunk);
            let off = 0;
            while (off < chunk.length) off += (await handle.write(chunk, off, chunk.length - off)).bytesWritten;
          }
          await handle.chmod(entry.mode & 0o1777);
          ok = true;
        } finally {
          await handle.close();
          if (!ok) await rm(temp, { force: true });
        }
        await utimes(temp, entry.mtimeMs / 1000, entry.mtimeMs / 1000);
        try {
          await rename(temp, target);
        } catch (err) {
          await rm(temp, { force: true });
          if (errno(err) === 'EISDIR' || errno(err) === 'EPERM' || errno(err) === 'ENOTEMPTY') {
            throw integrity(`The archive replaces the directory '${entry.path}' with a file; refusing.`, err);
          }
          throw err;
        }
        recordFile(files, pub, hash?.digest('hex'));
      } else {
        // Hard links could point at anything on the host; devices and FIFOs need privileges.
        for await (const _ of data) {
          // discarded
        }
        skipped.push(entry.path);
      }
    }
    await source.drain();
  } finally {
    await source.close();
  }

  // Deepest first so a parent's mtime is set after its children stopped touching it.
  const dirs = [...dirMeta.entries()].sort((a, b) => b[0].split('/').length - a[0].split('/').length);
  for (const [rel, meta] of dirs) {
    const target = abs(rel);
    // Set-id bits are dropped (& 0o1777): re-creating them from an archive would hand out privileges.
    await chmod(target, meta.mode & 0o1777);
    await utimes(target, meta.mtimeMs / 1000, meta.mtimeMs / 1000);
  }
  return finish(files, entries, skipped);
}
