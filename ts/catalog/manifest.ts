import type { OperationStatus, VolumeRecord } from './types.js';

/**
 * The encrypted manifest (manifest.azsb) is JSON Lines: one header line naming the roles, then
 * one line per file. Lines, not one document, so neither writing nor reading it holds every
 * file record in memory at once: a backup of a hundred thousand files stays flat.
 */
export interface ManifestRole {
  name: string;
  sourcePath: string;
  status: OperationStatus;
  volumes: VolumeRecord[];
  fileCount: number;
  inconsistent: string[];
  unreadable: string[];
}

export interface ManifestHeader {
  type: 'manifest';
  formatVersion: 1;
  backupId: string;
  roles: ManifestRole[];
}

export interface ManifestFileLine {
  type: 'file';
  role: string;
  path: string;
  size: number;
  mtime: string;
  sha256: string;
}
