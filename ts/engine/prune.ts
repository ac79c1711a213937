import { AzsError } from '../errors.js';
import { loadConfiguration } from '../config/store.js';
import type { BackupConfiguration } from '../config/types.js';
import { backupFile, backupFolder, CERTIFICATES_DIR, INFO_FILE, ROOT } from '../catalog/layout.js';
import { planPrune, type PrunePlan, type ShareBackupEntry } from '../catalog/retention.js';
import { checkShareClock } from '../catalog/clock-check.js';
import type { StorageTarget } from '../storage/target.js';
import { inspectBackupLock } from '../schedule/backup-lock.js';
import { appendLog } from '../util/log.js';
import type { EngineContext } from './context.js';
import { scanLocation } from './backups.js';
import { openConfiguredTarget } from './share.js';

function pathOf(item: PrunePlan['toDelete'][number]): string {
  if (item.kind === 'backup') return backupFolder(item.folderName);
  return item.kind === 'certificate' ? `${CERTIFICATES_DIR}/${item.fileName}` : item.path;
}

async function plan(ctx: EngineContext, config: BackupConfiguration, target: StorageTarget, dryRun: boolean): Promise<PrunePlan> {
  // A dry run changes nothing on the share, the location's index included.
  const { backups: share, top } = await scanLocation(target, ctx.home, dryRun ? 'none' : 'write');
  const damaged = share.filter((s) => s.unreadable !== null);
  if (damaged.length > 0) {
    const first = damaged[0]!.unreadable!;
    // A backup whose metadata cannot be read may be whole; judging its age or completeness by
    // guesswork is how good backups get deleted. Nothing is deleted until a person looks.
    throw new AzsError(first.code, `Prune deleted nothing: ${damaged.map((d) => d.unreadable!.message).join(' ')}`, {
      target: `MASBackup/${damaged[0]!.backupId}`,
      remediation: first.remediation ?? 'Repair BackupInfo.json in that folder, or delete the folder by hand if the backup is not needed, then prune again.',
      cause: first,
    });
  }
  const backups: ShareBackupEntry[] = share.map((s) => ({
    folderName: s.backupId,
    backupId: s.info?.backupId ?? s.backupId,
    complete: s.info !== null,
    status: s.info?.status ?? null,
    createdDateTime: s.info?.createdDateTime ?? s.modified,
    lastModified: s.modified,
    ...(s.info ? { certificateThumbprints: s.info.encryption.certificateThumbprints } : {}),
    ...(s.info?.sequence !== undefined ? { sequence: s.info.sequence } : {}),
  }));
  const certificateEntries = await target.list(CERTIFICATES_DIR);
  const certificateFiles = certificateEntries.filter((e) => !e.isDirectory && e.name.toLowerCase().endsWith('.cer')).map((e) => e.name);
  const looseFiles = [
    ...top.filter((e) => !e.isDirectory).map((e) => ({ path: `${ROOT}/${e.name}`, modified: e.modified })),
    ...certificateEntries.filter((e) => !e.isDirectory).map((e) => ({ path: `${CERTIFICATES_DIR}/${e.name}`, modified: e.modified })),
  ];
  const lock = await inspectBackupLock(ctx.home);
  const current = config.encryption.mode === 'certificate' ? (config.encryption.certificates[0]?.thumbprint ?? null) : null;
  return planPrune(
    { backups, certificateFiles, currentThumbprint: current, looseFiles },
    { retentionDays: config.backupRetentionPeriodInDays, now: ctx.now(), runningBackupId: lock.state === 'held' ? (lock.info?.backupId ?? null) : null },
  );
}

/**
 * Deletes what retention says must go: expired backups (never the newest good one), incomplete
 * uploads, certificate copies no backup needs, and upload temporaries a killed process left
 * beside the location's index or the certificate copies. Age-based deletion is refused when the
 * share's clock disagrees with ours by more than five minutes: a wrong clock must not erase
 * backups. A dry run lists exactly what the real run would delete.
 */
export async function pruneWith(ctx: EngineContext, config: BackupConfiguration, target: StorageTarget, dryRun: boolean): Promise<string[]> {
  const selection = await plan(ctx, config, target, dryRun);
  // Temporaries are judged by age too: a share clock a day behind would make a live upload's look old.
  if (selection.toDelete.some((d) => d.kind !== 'certificate')) await checkShareClock(target, ctx.now);
  const paths = selection.toDelete.map(pathOf);
  if (dryRun) return paths;
  for (const item of selection.toDelete) {
    const path = pathOf(item);
    if (item.kind === 'backup') {
      // The metadata first: on a target that deletes file by file (blob storage), an interrupted
      // deletion then leaves an incomplete upload for the next prune, never a backup that looks
      // whole with volumes missing.
      await target.removeFile(backupFile(item.folderName, INFO_FILE));
      await target.removeDirectory(path);
    } else await target.removeFile(path);
    await appendLog(ctx.home, 'prune.log', { deleted: path, reason: item.reason, detail: item.detail });
  }
  for (const note of selection.notes) await appendLog(ctx.home, 'prune.log', { note });
  return paths;
}

export async function pruneExternalStore(ctx: EngineContext, dryRun: boolean): Promise<Record<string, unknown>> {
  const config = await loadConfiguration(ctx.home);
  const target = await openConfiguredTarget(ctx.home, config);
  try {
    const paths = await pruneWith(ctx, config, target, dryRun);
    return { PathsToDelete: paths, Deleted: !dryRun && paths.length > 0 };
  } finally {
    await target.close();
  }
}

/** Retention after a backup or a retention change: a problem is reported, never fatal. */
export async function applyRetention(ctx: EngineContext, config: BackupConfiguration, target: StorageTarget): Promise<void> {
  try {
    const deleted = await pruneWith(ctx, config, target, false);
    for (const path of deleted) ctx.reporter.warning(`Retention (${config.backupRetentionPeriodInDays} days) deleted ${path}.`);
  } catch (err) {
    const message = err instanceof AzsError ? err.message : String(err);
    ctx.reporter.warning(`Retention was not applied: ${message}`);
    await appendLog(ctx.home, 'prune.log', { skipped: true, reason: message });
  }
}
