import type { BackupConfiguration } from '../config/types.js';
import type { BackupInfo, OperationStatus } from './types.js';

/**
 * Shapes engine state into the objects Azure Stack's Microsoft.Backup.Admin provider returns,
 * property for property (PascalCase, flattened as both PowerShell module lines expose them), so
 * the module only has to add type names.
 */

const PROVIDER = 'Microsoft.Backup.Admin';

export function locationResourceId(config: Pick<BackupConfiguration, 'subscriptionId' | 'location'>): string {
  return `/subscriptions/${config.subscriptionId}/resourceGroups/System.${config.location}/providers/${PROVIDER}/backupLocations/${config.location}`;
}

export interface ScheduleView {
  nextBackupTime: string | null;
  lastBackupTime: string | null;
}

export function toBackupLocation(
  config: BackupConfiguration,
  schedule: ScheduleView,
  capacityBytes: number | null,
): Record<string, unknown> {
  const current = config.encryption.mode === 'certificate' ? config.encryption.certificates[0] : undefined;
  return {
    Id: locationResourceId(config),
    Name: config.location,
    Type: `${PROVIDER}/backupLocations`,
    Location: config.location,
    Tag: { ...config.tags },
    Path: config.path,
    UserName: config.userName,
    // Secrets never come back: the service answers with empty values and so do we.
    Password: '',
    // The URL without its SAS query; the key, like the password, never comes back.
    BlobStorageUrl: config.blobStorageUrl,
    BlobStorageKey: '',
    EncryptionCertBase64: '',
    EncryptionCertThumbprint: current?.thumbprint ?? null,
    BackupFrequencyInHours: config.backupFrequencyInHours,
    BackupRetentionPeriodInDays: config.backupRetentionPeriodInDays,
    IsBackupSchedulerEnabled: config.isBackupSchedulerEnabled,
    AvailableCapacity: capacityBytes === null ? null : formatCapacity(capacityBytes),
    NextBackupTime: schedule.nextBackupTime,
    LastBackupTime: schedule.lastBackupTime,
  };
}

export interface BackupRecord {
  backupId: string;
  status: OperationStatus;
  info: BackupInfo | null;
  createdDateTime: string;
  /** Set when the backup's metadata is present but unusable: the warning to show with it. */
  problem?: string;
  /** Why a backup failed, from the local catalog, for the status warning. */
  error?: string;
}

export function toAzureBackup(config: BackupConfiguration, record: BackupRecord): Record<string, unknown> {
  const info = record.info;
  const location = info?.location ?? config.location;
  // In the order of the module's Backup objects: ConvertTo-AzsBackupObject completes an object of
  // exactly this shape in place instead of rebuilding it.
  return {
    Id: `${locationResourceId({ subscriptionId: config.subscriptionId, location })}/backups/${record.backupId}`,
    Name: `${location}/${record.backupId}`,
    Type: `${PROVIDER}/backupLocations/backups`,
    Location: location,
    Tag: {},
    Tags: {},
    BackupId: record.backupId,
    BackupDataVersion: info?.backupDataVersion ?? null,
    Status: record.status,
    RoleStatus: (info?.roleStatus ?? []).map((r) => ({ RoleName: r.roleName, Status: r.status, Message: r.message ?? null })),
    CreatedDateTime: record.createdDateTime,
    TimeTakenToCreate: info?.timeTakenToCreate ?? null,
    DeploymentId: info?.deploymentId ?? config.deploymentId,
    StampVersion: info?.stampVersion ?? null,
    OemVersion: info?.oemVersion ?? null,
    IsCloudRecoveryReady: record.status === 'Succeeded',
    EncryptionCertThumbprint: info?.encryption.certificateThumbprints[0] ?? null,
    // Extra to the provider's shape: what the backup occupies on the share (volumes and
    // manifest) and the role data it holds; null until the backup has completed.
    SizeInBytes: info ? info.storedBytes : null,
    SourceSizeInBytes: info ? info.sourceBytes : null,
    CompletedDateTime: info?.completedDateTime ?? null,
  };
}

/** "29.6 TB", "0.99 TB", "60 GB": the display strings the portal and the REST API use. */
export function formatCapacity(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${Number(value.toFixed(digits))} ${units[unit]}`;
}

/** ISO-8601 duration as the service writes TimeTakenToCreate, e.g. PT6M35.345S. */
export function isoDuration(milliseconds: number): string {
  const totalSeconds = Math.max(0, milliseconds) / 1000;
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds - hours * 3600 - minutes * 60;
  const secText = Number(seconds.toFixed(3)).toString();
  return `PT${hours ? `${hours}H` : ''}${minutes ? `${minutes}M` : ''}${secText}S`;
}
