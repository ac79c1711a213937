import { AzsError, invalidParameter } from '../errors.js';
import { loadConfiguration } from '../config/store.js';
import type { BackupConfiguration } from '../config/types.js';
import { backupFile, INFO_FILE, isBackupId, parseBackupName, ROOT } from '../catalog/layout.js';
import { readLocalRecords, writeLocalRecord, type LocalBackupRecord } from '../catalog/local-catalog.js';
import { type BackupRecord, toAzureBackup } from '../catalog/azure-shape.js';
import type { BackupInfo } from '../catalog/types.js';
import type { StorageTarget } from '../storage/target.js';
import { statePaths } from '../util/state-dir.js';
import type { EngineContext } from './context.js';
import { openConfiguredTarget } from './share.js';

export interface ShareBackup {
  backupId: string;
  /** null when the folder has no final metadata: an incomplete upload. */
  info: BackupInfo | null;
  modified: Date;
}

/** Reads every backup folder under MASBackup; folders not named like our backups are ignored. */
export async function scanShare(target: StorageTarget): Promise<ShareBackup[]> {
  const entries = await target.list(ROOT);
  const out: ShareBackup[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory || !isBackupId(entry.name)) continue;
    let info: BackupInfo | null = null;
    try {
      info = JSON.parse((await target.readFile(backupFile(entry.name, INFO_FILE))).toString('utf8')) as BackupInfo;
    } catch (err) {
      if (err instanceof AzsError && err.code !== 'SharePathFault') throw err;
    }
    out.push({ backupId: entry.name.toLowerCase(), info, modified: entry.modified });
  }
  return out;
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
  const share = await scanShare(target);
  const local = await settleCrashed(ctx.home, await readLocalRecords(statePaths(ctx.home).catalog), ctx.now());
  const byId = new Map<string, BackupRecord>();
  for (const s of share) {
    if (!s.info) continue;
    byId.set(s.backupId, { backupId: s.backupId, status: s.info.status, info: s.info, createdDateTime: s.info.createdDateTime });
  }
  for (const r of local) {
    if (byId.has(r.backupId)) continue;
    // Finished records whose folder is gone were pruned or deleted by hand: nothing to list.
    if (r.status !== 'Running' && r.status !== 'Failed') continue;
    byId.set(r.backupId, { backupId: r.backupId, status: r.status, info: null, createdDateTime: r.createdDateTime });
  }
  return [...byId.values()].sort((a, b) => b.createdDateTime.localeCompare(a.createdDateTime));
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
    return toAzureBackup(config, await findBackup(ctx, config, target, name));
  } finally {
    await target.close();
  }
}
