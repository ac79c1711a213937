import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-file.js';
import type { OperationStatus } from './types.js';

/**
 * The engine's own record of backups it started. The share is the truth for finished backups;
 * this catalog covers what the share cannot say: a backup still running, or one that failed
 * before (or while) reaching the share.
 */
export interface LocalBackupRecord {
  backupId: string;
  status: OperationStatus;
  createdDateTime: string;
  completedDateTime: string | null;
  isAutomaticBackup: boolean;
  pid: number;
  error: { code: string; message: string } | null;
}

const file = (dir: string, id: string) => join(dir, `${id}.json`);

export async function writeLocalRecord(dir: string, record: LocalBackupRecord): Promise<void> {
  await writeFileAtomic(file(dir, record.backupId), `${JSON.stringify(record, null, 2)}\n`);
}

export async function readLocalRecords(dir: string): Promise<LocalBackupRecord[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const records: LocalBackupRecord[] = [];
  for (const name of names.filter((n) => n.endsWith('.json'))) {
    try {
      records.push(JSON.parse(await readFile(join(dir, name), 'utf8')) as LocalBackupRecord);
    } catch {
      // A torn or foreign file is not a backup record; listing must not fail because of it.
    }
  }
  return records;
}

/**
 * Whether a record for this id exists, valid or not: a torn file still holds the id. One stat, so
 * a backup need not read every record kept to check that its new id is free.
 */
export async function hasLocalRecord(dir: string, backupId: string): Promise<boolean> {
  try {
    await stat(file(dir, backupId));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

export async function removeLocalRecord(dir: string, backupId: string): Promise<void> {
  await rm(file(dir, backupId), { force: true });
}
