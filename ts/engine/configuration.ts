import { readFile } from 'node:fs/promises';
import { AzsError, invalidParameter } from '../errors.js';
import { loadConfiguration, saveConfiguration } from '../config/store.js';
import type { BackupConfiguration, StoredCertificate } from '../config/types.js';
import { loadMachineKey, seal } from '../config/seal.js';
import { validateFrequency, validateLocationName, validateRetention } from '../config/validate.js';
import { isValidLegacyKey, parseEncryptionCertificate } from '../crypto/index.js';
import { toBackupLocation } from '../catalog/azure-shape.js';
import { ROOT } from '../catalog/layout.js';
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
  if (!config.path) return null;
  try {
    const target = await openConfiguredTarget(ctx.home, config);
    try {
      return (await target.capacity()).freeBytes;
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
  if (update.path !== undefined) {
    parseBackupPath(update.path);
    next.path = update.path;
  }
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
  const firstConfiguration = before.path === null && next.path !== null;
  if (update.isBackupSchedulerEnabled !== undefined) next.isBackupSchedulerEnabled = update.isBackupSchedulerEnabled;
  else if (firstConfiguration) next.isBackupSchedulerEnabled = true;

  const locationChanged = next.path !== before.path || next.userName !== before.userName || update.password !== undefined || next.smbSigning !== before.smbSigning;
  if ((locationChanged || update.createPath) && next.path) await probeLocation(ctx, next, Boolean(update.createPath));

  await saveConfiguration(ctx.home, next);
  for (const w of certificateWarnings) ctx.reporter.warning(w);
  await updateSchedule(ctx, before, next, now);
  // A shorter retention deletes what is now too old at once, as the portal warns it will.
  if (next.path && next.backupRetentionPeriodInDays < before.backupRetentionPeriodInDays) {
    const target = await openConfiguredTarget(ctx.home, next);
    try {
      await applyRetention(ctx, next, target);
    } finally {
      await target.close();
    }
  }
  return describeLocation(ctx, next);
}

/** Proves the share is reachable and writable with these credentials before they are saved. */
async function probeLocation(ctx: EngineContext, config: BackupConfiguration, createPath: boolean): Promise<void> {
  const target = await openConfiguredTarget(ctx.home, config);
  try {
    if (createPath) await target.createLocation?.();
    await target.ensureDirectory(ROOT);
    await target.capacity();
  } finally {
    await target.close();
  }
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
