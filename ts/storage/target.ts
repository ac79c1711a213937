import type { AzsError } from '../errors.js';
import type { Readable } from 'node:stream';

/** One entry of a directory listing on a backup location. */
export interface RemoteEntry {
  name: string;
  isDirectory: boolean;
  size: number;
  modified: Date;
}

/** A folder and everything below it: relative folder path ('' for the folder itself) -> entries. */
export type RemoteTree = Map<string, RemoteEntry[]>;

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
  /** Creates the directory and its parents; no error if it exists. */
  ensureDirectory(relPath: string): Promise<void>;
  /**
   * Copies a local (staging) file to relPath, replacing any file of that name. The file appears
   * whole or not at all: a torn copy never sits under relPath (the engine relies on it).
   */
  upload(localFile: string, relPath: string): Promise<void>;
  /** Renames a file within the location; replaces the destination if it exists. */
  rename(fromRelPath: string, toRelPath: string): Promise<void>;
  /** Lists a directory; returns [] when it does not exist. */
  list(relPath: string): Promise<RemoteEntry[]>;
  /** Streams a file's content. */
  openRead(relPath: string): Promise<Readable>;
  /**
   * Optional: copies a file whole to a local path by other means than this process's thread (a
   * program of the operating system's SMB client writes it itself). Resolves once the local copy
   * is complete; rejects on any failure, or when the signal aborts it, leaving whatever was
   * written for the caller to remove.
   */
  download?(relPath: string, localFile: string, signal?: AbortSignal): Promise<void>;
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
  /**
   * Optional batch forms, for targets where each call costs a round trip (a new smbclient
   * session). storage/batch.ts falls back to list/readFile where a target has none.
   * listTree: the folder and every folder below it, in one listing; an empty map when relPath
   * does not exist. readFiles: several small files in one go, each mapped to its content, to null
   * when the target reports it does not exist, or to the error that kept it from being read; a
   * failure of the whole round trip (the share unreachable) rejects.
   */
  listTree?(relPath: string): Promise<RemoteTree>;
  readFiles?(relPaths: readonly string[]): Promise<Map<string, Buffer | null | AzsError>>;
  /**
   * Creates the configured location folder itself, with its missing parents. Only on request
   * (-Force): ensureDirectory never does, so a mistyped path fails instead of growing a tree.
   */
  createLocation?(): Promise<void>;
  /** Releases connections or temporary credentials. */
  close(): Promise<void>;
}
