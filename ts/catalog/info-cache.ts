import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../util/atomic-file.js';
import type { RemoteEntry } from '../storage/target.js';
import type { BackupInfo } from './types.js';

interface CachedInfo {
  size: number;
  modified: string;
  info: BackupInfo;
  /** Taken from the location's index rather than read from the file (location-index.ts). */
  indexed?: true;
}

interface CacheFile {
  version: 1;
  location: string;
  entries: Record<string, CachedInfo>;
}

/**
 * BackupInfo.json files already read from one backup location, so listing 100 backups reads only
 * the ones that are new or changed. An entry is used only while the file's size and modification
 * time in the current listing equal those it was read with: another host adding, rewriting or
 * deleting a backup changes the listing, and the entry is dropped or read again. The cache is a
 * speed-up only: a missing, damaged or foreign file means "read everything", never an error.
 */
export class InfoCache {
  private readonly seen = new Set<string>();
  private changed = false;

  private constructor(
    private readonly path: string,
    private readonly location: string,
    private readonly entries: Map<string, CachedInfo>,
  ) {}

  static async load(path: string, location: string): Promise<InfoCache> {
    let entries = new Map<string, CachedInfo>();
    try {
      const file = JSON.parse(await readFile(path, 'utf8')) as CacheFile;
      if (file.version === 1 && file.location === location && typeof file.entries === 'object' && file.entries !== null) {
        entries = new Map(Object.entries(file.entries));
      }
    } catch {
      // No cache yet, or one that cannot be trusted: start empty.
    }
    return new InfoCache(path, location, entries);
  }

  /**
   * The cached metadata for a backup whose BackupInfo.json is listed as `file`, if still valid.
   * Without `acceptIndexed`, what came from the location's index is not an answer: deletion
   * decisions rest only on files this host read.
   */
  get(backupId: string, file: RemoteEntry, acceptIndexed = true): BackupInfo | undefined {
    this.seen.add(backupId);
    const hit = this.entries.get(backupId);
    if (hit === undefined) return undefined;
    if (hit.size === file.size && hit.modified === file.modified.toISOString()) {
      if (hit.indexed && !acceptIndexed) return undefined;
      return hit.info;
    }
    this.entries.delete(backupId);
    this.changed = true;
    return undefined;
  }

  put(backupId: string, file: RemoteEntry, info: BackupInfo, from: 'file' | 'index' = 'file'): void {
    this.seen.add(backupId);
    this.entries.set(backupId, { size: file.size, modified: file.modified.toISOString(), info, ...(from === 'index' ? { indexed: true as const } : {}) });
    this.changed = true;
  }

  /** Writes the cache, without the backups this listing no longer showed. */
  async save(): Promise<void> {
    for (const id of [...this.entries.keys()]) {
      if (!this.seen.has(id)) {
        this.entries.delete(id);
        this.changed = true;
      }
    }
    if (!this.changed) return;
    const file: CacheFile = { version: 1, location: this.location, entries: Object.fromEntries(this.entries) };
    await writeFileAtomic(this.path, JSON.stringify(file), 0o600);
    this.changed = false;
  }
}
