import { loadConfiguration } from '../config/store.js';
import { hasLocation } from '../config/types.js';
import { readScheduleState } from '../schedule/schedule-state.js';
import { formatCapacity } from '../catalog/azure-shape.js';
import type { EngineContext } from './context.js';
import { collectBackups } from './backups.js';
import { openConfiguredTarget } from './share.js';

const DAY = 86_400_000;

/**
 * Get-AzsBackupStatus: the portal's Essentials blade in one object. It never fails because the
 * share is down; that becomes one of its warnings, which is the point of asking.
 */
export async function backupStatus(ctx: EngineContext): Promise<Record<string, unknown>> {
  const config = await loadConfiguration(ctx.home);
  const schedule = await readScheduleState(ctx.home);
  const now = ctx.now();
  const warnings: string[] = [];
  const cert = config.encryption.mode === 'certificate' ? config.encryption.certificates[0] : undefined;

  let capacity: number | null = null;
  let last: Awaited<ReturnType<typeof collectBackups>>[number] | undefined;
  if (!hasLocation(config)) warnings.push('No backup location is configured: no backups are being made.');
  else {
    try {
      const target = await openConfiguredTarget(ctx.home, config);
      try {
        capacity = (await target.capacity())?.freeBytes ?? null;
        last = (await collectBackups(ctx, config, target)).find((b) => b.status !== 'Running');
      } finally {
        await target.close();
      }
    } catch (err) {
      warnings.push(`The backup location is unreachable: ${(err as Error).message}`);
    }
  }
  if (config.encryption.mode === 'none') warnings.push('No encryption certificate is configured: backups are refused until one is.');
  if (config.encryption.mode === 'key') warnings.push('Backups use a deprecated encryption key: configure a certificate with -EncryptionCertPath.');
  if (cert) {
    const left = Date.parse(cert.notAfter) - now.getTime();
    if (left <= 0) warnings.push(`The encryption certificate ${cert.thumbprint} expired on ${cert.notAfter}.`);
    else if (left < 30 * DAY) warnings.push(`The encryption certificate ${cert.thumbprint} expires on ${cert.notAfter}, in ${Math.ceil(left / DAY)} day(s): rotate it.`);
  }
  if (last && last.status === 'Failed') warnings.push(`The last backup (${last.backupId}) failed.`);
  if (!config.isBackupSchedulerEnabled && hasLocation(config)) warnings.push('Automatic backups are disabled.');

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
    Warnings: warnings,
  };
}
