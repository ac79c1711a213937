/** Persisted configuration of the backup location (config.json in the state directory). */

export interface RoleSource {
  /** Infrastructure role name, e.g. KeyVault, NRP, WAS. */
  name: string;
  /** Absolute path of the local directory holding the role's data. */
  path: string;
}

export interface StoredCertificate {
  /** Upper-case hex SHA-1 of the DER certificate, as Windows shows it. */
  thumbprint: string;
  subject: string;
  notBefore: string;
  notAfter: string;
  /** PEM of the public certificate: not secret; needed to encrypt every new backup. */
  pem: string;
  /** When this certificate was configured. */
  configuredAt: string;
}

/** A secret sealed with the machine key (config/seal.ts); never plain text on disk. */
export interface SealedSecret {
  sealed: string;
}

export interface BackupConfiguration {
  schemaVersion: 1;
  /** Region / location name; the ARM-style resource names derive from it. */
  location: string;
  /** Stands in for the Default Provider Subscription in the ARM-shaped resource ids. */
  subscriptionId: string;
  deploymentId: string;
  path: string | null;
  userName: string | null;
  password: SealedSecret | null;
  /**
   * An Azure Blob Storage location instead of a share: the container URL (and folder) without its
   * query. Exactly one of path and blobStorageUrl is set once a location is configured.
   */
  blobStorageUrl: string | null;
  /** The storage account key, sealed. */
  blobStorageKey: SealedSecret | null;
  /** The SAS query string of the URL the admin gave, sealed (a SAS is a bearer secret). */
  blobStorageSas: SealedSecret | null;
  backupFrequencyInHours: number;
  backupRetentionPeriodInDays: number;
  /** A configuration written before the flag existed loads as false (the seed's 1807 rule). */
  isBackupSchedulerEnabled: boolean;
  encryption: {
    /** 'none' until an admin configures a certificate or (legacy) a key. */
    mode: 'none' | 'certificate' | 'key';
    /** Current certificate first; older ones kept for the record of rotations. */
    certificates: StoredCertificate[];
    legacyKey: SealedSecret | null;
    /** Set the first time a certificate is configured; the key mode can never come back. */
    certificateEverConfigured: boolean;
  };
  roles: RoleSource[];
  /** Resource tags, echoed as Tag like the provider does. */
  tags: Record<string, string>;
  /** Local staging cache; defaults to <state>/staging. */
  stagingPath: string | null;
  volumeSizeBytes: number;
  /**
   * SMB signing on UNC paths reached through smbclient: 'Required' unless an admin relaxed it
   * for an old server (Set-AzsBackupConfiguration -SmbSigning Relaxed). Windows' SMB redirector
   * follows the OS policy instead (docs/CLI.md).
   */
  smbSigning: 'Required' | 'Relaxed';
}

/** True when a backup location (share, folder or blob container) is configured. */
export function hasLocation(config: Pick<BackupConfiguration, 'path' | 'blobStorageUrl'>): boolean {
  return Boolean(config.path) || Boolean(config.blobStorageUrl);
}

export const DEFAULT_FREQUENCY_HOURS = 12;
export const DEFAULT_RETENTION_DAYS = 7;
export const FREQUENCY_RANGE = { min: 4, max: 12 } as const;
export const RETENTION_RANGE = { min: 2, max: 14 } as const;
export const DEFAULT_VOLUME_SIZE = 256 * 1024 * 1024;
