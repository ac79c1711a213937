import { AzsError, invalidParameter, toAzsError } from '../errors.js';
import { loadConfiguration } from '../config/store.js';
import type { BackupConfiguration } from '../config/types.js';
import { parseBackupInfo } from '../catalog/backup-info.js';
import { backupFile, INDEX_FILE, INFO_FILE, isBackupId, LOCATION_INDEX, parseBackupName, ROOT } from '../catalog/layout.js';
import { readLocalRecords, writeLocalRecord, type LocalBackupRecord } from '../catalog/local-catalog.js';
import { type BackupRecord, toAzureBackup } from '../catalog/azure-shape.js';
import type { BackupInfo } from '../catalog/types.js';
import { InfoCache } from '../catalog/info-cache.js';
import { LocationIndex } from '../catalog/location-index.js';
import { listTree, readFiles } from '../storage/batch.js';
import type { RemoteEntry, StorageTarget } from '../storage/target.js';
import { statePaths } from '../util/state-dir.js';
import type { EngineContext } from './context.js';
import { openConfiguredTarget } from './share.js';

export interface ShareBackup {
  backupId: string;
  /** The parsed metadata; null when the folder has none (incomplete) or it cannot be read (unreadable). */
  info: BackupInfo | null;
  /**
   * Why BackupInfo.json is present but could not be read or parsed. Such a folder may hold a
   * whole backup: it is listed with a warning and nothing prunes it.
   */
  unreadable: AzsError | null;
  /** Newest modification seen in the folder (the folder itself or any file in it). */
  modified: Date;
}

/**
 * Reads every backup folder under MASBackup; folders not named like our backups are ignored.
 * One listing of the whole tree and one batch read of the BackupInfo.json files it shows (one
 * smbclient session each), skipping those already read (InfoCache) whose size and time are
 * unchanged, so the cost no longer grows with every backup kept.
 * A folder is an incomplete upload only when that listing succeeded and shows no BackupInfo.json:
 * a file that is listed but cannot be read or parsed is reported as unreadable, never guessed to be
 * incomplete. A failing listing propagates: the caller learns nothing rather than something wrong.
 * `home` names the state directory whose cache to use; without it everything is read.
 * `index` says what to do with the location's own index (location-index.ts): a listing 'read's
 * it for what its local cache lacks. Every other scan decides something (a new backup's sequence,
 * what retention deletes) and rests only on files read by this host, its cache's entries taken
 * from an index included; a retention pass 'write's the index when it read metadata the index
 * may lack, or found none.
 */
export async function scanShare(target: StorageTarget, home?: string, index: 'read' | 'write' | 'none' = 'none'): Promise<ShareBackup[]> {
  return (await scanLocation(target, home, index)).backups;
}

/** scanShare, with the entries at the top of MASBackup that its listing showed (for prune). */
export async function scanLocation(target: StorageTarget, home?: string, index: 'read' | 'write' | 'none' = 'none'): Promise<{ backups: ShareBackup[]; top: RemoteEntry[] }> {
  // Read while the share answers (InfoCache.load never fails: a bad cache is an empty one).
  const cacheLoad = home === undefined ? null : InfoCache.load(statePaths(home).shareIndex, target.description);
  const tree = await listTree(target, ROOT);
  const cache = await cacheLoad;
  const out: ShareBackup[] = [];
  let toRead: { name: string; backupId: string; file: RemoteEntry; modified: Date }[] = [];
  const infoFiles = new Map<string, RemoteEntry>();
  const top = tree.get('') ?? [];
  const indexListed = top.some((e) => !e.isDirectory && e.name.toLowerCase() === INDEX_FILE.toLowerCase());
  for (const entry of top) {
    if (!entry.isDirectory || !isBackupId(entry.name)) continue;
    const files = tree.get(entry.name);
    // Listed in MASBackup but gone when its own folder was listed: deleted meanwhile (a prune by
    // another host). Neither a backup nor an incomplete upload.
    if (files === undefined) continue;
    const backupId = entry.name.toLowerCase();
    let modified = entry.modified;
    for (const f of files) if (f.modified.getTime() > modified.getTime()) modified = f.modified;
    const file = files.find((f) => !f.isDirectory && f.name === INFO_FILE);
    if (file === undefined) {
      out.push({ backupId, info: null, unreadable: null, modified });
      continue;
    }
    infoFiles.set(backupId, file);
    const cached = cache?.get(backupId, file, index === 'read');
    if (cached !== undefined) out.push({ backupId, info: cached, unreadable: null, modified });
    else toRead.push({ name: entry.name, backupId, file, modified });
  }

  if (index === 'read' && indexListed && toRead.length > 0) {
    const got = (await readFiles(target, [LOCATION_INDEX])).get(LOCATION_INDEX);
    const published = LocationIndex.parse(Buffer.isBuffer(got) ? got : null);
    toRead = toRead.filter((r) => {
      const info = published.lookup(r.name, r.file);
      if (info === undefined) return true;
      cache?.put(r.backupId, r.file, info, 'index');
      out.push({ backupId: r.backupId, info, unreadable: null, modified: r.modified });
      return false;
    });
  }

  const contents = await readFiles(target, toRead.map((r) => backupFile(r.name, INFO_FILE)));
  let readInfos = 0;
  for (const r of toRead) {
    const got = contents.get(backupFile(r.name, INFO_FILE));
    if (Buffer.isBuffer(got)) {
      try {
        const info = parseBackupInfo(got.toString('utf8'), r.name);
        readInfos++;
        cache?.put(r.backupId, r.file, info);
        out.push({ backupId: r.backupId, info, unreadable: null, modified: r.modified });
      } catch (err) {
        out.push({ backupId: r.backupId, info: null, unreadable: toAzsError(err), modified: r.modified });
      }
      continue;
    }
    // Listed a moment ago, and now missing or unreadable: kept and reported, never taken for an
    // incomplete upload.
    const cause = got ?? new AzsError('SharePathFault', `it was listed, then not found when read`, { target: `MASBackup/${r.name}` });
    const unreadable = new AzsError(cause.code, `MASBackup/${r.name}/BackupInfo.json could not be read: ${cause.message}`, {
      target: `MASBackup/${r.name}`,
      ...(cause.remediation ? { remediation: cause.remediation } : {}),
      cause,
    });
    out.push({ backupId: r.backupId, info: null, unreadable, modified: r.modified });
  }
  // Listing order (newest first is applied by callers) does not depend on what the cache held.
  out.sort((a, b) => byCodeUnits(a.backupId, b.backupId));
  await cache?.save().catch(() => undefined);
  if (index === 'write' && (readInfos > 0 || !indexListed)) {
    const indexed = out.flatMap((s) => (s.info === null ? [] : [{ backupId: s.backupId, file: infoFiles.get(s.backupId)!, info: s.info }]));
    // A speed-up for other hosts' listings: a share that refuses it has lost nothing.
    if (indexed.length > 0) await target.writeFile(LOCATION_INDEX, LocationIndex.serialize(indexed)).catch(() => undefined);
  }
  return { backups: out, top };
}

/**
 * Orders GUIDs and ISO 8601 times. Not localeCompare: its ICU collation cost a listing of 100
 * backups 8 ms, and for these ASCII strings it gives the same order.
 */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The warning shown wherever a backup with unreadable metadata is listed. */
export function unreadableWarning(backupId: string, problem: AzsError): string {
  return `Backup ${backupId} is listed as Failed because its metadata cannot be used: ${problem.message} Its folder is kept, and prune deletes nothing until this is resolved.`;
}

function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A record left Running by a process that no longer exists was interrupted (crash, kill, power
 * loss): it is marked Failed so nobody waits for it or trusts it.
 */
async function settleCrashed(home: string, records: LocalBackupRecord[], now: Date): Promise<LocalBackupRecord[]> {
  const out: LocalBackupRecord[] = [];
  for (const r of records) {
    if (r.status === 'Running' && !pidAlive(r.pid)) {
      const failed: LocalBackupRecord = {
        ...r,
        status: 'Failed',
        completedDateTime: now.toISOString(),
        error: { code: 'Internal', message: `The process running this backup (pid ${r.pid}) ended before it finished.` },
      };
      await writeLocalRecord(statePaths(home).catalog, failed);
      out.push(failed);
    } else out.push(r);
  }
  return out;
}

export async function collectBackups(ctx: EngineContext, config: BackupConfiguration, target: StorageTarget): Promise<BackupRecord[]> {
  // The local records are read while the share is listed: both are then as of the listing's
  // start. A backup started meanwhile shows in neither, as in a listing made a moment earlier.
  const records = readLocalRecords(statePaths(ctx.home).catalog);
  records.catch(() => undefined); // surfaced below, after the share's own failure if any
  const share = await scanShare(target, ctx.home, 'read');
  const local = await settleCrashed(ctx.home, await records, ctx.now());
  const byId = new Map<string, BackupRecord>();
  for (const s of share) {
    if (s.info) byId.set(s.backupId, { backupId: s.backupId, status: s.info.status, info: s.info, createdDateTime: s.info.createdDateTime });
    else if (s.unreadable) {
      byId.set(s.backupId, { backupId: s.backupId, status: 'Failed', info: null, createdDateTime: s.modified.toISOString(), problem: unreadableWarning(s.backupId, s.unreadable) });
    }
  }
  for (const r of local) {
    if (byId.has(r.backupId)) continue;
    // Finished records whose folder is gone were pruned or deleted by hand: nothing to list.
    if (r.status !== 'Running' && r.status !== 'Failed') continue;
    byId.set(r.backupId, { backupId: r.backupId, status: r.status, info: null, createdDateTime: r.createdDateTime, ...(r.error ? { error: r.error.message } : {}) });
  }
  return [...byId.values()].sort((a, b) => byCodeUnits(b.createdDateTime, a.createdDateTime));
}

function pageArg(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < -1) throw invalidParameter(name, value, 'a whole number of 0 or more');
  return n < 0 ? undefined : n; // -1 is the AzureRM module's "not given"
}

export async function listBackups(ctx: EngineContext, page: { top?: string; skip?: string } = {}): Promise<Record<string, unknown>[]> {
  const config = await loadConfiguration(ctx.home);
  const target = await openConfiguredTarget(ctx.home, config);
  try {
    const top = pageArg('Top', page.top);
    const skip = pageArg('Skip', page.skip) ?? 0;
    const all = await collectBackups(ctx, config, target);
    const slice = all.slice(skip, top === undefined ? undefined : skip + top);
    for (const r of slice) if (r.problem) ctx.reporter.warning(r.problem);
    return slice.map((r) => toAzureBackup(config, r));
  } finally {
    await target.close();
  }
}

export async function findBackup(ctx: EngineContext, config: BackupConfiguration, target: StorageTarget, name: string): Promise<BackupRecord> {
  const parsed = parseBackupName(name);
  if (!parsed) throw invalidParameter('Name', name, 'a backup id (GUID) or region/GUID as Get-AzsBackup shows in Name');
  const all = await collectBackups(ctx, config, target);
  const found = all.find((r) => r.backupId === parsed.backupId);
  if (!found) {
    throw new AzsError('BackupNotFound', `No backup with id ${parsed.backupId} exists at ${target.description}.`, {
      target: name,
      remediation: 'List the available backups with Get-AzsBackup.',
    });
  }
  return found;
}

export async function getBackup(ctx: EngineContext, name: string): Promise<Record<string, unknown>> {
  const config = await loadConfiguration(ctx.home);
  const target = await openConfiguredTarget(ctx.home, config);
  try {
    const found = await findBackup(ctx, config, target, name);
    if (found.problem) ctx.reporter.warning(found.problem);
    return toAzureBackup(config, found);
  } finally {
    await target.close();
  }
}
