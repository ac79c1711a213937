import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AzsError } from '../../../ts/errors.js';
import { ensureStateDirectory, WINDOWS_STATE_DIR_SDDL, windowsStateDirAcl } from '../../../ts/util/state-dir-acl.js';

let work = '';
beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'azs-statedir-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('the Windows state directory ACL', () => {
  it('grants SYSTEM and Administrators full control, inherited below, and cuts what %ProgramData% passes down', () => {
    expect(windowsStateDirAcl('C:\\ProgramData\\AzsBackup')).toEqual([
      ['C:\\ProgramData\\AzsBackup', '/grant:r', '*S-1-5-18:(OI)(CI)F', '*S-1-5-32-544:(OI)(CI)F'],
      ['C:\\ProgramData\\AzsBackup', '/inheritance:r'],
    ]);
  });

  it('names no one else: every SID granted is SYSTEM or Administrators, and Users is never granted', () => {
    const granted = windowsStateDirAcl('D:\\x').flat().filter((a) => a.startsWith('*'));
    expect(granted.map((g) => g.slice(1, g.indexOf(':'))).sort()).toEqual(['S-1-5-18', 'S-1-5-32-544']);
    expect(windowsStateDirAcl('D:\\x').flat().join(' ')).not.toMatch(/S-1-5-32-545|S-1-1-0|S-1-5-11|Users|Everyone/);
    // The same ACL as SDDL: protected (P), two allow-full-control ACEs inherited by files and folders.
    expect(WINDOWS_STATE_DIR_SDDL).toBe('D:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)');
  });

  it('keeps a path with spaces as one argument (no shell, no quoting)', () => {
    expect(windowsStateDirAcl('C:\\Program Data\\Azs Backup')[0]?.[0]).toBe('C:\\Program Data\\Azs Backup');
  });
});

describe('ensureStateDirectory', () => {
  it('on Windows applies the ACL to a directory it creates, in order, and never to one that exists', async () => {
    const calls: string[][] = [];
    const home = path.join(work, 'win', 'AzsBackup');
    await ensureStateDirectory(home, { platform: 'win32', icacls: async (args) => void calls.push(args) });
    expect(existsSync(home)).toBe(true);
    expect(calls).toEqual(windowsStateDirAcl(home));
    await ensureStateDirectory(home, { platform: 'win32', icacls: async (args) => void calls.push(args) });
    expect(calls).toHaveLength(2);
  });

  it('removes the directory it created when the ACL cannot be applied, so the next run retries', async () => {
    const home = path.join(work, 'win-fail', 'AzsBackup');
    const err = (await ensureStateDirectory(home, {
      platform: 'win32',
      icacls: async () => {
        throw new Error('Access is denied.');
      },
    }).catch((e: unknown) => e)) as AzsError;
    expect(err).toBeInstanceOf(AzsError);
    expect(err.code).toBe('StateDirectoryUnprotected');
    expect(err.category).toBe('PermissionDenied');
    expect(err.message).toMatch(/Access is denied/);
    expect(err.remediation).toMatch(/administrator/);
    expect(existsSync(path.join(work, 'win-fail'))).toBe(false);
  });

  it('on Linux creates it 0700 and runs no icacls', async () => {
    const home = path.join(work, 'linux', 'state');
    await ensureStateDirectory(home, {
      platform: 'linux',
      icacls: async () => {
        throw new Error('must not run');
      },
    });
    expect(statSync(home).mode & 0o777).toBe(0o700);
    await mkdir(path.join(work, 'exists'));
    await ensureStateDirectory(path.join(work, 'exists'), { platform: 'win32', icacls: async () => Promise.reject(new Error('must not run')) });
  });
});
