import { describe, expect, it } from 'vitest';
import { checkRestorableName } from '../../../ts/archive/tar-reader.js';
import { validateRoleName } from '../../../ts/config/validate.js';
import { AzsError } from '../../../ts/errors.js';
import { LocalTarget } from '../../../ts/storage/local.js';
import { openStorageTarget } from '../../../ts/storage/open.js';
import { formatUnc, parseBackupPath, splitRelativePath, type UncLocation } from '../../../ts/storage/unc.js';
import { isWindowsDeviceName, windowsNameProblem } from '../../../ts/util/windows-names.js';

// How the engine reads Windows paths. Run on Linux with platform 'win32'; the Windows engine runs
// the same code under Wine in tests/integration/windows-binary.test.ts.
function thrown(fn: () => unknown): AzsError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AzsError);
    return err as AzsError;
  }
  throw new Error('expected an error');
}

const LONG_NAME = 'a-folder-name-of-sixty-characters-to-build-a-long-path-xxxxxx';
const LONG_DIRS = Array.from({ length: 6 }, (_, i) => `${LONG_NAME}${i}`);

describe('drive letter paths', () => {
  it.each([
    ['D:\\Backups\\Azs', 'D:\\Backups\\Azs'],
    ['d:/backups/azs', 'd:/backups/azs'],
    ['E:\\', 'E:\\'],
    ['C:\\Backups\\Azs;Store 1\\', 'C:\\Backups\\Azs;Store 1\\'],
  ])('accepts %s on Windows', (input, path) => {
    expect(parseBackupPath(input, 'win32')).toEqual({ kind: 'local', path });
  });

  it.each([
    ['C:Backups', 'starting with a drive'],
    ['Backups\\Azs', 'starting with a drive'],
    ['\\Backups', 'starting with a drive'],
    ['1:\\Backups', 'starting with a drive'],
    ['C:\\Backups\\data:stream', 'does not allow'],
    ['C:\\Backups\\..\\Windows', "'..' is not allowed"],
  ])('refuses %s on Windows (%s)', (input, reason) => {
    const err = thrown(() => parseBackupPath(input, 'win32'));
    expect(err.target).toBe('Path');
    expect(err.message).toContain(reason);
  });

  it('refuses a drive letter path when the engine runs elsewhere', () => {
    expect(thrown(() => parseBackupPath('D:\\Backups', 'linux')).message).toContain('only valid when the engine runs on Windows');
  });
});

describe('\\\\server\\share\\path parsing', () => {
  it.each([
    ['\\\\fs01\\Backups\\Azs\\nyc', { server: 'fs01', share: 'Backups', directory: 'Azs/nyc' }],
    ['\\\\fs01.corp.contoso.com\\Backup$', { server: 'fs01.corp.contoso.com', share: 'Backup$', directory: '' }],
    ['\\\\10.1.2.3\\share\\a b\\c;d', { server: '10.1.2.3', share: 'share', directory: 'a b/c;d' }],
    ['//fs01/Backups/nyc/', { server: 'fs01', share: 'Backups', directory: 'nyc' }],
  ])('parses %s the same on both platforms', (input, expected) => {
    expect(parseBackupPath(input, 'win32')).toEqual({ kind: 'unc', ...expected });
    expect(parseBackupPath(input, 'linux')).toEqual({ kind: 'unc', ...expected });
  });

  it('serves a UNC path on Windows under its canonical spelling', () => {
    const target = openStorageTarget({ path: '//fs01/Backups/nyc', platform: 'win32' });
    expect(target).toBeInstanceOf(LocalTarget);
    expect(target.description).toBe('\\\\fs01\\Backups\\nyc');
  });
});

describe('long paths (\\\\?\\)', () => {
  it('reads \\\\?\\D:\\... as the drive path and \\\\?\\UNC\\... as the UNC path, however long', () => {
    const long = `D:\\${LONG_DIRS.join('\\')}`;
    expect(long.length).toBeGreaterThan(260);
    expect(parseBackupPath(`\\\\?\\${long}`, 'win32')).toEqual({ kind: 'local', path: long });
    const unc = parseBackupPath(`\\\\?\\UNC\\fs01\\Backups\\${LONG_DIRS.join('\\')}`, 'win32') as UncLocation;
    expect(unc).toEqual({ kind: 'unc', server: 'fs01', share: 'Backups', directory: LONG_DIRS.join('/') });
    expect(formatUnc(unc)).toBe(`\\\\fs01\\Backups\\${LONG_DIRS.join('\\')}`);
    expect(openStorageTarget({ path: `\\\\?\\unc\\fs01\\Backups\\x`, platform: 'win32' }).description).toBe('\\\\fs01\\Backups\\x');
  });

  it('still checks what follows the prefix, and names the path as written', () => {
    const bad = thrown(() => parseBackupPath('\\\\?\\D:\\Backups\\NUL', 'win32'));
    expect(bad.message).toContain("Path '\\\\?\\D:\\Backups\\NUL'");
    expect(bad.message).toContain('device name');
    expect(thrown(() => parseBackupPath('\\\\?\\UNC\\fs01', 'win32')).message).toContain('share name is missing');
    expect(thrown(() => parseBackupPath('\\\\?\\Volume{0b1c}\\Backups', 'win32')).message).toContain('only a drive');
    expect(thrown(() => parseBackupPath('\\\\.\\C:\\Backups', 'win32')).message).toContain('device paths');
    expect(thrown(() => parseBackupPath('\\\\?\\D:\\Backups', 'linux')).message).toContain('only valid when the engine runs on Windows');
  });
});

describe('reserved names', () => {
  it.each(['CON', 'con', 'PRN', 'AUX', 'NUL', 'nul.txt', 'NUL .tar', 'COM1', 'com9.log', 'LPT1', 'LPT0', 'COM\u00b9', 'CONIN$', 'CONOUT$'])('%s is a device name', (name) => {
    expect(isWindowsDeviceName(name)).toBe(true);
    expect(windowsNameProblem(name)).toContain('device name');
  });

  it.each(['CONSOLE', 'NULL', 'COM10', 'LPT', 'aux_files', 'connection.txt', 'my-nul'])('%s is an ordinary name', (name) => {
    expect(isWindowsDeviceName(name)).toBe(false);
    expect(windowsNameProblem(name)).toBeNull();
  });

  it.each([
    ['\\\\fs01\\Backups\\CON', 'device name'],
    ['\\\\fs01\\Backups\\com1.dat\\x', 'device name'],
    ['D:\\Backups\\NUL', 'device name'],
    ['D:\\Backups\\nyc.', 'ends with a space or a dot'],
    ['D:\\Backups\\nyc \\x', 'ends with a space or a dot'],
    ['\\\\fs01\\Backups\\nyc...', 'ends with a space or a dot'],
  ])('refuses the backup path %s (%s)', (input, reason) => {
    const err = thrown(() => parseBackupPath(input, 'win32'));
    expect(err.code).toBe('InvalidParameter');
    expect(err.message).toContain(reason);
  });

  it('still reads such names inside the backup location (a backup of role CON on a Samba share stays readable), but refuses them as role names', () => {
    expect(splitRelativePath('MASBackup/0b1c/CON.001.azsb')).toEqual(['MASBackup', '0b1c', 'CON.001.azsb']);
    for (const name of ['CON', 'nul', 'Aux.Store', 'COM1']) expect(thrown(() => validateRoleName(name)).target).toBe('Name');
    expect(validateRoleName('Console')).toBe('Console');
    expect(validateRoleName('NRP.Auxiliary')).toBe('NRP.Auxiliary');
  });

  it.each(['WAS/nul', 'WAS/logs/aux.c', 'WAS/name.', 'WAS/trailing ', 'WAS/a:b', 'WAS/what?', 'WAS/back\\slash', 'LPT1/x'])(
    'refuses to restore %s on Windows, and restores it on Linux',
    (rel) => {
      const err = thrown(() => checkRestorableName(rel, 'win32'));
      expect(err.code).toBe('NameNotRestorable');
      expect(err.target).toBe(rel);
      expect(err.message).toContain('cannot be restored on Windows');
      expect(err.remediation).toContain('Linux engine');
      expect(() => checkRestorableName(rel, 'linux')).not.toThrow();
    },
  );

  it('restores ordinary names on Windows', () => {
    expect(() => checkRestorableName('WAS/config/settings.json', 'win32')).not.toThrow();
    expect(() => checkRestorableName('WAS/Azs;Store 1/null.bin', 'win32')).not.toThrow();
  });
});
