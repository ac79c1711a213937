import { describe, expect, it } from 'vitest';
import { AzsError } from '../../../ts/errors.js';
import { LocalTarget } from '../../../ts/storage/local.js';
import { openStorageTarget } from '../../../ts/storage/open.js';
import { RedirectorTarget } from '../../../ts/storage/redirector.js';
import { parseBackupPath, type UncLocation } from '../../../ts/storage/unc.js';
import {
  classifyWin32Error,
  connectWindowsShare,
  smbMappingRequest,
  windowsPowerShellPath,
  type WindowsSmbRequest,
  type WindowsSmbResult,
  type WindowsSmbSpawn,
} from '../../../ts/storage/windows-smb.js';

// The Windows SMB connection cannot run here (no Windows); these tests pin its boundary: what is
// started, with which argv and stdin, and how each answer becomes an error.
const PASSWORD = 'Pa55-w0rd"\'; $(evil) `x` \\\\srv';
const location = parseBackupPath('\\\\fs01.contoso.com\\Backups\\Azs;Store 1\\nyc', 'win32') as UncLocation;

function recorder(answer: Partial<WindowsSmbResult>): { spawn: WindowsSmbSpawn; requests: WindowsSmbRequest[] } {
  const requests: WindowsSmbRequest[] = [];
  return {
    requests,
    spawn: async (request) => {
      requests.push(request);
      return { exitCode: 0, stdout: '', stderr: '', spawnError: null, ...answer };
    },
  };
}

async function failure(promise: Promise<unknown>): Promise<AzsError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(AzsError);
    return err as AzsError;
  }
  throw new Error('expected an error');
}

function decodedScript(request: WindowsSmbRequest): string {
  const index = request.args.indexOf('-EncodedCommand');
  expect(index).toBeGreaterThan(0);
  return Buffer.from(request.args[index + 1] ?? '', 'base64').toString('utf16le');
}

describe('connecting a UNC location on Windows (New-SmbMapping through Windows PowerShell)', () => {
  it('starts Windows PowerShell by absolute path with a fixed script; share, user and password go on stdin', async () => {
    const { spawn, requests } = recorder({ stdout: '{"ok":true}\r\n' });
    await connectWindowsShare(location, { userName: 'CONTOSO\\backupsvc', password: PASSWORD, spawn, env: { SystemRoot: 'C:\\WINDOWS' } });
    expect(requests).toHaveLength(1);
    const [request] = requests;
    if (request === undefined) return;
    expect(request.file).toBe('C:\\WINDOWS\\System32\\WindowsPowerShell\\v1.0\\powershell.exe');
    expect(request.args.slice(0, 6)).toEqual(['-NoLogo', '-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand']);
    // The password is on no command line, not even inside the encoded script.
    expect(request.args.join(' ')).not.toContain(PASSWORD);
    expect(request.args.join(' ')).not.toContain('Pa55');
    expect(decodedScript(request)).not.toContain('Pa55');
    expect(decodedScript(request)).toContain('New-SmbMapping -RemotePath $request.remotePath -UserName $request.userName -Password $request.password -Persistent $false');
    // The connection is to the share root; the folder is reached through it.
    expect(JSON.parse(request.input)).toEqual({ remotePath: '\\\\fs01.contoso.com\\Backups', userName: 'CONTOSO\\backupsvc', password: PASSWORD });
    expect(request.input.endsWith('\n')).toBe(true);
  });

  it('uses the same argv whatever the password, user or share', () => {
    const a = smbMappingRequest(location, 'CONTOSO\\a', 'one');
    const b = smbMappingRequest(parseBackupPath('\\\\10.0.0.5\\other', 'win32') as UncLocation, 'b@contoso.com', 'two');
    expect(a.args).toEqual(b.args);
    expect(a.input).not.toEqual(b.input);
    expect(windowsPowerShellPath({})).toBe('C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe');
  });

  it.each([
    [1326, 'ShareAuthentication'],
    [86, 'ShareAuthentication'],
    [1909, 'ShareAuthentication'],
    [53, 'ShareConnectivity'],
    [1231, 'ShareConnectivity'],
    [67, 'SharePathFault'],
    [112, 'ShareGeneralFault'],
  ])('maps Windows error %i to %s, with the share and never the password', async (code, expected) => {
    expect(classifyWin32Error(code)).toBe(expected);
    const message = `The operation failed for ${PASSWORD}`;
    const { spawn } = recorder({ stdout: `${JSON.stringify({ ok: false, win32Error: code, message })}\r\n` });
    const err = await failure(connectWindowsShare(location, { userName: 'CONTOSO\\backupsvc', password: PASSWORD, spawn }));
    expect(err.code).toBe(expected);
    expect(err.target).toBe('\\\\fs01.contoso.com\\Backups');
    expect(err.message).toContain(`Windows error ${code}`);
    expect(err.message).toContain('CONTOSO\\backupsvc');
    expect(err.message).not.toContain('Pa55');
    expect(JSON.stringify(err.toJSON())).not.toContain('Pa55');
  });

  it('explains a connection to the same server under another user name (1219)', async () => {
    const { spawn } = recorder({ stdout: '{"ok":false,"win32Error":1219,"message":"Multiple connections"}' });
    const err = await failure(connectWindowsShare(location, { userName: 'CONTOSO\\backupsvc', password: PASSWORD, spawn }));
    expect(err.code).toBe('ShareAuthentication');
    expect(err.remediation).toContain('Remove-SmbMapping -RemotePath \\\\fs01.contoso.com\\Backups');
  });

  it('says so when Windows PowerShell cannot be started or gives no answer', async () => {
    const missing = await failure(connectWindowsShare(location, { userName: 'u', password: PASSWORD, spawn: recorder({ exitCode: null, spawnError: 'ENOENT' }).spawn }));
    expect(missing.code).toBe('ShareGeneralFault');
    expect(missing.message).toContain('ENOENT');
    expect(missing.message).toContain('powershell.exe');
    const silent = await failure(connectWindowsShare(location, { userName: 'u', password: PASSWORD, spawn: recorder({ exitCode: 1, stderr: `could not run with ${PASSWORD}` }).spawn }));
    expect(silent.message).toContain('New-SmbMapping gave no answer');
    expect(silent.message).not.toContain('Pa55');
  });
});

describe('openStorageTarget on Windows', () => {
  it('connects with the configured credentials once, on first use, before touching the share', async () => {
    const { spawn, requests } = recorder({ stdout: '{"ok":true}' });
    const target = openStorageTarget({ path: '\\\\fs01\\Backups\\nyc', userName: 'CONTOSO\\svc', password: PASSWORD, platform: 'win32', windowsSpawn: spawn });
    expect(target).toBeInstanceOf(RedirectorTarget);
    expect(target.description).toBe('\\\\fs01\\Backups\\nyc');
    expect(requests).toHaveLength(0);
    // The path does not exist on this Linux host, so the redirector step fails after the connect.
    await expect(target.list('MASBackup')).resolves.toEqual([]);
    await target.list('MASBackup');
    expect(requests).toHaveLength(1);
  });

  it('retries a failed connection on the next call, and spawns nothing without a user name', async () => {
    let answers = ['{"ok":false,"win32Error":53,"message":"not found"}', '{"ok":true}'];
    const requests: WindowsSmbRequest[] = [];
    const spawn: WindowsSmbSpawn = async (request) => {
      requests.push(request);
      const stdout = answers[0] ?? '';
      answers = answers.slice(1);
      return { exitCode: 0, stdout, stderr: '', spawnError: null };
    };
    const target = openStorageTarget({ path: '\\\\fs01\\Backups', userName: 'CONTOSO\\svc', password: 'p', platform: 'win32', windowsSpawn: spawn });
    expect((await failure(target.list(''))).code).toBe('ShareConnectivity');
    await target.list('x');
    expect(requests).toHaveLength(2);

    const plain = openStorageTarget({ path: '\\\\fs01\\Backups', platform: 'win32', windowsSpawn: spawn });
    expect(plain).toBeInstanceOf(LocalTarget);
    await plain.list('x');
    expect(requests).toHaveLength(2);
  });
});
