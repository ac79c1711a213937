import { parseBackupInfo } from './backup-info.js';
import type { BackupInfo } from './types.js';
import type { RemoteEntry } from '../storage/target.js';

const FORMAT = 'azsbackup-location-index';

interface IndexEntry {
  /** Size and modification time of the folder's BackupInfo.json, as a listing showed them. */
  size: number;
  modified: string;
  info: unknown;
}

interface IndexFile {
  format: typeof FORMAT;
  version: 1;
  entries: Record<string, IndexEntry>;
}

export interface IndexedBackup {
  backupId: string;
  /** The folder's BackupInfo.json as the listing that read it showed it. */
  file: RemoteEntry;
  info: BackupInfo;
}

/**
 * Every backup's BackupInfo.json in one file at the top of the backup location
 * (MASBackup/AzsBackupIndex.json), so that a host without a local cache (a new admin workstation,
 * the service account's own state directory) lists 100 backups with one read instead of 100.
 *
 * It is a cache written by the hosts that prune, and trusted less than the local one:
 * - an entry is used only while the folder's BackupInfo.json is listed with the size and time
 *   the entry was made from, so a backup added, deleted or rewritten elsewhere is read again;
 * - its content passes the same checks as the file itself (parseBackupInfo);
 * - deletion decisions never take from it: prune and a backup's retention pass read the files
 *   (or their own local cache), and they are what write it;
 * - a missing, torn, foreign or newer-format index is no index: everything is read.
 */
export class LocationIndex {
  private constructor(private readonly entries: Map<string, IndexEntry>) {}

  /** Never throws: anything that is not an index this version wrote is an empty one. */
  static parse(data: Buffer | null): LocationIndex {
    const entries = new Map<string, IndexEntry>();
    if (data === null) return new LocationIndex(entries);
    try {
      const file = JSON.parse(data.toString('utf8')) as Partial<IndexFile>;
      if (file.format === FORMAT && file.version === 1 && typeof file.entries === 'object' && file.entries !== null && !Array.isArray(file.entries)) {
        for (const [id, entry] of Object.entries(file.entries)) {
          if (typeof entry === 'object' && entry !== null && typeof entry.size === 'number' && typeof entry.modified === 'string') {
            entries.set(id.toLowerCase(), entry);
          }
        }
      }
    } catch {
      // Torn by a write that was interrupted, or not ours: read the files instead.
    }
    return new LocationIndex(entries);
  }

  static serialize(backups: readonly IndexedBackup[]): Buffer {
    const entries: Record<string, IndexEntry> = {};
    for (const b of backups) entries[b.backupId] = { size: b.file.size, modified: b.file.modified.toISOString(), info: b.info };
    const file: IndexFile = { format: FORMAT, version: 1, entries };
    return Buffer.from(JSON.stringify(file));
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * The metadata of the backup in folder `folderName`, whose BackupInfo.json the current listing
   * shows as `file`; undefined when the index has no entry for it, the entry was made from a
   * different version of the file, or the entry would not pass as the file itself.
   */
  lookup(folderName: string, file: RemoteEntry): BackupInfo | undefined {
    const entry = this.entries.get(folderName.toLowerCase());
    if (entry === undefined || entry.size !== file.size || entry.modified !== file.modified.toISOString()) return undefined;
    try {
      return parseBackupInfo(JSON.stringify(entry.info), folderName);
    } catch {
      return undefined;
    }
  }
}
