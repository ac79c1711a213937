import { describe, expect, it } from 'vitest';
import { LocationIndex } from '../../../ts/catalog/location-index.js';
import type { BackupInfo } from '../../../ts/catalog/types.js';
import type { RemoteEntry } from '../../../ts/storage/target.js';

const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';
const info = (id: string, extra: Record<string, unknown> = {}) =>
  ({
    formatVersion: 1,
    backupId: id,
    status: 'Succeeded',
    createdDateTime: '2026-12-01T10:00:00.000Z',
    volumes: [],
    manifest: { file: 'manifest.azsb', sha256: '00' },
    encryption: { mode: 'certificate', certificateThumbprints: ['AB'] },
    ...extra,
  }) as unknown as BackupInfo;
const listed = (size: number, at = '2026-12-01T10:00:05Z'): RemoteEntry => ({ name: 'BackupInfo.json', isDirectory: false, size, modified: new Date(at) });
/** What a host reads back after another wrote these entries. */
const written = (...entries: Parameters<typeof LocationIndex.serialize>[0]) => LocationIndex.parse(LocationIndex.serialize(entries));

describe('LocationIndex', () => {
  it('answers for a folder while its BackupInfo.json is listed with the size and time the entry was made from', () => {
    const index = written({ backupId: A, file: listed(1147), info: info(A) }, { backupId: B, file: listed(900), info: info(B, { status: 'Failed' }) });
    expect(index.size).toBe(2);
    expect(index.lookup(A, listed(1147))).toEqual(info(A));
    expect(index.lookup(B, listed(900))?.status).toBe('Failed');
    // SMB names are case-insensitive; the folder may be listed in capitals.
    expect(index.lookup(A.toUpperCase(), listed(1147))?.backupId).toBe(A);
    // Rewritten, added or never indexed: no answer, the file is read.
    expect(index.lookup(A, listed(1148))).toBeUndefined();
    expect(index.lookup(A, listed(1147, '2026-12-01T10:00:06Z'))).toBeUndefined();
    expect(index.lookup('33333333-3333-4333-8333-333333333333', listed(1147))).toBeUndefined();
  });

  it('refuses an entry that would not pass as the file itself', () => {
    const index = written(
      // Filed under A but naming B, as a hand-edited or mixed-up index could.
      { backupId: A, file: listed(10), info: info(B) },
      { backupId: B, file: listed(10), info: info(B, { status: 'Nonsense' }) },
    );
    expect(index.size).toBe(2);
    expect(index.lookup(A, listed(10))).toBeUndefined();
    expect(index.lookup(B, listed(10))).toBeUndefined();
  });

  it('is empty, never an error, when the file is missing, torn, foreign or of a newer format', () => {
    const whole = LocationIndex.serialize([{ backupId: A, file: listed(10), info: info(A) }]);
    expect(LocationIndex.parse(whole).size).toBe(1);
    const newer = JSON.parse(whole.toString('utf8')) as Record<string, unknown>;
    newer.version = 2;
    for (const data of [
      null,
      whole.subarray(0, whole.length - 3),
      Buffer.from('{"entries":{}}'),
      Buffer.from(JSON.stringify(newer)),
      Buffer.from('[1,2,3]'),
      Buffer.from('\u0000\u0001'),
    ]) {
      const index = LocationIndex.parse(data);
      expect(index.size).toBe(0);
      expect(index.lookup(A, listed(10))).toBeUndefined();
    }
  });
});
