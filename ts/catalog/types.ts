/** The Azure Stack OperationStatus values, spelled exactly as the service does. */
export const OPERATION_STATUSES = [
  'Creating',
  'Queued',
  'Running',
  'Deleted',
  'Failed',
  'PartialSucceeded',
  'Succeeded',
  // Added by the 2021-09-01 API; listed so values of that API round-trip.
  'Skipped',
] as const;
export type OperationStatus = (typeof OPERATION_STATUSES)[number];

export interface RoleStatus {
  roleName: string;
  status: OperationStatus;
  /** Why a role did not succeed (changed file, unreadable file, ...); absent when it did. */
  message?: string;
}

export interface VolumeRecord {
  /** File name inside the backup folder, e.g. KeyVault.000.azsb */
  file: string;
  role: string;
  index: number;
  /** Size and SHA-256 of the encrypted file as stored on the share. */
  size: number;
  sha256: string;
}

/**
 * The plaintext metadata file written last into each backup folder (BackupInfo.json), in the
 * spirit of Azure Stack's backup info: enough to list, prune and pick the right .pfx without
 * decrypting anything. A folder without it is an incomplete upload.
 */
export interface BackupInfo {
  formatVersion: 1;
  backupId: string;
  /**
   * 1 + the highest sequence on the share when this backup started. Retention protects the
   * highest, so the newest backup is known without trusting any clock. Absent before 1.1.
   */
  sequence?: number;
  location: string;
  deploymentId: string;
  status: OperationStatus;
  roleStatus: RoleStatus[];
  createdDateTime: string;
  completedDateTime: string;
  /** ISO-8601 duration, e.g. PT6M35.345S */
  timeTakenToCreate: string;
  isAutomaticBackup: boolean;
  encryption: { mode: 'certificate' | 'key'; certificateThumbprints: string[]; keyId: string | null };
  sourceBytes: number;
  storedBytes: number;
  fileCount: number;
  volumes: VolumeRecord[];
  manifest: { file: string; size: number; sha256: string };
  backupDataVersion: string;
  stampVersion: string;
  oemVersion: string | null;
  engineVersion: string;
}
