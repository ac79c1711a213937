/**
 * Where things live on the backup share. Everything this product writes is under MASBackup/,
 * the folder Azure Stack owns on the configured path; admins keep their own files elsewhere.
 */
export const ROOT = 'MASBackup';
export const INFO_FILE = 'BackupInfo.json';
export const MANIFEST_FILE = 'manifest.azsb';
export const CERTIFICATES_DIR = `${ROOT}/certificates`;
/** Every backup's BackupInfo.json in one file, a cache for hosts without their own (location-index.ts). */
export const INDEX_FILE = 'AzsBackupIndex.json';
export const LOCATION_INDEX = `${ROOT}/${INDEX_FILE}`;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isBackupId = (name: string): boolean => GUID.test(name);
export const backupFolder = (backupId: string): string => `${ROOT}/${backupId}`;
export const backupFile = (backupId: string, file: string): string => `${ROOT}/${backupId}/${file}`;
export const volumeFileName = (role: string, index: number): string => `${role}.${String(index).padStart(3, '0')}.azsb`;
export const certificateCopy = (thumbprint: string): string => `${CERTIFICATES_DIR}/${thumbprint}.cer`;

/** Accepts what Get-AzsBackup -Name accepts: the GUID, or region/GUID. */
export function parseBackupName(name: string): { location: string | null; backupId: string } | null {
  const parts = name.trim().split('/');
  const id = parts[parts.length - 1] ?? '';
  if (!isBackupId(id) || parts.length > 2) return null;
  return { location: parts.length === 2 ? (parts[0] ?? null) : null, backupId: id.toLowerCase() };
}
