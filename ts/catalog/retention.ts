/**
 * Pure selection of what pruning deletes from the share. The same function answers the dry run
 * and the real prune, so `-OperationType DryRun` lists exactly what the default operation deletes.
 *
 * Ages are judged against the caller's `now`; the caller must have checked the share's clock
 * against ours first (clock-check.ts), because a wrong clock here deletes good backups.
 */
import { RETENTION_RANGE } from '../config/types.js';
import { AzsError, invalidParameter } from '../errors.js';
import { isTempSiblingName } from '../storage/local.js';
import type { OperationStatus } from './types.js';

const DAY_MS = 86_400_000;
export const DEFAULT_INCOMPLETE_GRACE_MS = DAY_MS;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CERT_COPY = /^([0-9a-f]{40})\.cer$/i;

/** One backup folder under MASBackup, as the catalog read it from the share. */
export interface ShareBackupEntry {
  folderName: string;
  /** From the metadata when complete; the folder name otherwise. Must equal folderName. */
  backupId: string;
  /** The final metadata (BackupInfo.json) exists: the upload finished. */
  complete: boolean;
  /** From the metadata; null for an incomplete upload. */
  status: OperationStatus | null;
  /** From the metadata; for an incomplete upload, the folder's time on the share. */
  createdDateTime: string | Date;
  /** Newest modification seen inside the folder: an upload still writing is younger than its start. */
  lastModified?: string | Date;
  /** From the metadata: counted up by each backup, so it orders backups without any clock. */
  sequence?: number;
  /** From the metadata; undefined means the caller does not know (certificates are then kept). */
  certificateThumbprints?: string[];
}

export interface RetentionOptions {
  /** BackupRetentionPeriodInDays, 2..14. */
  retentionDays: number;
  now: Date;
  /**
   * An incomplete folder younger than this may be an upload in progress (here or, in a shared
   * share, from a process we cannot see), so it is left alone. Default 24 h.
   */
  incompleteGraceMs?: number;
  /** The backup currently holding the backup lock, if any: its folder is never selected. */
  runningBackupId?: string | null;
}

export interface BackupDeletion {
  kind: 'backup';
  folderName: string;
  backupId: string;
  reason: 'Expired' | 'IncompleteUpload';
  /** Human sentence for the deletion log. */
  detail: string;
}

export interface CertificateDeletion {
  kind: 'certificate';
  /** File name inside MASBackup/certificates. */
  fileName: string;
  thumbprint: string;
  reason: 'UnreferencedCertificate';
  detail: string;
}

/**
 * A file an upload wrote under a temporary name and never renamed: its process died between the
 * copy and the rename. Only at the top of MASBackup (the location's index) and in its
 * certificates folder: inside a backup folder, such a file belongs to an incomplete upload, whose
 * whole folder goes.
 */
export interface TemporaryDeletion {
  kind: 'temporary';
  /** Share-relative path. */
  path: string;
  reason: 'TemporaryLeftover';
  detail: string;
}

export type PruneSelection = BackupDeletion | CertificateDeletion | TemporaryDeletion;

export interface BackupRetentionPlan {
  /** Oldest first. */
  toDelete: BackupDeletion[];
  /** The backup kept however old it is, so there is always something to recover from. */
  protectedBackupId: string | null;
  /** Why things past retention were kept, for the log. */
  notes: string[];
}

function toTime(v: string | Date | undefined): number {
  if (v === undefined) return Number.NaN;
  return v instanceof Date ? v.getTime() : Date.parse(v);
}

function days(ms: number): string {
  return `${(ms / DAY_MS).toFixed(1)} days`;
}

/** Fail closed: anything not shaped like our folders means the caller passed the wrong list. */
function assertOurs(entry: ShareBackupEntry): void {
  if (!GUID.test(entry.folderName) || entry.backupId.toLowerCase() !== entry.folderName.toLowerCase()) {
    throw new AzsError(
      'Internal',
      `Refusing to prune: '${entry.folderName}' (backup id '${entry.backupId}') is not a folder this product created.`,
      {
        target: entry.folderName,
        remediation: 'Only backup folders named by their GUID may be passed to retention; report this as a bug.',
      },
    );
  }
}

/** Further ahead than this, a recorded time was written by a clock that was wrong. */
export const FUTURE_TOLERANCE_MS = 5 * 60_000;

/**
 * The backup that must survive: the newest Succeeded one. When none succeeded (every backup in
 * the window failed or was partial), the newest PartialSucceeded is kept instead: it still
 * restores most roles, and a failing stamp must not prune itself down to nothing restorable.
 *
 * "Newest" is decided by the sequence each backup counts up from the ones on the share, so a
 * wrong clock cannot subvert it. Between backups without one (written before 1.1) the recorded
 * time decides, and one dated in the future (a clock that ran ahead) ranks below every honest one.
 */
export function newestRestorableBackup(entries: ShareBackupEntry[], now?: Date): ShareBackupEntry | null {
  const limit = now === undefined ? Number.POSITIVE_INFINITY : now.getTime() + FUTURE_TOLERANCE_MS;
  const rank = (e: ShareBackupEntry): [number, number, number] => {
    const created = toTime(e.createdDateTime);
    return [e.sequence ?? 0, created > limit ? 0 : 1, created];
  };
  const newer = (a: [number, number, number], b: [number, number, number]): boolean =>
    a[0] !== b[0] ? a[0] > b[0] : a[1] !== b[1] ? a[1] > b[1] : a[2] > b[2];
  for (const wanted of ['Succeeded', 'PartialSucceeded'] as const) {
    let best: ShareBackupEntry | null = null;
    for (const e of entries) {
      if (!e.complete || e.status !== wanted || Number.isNaN(toTime(e.createdDateTime))) continue;
      if (best === null || newer(rank(e), rank(best))) best = e;
    }
    if (best !== null) return best;
  }
  return null;
}

export function selectBackupsToPrune(entries: ShareBackupEntry[], options: RetentionOptions): BackupRetentionPlan {
  const { retentionDays, now } = options;
  if (!Number.isInteger(retentionDays) || retentionDays < RETENTION_RANGE.min || retentionDays > RETENTION_RANGE.max) {
    throw invalidParameter(
      'BackupRetentionPeriodInDays',
      retentionDays,
      `a whole number of days from ${RETENTION_RANGE.min} to ${RETENTION_RANGE.max}`,
    );
  }
  entries.forEach(assertOurs);
  const grace = options.incompleteGraceMs ?? DEFAULT_INCOMPLETE_GRACE_MS;
  const running = options.runningBackupId?.toLowerCase() ?? null;
  const cutoff = now.getTime() - retentionDays * DAY_MS;
  const keep = newestRestorableBackup(entries, now);
  const notes: string[] = [];
  const chosen: { entry: ShareBackupEntry; at: number; deletion: BackupDeletion }[] = [];
  const seen = new Set<string>();

  for (const entry of entries) {
    const id = entry.folderName.toLowerCase();
    if (seen.has(id)) continue;
    seen.add(id);
    if (id === running) continue;
    const created = toTime(entry.createdDateTime);

    if (!entry.complete) {
      // Unjudgeable times are left alone rather than guessed at.
      const activity = Math.max(created, toTime(entry.lastModified ?? entry.createdDateTime));
      if (Number.isNaN(activity) || now.getTime() - activity < grace) continue;
      chosen.push({
        entry,
        at: activity,
        deletion: {
          kind: 'backup',
          folderName: entry.folderName,
          backupId: entry.backupId,
          reason: 'IncompleteUpload',
          detail: `incomplete upload (no final metadata), last written ${days(now.getTime() - activity)} ago`,
        },
      });
      continue;
    }

    if (Number.isNaN(created) || created >= cutoff) continue;
    if (entry === keep) {
      notes.push(
        `Kept backup ${entry.backupId} (${entry.status}, ${days(now.getTime() - created)} old) past the ${retentionDays}-day retention: it is the newest restorable backup.`,
      );
      continue;
    }
    chosen.push({
      entry,
      at: created,
      deletion: {
        kind: 'backup',
        folderName: entry.folderName,
        backupId: entry.backupId,
        reason: 'Expired',
        detail: `${entry.status ?? 'unknown status'} backup created ${new Date(created).toISOString()}, ${days(now.getTime() - created)} old, past the ${retentionDays}-day retention`,
      },
    });
  }

  chosen.sort((a, b) => a.at - b.at);
  return { toDelete: chosen.map((c) => c.deletion), protectedBackupId: keep?.backupId ?? null, notes };
}

/**
 * Certificate copies (MASBackup/certificates/<THUMBPRINT>.cer) that no kept backup and not the
 * current certificate refer to. Files not named like a SHA-1 thumbprint are not ours and ignored.
 */
export function selectStaleCertificateCopies(
  fileNames: string[],
  referencedThumbprints: Iterable<string>,
  currentThumbprint: string | null,
): CertificateDeletion[] {
  const referenced = new Set<string>();
  for (const t of referencedThumbprints) referenced.add(t.toUpperCase());
  if (currentThumbprint !== null) referenced.add(currentThumbprint.toUpperCase());
  const out: CertificateDeletion[] = [];
  for (const fileName of [...fileNames].sort()) {
    const m = CERT_COPY.exec(fileName);
    if (m === null) continue;
    const thumbprint = (m[1] as string).toUpperCase();
    if (referenced.has(thumbprint)) continue;
    out.push({
      kind: 'certificate',
      fileName,
      thumbprint,
      reason: 'UnreferencedCertificate',
      detail: `certificate copy ${thumbprint} is neither the current certificate nor used by any kept backup`,
    });
  }
  return out;
}

export interface PrunePlanInput {
  backups: ShareBackupEntry[];
  /** File names in MASBackup/certificates. */
  certificateFiles: string[];
  currentThumbprint: string | null;
  /** Files at the top of MASBackup and in its certificates folder, by share-relative path. */
  looseFiles?: Array<{ path: string; modified: string | Date }>;
}

export interface PrunePlan {
  /** Backups oldest first, then certificate copies. */
  toDelete: PruneSelection[];
  protectedBackupId: string | null;
  notes: string[];
}

/** Backups first, then the certificate copies that only the deleted backups needed. */
export function planPrune(input: PrunePlanInput, options: RetentionOptions): PrunePlan {
  const backups = selectBackupsToPrune(input.backups, options);
  const deleted = new Set(backups.toDelete.map((d) => d.folderName.toLowerCase()));
  const kept = input.backups.filter((b) => b.complete && !deleted.has(b.folderName.toLowerCase()));
  const notes = [...backups.notes];
  let certificates: CertificateDeletion[] = [];
  const unknown = kept.filter((b) => b.certificateThumbprints === undefined);
  if (unknown.length > 0) {
    notes.push(
      `Kept all certificate copies: the certificates of ${unknown.length} kept backup(s) are unknown.`,
    );
  } else {
    certificates = selectStaleCertificateCopies(
      input.certificateFiles,
      kept.flatMap((b) => b.certificateThumbprints ?? []),
      input.currentThumbprint,
    );
  }
  const temporaries = selectTemporaryLeftovers(input.looseFiles ?? [], options.now, options.incompleteGraceMs ?? DEFAULT_INCOMPLETE_GRACE_MS);
  return { toDelete: [...backups.toDelete, ...certificates, ...temporaries], protectedBackupId: backups.protectedBackupId, notes };
}

/**
 * Upload temporaries older than the grace an incomplete upload gets: a live upload renames its
 * file within minutes, and one from another host may still be running, so younger ones stay.
 */
export function selectTemporaryLeftovers(files: Array<{ path: string; modified: string | Date }>, now: Date, graceMs = DEFAULT_INCOMPLETE_GRACE_MS): TemporaryDeletion[] {
  const out: TemporaryDeletion[] = [];
  for (const file of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    const name = file.path.slice(file.path.lastIndexOf('/') + 1);
    if (!isTempSiblingName(name)) continue;
    const age = now.getTime() - toTime(file.modified);
    if (!(age > graceMs)) continue;
    out.push({ kind: 'temporary', path: file.path, reason: 'TemporaryLeftover', detail: `an upload's temporary file left ${days(age)} ago, never renamed into place` });
  }
  return out;
}
