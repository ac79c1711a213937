/**
 * Refuses role sources the MARS agent would refuse, before any byte of them is archived, so a
 * bad source fails fast with one clear error instead of a half-made backup.
 *
 * A read-only mount is accepted on purpose: the backup only ever reads a source, and read-only
 * snapshots (LVM, btrfs, ZFS, VSS exposed as a folder) are the best possible source because
 * nothing can change under the archiver.
 */

import { opendir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { AzsError } from '../errors.js';
import type { RoleSource } from '../config/types.js';

/** One line of /proc/self/mountinfo (proc(5)). */
export interface MountInfoEntry {
  mountId: number;
  parentId: number;
  /** major:minor of the device. */
  device: string;
  /** Root of the mount within its file system. */
  root: string;
  mountPoint: string;
  mountOptions: string[];
  optionalFields: string[];
  fsType: string;
  source: string;
  superOptions: string[];
}

/**
 * File systems whose data lives on another machine. MARS refuses them because a network hiccup
 * in the middle of a backup produces a torn copy that still looks complete, and because the
 * remote side usually has its own backup. 9p is deliberately absent: it is how WSL and VM hosts
 * expose local host disks.
 */
export const NETWORK_FS_TYPES: ReadonlySet<string> = new Set([
  'cifs',
  'smb3',
  'smbfs',
  'nfs',
  'nfs4',
  'afs',
  'ceph',
  'fuse.ceph',
  'fuse.sshfs',
  'sshfs',
  'glusterfs',
  'fuse.glusterfs',
  'lustre',
  'gpfs',
  'ncpfs',
  'coda',
  'davfs',
  'fuse.davfs2',
  'fuse.s3fs',
  'fuse.rclone',
  'fuse.gcsfuse',
  'fuse.blobfuse2',
]);

/** Errors that mean "the mount is there but its backing store is gone", not "no such path". */
const OFFLINE_CODES = new Set(['EIO', 'ENOTCONN', 'ESTALE', 'EHOSTDOWN', 'EHOSTUNREACH', 'ETIMEDOUT']);

/** proc(5) escapes space, tab, newline and backslash in paths as \ooo. */
function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Parses /proc/self/mountinfo text; malformed lines are skipped rather than failing the check. */
export function parseMountInfo(text: string): MountInfoEntry[] {
  const entries: MountInfoEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const fields = line.split(' ');
    // The optional fields have no fixed count; a lone '-' separates them from the rest.
    const separator = fields.indexOf('-', 6);
    if (separator < 0 || fields.length < separator + 3) continue;
    const [mountId, parentId, device, root, mountPoint, options] = fields;
    if (mountId === undefined || parentId === undefined || device === undefined) continue;
    if (root === undefined || mountPoint === undefined || options === undefined) continue;
    entries.push({
      mountId: Number(mountId),
      parentId: Number(parentId),
      device,
      root: unescapeMountField(root),
      mountPoint: unescapeMountField(mountPoint),
      mountOptions: options.split(','),
      optionalFields: fields.slice(6, separator),
      fsType: fields[separator + 1] ?? '',
      source: unescapeMountField(fields[separator + 2] ?? ''),
      superOptions: (fields[separator + 3] ?? '').split(','),
    });
  }
  return entries;
}

function isWithin(mountPoint: string, target: string): boolean {
  if (mountPoint === '/') return target.startsWith('/');
  return target === mountPoint || target.startsWith(mountPoint + '/');
}

/**
 * The mount an absolute, symlink-free path lives on: the deepest mount point containing it, and
 * among equal mount points the last one listed, because a later mount on the same point hides
 * the earlier ones.
 */
export function findMountFor(entries: readonly MountInfoEntry[], absPath: string): MountInfoEntry | undefined {
  let best: MountInfoEntry | undefined;
  for (const entry of entries) {
    if (!isWithin(entry.mountPoint, absPath)) continue;
    if (best === undefined || entry.mountPoint.length >= best.mountPoint.length) best = entry;
  }
  return best;
}

/** Why a Windows path is on the network, or undefined when it is local. */
export function windowsNetworkReason(original: string, resolved: string): string | undefined {
  const isUnc = (p: string): boolean => /^[\\/]{2}(?![?.][\\/])/.test(p) || /^[\\/]{2}[?.][\\/]UNC[\\/]/i.test(p);
  if (isUnc(original)) return 'it is a UNC network path';
  // realpath.native resolves a mapped network drive (and a symlink onto a share) to its UNC
  // target, which is how a mapped drive letter is told apart from a local one without native code.
  if (isUnc(resolved)) return `it resolves to the network path ${resolved} (a mapped network drive)`;
  return undefined;
}

export interface SourceCheckOptions {
  /** Platform override, for tests. */
  platform?: NodeJS.Platform;
  /** mountinfo text override, for tests; by default /proc/self/mountinfo is read. */
  mountInfo?: string;
}

function reject(role: RoleSource, reason: string, remediation: string, cause?: unknown): AzsError {
  return new AzsError('SourceRejected', `The source of role ${role.name} (${role.path}) was refused: ${reason}.`, {
    target: role.name,
    remediation,
    cause,
  });
}

function errno(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

/** Resolves when the role's source is one the archiver may read; throws SourceRejected otherwise. */
export async function checkRoleSource(role: RoleSource, options: SourceCheckOptions = {}): Promise<void> {
  const platform = options.platform ?? process.platform;
  const pathApi = platform === 'win32' ? path.win32 : path.posix;
  const fixPath = `Point role ${role.name} at a local directory the engine's account can read, or fix the path in the configuration.`;

  if (role.path.trim() === '' || !pathApi.isAbsolute(role.path)) {
    throw reject(role, 'the path is not absolute', fixPath);
  }
  if (platform === 'win32') {
    // Checked before touching the path so an unreachable share is refused without a long SMB timeout.
    const unc = windowsNetworkReason(role.path, role.path);
    if (unc !== undefined) throw reject(role, unc, 'Back up network data on the file server that owns it; point the role at a local disk.');
  }

  let info;
  try {
    info = await stat(role.path);
  } catch (err) {
    const code = errno(err);
    if (code === 'ENOENT') throw reject(role, 'the path does not exist', fixPath, err);
    if (code === 'ENOTDIR') throw reject(role, 'a parent of the path is not a directory', fixPath, err);
    if (code === 'EACCES' || code === 'EPERM') {
      throw reject(role, 'the engine is not allowed to reach the path', fixPath, err);
    }
    if (code !== undefined && OFFLINE_CODES.has(code)) {
      throw reject(role, `the volume holding it is offline or unavailable (${code})`, 'Bring the volume back online (remount it) and retry the backup.', err);
    }
    throw reject(role, `the path cannot be examined (${code ?? String(err)})`, fixPath, err);
  }
  if (!info.isDirectory()) throw reject(role, 'the path is not a directory', fixPath);

  try {
    // Read it and look through it, as the backup will. Not access(2): it asks about the real uid,
    // not the effective one the backup runs with. Resolving "<dir>/." needs X, which listing alone
    // (R) does not prove, and without X every file would fail mid-backup.
    const dir = await opendir(role.path);
    try {
      await dir.read();
    } finally {
      await dir.close();
    }
    // Not path.join: it would normalise the '.' away.
    await stat(`${role.path}${path.sep}.`);
  } catch (err) {
    throw reject(role, 'the directory is not readable by the engine\'s account', fixPath, err);
  }

  let resolved: string;
  try {
    // fs/promises realpath has fs.realpath.native semantics (GetFinalPathNameByHandle on Windows).
    resolved = await realpath(role.path);
  } catch (err) {
    const code = errno(err);
    if (code !== undefined && OFFLINE_CODES.has(code)) {
      throw reject(role, `the volume holding it is offline or unavailable (${code})`, 'Bring the volume back online (remount it) and retry the backup.', err);
    }
    throw reject(role, `the path cannot be resolved (${code ?? String(err)})`, fixPath, err);
  }

  if (platform === 'win32') {
    const reason = windowsNetworkReason(role.path, resolved);
    if (reason !== undefined) throw reject(role, reason, 'Back up network data on the file server that owns it; point the role at a local disk.');
    return;
  }

  let mountText = options.mountInfo;
  if (mountText === undefined && platform === 'linux') {
    try {
      mountText = await readFile('/proc/self/mountinfo', 'utf8');
    } catch {
      // Without /proc (a locked-down container) the network check is skipped rather than
      // refusing every source; the other checks still apply.
      mountText = undefined;
    }
  }
  if (mountText === undefined) return;
  const mount = findMountFor(parseMountInfo(mountText), resolved);
  if (mount !== undefined && NETWORK_FS_TYPES.has(mount.fsType)) {
    throw reject(
      role,
      `it is on the network file system ${mount.source} (${mount.fsType}) mounted at ${mount.mountPoint}`,
      'Back up network data on the file server that owns it; point the role at a local disk.',
    );
  }
}
