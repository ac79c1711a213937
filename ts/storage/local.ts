import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { syncDirectory } from '../util/atomic-file.js';
import { AzsError } from '../errors.js';
import { classifyErrno, shareError } from './share-errors.js';
import type { Capacity, RemoteEntry, StorageTarget } from './target.js';
import { splitRelativePath } from './unc.js';

function errnoOf(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string'
    ? err.code
    : undefined;
}

/** Read size (and stream buffer) of openRead. */
export const LOCAL_READ_SIZE = 1024 * 1024;

/** Names of in-flight temporary files; shared with the SMB target so cleanup rules match. */
export function tempSiblingName(name: string): string {
  return `.${name}.${randomBytes(6).toString('hex')}.azsb-tmp`;
}

const TEMP_SIBLING = /^\..+\.[0-9a-f]{12}\.azsb-tmp$/;

/** Whether a file name is one tempSiblingName makes. */
export const isTempSiblingName = (name: string): boolean => TEMP_SIBLING.test(name);

/**
 * A backup location on a local disk or a file system mounted by the OS (NFS, CIFS, or a UNC
 * path through the Windows redirector). The location folder itself must exist: creating it
 * would hide an unmounted share by writing the backup to the mount point on the local disk.
 */
export class LocalTarget implements StorageTarget {
  readonly description: string;
  readonly #root: string;

  constructor(root: string) {
    this.#root = root;
    this.description = root;
  }

  #resolve(relPath: string): string {
    const names = splitRelativePath(relPath);
    return names.length === 0 ? this.#root : path.join(this.#root, ...names);
  }

  async #fail(err: unknown, operation: string): Promise<never> {
    if (err instanceof AzsError) throw err;
    const errno = errnoOf(err);
    const mapped = classifyErrno(errno);
    let operationText = operation;
    if (mapped.code === 'SharePathFault' && !(await this.#rootIsDirectory())) {
      // The whole location is missing, not just the item: say so, it is the likelier admin fix.
      operationText = `${operation} (the backup folder itself does not exist or is not a folder)`;
    }
    const message = err instanceof Error ? err.message : String(err);
    throw shareError(mapped.code, {
      location: this.#root,
      operation: operationText,
      ...(errno === undefined ? {} : { status: errno }),
      detail: message,
      ...(mapped.remediation === undefined ? {} : { remediation: mapped.remediation }),
      cause: err,
    });
  }

  async #rootIsDirectory(): Promise<boolean> {
    try {
      return (await fs.stat(this.#root)).isDirectory();
    } catch {
      return false;
    }
  }

  async #requireRoot(operation: string): Promise<void> {
    if (await this.#rootIsDirectory()) return;
    throw shareError('SharePathFault', {
      location: this.#root,
      operation: `${operation} (the backup folder does not exist or is not a folder)`,
      status: 'ENOENT',
    });
  }

  async createLocation(): Promise<void> {
    try {
      await fs.mkdir(this.#root, { recursive: true });
    } catch (err) {
      await this.#fail(err, 'creating the backup folder');
    }
  }

  async ensureDirectory(relPath: string): Promise<void> {
    const full = this.#resolve(relPath);
    const op = `creating folder '${relPath}'`;
    await this.#requireRoot(op);
    try {
      const first = await fs.mkdir(full, { recursive: true });
      // A new folder's entry lives in its parent: make it durable like the files inside it.
      if (first !== undefined) {
        // Bounded by the levels mkdir created, never by comparing paths: on Windows mkdir may
        // spell `first` differently from `full` (case, UNC or \\?\ forms), and a walk up to a
        // root whose dirname is itself would never end.
        const levels = path.relative(path.dirname(first), full).split(path.sep).filter((p) => p !== '' && p !== '..').length;
        let dir = full;
        for (let i = 0; i < Math.max(1, levels); i++, dir = path.dirname(dir)) await syncDirectory(path.dirname(dir));
      }
    } catch (err) {
      await this.#fail(err, op);
    }
  }

  async upload(localFile: string, relPath: string): Promise<void> {
    const full = this.#resolve(relPath);
    const temp = path.join(path.dirname(full), tempSiblingName(path.basename(full)));
    const op = `uploading '${relPath}'`;
    try {
      // Through a temp name so a torn copy (full disk, crash) never sits under the final name.
      await fs.copyFile(localFile, temp);
      // Data, then name: after a power cut a volume is either whole under its name or absent,
      // and BackupInfo.json (written after every upload) never survives volumes that did not.
      await syncFile(temp);
      await fs.rename(temp, full);
      await syncDirectory(path.dirname(full));
    } catch (err) {
      await fs.rm(temp, { force: true }).catch(() => undefined);
      if (errnoOf(err) === 'ENOENT' && !(await exists(localFile))) {
        throw new AzsError('Internal', `The staged file '${localFile}' to upload does not exist.`, {
          cause: err,
          remediation: 'Check the staging folder and run the backup again.',
        });
      }
      await this.#fail(err, op);
    }
  }

  async rename(fromRelPath: string, toRelPath: string): Promise<void> {
    try {
      // rename(2) replaces the destination atomically; libuv does the same on Windows.
      const to = this.#resolve(toRelPath);
      await fs.rename(this.#resolve(fromRelPath), to);
      await syncDirectory(path.dirname(to));
    } catch (err) {
      await this.#fail(err, `renaming '${fromRelPath}' to '${toRelPath}'`);
    }
  }

  async list(relPath: string): Promise<RemoteEntry[]> {
    const full = this.#resolve(relPath);
    let dirents: Dirent[];
    try {
      dirents = await fs.readdir(full, { withFileTypes: true });
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') return [];
      return this.#fail(err, `listing '${relPath}'`);
    }
    const entries: RemoteEntry[] = [];
    for (const dirent of dirents) {
      try {
        // stat, not lstat: a symlinked volume is what the admin wants listed.
        const st = await fs.stat(path.join(full, dirent.name));
        entries.push({ name: dirent.name, isDirectory: st.isDirectory(), size: st.isDirectory() ? 0 : st.size, modified: st.mtime });
      } catch (err) {
        // Deleted between readdir and stat, or a dangling link: not part of the listing.
        if (errnoOf(err) === 'ENOENT') continue;
        return this.#fail(err, `listing '${relPath}'`);
      }
    }
    return entries;
  }

  async openRead(relPath: string): Promise<Readable> {
    try {
      // Open first so a missing file fails here rather than on the consumer's first read.
      const handle = await fs.open(this.#resolve(relPath), 'r');
      // Volumes are read start to end: large reads, not the 64 KiB default (a thread-pool round
      // trip each, which made restore from a local folder slower than over SMB).
      return handle.createReadStream({ autoClose: true, highWaterMark: LOCAL_READ_SIZE });
    } catch (err) {
      return this.#fail(err, `opening '${relPath}'`);
    }
  }

  async readFile(relPath: string): Promise<Buffer> {
    try {
      return await fs.readFile(this.#resolve(relPath));
    } catch (err) {
      return this.#fail(err, `reading '${relPath}'`);
    }
  }

  async writeFile(relPath: string, data: Buffer): Promise<void> {
    const full = this.#resolve(relPath);
    const dir = path.dirname(full);
    const temp = path.join(dir, tempSiblingName(path.basename(full)));
    try {
      const handle = await fs.open(temp, 'wx', 0o644);
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.rename(temp, full);
      await syncDirectory(dir);
    } catch (err) {
      await fs.rm(temp, { force: true }).catch(() => undefined);
      await this.#fail(err, `writing '${relPath}'`);
    }
  }

  async removeFile(relPath: string): Promise<void> {
    try {
      await fs.unlink(this.#resolve(relPath));
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') return;
      await this.#fail(err, `deleting '${relPath}'`);
    }
  }

  async removeDirectory(relPath: string): Promise<void> {
    if (splitRelativePath(relPath).length === 0) {
      throw new AzsError('InvalidParameter', 'Refusing to delete the backup location itself.', {
        target: this.#root,
        remediation: 'Name a folder inside the backup location.',
      });
    }
    try {
      await fs.rm(this.#resolve(relPath), { recursive: true, force: true });
    } catch (err) {
      await this.#fail(err, `deleting folder '${relPath}'`);
    }
  }

  async capacity(): Promise<Capacity> {
    try {
      const st = await fs.statfs(this.#root);
      // bavail, not bfree: blocks reserved for root are not space a backup can count on.
      return { freeBytes: st.bavail * st.bsize, totalBytes: st.blocks * st.bsize };
    } catch (err) {
      return this.#fail(err, 'reading free space');
    }
  }

  async close(): Promise<void> {}
}

async function syncFile(file: string): Promise<void> {
  const handle = await fs.open(file, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}

