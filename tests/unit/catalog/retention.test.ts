import { describe, expect, it } from 'vitest';
import type { OperationStatus } from '../../../ts/catalog/types.js';
import {
  newestRestorableBackup,
  planPrune,
  selectBackupsToPrune,
  selectStaleCertificateCopies,
  selectTemporaryLeftovers,
  type ShareBackupEntry,
} from '../../../ts/catalog/retention.js';
import { AzsError } from '../../../ts/errors.js';

const DAY = 86_400_000;
const NOW = new Date('2024-03-20T12:00:00.000Z');
const CERT_A = 'A'.repeat(40);
const CERT_B = 'B'.repeat(40);
const CERT_C = 'C'.repeat(40);

let seq = 0;
function guid(): string {
  seq++;
  return `00000000-0000-4000-8000-${seq.toString(16).padStart(12, '0')}`;
}

function backup(ageDays: number, status: OperationStatus = 'Succeeded', thumbprints: string[] = [CERT_A]): ShareBackupEntry {
  const id = guid();
  return {
    folderName: id,
    backupId: id,
    complete: true,
    status,
    createdDateTime: new Date(NOW.getTime() - ageDays * DAY).toISOString(),
    certificateThumbprints: thumbprints,
  };
}

function incomplete(ageDays: number, lastWrittenDaysAgo = ageDays): ShareBackupEntry {
  const id = guid();
  return {
    folderName: id,
    backupId: id,
    complete: false,
    status: null,
    createdDateTime: new Date(NOW.getTime() - ageDays * DAY),
    lastModified: new Date(NOW.getTime() - lastWrittenDaysAgo * DAY),
  };
}

const ids = (plan: { toDelete: { kind: string; folderName?: string; fileName?: string }[] }) =>
  plan.toDelete.map((d) => d.folderName ?? d.fileName);

describe('selectBackupsToPrune', () => {
  it('selects backups older than the retention period, oldest first', () => {
    const young = backup(1);
    const edge = backup(6.9);
    const old = backup(8);
    const older = backup(10, 'Failed');
    const plan = selectBackupsToPrune([young, old, edge, older], { retentionDays: 7, now: NOW });
    expect(ids(plan)).toEqual([older.folderName, old.folderName]);
    expect(plan.toDelete.every((d) => d.reason === 'Expired')).toBe(true);
    expect(plan.toDelete[0]?.detail).toMatch(/Failed backup created .* 10\.0 days old, past the 7-day retention/);
    expect(plan.protectedBackupId).toBe(young.backupId);
  });

  it('keeps the newest Succeeded backup even when everything expired', () => {
    const succeededOld = backup(20);
    const succeededNewest = backup(12);
    const failedNewer = backup(9, 'Failed');
    const partial = backup(10, 'PartialSucceeded');
    const plan = selectBackupsToPrune([succeededOld, succeededNewest, failedNewer, partial], { retentionDays: 7, now: NOW });
    expect(ids(plan)).toEqual([succeededOld.folderName, partial.folderName, failedNewer.folderName]);
    expect(plan.protectedBackupId).toBe(succeededNewest.backupId);
    expect(plan.notes).toEqual([expect.stringContaining(`Kept backup ${succeededNewest.backupId}`)]);
  });

  it('falls back to keeping the newest PartialSucceeded when nothing ever succeeded', () => {
    const partialOld = backup(15, 'PartialSucceeded');
    const partialNew = backup(11, 'PartialSucceeded');
    const failed = backup(9, 'Failed');
    expect(newestRestorableBackup([partialOld, partialNew, failed])).toBe(partialNew);
    const plan = selectBackupsToPrune([partialOld, partialNew, failed], { retentionDays: 7, now: NOW });
    expect(ids(plan)).toEqual([partialOld.folderName, failed.folderName]);
  });

  it('selects more at once when retention is lowered', () => {
    const all = [backup(1), backup(3), backup(4), backup(5), backup(6), backup(8)];
    const at7 = selectBackupsToPrune(all, { retentionDays: 7, now: NOW });
    const at2 = selectBackupsToPrune(all, { retentionDays: 2, now: NOW });
    expect(at7.toDelete).toHaveLength(1);
    expect(at2.toDelete).toHaveLength(5);
    expect(ids(at2)).not.toContain(all[0]?.folderName);
  });

  it('selects incomplete uploads past the grace period, never the running one', () => {
    const abandoned = incomplete(3);
    const recent = incomplete(0.5);
    const startedLongAgoButStillWriting = incomplete(2, 0.01);
    const running = incomplete(5);
    const plan = selectBackupsToPrune([abandoned, recent, startedLongAgoButStillWriting, running, backup(1)], {
      retentionDays: 7,
      now: NOW,
      runningBackupId: running.backupId.toUpperCase(),
    });
    expect(ids(plan)).toEqual([abandoned.folderName]);
    expect(plan.toDelete[0]).toMatchObject({ reason: 'IncompleteUpload' });
    const shortGrace = selectBackupsToPrune([abandoned, recent], { retentionDays: 7, now: NOW, incompleteGraceMs: 3_600_000 });
    expect(ids(shortGrace)).toEqual([abandoned.folderName, recent.folderName]);
  });

  it('leaves alone what it cannot date, and future-dated backups', () => {
    const undated = { ...backup(30), createdDateTime: 'not a date' };
    const future = backup(-3);
    expect(selectBackupsToPrune([undated, future, backup(1)], { retentionDays: 2, now: NOW }).toDelete).toEqual([]);
  });

  it('refuses folders that are not ours and an out-of-range retention', () => {
    const foreign = { ...backup(30), folderName: 'Important Stuff', backupId: 'Important Stuff' };
    expect(() => selectBackupsToPrune([foreign], { retentionDays: 7, now: NOW })).toThrow(AzsError);
    const mismatched = { ...backup(30), backupId: guid() };
    expect(() => selectBackupsToPrune([mismatched], { retentionDays: 7, now: NOW })).toThrow(/not a folder this product created/);
    for (const retentionDays of [0, 1, 15, 7.5]) {
      expect(() => selectBackupsToPrune([], { retentionDays, now: NOW })).toThrow(/BackupRetentionPeriodInDays/);
    }
  });
});

describe('certificate copies', () => {
  it('selects copies no kept backup and not the current certificate refers to', () => {
    const files = [`${CERT_A}.cer`, `${CERT_B.toLowerCase()}.cer`, `${CERT_C}.cer`, 'readme.txt', 'ABC.cer'];
    const stale = selectStaleCertificateCopies(files, [CERT_A.toLowerCase()], CERT_C);
    expect(stale).toEqual([expect.objectContaining({ fileName: `${CERT_B.toLowerCase()}.cer`, thumbprint: CERT_B, reason: 'UnreferencedCertificate' })]);
  });

  it('planPrune frees the certificates only the deleted backups used', () => {
    const oldB = backup(10, 'Succeeded', [CERT_B]);
    const keptA = backup(1, 'Succeeded', [CERT_A]);
    const keyMode = backup(2, 'Succeeded', []);
    const plan = planPrune(
      { backups: [oldB, keptA, keyMode], certificateFiles: [`${CERT_A}.cer`, `${CERT_B}.cer`, `${CERT_C}.cer`], currentThumbprint: CERT_C },
      { retentionDays: 7, now: NOW },
    );
    expect(ids(plan)).toEqual([oldB.folderName, `${CERT_B}.cer`]);
  });

  it('keeps a certificate still used by the protected expired backup', () => {
    const protectedB = backup(30, 'Succeeded', [CERT_B]);
    const plan = planPrune(
      { backups: [protectedB, backup(20, 'Failed', [CERT_A])], certificateFiles: [`${CERT_A}.cer`, `${CERT_B}.cer`], currentThumbprint: CERT_C },
      { retentionDays: 7, now: NOW },
    );
    expect(plan.toDelete.map((d) => d.kind)).toEqual(['backup', 'certificate']);
    expect(ids(plan)).toContain(`${CERT_A}.cer`);
    expect(ids(plan)).not.toContain(`${CERT_B}.cer`);
  });

  it('keeps every certificate when a kept backup does not say which it used', () => {
    const { certificateThumbprints: _dropped, ...unknown } = backup(1);
    const plan = planPrune(
      { backups: [unknown], certificateFiles: [`${CERT_B}.cer`], currentThumbprint: null },
      { retentionDays: 7, now: NOW },
    );
    expect(plan.toDelete).toEqual([]);
    expect(plan.notes.join(' ')).toMatch(/Kept all certificate copies/);
  });
});

describe('upload temporaries left by a killed process', () => {
  const ago = (days: number) => new Date(NOW.getTime() - days * DAY);
  it('selects only names our uploads make, and only once older than the grace', () => {
    const files = [
      { path: 'MASBackup/.AzsBackupIndex.json.0123456789ab.azsb-tmp', modified: ago(3) },
      { path: `MASBackup/certificates/.${CERT_A}.cer.a1b2c3d4e5f6.azsb-tmp`, modified: ago(1.5) },
      // Another host's index upload may be running right now.
      { path: 'MASBackup/.AzsBackupIndex.json.ba9876543210.azsb-tmp', modified: ago(0.5) },
      // Not names tempSiblingName makes: an admin's files.
      { path: 'MASBackup/.notes.azsb-tmp', modified: ago(30) },
      { path: 'MASBackup/AzsBackupIndex.json', modified: ago(30) },
      { path: 'MASBackup/.AzsBackupIndex.json.0123456789AB.azsb-tmp', modified: ago(30) },
    ];
    expect(selectTemporaryLeftovers(files, NOW).map((t) => t.path)).toEqual([
      'MASBackup/.AzsBackupIndex.json.0123456789ab.azsb-tmp',
      `MASBackup/certificates/.${CERT_A}.cer.a1b2c3d4e5f6.azsb-tmp`,
    ]);
    expect(selectTemporaryLeftovers(files, NOW, 2 * DAY).map((t) => t.path)).toEqual(['MASBackup/.AzsBackupIndex.json.0123456789ab.azsb-tmp']);
  });

  it('planPrune lists them after the backups and certificate copies, with a reason for the log', () => {
    const oldB = backup(10, 'Succeeded', [CERT_B]);
    const keptA = backup(1, 'Succeeded', [CERT_A]);
    const temporary = 'MASBackup/.AzsBackupIndex.json.0123456789ab.azsb-tmp';
    const plan = planPrune(
      { backups: [oldB, keptA], certificateFiles: [`${CERT_A}.cer`, `${CERT_B}.cer`], currentThumbprint: CERT_A, looseFiles: [{ path: temporary, modified: ago(2) }] },
      { retentionDays: 7, now: NOW },
    );
    expect(plan.toDelete.map((d) => d.kind)).toEqual(['backup', 'certificate', 'temporary']);
    expect(plan.toDelete[2]).toEqual(expect.objectContaining({ reason: 'TemporaryLeftover', path: temporary }));
  });
});

describe('a wrong clock cannot take the newest-good protection (issue 11, finding 5)', () => {
  it('protects the highest sequence, not the latest date, and never deletes a future-dated backup', () => {
    const future = { ...backup(-365), sequence: 1 };
    const genuine = { ...backup(20), sequence: 2 };
    const plan = selectBackupsToPrune([future, genuine], { retentionDays: 7, now: NOW });
    expect(plan.protectedBackupId).toBe(genuine.backupId);
    expect(ids(plan)).toEqual([]);
  });

  it('between backups without a sequence, one dated in the future ranks below the honest one', () => {
    const future = backup(-30);
    const honest = backup(20);
    expect(newestRestorableBackup([future, honest], NOW)?.backupId).toBe(honest.backupId);
    const plan = selectBackupsToPrune([future, honest], { retentionDays: 7, now: NOW });
    expect(plan.protectedBackupId).toBe(honest.backupId);
    expect(ids(plan)).toEqual([]);
    // Without the clock check the future-dated one would win, and the honest one would be deleted.
    expect(newestRestorableBackup([future, honest])?.backupId).toBe(future.backupId);
  });
});
