import { stat, statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AzsError } from '../errors.js';
import { formatCapacity } from '../catalog/azure-shape.js';
import type { RoleSize } from './manifest-reader.js';

/** One role about to be restored to `final`, and what the manifest says it takes. */
export interface RoleDestination {
  role: string;
  final: string;
  size: RoleSize;
}

const BESIDE = ' (the restore is written beside the current copy, which keeps its space until the restored one replaces it)';

function spaceLow(where: string, roles: string[], message: string, cause?: unknown): AzsError {
  return new AzsError('RestoreSpaceLow', `${message} Nothing was restored.`, {
    target: where,
    remediation: `Free space on the volume that holds ${where}, or pass -DestinationPath to restore ${roles.length === 1 ? 'the role' : 'the roles'} to a larger one.`,
    ...(cause !== undefined ? { cause } : {}),
  });
}

/** The nearest folder that exists: restore creates the rest, on the same file system. */
async function existingFolder(path: string): Promise<{ path: string; dev: number }> {
  for (let at = path; ; at = dirname(at)) {
    try {
      const st = await stat(at);
      if (st.isDirectory()) return { path: at, dev: st.dev };
    } catch (err) {
      if (dirname(at) === at) throw err;
    }
  }
}

/**
 * Refuses a restore that cannot fit before anything is written: a restore that fills the disk
 * halfway fails anyway, after minutes, and leaves a full volume behind for whatever else runs on
 * the host. Roles that land on the same file system are added up. Space is what an unprivileged
 * writer may use (bavail), and free inodes are checked too where the file system has a fixed
 * number of them (ext4: a million small files can run out of inodes with gigabytes free).
 */
export async function checkRestoreSpace(destinations: RoleDestination[]): Promise<void> {
  const volumes = new Map<number, { at: string; shown: string; roles: string[]; bytes: number; inodes: number; replaces: boolean }>();
  for (const d of destinations) {
    const shown = dirname(d.final);
    const folder = await existingFolder(shown);
    const volume = volumes.get(folder.dev) ?? { at: folder.path, shown, roles: [], bytes: 0, inodes: 0, replaces: false };
    volume.roles.push(d.role);
    volume.replaces ||= await stat(d.final).then(() => true, () => false);
    volume.bytes += d.size.bytes;
    // The role's own folder and the temporary one beside it, plus what the manifest lists.
    volume.inodes += d.size.files + d.size.directories + 1;
    volumes.set(folder.dev, volume);
  }
  for (const v of volumes.values()) {
    const fs = await statfs(v.at);
    const free = Number(fs.bavail) * Number(fs.bsize);
    const what = `Restoring ${v.roles.join(', ')} to ${v.shown}`;
    if (free < v.bytes) {
      throw spaceLow(v.shown, v.roles, `${what} needs about ${formatCapacity(v.bytes)} free there${v.replaces ? BESIDE : ''}; that volume has ${formatCapacity(free)} free.`);
    }
    // File systems without a fixed inode table (btrfs, some network file systems) report 0 files.
    if (Number(fs.files) > 0 && Number(fs.ffree) < v.inodes) {
      throw spaceLow(v.shown, v.roles, `${what} creates about ${v.inodes} files and folders, but that volume has room for only ${Number(fs.ffree)} more (free inodes).`);
    }
  }
}

/**
 * What the restore will write on the file system that holds `path` (the spool): the sizes of the
 * roles that land there. Space the spool may use for anything else has to leave this free.
 */
export async function bytesRestoredBeside(path: string, destinations: RoleDestination[]): Promise<number> {
  const dev = (await stat(path)).dev;
  let bytes = 0;
  for (const d of destinations) {
    if ((await existingFolder(dirname(d.final))).dev === dev) bytes += d.size.bytes;
  }
  return bytes;
}

/** The same refusal when the space ran out while writing (someone else filled the volume meanwhile). */
export function ranOutOfSpace(role: string, final: string, cause: unknown): AzsError {
  const where = dirname(final);
  return spaceLow(where, [role], `The volume that holds ${where} ran out of space while role ${role} was restored to ${final}; the partial copy was removed and ${final} is as it was.`, cause);
}
