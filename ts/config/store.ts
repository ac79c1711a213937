import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { AzsError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import { statePaths } from '../util/state-dir.js';
import { ensureStateDirectory } from '../util/state-dir-acl.js';
import {
  type BackupConfiguration,
  DEFAULT_FREQUENCY_HOURS,
  DEFAULT_RETENTION_DAYS,
  DEFAULT_VOLUME_SIZE,
} from './types.js';

export function defaultConfiguration(): BackupConfiguration {
  return {
    schemaVersion: 1,
    location: 'local',
    subscriptionId: randomUUID(),
    deploymentId: randomUUID(),
    path: null,
    userName: null,
    password: null,
    blobStorageUrl: null,
    blobStorageKey: null,
    blobStorageSas: null,
    backupFrequencyInHours: DEFAULT_FREQUENCY_HOURS,
    backupRetentionPeriodInDays: DEFAULT_RETENTION_DAYS,
    isBackupSchedulerEnabled: false,
    encryption: { mode: 'none', certificates: [], legacyKey: null, certificateEverConfigured: false },
    roles: [],
    tags: {},
    stagingPath: null,
    volumeSizeBytes: DEFAULT_VOLUME_SIZE,
    smbSigning: 'Required',
  };
}

/**
 * Loads config.json. The first load writes the defaults, so the deployment and subscription ids
 * that name every resource stay stable from the first call on.
 */
export async function loadConfiguration(home: string): Promise<BackupConfiguration> {
  const file = statePaths(home).config;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const fresh = defaultConfiguration();
    await saveConfiguration(home, fresh);
    return fresh;
  }
  let raw: Partial<BackupConfiguration> & Record<string, unknown>;
  try {
    raw = JSON.parse(text) as typeof raw;
  } catch (err) {
    throw new AzsError('ConfigurationCorrupt', `The configuration file ${file} is not valid JSON.`, {
      target: file,
      cause: err,
      remediation: 'Restore the file from a copy or delete it and configure the backup location again.',
    });
  }
  const base = defaultConfiguration();
  const merged: BackupConfiguration = {
    ...base,
    ...raw,
    encryption: { ...base.encryption, ...(raw.encryption ?? {}) },
    roles: Array.isArray(raw.roles) ? raw.roles : [],
    schemaVersion: 1,
  };
  // Settings written before automatic backups existed come up with them off until an admin
  // enables them, so they cannot collide with an external scheduler still in place.
  if (typeof raw.isBackupSchedulerEnabled !== 'boolean') merged.isBackupSchedulerEnabled = false;
  // Only an explicit, valid 'Relaxed' turns signing off; anything else (older files, damage) requires it.
  if (merged.smbSigning !== 'Relaxed') merged.smbSigning = 'Required';
  return merged;
}

export async function saveConfiguration(home: string, config: BackupConfiguration): Promise<void> {
  // The first write on a new machine creates the state directory: readable by the service's
  // accounts only (SYSTEM and Administrators on Windows).
  await ensureStateDirectory(home);
  await writeFileAtomic(statePaths(home).config, `${JSON.stringify(config, null, 2)}\n`, 0o600);
}
