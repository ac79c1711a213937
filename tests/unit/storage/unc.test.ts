import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AzsError } from '../../../ts/errors.js';
import { LocalTarget } from '../../../ts/storage/local.js';
import { openStorageTarget } from '../../../ts/storage/open.js';
import { classifyErrno, classifyNtStatus } from '../../../ts/storage/share-errors.js';
import {
  findConnectFailure,
  findNtStatuses,
  parseDiskFree,
  parseLsLine,
  parseLsOutput,
  parseSmbTime,
  SmbClientTarget,
  smbPortFromEnv,
  type SmbSpawn,
  type SmbSpawnRequest,
} from '../../../ts/storage/smbclient.js';
import { formatUnc, parseBackupPath, parseUserName, splitRelativePath, type UncLocation } from '../../../ts/storage/unc.js';

function thrown(fn: () => unknown): AzsError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AzsError);
    return err as AzsError;
  }
  throw new Error('expected an error');
}

describe('parseBackupPath', () => {
  it.each([
    ['\\\\fileserver\\backups', { server: 'fileserver', share: 'backups', directory: '' }],
    ['\\\\fileserver\\backups\\', { server: 'fileserver', share: 'backups', directory: '' }],
    ['\\\\10.0.0.12\\Backup$\\AzureStack', { server: '10.0.0.12', share: 'Backup$', directory: 'AzureStack' }],
    ['\\\\fs01.corp.contoso.com\\share\\Azs;Backup\\region 1', { server: 'fs01.corp.contoso.com', share: 'share', directory: 'Azs;Backup/region 1' }],
    ['//fs01/share/a/b', { server: 'fs01', share: 'share', directory: 'a/b' }],
    ['\\\\FS_01\\share/mixed\\seps', { server: 'FS_01', share: 'share', directory: 'mixed/seps' }],
  ])('parses UNC %s', (input, expected) => {
    expect(parseBackupPath(input, 'linux')).toEqual({ kind: 'unc', ...expected });
  });

  it('parses absolute local paths', () => {
    expect(parseBackupPath('/mnt/backup share;1', 'linux')).toEqual({ kind: 'local', path: '/mnt/backup share;1' });
    expect(parseBackupPath('D:\\Backups\\Azs', 'win32')).toEqual({ kind: 'local', path: 'D:\\Backups\\Azs' });
    // UNC is recognised on Windows too; open.ts decides who serves it.
    expect(parseBackupPath('\\\\srv\\share', 'win32')).toMatchObject({ kind: 'unc' });
  });

  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    [' /mnt/x', 'white space'],
    ['backups/azs', 'relative'],
    ['.\\backups', 'relative'],
    ['C:\\Backups', 'only valid when the engine runs on Windows'],
    ['/mnt/../etc', "'..'"],
    ['\\\\', 'server name is missing'],
    ['\\\\server', 'share name is missing'],
    ['\\\\server\\', 'share name is missing'],
    ['\\\\\\server\\share', 'exactly two separators'],
    ['\\\\999.1.1.1\\share', 'not a valid IPv4'],
    ['\\\\bad host\\share', 'not a valid server name'],
    ['\\\\-bad\\share', 'not a valid server name'],
    ['\\\\.\\pipe\\x', 'device paths'],
    ['\\\\server\\sh:are', 'not allowed in a share name'],
    ['\\\\server\\share;x', 'not allowed in a share name'],
    ['\\\\server\\share\\a\\\\b', 'empty folder name'],
    ['\\\\server\\share\\a*b', 'does not allow'],
    ['\\\\server\\share\\a|b', 'does not allow'],
    ['\\\\server\\share\\..\\x', "'..' is not allowed"],
    ['\\\\server\\share\\dir.', 'ends with a space or a dot'],
    ['\\\\server\\share\\a\nb', 'control character'],
  ])('rejects %j (%s)', (input, reason) => {
    const err = thrown(() => parseBackupPath(input, 'linux'));
    expect(err.code).toBe('InvalidParameter');
    expect(err.target).toBe('Path');
    expect(err.message).toContain(reason);
    if (input.trim() !== '') expect(err.message).toContain(`'${input}'`);
    expect(err.remediation).toContain('\\\\server\\share\\folder');
  });

  it('rejects a relative path on Windows', () => {
    expect(thrown(() => parseBackupPath('Backups\\Azs', 'win32')).message).toContain('drive');
  });

  it('formats UNC locations canonically', () => {
    const parsed = parseBackupPath('//fs01/share/a;b/c d', 'linux') as UncLocation;
    expect(formatUnc(parsed)).toBe('\\\\fs01\\share\\a;b\\c d');
    expect(formatUnc({ server: 's', share: 'x', directory: '' })).toBe('\\\\s\\x');
  });
});

describe('parseUserName', () => {
  it.each([
    ['CONTOSO\\backupsvc', { domain: 'CONTOSO', user: 'backupsvc', form: 'downlevel' }],
    ['corp.contoso.com\\backup.svc', { domain: 'corp.contoso.com', user: 'backup.svc', form: 'downlevel' }],
    ['backupsvc@corp.contoso.com', { domain: 'corp.contoso.com', user: 'backupsvc', form: 'upn' }],
    ['backupsvc', { domain: null, user: 'backupsvc', form: 'plain' }],
    ['backup svc-1', { domain: null, user: 'backup svc-1', form: 'plain' }],
  ])('parses %s', (input, expected) => {
    expect(parseUserName(input)).toEqual(expected);
  });

  it.each([
    ['', 'empty'],
    ['\\user', 'not a valid domain'],
    ['DOMAIN\\', 'user part is empty'],
    ['DOM AIN\\user', 'not a valid domain'],
    ['A\\B\\c', 'not allowed'],
    ['user@', 'not a valid domain'],
    ['@corp.com', 'user part is empty'],
    ['us;er', 'not allowed'],
    ['us*er', 'not allowed'],
    ['user ', 'white space'],
    ['x'.repeat(105), 'longer than 104'],
  ])('rejects %j (%s)', (input, reason) => {
    const err = thrown(() => parseUserName(input));
    expect(err.code).toBe('InvalidParameter');
    expect(err.target).toBe('UserName');
    expect(err.message).toContain(reason);
  });
});

describe('splitRelativePath', () => {
  it('splits and tolerates one leading or trailing slash', () => {
    expect(splitRelativePath('')).toEqual([]);
    expect(splitRelativePath('/')).toEqual([]);
    expect(splitRelativePath('a;b/c d/')).toEqual(['a;b', 'c d']);
  });
  it.each(['a//b', '../x', 'a/./b', 'a/b*', 'a/"b"', '/abs/path', 'a/b\nc'])('refuses %j', (rel) => {
    expect(thrown(() => splitRelativePath(rel)).code).toBe('InvalidParameter');
  });
});

// Captured from smbclient 4.17.12 (`ls` at a share root, TZ=UTC LC_ALL=C.UTF-8) against smbd 4.17.
// Note the padding of the non-ASCII name: %-30s counts bytes, not characters.
const LS_SAMPLE =
  '  .                                   D        0  Sun Nov 22 02:58:22 2026\n' +
  '  ..                                  D        0  Sun Nov 22 02:58:22 2026\n' +
  '  MasterBackup                        D        0  Sun Nov 22 02:58:22 2026\n' +
  '  hidden;sys                       AHSR        3  Sun Nov 22 02:58:22 2026\n' +
  '  dir with space                      D        0  Sun Nov 22 02:58:22 2026\n' +
  '  99999999                            A        3  Sun Nov 22 02:58:22 2026\n' +
  '  ünïcödé файл.txt            N        2  Sun Nov 22 02:58:22 2026\n' +
  '  empty                               N        0  Sun Nov 22 02:58:22 2026\n' +
  '  A 1                                 N        9  Sun Nov 22 02:58:22 2026\n' +
  '  a very long file name that exceeds thirty characters; with semicolon.bin      N 21474836480  Sun Nov 22 02:58:22 2026\n' +
  '  old                                 N        0  Tue Mar  5 07:08:09 2024\n' +
  '\n' +
  '\t\t264212084 blocks of size 1024. 82297568 blocks available\n';

describe('smbclient output parsing', () => {
  it('parses asctime stamps as UTC, including the space-padded day', () => {
    expect(parseSmbTime('Tue Mar  5 07:08:09 2024')?.toISOString()).toBe('2024-03-05T07:08:09.000Z');
    expect(parseSmbTime('Sun Nov 22 02:58:22 2026')?.toISOString()).toBe('2026-11-22T02:58:22.000Z');
    expect(parseSmbTime('Thu Jan  1 00:00:00 1970')?.getTime()).toBe(0);
    expect(parseSmbTime('2024-03-05 07:08:09')).toBeNull();
    expect(parseSmbTime('Tue Foo  5 07:08:09 2024')).toBeNull();
  });

  it('parses a captured ls listing', () => {
    const t = new Date('2026-11-22T02:58:22Z');
    expect(parseLsOutput(LS_SAMPLE)).toEqual([
      { name: 'MasterBackup', isDirectory: true, size: 0, modified: t },
      { name: 'hidden;sys', isDirectory: false, size: 3, modified: t },
      { name: 'dir with space', isDirectory: true, size: 0, modified: t },
      { name: '99999999', isDirectory: false, size: 3, modified: t },
      { name: 'ünïcödé файл.txt', isDirectory: false, size: 2, modified: t },
      { name: 'empty', isDirectory: false, size: 0, modified: t },
      { name: 'A 1', isDirectory: false, size: 9, modified: t },
      { name: 'a very long file name that exceeds thirty characters; with semicolon.bin', isDirectory: false, size: 21474836480, modified: t },
      { name: 'old', isDirectory: false, size: 0, modified: new Date('2024-03-05T07:08:09Z') },
    ]);
  });

  it('takes names that look like attributes and sizes apart by column', () => {
    // A name ending in " A 12345678" must not be read as attribute A and size 12345678.
    const line = `  ${'x A 12345678'.padEnd(30)}${'A'.padStart(7)} ${'42'.padStart(8)}  Mon Jan  1 00:00:00 2024`;
    expect(parseLsLine(line)).toMatchObject({ name: 'x A 12345678', size: 42, isDirectory: false });
    const longDigits = `  ${'1234567890123456789012345678901234567'}${'D'.padStart(7)} ${'0'.padStart(8)}  Mon Jan  1 00:00:00 2024`;
    expect(parseLsLine(longDigits)).toMatchObject({ name: '1234567890123456789012345678901234567', isDirectory: true });
  });

  it('ignores lines that are not entries', () => {
    for (const line of [
      '',
      '\t\t264212084 blocks of size 1024. 82297568 blocks available',
      'Total number of bytes: 21474836497',
      'NT_STATUS_NO_SUCH_FILE listing \\nonex',
      'getting file \\big of size 100000 as - (97646.7 KiloBytes/sec) (average 97656.2 KiloBytes/sec)',
    ]) {
      expect(parseLsLine(line)).toBeNull();
    }
  });

  it('parses the free space line of du', () => {
    const du = '\n\t\t264212084 blocks of size 1024. 82297560 blocks available\nTotal number of bytes: 21474836497\n';
    expect(parseDiskFree(du)).toEqual({ totalBytes: 264212084 * 1024, freeBytes: 82297560 * 1024 });
    expect(parseDiskFree('\t\t1024 blocks of size 1024. 0 blocks available')).toEqual({ totalBytes: 1048576, freeBytes: 0 });
    expect(parseDiskFree('nothing')).toBeNull();
  });

  it('finds statuses and connection-phase failures in captured messages', () => {
    expect(findNtStatuses('x\nNT_STATUS_OBJECT_NAME_NOT_FOUND opening remote file \\nofile\ncli_push returned NT_STATUS_DISK_FULL\n')).toEqual([
      { status: 'NT_STATUS_OBJECT_NAME_NOT_FOUND', line: 'NT_STATUS_OBJECT_NAME_NOT_FOUND opening remote file \\nofile' },
      { status: 'NT_STATUS_DISK_FULL', line: 'cli_push returned NT_STATUS_DISK_FULL' },
    ]);
    const cases: [string, string | null][] = [
      ['do_connect: Connection to 127.0.0.1 failed (Error NT_STATUS_CONNECTION_REFUSED)', 'ShareConnectivity'],
      ['do_connect: Connection to no-such-host.invalid failed (Error NT_STATUS_UNSUCCESSFUL)', 'ShareConnectivity'],
      ['session setup failed: NT_STATUS_LOGON_FAILURE', 'ShareAuthentication'],
      ['session setup failed: NT_STATUS_ACCOUNT_LOCKED_OUT', 'ShareAuthentication'],
      ['tree connect failed: NT_STATUS_BAD_NETWORK_NAME', 'SharePathFault'],
      ['tree connect failed: NT_STATUS_ACCESS_DENIED', 'ShareAuthentication'],
      ['protocol negotiation failed: NT_STATUS_CONNECTION_RESET', 'ShareConnectivity'],
      ['protocol negotiation failed: NT_STATUS_INVALID_PARAMETER_MIX', 'ShareConnectivity'],
      ['NT_STATUS_OBJECT_NAME_NOT_FOUND opening remote file \\nofile', null],
    ];
    for (const [line, code] of cases) expect(findConnectFailure(`${line}\n`)?.code ?? null).toBe(code);
  });

  it('maps NT statuses and errno codes to the Azure Stack alert classes', () => {
    const table: Record<string, string> = {
      NT_STATUS_DISK_FULL: 'ShareOutOfCapacity',
      NT_STATUS_QUOTA_EXCEEDED: 'ShareOutOfCapacity',
      NT_STATUS_LOGON_FAILURE: 'ShareAuthentication',
      NT_STATUS_ACCESS_DENIED: 'ShareAuthentication',
      NT_STATUS_ACCOUNT_DISABLED: 'ShareAuthentication',
      NT_STATUS_ACCOUNT_EXPIRED: 'ShareAuthentication',
      NT_STATUS_PASSWORD_EXPIRED: 'ShareAuthentication',
      NT_STATUS_CONNECTION_REFUSED: 'ShareConnectivity',
      NT_STATUS_CONNECTION_RESET: 'ShareConnectivity',
      NT_STATUS_CONNECTION_DISCONNECTED: 'ShareConnectivity',
      NT_STATUS_IO_TIMEOUT: 'ShareConnectivity',
      NT_STATUS_HOST_UNREACHABLE: 'ShareConnectivity',
      NT_STATUS_BAD_NETWORK_NAME: 'SharePathFault',
      NT_STATUS_OBJECT_PATH_NOT_FOUND: 'SharePathFault',
      NT_STATUS_OBJECT_NAME_NOT_FOUND: 'SharePathFault',
      NT_STATUS_SHARING_VIOLATION: 'ShareGeneralFault',
      NT_STATUS_FILE_IS_A_DIRECTORY: 'ShareGeneralFault',
    };
    for (const [status, code] of Object.entries(table)) expect(classifyNtStatus(status), status).toBe(code);
    expect(classifyErrno('ENOSPC').code).toBe('ShareOutOfCapacity');
    expect(classifyErrno('ENOENT').code).toBe('SharePathFault');
    expect(classifyErrno('EACCES')).toMatchObject({ code: 'ShareGeneralFault', remediation: expect.stringContaining('permission') });
    expect(classifyErrno('ESTALE').code).toBe('ShareConnectivity');
    expect(classifyErrno(undefined).code).toBe('ShareGeneralFault');
  });
});

// ---- SmbClientTarget with a recorded spawn ---------------------------------------------------

const PASSWORD = 'S3cret;pa$$ "word" %x';

function fakeSpawn(reply: (req: SmbSpawnRequest) => { stdout?: string; stderr?: string; exitCode?: number }) {
  const requests: SmbSpawnRequest[] = [];
  const spawn: SmbSpawn = (req) => {
    requests.push(req);
    const out = reply(req);
    return {
      pid: undefined,
      stdout: Readable.from([Buffer.from(out.stdout ?? '')]),
      stderr: Readable.from([Buffer.from(out.stderr ?? '')]),
      exited: Promise.resolve({ exitCode: out.exitCode ?? 0, signal: null, spawnError: null }),
      kill: () => undefined,
    };
  };
  return { spawn, requests };
}

function target(spawn: SmbSpawn, userName: string | null = 'CONTOSO\\backupsvc', password: string | null = PASSWORD) {
  const location = parseBackupPath('\\\\fs01.contoso.com\\Backups\\Azs;Store 1', 'linux') as UncLocation;
  return new SmbClientTarget(location, {
    userName,
    password,
    env: { PATH: '/usr/bin', AZSBACKUP_SMB_PORT: '10445', USER: `evil%${PASSWORD}`, PASSWD: 'inherited' },
    spawn,
  });
}

describe('SmbClientTarget (recorded spawn)', () => {
  it('never puts the password in argv or the environment; it goes to fd 3', async () => {
    const { spawn, requests } = fakeSpawn(() => ({ stdout: LS_SAMPLE }));
    const entries = await target(spawn).list('MasterBackup/2024;01 x');
    expect(entries).toHaveLength(9);
    const [req] = requests;
    expect(req).toBeDefined();
    if (req === undefined) return;
    expect(req.file).toBe('smbclient');
    expect(req.args.join('\n')).not.toContain('S3cret');
    expect(JSON.stringify(req.env)).not.toContain('S3cret');
    expect(req.env.PASSWD_FD).toBe('3');
    expect(req.env.PASSWD).toBeUndefined();
    expect(req.env.USER).toBeUndefined();
    expect(req.env.TZ).toBe('UTC');
    expect(Buffer.from(req.secret ?? []).toString('utf8')).toBe(`${PASSWORD}\n${PASSWORD}\n`);
    expect(req.args).toEqual(
      expect.arrayContaining([
        '//fs01.contoso.com/Backups',
        '--port=10445',
        '--user=backupsvc',
        '--workgroup=CONTOSO',
        '--option=client min protocol=SMB2_10',
        '--option=client signing=required',
        '--option=client smb encrypt=desired',
        '--option=client ntlmv2 auth=yes',
      ]),
    );
    expect(req.args.filter((a) => a.startsWith('--option=client signing='))).toEqual(['--option=client signing=required']);
    expect(req.args.some((a) => a.startsWith('-c') || a === '--command')).toBe(false);
    // Commands go on stdin, where ';' is not a separator; names are double-quoted.
    expect(req.input).toBe('ls "\\Azs;Store 1\\MasterBackup\\2024;01 x\\*"\n');
  });

  it('requires SMB signing unless the Relaxed policy is chosen, which only asks for it', async () => {
    const { spawn, requests } = fakeSpawn(() => ({ stdout: '' }));
    const location = parseBackupPath('\\\\fs01\\Backups', 'linux') as UncLocation;
    await new SmbClientTarget(location, { port: 445, spawn }).list('');
    await new SmbClientTarget(location, { port: 445, spawn, signing: 'Relaxed' }).list('');
    const options = (i: number) => requests[i]?.args.filter((a) => /^--option=client (signing|smb encrypt)=/.test(a));
    expect(options(0)).toEqual(['--option=client signing=required', '--option=client smb encrypt=desired']);
    expect(options(1)).toEqual(['--option=client signing=desired', '--option=client smb encrypt=if_required']);
  });

  it('passes UPN and plain user names on, and anonymous without prompting', async () => {
    const { spawn, requests } = fakeSpawn(() => ({ stdout: '' }));
    await target(spawn, 'svc@corp.contoso.com').list('');
    await target(spawn, 'svc', null).list('');
    await target(spawn, null, null).list('');
    expect(requests[0]?.args).toContain('--user=svc@corp.contoso.com');
    expect(requests[0]?.args.some((a) => a.startsWith('--workgroup'))).toBe(false);
    expect(requests[1]?.args).toEqual(expect.arrayContaining(['--user=svc', '--no-pass']));
    expect(requests[1]?.secret).toBeNull();
    expect(requests[1]?.env.PASSWD_FD).toBeUndefined();
    expect(requests[2]?.args).toEqual(expect.arrayContaining(['--user=%', '--no-pass']));
  });

  it('refuses user names and passwords smbclient would misread', () => {
    const { spawn } = fakeSpawn(() => ({}));
    expect(thrown(() => target(spawn, 'us%er')).target).toBe('UserName');
    expect(thrown(() => target(spawn, 'user', 'two\nlines')).target).toBe('Password');
  });

  it('maps failures with the UNC path and status, never the password', async () => {
    const { spawn } = fakeSpawn(() => ({
      // Even if a server or a future smbclient echoed it, the message must not carry it.
      stderr: `session setup failed: NT_STATUS_LOGON_FAILURE ${PASSWORD}\n`,
      exitCode: 1,
    }));
    const err = await target(spawn).list('').then(
      () => null,
      (e: unknown) => e as AzsError,
    );
    expect(err?.code).toBe('ShareAuthentication');
    expect(err?.message).toContain('\\\\fs01.contoso.com\\Backups\\Azs;Store 1');
    expect(err?.message).toContain('NT_STATUS_LOGON_FAILURE');
    expect(err?.target).toBe('\\\\fs01.contoso.com\\Backups\\Azs;Store 1');
    expect(JSON.stringify(err?.toJSON())).not.toContain(PASSWORD);
  });

  it('treats a missing folder as an empty listing but a missing share as a path fault', async () => {
    const missing = fakeSpawn(() => ({ stdout: 'NT_STATUS_OBJECT_NAME_NOT_FOUND listing \\Azs;Store 1\\x\\*\n' }));
    expect(await target(missing.spawn).list('x')).toEqual([]);
    const noShare = fakeSpawn(() => ({ stdout: 'tree connect failed: NT_STATUS_BAD_NETWORK_NAME\n', exitCode: 1 }));
    await expect(target(noShare.spawn).list('x')).rejects.toMatchObject({ code: 'SharePathFault' });
  });

  it('creates folders one level at a time below the location and verifies the result', async () => {
    const { spawn, requests } = fakeSpawn(() => ({
      stdout:
        'NT_STATUS_OBJECT_NAME_COLLISION making remote directory \\Azs;Store 1\\a\n' +
        '  b;c                                 D        0  Sun Nov 22 02:58:22 2026\n',
    }));
    await target(spawn).ensureDirectory('a/b;c');
    expect(requests[0]?.input).toBe(
      'mkdir "\\Azs;Store 1\\a"\nmkdir "\\Azs;Store 1\\a\\b;c"\nls "\\Azs;Store 1\\a\\b;c"\n',
    );
  });

  it('renames with -f, and falls back to delete + rename when smbclient lacks it', async () => {
    let calls = 0;
    const { spawn, requests } = fakeSpawn(() =>
      calls++ === 0 ? { stdout: 'NT_STATUS_OBJECT_NAME_COLLISION renaming files \\a -> \\b \n' } : { stdout: '' },
    );
    await target(spawn).rename('a;1', 'b 2');
    expect(requests.map((r) => r.input)).toEqual([
      'rename "\\Azs;Store 1\\a;1" "\\Azs;Store 1\\b 2" -f\n',
      'del "\\Azs;Store 1\\b 2"\nrename "\\Azs;Store 1\\a;1" "\\Azs;Store 1\\b 2"\n',
    ]);
  });

  it('reports a spawn failure as a missing smbclient', async () => {
    const spawn: SmbSpawn = () => ({
      pid: undefined,
      stdout: Readable.from([]),
      stderr: Readable.from([]),
      exited: Promise.resolve({ exitCode: null, signal: null, spawnError: 'ENOENT' }),
      kill: () => undefined,
    });
    const err = await target(spawn).capacity().catch((e: unknown) => e as AzsError);
    expect(err).toMatchObject({ code: 'ShareGeneralFault' });
    expect((err as AzsError).remediation).toContain('smbclient');
  });

  it('reads the port from AZSBACKUP_SMB_PORT', () => {
    expect(smbPortFromEnv({})).toBe(445);
    expect(smbPortFromEnv({ AZSBACKUP_SMB_PORT: '1445' })).toBe(1445);
    for (const bad of ['0', '65536', 'abc', '44 5']) {
      expect(thrown(() => smbPortFromEnv({ AZSBACKUP_SMB_PORT: bad })).target).toBe('AZSBACKUP_SMB_PORT');
    }
  });
});

describe('openStorageTarget', () => {
  it('picks the target by path and platform', () => {
    expect(openStorageTarget({ path: '/mnt/backups', platform: 'linux' })).toBeInstanceOf(LocalTarget);
    expect(openStorageTarget({ path: '\\\\fs\\share\\x', userName: 'D\\u', password: 'p', platform: 'linux' })).toBeInstanceOf(SmbClientTarget);
    // Windows reaches UNC paths through its redirector, as a plain path.
    const win = openStorageTarget({ path: '\\\\fs\\share\\x', platform: 'win32' });
    expect(win).toBeInstanceOf(LocalTarget);
    expect(win.description).toBe('\\\\fs\\share\\x');
    expect(thrown(() => openStorageTarget({ path: 'relative', platform: 'linux' })).target).toBe('Path');
  });
});
