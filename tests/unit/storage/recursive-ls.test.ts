import { describe, expect, it } from 'vitest';
import { parseRecursiveLs } from '../../../ts/storage/smbclient.js';

// Captured from smbclient 4.17 (`recurse ON`, `ls \M\*`) against smbd, names with ';' and spaces.
const OUTPUT = [
  '  .                                   D        0  Tue Dec  1 15:00:03 2026',
  '  ..                                  D        0  Tue Dec  1 15:00:03 2026',
  '  a1                                  D        0  Tue Dec  1 15:00:03 2026',
  '  b2;x                                D        0  Tue Dec  1 15:00:03 2026',
  '',
  '\\M\\a1',
  '  .                                   D        0  Tue Dec  1 15:00:03 2026',
  '  v 1.azsb                            N        3  Tue Dec  1 15:00:03 2026',
  '  BackupInfo.json                     N        7  Tue Dec  1 15:00:04 2026',
  '',
  '\\M\\b2;x',
  '  ..                                  D        0  Tue Dec  1 15:00:03 2026',
  '  sub                                 D        0  Tue Dec  1 15:00:03 2026',
  '',
  '\\M\\b2;x\\sub',
  '',
  '\\Elsewhere\\x',
  '  stray.txt                           N        1  Tue Dec  1 15:00:03 2026',
  '',
  '\t\t264212084 blocks of size 1024. 76170348 blocks available',
].join('\n');

describe('parseRecursiveLs', () => {
  it('keys each folder by its path below the listed one and keeps entries with their folder', () => {
    const tree = parseRecursiveLs(OUTPUT, '\\M');
    expect([...tree.keys()]).toEqual(['', 'a1', 'b2;x', 'b2;x/sub']);
    expect(tree.get('')?.map((e) => e.name)).toEqual(['a1', 'b2;x']);
    expect(tree.get('a1')).toEqual([
      { name: 'v 1.azsb', isDirectory: false, size: 3, modified: new Date('2026-12-01T15:00:03Z') },
      { name: 'BackupInfo.json', isDirectory: false, size: 7, modified: new Date('2026-12-01T15:00:04Z') },
    ]);
    expect(tree.get('b2;x/sub')).toEqual([]);
  });

  it('matches the listed folder without regard to case and ignores anything outside it', () => {
    const tree = parseRecursiveLs(OUTPUT.replace('\\M\\a1', '\\m\\a1'), '\\M');
    expect(tree.get('a1')?.map((e) => e.name)).toEqual(['v 1.azsb', 'BackupInfo.json']);
    expect([...tree.values()].flat().map((e) => e.name)).not.toContain('stray.txt');
  });
});
