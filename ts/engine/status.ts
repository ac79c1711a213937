import { loadConfiguration } from '../config/store.js';
import { hasLocation } from '../config/types.js';
import { alignToClock, readScheduleState } from '../schedule/schedule-state.js';
import { backupLockPath, inspectBackupLock } from '../schedule/backup-lock.js';
import { judgeScheduler, readHeartbeat } from '../schedule/heartbeat.js';
import { scheduleHealthWarnings } from '../schedule/health.js';
import { statePaths } from '../util/state-dir.js';
import { join } from 'node:path';
import { formatCapacity } from '../catalog/azure-shape.js';
import { capacityOutlook } from '../catalog/capacity.js';
import type { EngineContext } from './context.js';
import { collectBackups } from './backups.js';
import { openConfiguredTarget } from './share.js';
import { RELAXED_SIGNING_WARNING } from './configuration.js';

const DAY = 86_400_000;

/**
 * Get-AzsBackupStatus: the portal's Essentials blade in one object. It never fails because the
 * share is down; that becomes one of its warnings, which is the point of asking.
 */
export async function backupStatus(ctx: EngineContext): Promise<Record<string, unknown>> {
  const config = await loadConfiguration(ctx.home);
  const schedule = alignToClock(await readScheduleState(ctx.home), ctx.now());
  const now = ctx.now();
  const warnings: string[] = [];
  const cert = config.encryption.mode === 'certificate' ? config.encryption.certificates[0] : undefined;

  let capacity: number | null = null;
  let finished: Awaited<ReturnType<typeof collectBackups>> | null = null;
  let last: Awaited<ReturnType<typeof collectBackups>>[number] | undefined;
  const sizes: number[] = [];
  if (!hasLocation(config)) warnings.push('No backup location is configured: no backups are being made.');
  else {
    try {
      const target = await openConfiguredTarget(ctx.home, config);
      try {
        capacity = (await target.capacity())?.freeBytes ?? null;
        const backups = await collectBackups(ctx, config, target);
        finished = backups.filter((b) => b.status !== 'Running');
        last = finished[0];
        for (const b of backups) if (b.info) sizes.push(b.info.storedBytes);
        for (const b of backups) if (b.problem) warnings.push(b.problem);
      } finally {
        await target.close();
      }
    } catch (err) {
      warnings.push(`The backup location is unreachable: ${(err as Error).message}`);
    }
  }
  const outlook = capacityOutlook(sizes, config.backupRetentionPeriodInDays, config.backupFrequencyInHours, capacity);
  if (outlook.warning) warnings.push(outlook.warning);
  if (config.encryption.mode === 'none') warnings.push('No encryption certificate is configured: backups are refused until one is.');
  if (config.encryption.mode === 'key') warnings.push('Backups use a deprecated encryption key: configure a certificate with -EncryptionCertPath.');
  if (cert) {
    const left = Date.parse(cert.notAfter) - now.getTime();
    if (left <= 0) warnings.push(`The encryption certificate ${cert.thumbprint} expired on ${cert.notAfter}.`);
    else if (left < 30 * DAY) warnings.push(`The encryption certificate ${cert.thumbprint} expires on ${cert.notAfter}, in ${Math.ceil(left / DAY)} day(s): rotate it.`);
  }
  if (last && last.status === 'Failed') warnings.push(`The last backup (${last.backupId}) failed${last.error ? `: ${last.error}` : '.'}`);
  if (!config.isBackupSchedulerEnabled && hasLocation(config)) warnings.push('Automatic backups are disabled.');
  if (config.smbSigning === 'Relaxed' && hasLocation(config)) warnings.push(RELAXED_SIGNING_WARNING);
  warnings.push(
    ...scheduleHealthWarnings({
      now,
      configured: Boolean(hasLocation(config)),
      enabled: config.isBackupSchedulerEnabled,
      frequencyInHours: config.backupFrequencyInHours,
      schedule,
      scheduler: judgeScheduler(await readHeartbeat(ctx.home), now),
      lock: await inspectBackupLock(ctx.home),
      lockFile: backupLockPath(ctx.home),
      schedulerLog: join(statePaths(ctx.home).logs, 'scheduler.log'),
      backups: finished?.map((b) => ({ backupId: b.backupId, status: b.status, createdDateTime: b.createdDateTime, roleStatus: b.info?.roleStatus })) ?? null,
    }),
  );

  return {
    Location: config.location,
    Path: config.path,
    BlobStorageUrl: config.blobStorageUrl,
    IsBackupSchedulerEnabled: config.isBackupSchedulerEnabled,
    BackupFrequencyInHours: config.backupFrequencyInHours,
    BackupRetentionPeriodInDays: config.backupRetentionPeriodInDays,
    NextBackupTime: schedule.nextBackupTime,
    LastBackupTime: schedule.lastBackupTime,
    LastBackupId: last?.backupId ?? null,
    LastBackupStatus: last?.status ?? null,
    LastBackupDuration: last?.info?.timeTakenToCreate ?? null,
    AvailableCapacity: capacity === null ? null : formatCapacity(capacity),
    EncryptionMode: config.encryption.mode,
    EncryptionCertThumbprint: cert?.thumbprint ?? null,
    EncryptionCertExpiry: cert?.notAfter ?? null,
    Roles: config.roles.map((r) => r.name),
    AvailableCapacityInBytes: capacity,
    BackupCount: sizes.length,
    UsedSpaceInBytes: outlook.usedBytes,
    AverageBackupSizeInBytes: outlook.averageBytes,
    BackupsInRetentionWindow: outlook.backupsInWindow,
    ProjectedSpaceNeededInBytes: outlook.projectedBytes,
    Warnings: warnings,
  };
}
