import { mkdir, readdir, readFile, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { AzsError } from '../errors.js';
import { formatCapacity } from '../catalog/azure-shape.js';
import { identifySelf, judgeRecordedProcess, systemProbe, type ProcessProbe } from '../util/process-identity.js';

/** In each folder of the staging cache: which process of which host works in it. */
const OWNER_FILE = '.azsbackup-owner.json';
const OWNER_KIND = 'azsbackup-staging';
/**
 * The names the engine gives staging folders: a backup id, or a manifest spool. The staging path
 * can be any folder the admin chose, so a sweep looks at nothing else there.
 */
const STAGING_FOLDER = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|manifest-[A-Za-z0-9]{6})$/i;

interface OwnerRecord {
  kind: typeof OWNER_KIND;
  host: string;
  pid: number;
  bootId: string | null;
  startTicks: string | null;
}

/** Marks a new staging folder as this process's, so a later run can tell when it was left behind. */
export async function claimStagingFolder(dir: string, probe: ProcessProbe = systemProbe): Promise<void> {
  const owner: OwnerRecord = { kind: OWNER_KIND, host: hostname(), ...identifySelf(probe) };
  await writeFile(join(dir, OWNER_FILE), `${JSON.stringify(owner)}\n`, { mode: 0o600, flag: 'wx' });
}

/**
 * Removes what processes of this host left in the staging cache when they died without
 * cleaning up (kill -9, power loss): a backup's volumes, a restore's manifest spool. Left alone:
 * a folder whose process still runs, one another host owns (a staging path on shared storage),
 * one without a readable owner record, which this code cannot judge, and anything not named as
 * the engine names its staging folders. Staging folders are never backups: a backup is good only
 * once its BackupInfo.json is on the share. Returns what was removed and why, for the caller to
 * report.
 */
export async function sweepStaging(root: string, probe: ProcessProbe = systemProbe): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!STAGING_FOLDER.test(name)) continue;
    const dir = join(root, name);
    let owner: OwnerRecord;
    let writtenAtMs: number;
    try {
      const file = join(dir, OWNER_FILE);
      owner = JSON.parse(await readFile(file, 'utf8')) as OwnerRecord;
      writtenAtMs = (await stat(file)).mtimeMs;
    } catch {
      continue;
    }
    if (owner.kind !== OWNER_KIND || owner.host !== hostname() || !Number.isInteger(owner.pid)) continue;
    if (owner.pid === probe.selfPid && owner.startTicks === probe.startTicks(probe.selfPid)) continue;
    const verdict = judgeRecordedProcess({ pid: owner.pid, bootId: owner.bootId, startTicks: owner.startTicks, writtenAtMs }, probe);
    if (verdict.running) continue;
    await rm(dir, { recursive: true, force: true });
    removed.push(`${dir} (${verdict.detail})`);
  }
  return removed;
}

/** A manifest line besides its path and role name: keys, size, time and SHA-256 (161 bytes measured). */
export const MANIFEST_LINE_BYTES = 170;

/**
 * The local cache where volumes are compressed and encrypted before they are copied to the
 * share (seed 003: it needs free space of at least 10 % of the data set). Our pipeline also holds
 * up to two volumes at once beside the manifest's lines (about 200 bytes a file: 200 MB for a
 * million files), and at the end the lines and the sealed manifest together; whichever is
 * largest is required.
 */
export function stagingRequirement(dataBytes: number, volumeSize: number, manifestBytes = 0): number {
  const slack = 16 * 1024 * 1024;
  const whilePacking = Math.min(dataBytes, 2 * volumeSize) + manifestBytes + slack;
  const whileSealing = 2 * manifestBytes + slack;
  return Math.max(Math.ceil(dataBytes * 0.1), whilePacking, whileSealing);
}

/** Creates the staging cache if needed and sweeps it; returns what the sweep removed. */
export async function openStagingRoot(root: string): Promise<string[]> {
  await mkdir(root, { recursive: true, mode: 0o700 });
  return sweepStaging(root);
}

export interface PreparedStaging {
  dir: string;
  /** Folders earlier runs left behind, removed before the free space was measured. */
  swept: string[];
}

export async function prepareStaging(stagingRoot: string, backupId: string, dataBytes: number, volumeSize: number, manifestBytes = 0): Promise<PreparedStaging> {
  const swept = await openStagingRoot(stagingRoot);
  const fs = await statfs(stagingRoot);
  const free = Number(fs.bavail) * Number(fs.bsize);
  const need = stagingRequirement(dataBytes, volumeSize, manifestBytes);
  if (free < need) {
    throw new AzsError(
      'StagingSpaceLow',
      `The staging cache ${stagingRoot} has ${formatCapacity(free)} free; this backup of ${formatCapacity(dataBytes)} needs at least ${formatCapacity(need)} there (10 % of the data set, and room for two volumes and the list of its files).`,
      {
        target: stagingRoot,
        remediation: 'Free space on that volume, or point the cache to a larger local volume with azsbackup config set --staging-path.',
      },
    );
  }
  const dir = join(stagingRoot, backupId);
  // Not recursive: the folder must be new, because removeStaging deletes it with everything in it.
  try {
    await mkdir(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    throw new AzsError('InvalidParameter', `The staging folder ${dir} already exists, so backup id ${backupId} is not new.`, {
      target: 'BackupId',
      remediation: 'Start the backup without choosing its id.',
    });
  }
  await claimStagingFolder(dir);
  return { dir, swept };
}

export async function removeStaging(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
