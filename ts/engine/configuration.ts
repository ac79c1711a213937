import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { AzsError, invalidParameter } from '../errors.js';
import { loadConfiguration, saveConfiguration } from '../config/store.js';
import { type BackupConfiguration, DEFAULT_FREQUENCY_HOURS, DEFAULT_RETENTION_DAYS, hasLocation, type StoredCertificate } from '../config/types.js';
import { loadMachineKey, seal } from '../config/seal.js';
import { validateFrequency, validateLocationName, validateRetention } from '../config/validate.js';
import { isValidLegacyKey } from '../crypto/index.js';
import { toBackupLocation } from '../catalog/azure-shape.js';
import { ROOT } from '../catalog/layout.js';
import { parseBlobUrl } from '../storage/blob-url.js';
import { parseBackupPath, parseUserName } from '../storage/unc.js';
import { SMB_SIGNING_POLICIES } from '../storage/smbclient.js';
import { statePaths } from '../util/state-dir.js';
import {
  onDisabled,
  onEnabled,
  onFrequencyChanged,
  readScheduleState,
  alignToClock,
  writeScheduleState,
} from '../schedule/schedule-state.js';
import type { EngineContext } from './context.js';
import { openConfiguredTarget } from './share.js';
import { applyRetention } from './prune.js';

export interface ConfigurationUpdate {
  location?: string | undefined;
  path?: string | undefined;
  userName?: string | undefined;
  password?: string | undefined;
  /** Container URL; a query string on it is a SAS and is sealed apart from the URL. */
  blobStorageUrl?: string | undefined;
  blobStorageKey?: string | undefined;
  backupFrequencyInHours?: number | undefined;
  backupRetentionPeriodInDays?: number | undefined;
  isBackupSchedulerEnabled?: boolean | undefined;
  encryptionCertPath?: string | undefined;
  encryptionKey?: string | undefined;
  stagingPath?: string | undefined;
  volumeSizeMiB?: number | undefined;
  /** 'Required' or 'Relaxed' (any case). */
  smbSigning?: string | undefined;
  /** NAME=VALUE pairs; replaces the tags, as -Tag does. */
  tags?: string[] | undefined;
  /** Create the location folder and its missing parents (-Force) instead of failing on them. */
  createPath?: boolean | undefined;
}

export const RELAXED_SIGNING_WARNING =
  'SMB signing is relaxed: sessions the file server does not sign are accepted, so an attacker on the network path can read or alter backup traffic and the share listing. Use this only for an old server that cannot sign, and return to Set-AzsBackupConfiguration -SmbSigning Required once it can.';

/** Capacity of the share for AvailableCapacity; an unreachable share shows as unknown, not an error. */
async function shareCapacity(ctx: EngineContext, config: BackupConfiguration): Promise<number | null> {
  if (!hasLocation(config)) return null;
  try {
    const target = await openConfiguredTarget(ctx.home, config);
    try {
      return (await target.capacity())?.freeBytes ?? null;
    } finally {
      await target.close();
    }
  } catch (err) {
    ctx.reporter.warning(`The backup location cannot be reached: ${(err as Error).message}`);
    return null;
  }
}

export async function describeLocation(ctx: EngineContext, config: BackupConfiguration, withCapacity = true): Promise<Record<string, unknown>> {
  const schedule = alignToClock(await readScheduleState(ctx.home), ctx.now());
  const capacity = withCapacity ? await shareCapacity(ctx, config) : null;
  // Disabling keeps the schedule (the seed: "will retain the backup schedule"), so the next slot
  // stays visible beside IsBackupSchedulerEnabled = False, and enabling resumes on it.
  return toBackupLocation(config, { nextBackupTime: schedule.nextBackupTime, lastBackupTime: schedule.lastBackupTime }, capacity);
}

/** Get-AzsBackupConfiguration: the BackupLocation as the provider would return it. */
export async function getBackupLocation(ctx: EngineContext): Promise<Record<string, unknown>> {
  return describeLocation(ctx, await loadConfiguration(ctx.home));
}

async function readCertificate(path: string, now: Date) {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new AzsError('CertificateInvalid', `The specified encryption cert ${path} does not exist or cannot be read.`, {
      target: 'EncryptionCertPath',
      cause: err,
      remediation: 'Pass the path of the .cer file that holds the public key of the backup encryption certificate.',
    });
  }
  // Loaded on demand: it brings node-forge, which only certificate changes need.
  const { parseEncryptionCertificate } = await import('../crypto/certificate.js');
  return parseEncryptionCertificate(bytes, now);
}

/**
 * Set-AzsBackupConfiguration: only what is passed changes. Everything is validated, and a new
 * share or credential is tried, before anything is saved: a failed call leaves the previous
 * configuration exactly as it was.
 */
export async function setBackupLocation(ctx: EngineContext, update: ConfigurationUpdate): Promise<Record<string, unknown>> {
  const before = await loadConfiguration(ctx.home);
  const next: BackupConfiguration = structuredClone(before);
  const machineKey = await loadMachineKey(statePaths(ctx.home).machineKey);
  const now = ctx.now();
  const certificateWarnings: string[] = [];

  if (update.location !== undefined) next.location = validateLocationName(update.location);
  applyLocationUpdate(next, update, machineKey);
  if (update.userName !== undefined) {
    parseUserName(update.userName);
    next.userName = update.userName;
  }
  if (update.password !== undefined) next.password = update.password === '' ? null : seal(machineKey, update.password);
  if (update.backupFrequencyInHours !== undefined) next.backupFrequencyInHours = validateFrequency(update.backupFrequencyInHours);
  if (update.backupRetentionPeriodInDays !== undefined) next.backupRetentionPeriodInDays = validateRetention(update.backupRetentionPeriodInDays);
  if (update.stagingPath !== undefined) next.stagingPath = update.stagingPath === '' ? null : update.stagingPath;
  if (update.volumeSizeMiB !== undefined) {
    if (!Number.isInteger(update.volumeSizeMiB) || update.volumeSizeMiB < 1 || update.volumeSizeMiB > 4096) {
      throw invalidParameter('VolumeSizeMiB', update.volumeSizeMiB, 'a whole number of MiB from 1 to 4096');
    }
    next.volumeSizeBytes = update.volumeSizeMiB * 1024 * 1024;
  }

  if (update.smbSigning !== undefined) {
    const policy = SMB_SIGNING_POLICIES.find((p) => p.toLowerCase() === update.smbSigning?.trim().toLowerCase());
    if (policy === undefined) throw invalidParameter('SmbSigning', update.smbSigning, `'Required' (the default) or 'Relaxed'`);
    next.smbSigning = policy;
    if (policy === 'Relaxed') ctx.reporter.warning(RELAXED_SIGNING_WARNING);
  }

  if (update.tags !== undefined && update.tags.length > 0) {
    const tags: Record<string, string> = {};
    for (const pair of update.tags) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw invalidParameter('Tag', pair, 'NAME=VALUE pairs');
      tags[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    next.tags = tags;
  }
  if (update.encryptionCertPath !== undefined && update.encryptionKey !== undefined) {
    throw new AzsError('InvalidParameter', 'Pass either -EncryptionCertPath or -EncryptionKey, not both.', { target: 'EncryptionKey' });
  }
  if (update.encryptionCertPath !== undefined) {
    const cert = await readCertificate(update.encryptionCertPath, now);
    // Said once: when this certificate becomes the current one, and only after the change is saved.
    if (before.encryption.certificates[0]?.thumbprint !== cert.thumbprint || before.encryption.mode !== 'certificate') {
      for (const w of cert.warnings) certificateWarnings.push(`Encryption certificate ${cert.thumbprint}: ${w}`);
    }
    const stored: StoredCertificate = {
      thumbprint: cert.thumbprint,
      subject: cert.subject,
      notBefore: cert.notBefore.toISOString(),
      notAfter: cert.notAfter.toISOString(),
      pem: cert.pem,
      configuredAt: now.toISOString(),
    };
    next.encryption.certificates = [stored, ...next.encryption.certificates.filter((c) => c.thumbprint !== stored.thumbprint)];
    next.encryption.mode = 'certificate';
    next.encryption.certificateEverConfigured = true;
  }
  if (update.encryptionKey !== undefined) {
    if (before.encryption.certificateEverConfigured) {
      throw new AzsError('EncryptionKeyModeClosed', 'An encryption key can no longer be set: this backup location has been switched to certificate encryption, and that switch is one-way.', {
        target: 'EncryptionKey',
        remediation: 'Use -EncryptionCertPath with the .cer of the backup encryption certificate. Backups made with the old key stay restorable with that key.',
      });
    }
    if (!isValidLegacyKey(update.encryptionKey)) {
      throw new AzsError('InvalidParameter', 'The encryption key is not valid: expected the Base64 string New-AzsEncryptionKeyBase64 produces.', {
        target: 'EncryptionKey',
        remediation: 'Generate one with New-AzsEncryptionKeyBase64, or better, configure a certificate with -EncryptionCertPath.',
      });
    }
    ctx.reporter.warning('Encryption keys are deprecated: configure a certificate with -EncryptionCertPath. Switching to a certificate is one-way.');
    next.encryption.legacyKey = seal(machineKey, update.encryptionKey);
    next.encryption.mode = 'key';
  }

  // Backups are scheduled as soon as backup is configured, unless the caller says otherwise.
  const firstConfiguration = !hasLocation(before) && hasLocation(next);
  if (update.isBackupSchedulerEnabled !== undefined) next.isBackupSchedulerEnabled = update.isBackupSchedulerEnabled;
  else if (firstConfiguration) next.isBackupSchedulerEnabled = true;

  const locationChanged =
    next.path !== before.path ||
    next.userName !== before.userName ||
    update.password !== undefined ||
    next.smbSigning !== before.smbSigning ||
    next.blobStorageUrl !== before.blobStorageUrl ||
    update.blobStorageKey !== undefined ||
    next.blobStorageSas?.sealed !== before.blobStorageSas?.sealed;
  if ((locationChanged || update.createPath) && hasLocation(next)) await probeLocation(ctx, next, Boolean(update.createPath));

  await saveConfiguration(ctx.home, next);
  for (const w of certificateWarnings) ctx.reporter.warning(w);
  await updateSchedule(ctx, before, next, now);
  // A shorter retention deletes what is now too old at once, as the portal warns it will.
  if (hasLocation(next) && next.backupRetentionPeriodInDays < before.backupRetentionPeriodInDays) {
    const target = await openConfiguredTarget(ctx.home, next);
    try {
      await applyRetention(ctx, next, target);
    } finally {
      await target.close();
    }
  }
  return describeLocation(ctx, next);
}

/**
 * The location fields of an update. A location is a share (or folder) or a blob container, never
 * both: naming one clears the other's settings. A SAS and an account key are alternatives too.
 */
function applyLocationUpdate(next: BackupConfiguration, update: ConfigurationUpdate, machineKey: Buffer): void {
  const blobGiven = update.blobStorageUrl !== undefined || update.blobStorageKey !== undefined;
  const shareGiven = update.path !== undefined || update.userName !== undefined || update.password !== undefined;
  if (blobGiven && shareGiven) {
    throw new AzsError('InvalidParameter', 'Pass either the file share parameters (-Path, -UserName, -Password) or the blob parameters (-BlobStorageUrl, -BlobStorageKey), not both.', {
      target: update.blobStorageUrl !== undefined ? 'BlobStorageUrl' : 'BlobStorageKey',
      remediation: 'A backup location is one share or one blob container: run the command with one of the two sets.',
    });
  }
  if (update.path !== undefined) {
    parseBackupPath(update.path);
    next.path = update.path;
    next.blobStorageUrl = null;
    next.blobStorageKey = null;
    next.blobStorageSas = null;
  }
  if (update.userName !== undefined) {
    parseUserName(update.userName);
    next.userName = update.userName;
  }
  if (update.password !== undefined) next.password = update.password === '' ? null : seal(machineKey, update.password);

  if (update.blobStorageUrl !== undefined) {
    const location = parseBlobUrl(update.blobStorageUrl);
    if (location.sas !== null && update.blobStorageKey !== undefined && update.blobStorageKey !== '') {
      throw new AzsError('InvalidParameter', 'Pass either a BlobStorageUrl carrying a SAS or a BlobStorageKey, not both.', {
        target: 'BlobStorageKey',
        remediation: 'Drop -BlobStorageKey to authenticate with the SAS, or drop the SAS from -BlobStorageUrl to use the account key.',
      });
    }
    next.blobStorageUrl = location.display;
    // A SAS belongs to the URL it came with; a new URL without one keeps the account key.
    next.blobStorageSas = location.sas === null ? null : seal(machineKey, location.sas);
    if (location.sas !== null) next.blobStorageKey = null;
    next.path = null;
    next.userName = null;
    next.password = null;
  }
  if (update.blobStorageKey !== undefined) {
    if (!next.blobStorageUrl) {
      throw new AzsError('InvalidParameter', 'BlobStorageKey was given but no blob location is configured.', {
        target: 'BlobStorageKey',
        remediation: 'Pass -BlobStorageUrl with the container URL together with -BlobStorageKey.',
      });
    }
    if (update.blobStorageKey === '') next.blobStorageKey = null;
    else {
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(update.blobStorageKey)) {
        throw new AzsError('InvalidParameter', 'BlobStorageKey is not valid: a storage account key is a Base64 string.', {
          target: 'BlobStorageKey',
          remediation: "Copy key1 or key2 from the storage account's access keys and pass it with -BlobStorageKey.",
        });
      }
      next.blobStorageKey = seal(machineKey, update.blobStorageKey);
      next.blobStorageSas = null;
    }
  }
}

/**
 * Proves the location is reachable and writable with these credentials before they are saved:
 * a probe file is written and deleted (creating a folder proves nothing on blob storage).
 */
async function probeLocation(ctx: EngineContext, config: BackupConfiguration, createPath: boolean): Promise<void> {
  const target = await openConfiguredTarget(ctx.home, config);
  try {
    if (createPath) await target.createLocation?.();
    await target.ensureDirectory(ROOT);
    const probe = `${ROOT}/.azsb-probe-${randomBytes(6).toString('hex')}`;
    await target.writeFile(probe, Buffer.from('AzsBackup write probe\n'));
    await target.removeFile(probe);
    await target.capacity();
  } finally {
    await target.close();
  }
}

/**
 * Clear-AzsBackupConfiguration: the location and its credentials are forgotten, automatic
 * backups stop, and frequency and retention return to 12 h and 7 days. Backups already made stay
 * where they are; the encryption certificate and the roles stay configured.
 */
export async function clearBackupLocation(ctx: EngineContext): Promise<Record<string, unknown>> {
  const before = await loadConfiguration(ctx.home);
  const next: BackupConfiguration = {
    ...structuredClone(before),
    path: null,
    userName: null,
    password: null,
    blobStorageUrl: null,
    blobStorageKey: null,
    blobStorageSas: null,
    isBackupSchedulerEnabled: false,
    backupFrequencyInHours: DEFAULT_FREQUENCY_HOURS,
    backupRetentionPeriodInDays: DEFAULT_RETENTION_DAYS,
  };
  await saveConfiguration(ctx.home, next);
  await updateSchedule(ctx, before, next, ctx.now());
  return describeLocation(ctx, next);
}

async function updateSchedule(ctx: EngineContext, before: BackupConfiguration, after: BackupConfiguration, now: Date): Promise<void> {
  let state = await readScheduleState(ctx.home);
  const original = JSON.stringify(state);
  if (after.isBackupSchedulerEnabled && !before.isBackupSchedulerEnabled) state = onEnabled(state, after, now);
  if (!after.isBackupSchedulerEnabled && before.isBackupSchedulerEnabled) state = onDisabled(state, after, now);
  if (after.backupFrequencyInHours !== before.backupFrequencyInHours) state = onFrequencyChanged(state, after.backupFrequencyInHours, now);
  if (after.isBackupSchedulerEnabled && state.nextBackupTime === null) state = onEnabled(state, after, now);
  if (JSON.stringify(state) !== original) await writeScheduleState(ctx.home, state);
}

/** Enable-/Disable-AzsBackupSchedule: flips the flag only; every other setting and the schedule stay. */
export async function setScheduler(ctx: EngineContext, enabled: boolean): Promise<Record<string, unknown>> {
  return setBackupLocation(ctx, { isBackupSchedulerEnabled: enabled });
}
