import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { StringDecoder } from 'node:string_decoder';
import { pipeline } from 'node:stream';
import { AzsError, isOutOfSpace } from '../errors.js';
import { createDecryptStream, type Identity } from '../crypto/index.js';
import type { BackupInfo } from '../catalog/types.js';
import type { BackupConfiguration } from '../config/types.js';
import { statePaths } from '../util/state-dir.js';
import type { ManifestFileLine, ManifestHeader } from '../catalog/manifest.js';
import type { StorageTarget } from '../storage/target.js';
import { openVolume } from './volume-reader.js';
import { claimStagingFolder, openStagingRoot } from './staging.js';

/**
 * What a role's restore is checked against: the manifest's lines for that role, in the order the
 * backup finalised its files, which is the archive's order. They are spooled to a local file
 * and read back a piece at a time, so memory does not grow with the number of files (a map of
 * every path cost ~300 bytes a file: 300 MB at a million files).
 */
export class ExpectedFiles {
  #fd: number | null;
  #text = '';
  #at = 0;
  #eof = false;
  #next: { path: string; size: number; sha256: string } | null | undefined;
  readonly #decoder = new StringDecoder('utf8');
  readonly #chunk = Buffer.allocUnsafe(1024 * 1024);
  /** Files settled so far, and their bytes: the role's content as the manifest lists it. */
  matchedFiles = 0;
  matchedBytes = 0;

  constructor(readonly spoolPath: string | null) {
    this.#fd = spoolPath === null ? null : openSync(spoolPath, 'r');
    if (this.#fd === null) this.#eof = true;
  }

  /**
   * One archive entry, in archive order. It settles the next expected file only when it is that
   * file with that size and SHA-256. Anything else is an earlier copy of a file that changed
   * while it was read (its final copy, and its manifest line, come later) or a file the manifest
   * does not list; neither settles anything, so a missing or different file is left unmatched.
   */
  mark(path: string, size: number, sha256: string | undefined): void {
    const next = this.#peek();
    if (next !== null && next.path === path && next.size === size && next.sha256 === sha256) {
      this.#next = undefined;
      this.matchedFiles++;
      this.matchedBytes += size;
    }
  }

  /** After the whole archive was read: the files the manifest lists that never matched (at most 5 named). */
  unmatched(): string[] {
    const out: string[] = [];
    let count = 0;
    for (let next = this.#peek(); next !== null; next = this.#peek()) {
      if (count++ < 5) out.push(`${next.path} is missing or differs from the manifest`);
      this.#next = undefined;
    }
    if (count > 5) out.push(`${count - 5} more`);
    this.close();
    return out;
  }

  close(): void {
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
  }

  #peek(): { path: string; size: number; sha256: string } | null {
    if (this.#next !== undefined) return this.#next;
    for (;;) {
      const end = this.#text.indexOf('\n', this.#at);
      if (end >= 0) {
        const line = JSON.parse(this.#text.slice(this.#at, end)) as ManifestFileLine;
        this.#at = end + 1;
        return (this.#next = { path: line.path, size: line.size, sha256: line.sha256 });
      }
      if (this.#eof) return (this.#next = null);
      if (this.#fd === null) throw new Error('ExpectedFiles: read after close()');
      const got = readSync(this.#fd!, this.#chunk, 0, this.#chunk.length, null);
      if (got === 0) this.#eof = true;
      this.#text = this.#text.slice(this.#at) + (got === 0 ? this.#decoder.end() : this.#decoder.write(this.#chunk.subarray(0, got)));
      this.#at = 0;
    }
  }
}

/** A role's restored size as the manifest lists it. */
export interface RoleSize {
  files: number;
  /**
   * Folders holding those files, counted from the paths in manifest order, where a folder's files
   * come together: a folder the order returns to counts again, so this errs high, never low.
   */
  directories: number;
  /** The files' sizes, each rounded up to ALLOCATION_UNIT, and one unit per folder. */
  bytes: number;
  /** The files' sizes as they are: what the restore's progress counts to. */
  dataBytes: number;
}

export const EMPTY_ROLE: RoleSize = { files: 0, directories: 0, bytes: 0, dataBytes: 0 };

/**
 * What most file systems allocate a file in (ext4, NTFS and tmpfs by default). A role of many
 * small files takes far more room than the sum of their sizes: 100 000 files of 800 bytes
 * need 390 MiB, not 76.
 */
export const ALLOCATION_UNIT = 4096;

/** Adds up a role's RoleSize from its manifest lines, in manifest order. */
export class RoleSizer {
  readonly size: RoleSize = { ...EMPTY_ROLE };
  /** The previous file's folder, as path segments. */
  #folder: string[] = [];

  add(path: string, fileSize: number): void {
    this.size.files++;
    this.size.dataBytes += fileSize;
    this.size.bytes += Math.ceil(fileSize / ALLOCATION_UNIT) * ALLOCATION_UNIT;
    const folder = path.split('/');
    folder.pop();
    let shared = 0;
    while (shared < folder.length && shared < this.#folder.length && folder[shared] === this.#folder[shared]) shared++;
    this.size.directories += folder.length - shared;
    this.size.bytes += (folder.length - shared) * ALLOCATION_UNIT;
    this.#folder = folder;
  }
}

/** Appends lines to a spool file in 1 MiB writes, and sizes the role they list. */
class SpoolWriter {
  readonly #fd: number;
  #pending: string[] = [];
  #length = 0;
  readonly sizer = new RoleSizer();
  #closed = false;

  constructor(readonly path: string) {
    this.#fd = openSync(path, 'wx', 0o600);
  }

  add(line: string, path: string, fileSize: number): void {
    this.sizer.add(path, fileSize);
    this.#pending.push(line, '\n');
    this.#length += line.length + 1;
    if (this.#length >= 1024 * 1024) this.flush();
  }

  flush(): void {
    if (this.#pending.length > 0) writeSync(this.#fd, this.#pending.join(''));
    this.#pending = [];
    this.#length = 0;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.flush();
    } finally {
      closeSync(this.#fd);
    }
  }
}

/**
 * A new folder in the staging cache for one restore's or verification's manifest spool, which
 * also takes the volumes copied ahead (engine/volume-prefetch.ts). Spools that dead processes
 * left there are removed first (quietly: they hold no plaintext data, only the file lists of a
 * manifest and still-encrypted volumes).
 */
export async function manifestSpool(home: string, config: Pick<BackupConfiguration, 'stagingPath'>, backupId: string): Promise<string> {
  const root = config.stagingPath ?? statePaths(home).staging;
  await openStagingRoot(root);
  const dir = await mkdtemp(join(root, 'manifest-'));
  try {
    await claimStagingFolder(dir);
  } catch (err) {
    // Without its owner record no later sweep could tell the folder was abandoned.
    await rm(dir, { recursive: true, force: true });
    throw isOutOfSpace(err) ? spoolSpaceLow(root, backupId, err) : err;
  }
  return dir;
}

export interface ManifestView {
  header: ManifestHeader;
  /** Only for the roles asked for, so a one-role restore does not spool every role's files. */
  files: Map<string, ExpectedFiles>;
  /** The same roles' sizes once restored, for the restore's free-space check. */
  sizes: Map<string, RoleSize>;
}

/** A full staging disk is not a damaged manifest: saying so would send the admin to another backup when this one is fine. */
function spoolSpaceLow(root: string, backupId: string, cause: unknown): AzsError {
  return new AzsError('StagingSpaceLow', `The staging cache ${root} ran out of space while the list of files of backup ${backupId} was unpacked there; the backup itself is not affected.`, {
    target: root,
    remediation: 'Free space on that volume, or point the cache to a larger local volume with azsbackup config set --staging-path.',
    cause,
  });
}

function broken(info: BackupInfo, cause?: unknown): AzsError {
  return new AzsError('IntegrityFailed', `The manifest of backup ${info.backupId} decrypted but is not valid.`, { target: info.manifest.file, cause });
}

/**
 * Decrypts the manifest (checked like any volume) and reads it line by line, spooling each wanted
 * role's file lines to `spoolDir` (a local folder the caller creates and removes).
 */
export async function readManifest(
  target: StorageTarget,
  info: BackupInfo,
  identities: Identity[],
  spoolDir: string,
  wantRole: (name: string) => boolean = () => true,
  localCopy?: string,
): Promise<ManifestView> {
  const stream = await openVolume(
    target,
    info.backupId,
    { file: info.manifest.file, role: '', index: 0, size: info.manifest.size, sha256: info.manifest.sha256 },
    null,
    localCopy,
  );
  const decrypted = pipeline(
    stream,
    createDecryptStream(identities, {
      expectedContext: { contentType: 'manifest', backupId: info.backupId, role: null, index: null },
      target: info.manifest.file,
    }),
    () => {},
  );
  let header: ManifestHeader | null = null;
  const spools = new Map<string, SpoolWriter>();
  // readline swallows stream errors; collect the decryptor's so a damaged manifest still fails.
  let failure: unknown = null;
  decrypted.on('error', (err) => (failure ??= err));
  try {
    for await (const line of createInterface({ input: decrypted, crlfDelay: Infinity })) {
      if (line === '') continue;
      const parsed = JSON.parse(line) as ManifestHeader | ManifestFileLine;
      if (parsed.type === 'manifest') {
        header = parsed;
        for (const [i, role] of parsed.roles.entries()) if (wantRole(role.name)) spools.set(role.name, new SpoolWriter(join(spoolDir, `role-${i}.jsonl`)));
      } else if (parsed.type === 'file') {
        spools.get(parsed.role)?.add(line, String(parsed.path), Number(parsed.size) || 0);
      }
    }
    for (const spool of spools.values()) spool.close();
  } catch (err) {
    for (const spool of spools.values()) {
      try {
        spool.close();
      } catch {
        // the spool is removed with its folder
      }
    }
    if (isOutOfSpace(err)) throw spoolSpaceLow(dirname(spoolDir), info.backupId, err);
    throw failure ?? broken(info, err);
  }
  if (failure) throw failure;
  if (!header || header.backupId !== info.backupId) throw broken(info);
  const files = new Map<string, ExpectedFiles>();
  const sizes = new Map<string, RoleSize>();
  for (const [role, spool] of spools) {
    files.set(role, new ExpectedFiles(spool.path));
    sizes.set(role, spool.sizer.size);
  }
  return { header, files, sizes };
}
