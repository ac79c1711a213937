import { AzsError } from '../errors.js';
import { OPERATION_STATUSES, type BackupInfo } from './types.js';

/**
 * Parses a BackupInfo.json read from the share and checks the fields that listing, retention and
 * restore rely on. A file that fails here is a damaged backup, never an incomplete upload: the
 * volumes beside it may be whole, so nothing may treat it as disposable.
 */
export function parseBackupInfo(text: string, folderName: string): BackupInfo {
  const bad = (why: string, cause?: unknown): AzsError =>
    new AzsError('IntegrityFailed', `MASBackup/${folderName}/BackupInfo.json is damaged: ${why}.`, {
      target: `MASBackup/${folderName}`,
      remediation:
        'Nothing was deleted. Restore the file from the share\'s own snapshots or another copy, or, once you no longer need this backup, delete its folder by hand.',
      ...(cause === undefined ? {} : { cause }),
    });
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw bad(`not valid JSON (${err instanceof Error ? err.message : String(err)})`, err);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad('not a JSON object');
  const o = raw as Record<string, unknown>;
  if (typeof o.backupId !== 'string' || o.backupId.toLowerCase() !== folderName.toLowerCase()) {
    throw bad(`its backupId ${JSON.stringify(o.backupId)} does not name its folder`);
  }
  if (typeof o.status !== 'string' || !(OPERATION_STATUSES as readonly string[]).includes(o.status)) {
    throw bad(`status ${JSON.stringify(o.status)} is not an operation status`);
  }
  if (typeof o.createdDateTime !== 'string' || Number.isNaN(Date.parse(o.createdDateTime))) {
    throw bad('createdDateTime is not a time');
  }
  if (!Array.isArray(o.volumes)) throw bad('volumes is not a list');
  const manifest = o.manifest as Record<string, unknown> | undefined;
  if (typeof manifest !== 'object' || manifest === null || typeof manifest.file !== 'string' || typeof manifest.sha256 !== 'string') {
    throw bad('manifest is missing');
  }
  const encryption = o.encryption as Record<string, unknown> | undefined;
  if (typeof encryption !== 'object' || encryption === null || !Array.isArray(encryption.certificateThumbprints)) {
    throw bad('encryption is missing');
  }
  if (o.sequence !== undefined && (!Number.isSafeInteger(o.sequence) || (o.sequence as number) < 1)) {
    throw bad('sequence is not a positive whole number');
  }
  return raw as BackupInfo;
}
