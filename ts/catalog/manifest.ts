import type { OperationStatus, VolumeRecord } from './types.js';

/** The encrypted manifest (manifest.azsb): what each role held, file by file, with SHA-256. */
export interface ManifestFile {
  path: string;
  size: number;
  mtime: string;
  sha256: string;
}

export interface ManifestRole {
  name: string;
  sourcePath: string;
  status: OperationStatus;
  volumes: VolumeRecord[];
  files: ManifestFile[];
  inconsistent: string[];
  unreadable: string[];
}

export interface Manifest {
  formatVersion: 1;
  backupId: string;
  roles: ManifestRole[];
}
