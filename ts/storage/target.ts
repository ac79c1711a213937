import type { Readable } from 'node:stream';

/** One entry of a directory listing on a backup location. */
export interface RemoteEntry {
  name: string;
  isDirectory: boolean;
  size: number;
  modified: Date;
}

export interface Capacity {
  freeBytes: number;
  totalBytes: number;
}

/**
 * The narrow interface every backup location implements: a local or mounted folder, a UNC path
 * through Samba's smbclient on Linux, or through the Windows redirector, or an Azure Blob
 * Storage container (folders are blob-name prefixes there). Paths given to these
 * methods are relative to the configured location and always use '/' separators.
 * Implementations translate their failures to AzsError share codes (storage/share-errors.ts).
 */
export interface StorageTarget {
  /** Human-readable location, never containing credentials. */
  readonly description: string;
  /**
   * True when upload() makes the file appear whole or not at all (blob storage commits a block
   * list): the uploader then needs no temporary name and rename.
   */
  readonly uploadsAreAtomic?: boolean;
  /** Creates the directory and its parents; no error if it exists. */
  ensureDirectory(relPath: string): Promise<void>;
  /** Copies a local (staging) file to relPath, replacing any file of that name. */
  upload(localFile: string, relPath: string): Promise<void>;
  /** Renames a file within the location; replaces the destination if it exists. */
  rename(fromRelPath: string, toRelPath: string): Promise<void>;
  /** Lists a directory; returns [] when it does not exist. */
  list(relPath: string): Promise<RemoteEntry[]>;
  /** Streams a file's content. */
  openRead(relPath: string): Promise<Readable>;
  /** Reads a small file whole (metadata, probes). */
  readFile(relPath: string): Promise<Buffer>;
  /** Writes a small file whole, atomically where the target allows (metadata, probes). */
  writeFile(relPath: string, data: Buffer): Promise<void>;
  /** Deletes a file; no error if it does not exist. */
  removeFile(relPath: string): Promise<void>;
  /** Deletes a directory and everything under it; no error if it does not exist. */
  removeDirectory(relPath: string): Promise<void>;
  /** Free and total space; null where the location has no such figure (blob storage). */
  capacity(): Promise<Capacity | null>;
  /** Releases connections or temporary credentials. */
  close(): Promise<void>;
}
