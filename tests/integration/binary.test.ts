import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { binaryPath, runEngine } from '../support/engine.js';
import { makeTestCertificate } from '../support/certs.js';
import { scratchDir } from '../support/scratch.js';

const run = promisify(execFile);

describe('the standalone binary', () => {
  it('runs with an empty environment (no PATH, no node)', async () => {
    const { stdout } = await run(binaryPath(), ['--version'], { env: {} });
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('returns the default BackupLocation with the Azure Stack property names', async () => {
    const home = await scratchDir('azsb-bin-');
    const result = await runEngine(['config', 'get'], { home });
    expect(result.exitCode).toBe(0);
    const location = result.data as Record<string, unknown>;
    expect(Object.keys(location)).toEqual([
      'Id', 'Name', 'Type', 'Location', 'Tag', 'Path', 'UserName', 'Password', 'BlobStorageUrl', 'BlobStorageKey', 'EncryptionCertBase64',
      'EncryptionCertThumbprint', 'BackupFrequencyInHours', 'BackupRetentionPeriodInDays',
      'IsBackupSchedulerEnabled', 'AvailableCapacity', 'NextBackupTime', 'LastBackupTime',
    ]);
    expect(location.Id).toMatch(
      /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/System\.local\/providers\/Microsoft\.Backup\.Admin\/backupLocations\/local$/,
    );
    expect(location.Type).toBe('Microsoft.Backup.Admin/backupLocations');
    expect(location.BackupFrequencyInHours).toBe(12);
    expect(location.BackupRetentionPeriodInDays).toBe(7);
    expect(location.Password).toBe('');
  });

  it('keeps resource tags, replacing them as -Tag does', async () => {
    const home = await scratchDir('azsb-bin-');
    const first = await runEngine(['config', 'set', '--tag', 'env=prod', '--tag', 'owner=ops=team'], { home });
    expect((first.data as Record<string, unknown>).Tag).toEqual({ env: 'prod', owner: 'ops=team' });
    const second = await runEngine(['config', 'set', '--tag', 'env=test'], { home });
    expect((second.data as Record<string, unknown>).Tag).toEqual({ env: 'test' });
    const bad = await runEngine(['config', 'set', '--tag', 'novalue'], { home });
    expect(bad.error).toMatchObject({ code: 'InvalidParameter', target: 'Tag' });
  });

  it('finishes a backup whose reader closed its output, and records it', async () => {
    const work = await scratchDir('azsb-bin-');
    const home = join(work, 'state');
    const share = join(work, 'share');
    const role = join(work, 'role');
    await mkdir(share);
    await mkdir(role);
    for (let i = 0; i < 50; i++) await writeFile(join(role, `f${i}.json`), JSON.stringify({ i }));
    const cert = makeTestCertificate(join(work, 'cert'));
    expect((await runEngine(['config', 'set', '--path', share, '--encryption-cert', cert.cerPath], { home })).error).toBeNull();
    expect((await runEngine(['role', 'add', '--name', 'Data', '--path', role], { home })).error).toBeNull();

    // The reader goes away before the first progress line: every write the engine makes fails with EPIPE.
    const child = spawn(binaryPath(), ['backup', 'start'], { env: { PATH: process.env.PATH ?? '', AZSBACKUP_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    child.stderr.destroy();
    const exitCode = await new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    expect(exitCode).toBe(0);
    const ids = (await readdir(join(share, 'MASBackup'))).filter((n) => /^[0-9a-f-]{36}$/.test(n));
    expect(ids).toHaveLength(1);
    expect(existsSync(join(share, 'MASBackup', ids[0]!, 'BackupInfo.json'))).toBe(true);
    const listed = await runEngine(['backup', 'list'], { home });
    expect((listed.data as Array<Record<string, unknown>>).map((b) => b.Status)).toEqual(['Succeeded']);
  });

  it('counts the progress of a backup and of its restore in bytes of file data, which end at the total announced', async () => {
    const work = await scratchDir('azsb-bin-');
    const home = join(work, 'state');
    const share = join(work, 'share');
    const role = join(work, 'role');
    await mkdir(share);
    await mkdir(join(role, 'config'), { recursive: true });
    // Small files, where the archive's headers and padding outweigh the data several times over.
    let data = 0;
    for (let i = 0; i < 3000; i++) {
      const text = JSON.stringify({ setting: i, value: 'x'.repeat(i % 200) });
      data += Buffer.byteLength(text);
      await writeFile(join(role, 'config', `s${i}.json`), text);
    }
    const cert = makeTestCertificate(join(work, 'cert'));
    expect((await runEngine(['config', 'set', '--path', share, '--encryption-cert', cert.cerPath], { home })).error).toBeNull();
    expect((await runEngine(['role', 'add', '--name', 'Data', '--path', role], { home })).error).toBeNull();

    const backup = await runEngine(['backup', 'start'], { home });
    expect(backup.error).toBeNull();
    const details = backup.lines.filter((l) => l.type === 'progress' && typeof l.bytesDone === 'number') as unknown as Array<{ bytesDone: number; bytesTotal: number }>;
    expect(details.length).toBeGreaterThan(1);
    expect(details.every((d) => d.bytesTotal === data)).toBe(true);
    expect(details.every((d) => d.bytesDone <= data)).toBe(true);
    expect(details.at(-1)!.bytesDone).toBe(data);

    // The restore counts the same bytes, per role too, as each file is written and checked.
    const id = (backup.data as { BackupId: string }).BackupId;
    const restore = await runEngine(['restore', id, '--pfx', cert.pfxPath, '--destination', join(work, 'restored')], { home, secrets: { pfxPassword: cert.pfxPassword } });
    expect(restore.error).toBeNull();
    const restoring = restore.lines.filter((l) => l.type === 'progress' && typeof l.bytesDone === 'number') as unknown as Array<{ bytesDone: number; bytesTotal: number; role?: string; roleBytesTotal?: number }>;
    expect(restoring.length).toBeGreaterThan(1);
    expect(restoring.every((d) => d.bytesTotal === data && d.bytesDone <= data)).toBe(true);
    expect(restoring.some((d) => d.role === 'Data' && d.roleBytesTotal === data)).toBe(true);
    expect(restoring.at(-1)!.bytesDone).toBe(data);
  });

  it('loads only the engine code a command runs: no zlib or worker threads to print the version or list roles', async () => {
    const work = await scratchDir('azsb-bin-');
    // A preloaded script that writes down, at exit, every built-in module the process loaded.
    const probe = join(work, 'probe.cjs');
    await writeFile(probe, "process.on('exit', () => require('fs').writeFileSync(process.env.AZSB_PROBE_OUT, process.moduleLoadList.join('\\n')));\n");
    const loaded = async (name: string, command: (env: Record<string, string>) => Promise<unknown>): Promise<string[]> => {
      const out = join(work, `${name}.txt`);
      await command({ NODE_OPTIONS: `--require ${probe}`, AZSB_PROBE_OUT: out });
      return (await readFile(out, 'utf8')).split('\n').filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice('NativeModule '.length));
    };
    const home = join(work, 'state');
    const share = join(work, 'share');
    const role = join(work, 'role');
    await mkdir(share);
    await mkdir(role);
    await writeFile(join(role, 'settings.json'), '{}');
    const cert = makeTestCertificate(join(work, 'cert'));
    expect((await runEngine(['config', 'set', '--path', share, '--encryption-cert', cert.cerPath], { home })).error).toBeNull();
    expect((await runEngine(['role', 'add', '--name', 'Data', '--path', role], { home })).error).toBeNull();

    const version = await loaded('version', (env) => run(binaryPath(), ['--version'], { env }));
    const roles = await loaded('roles', async (env) => expect((await runEngine(['role', 'list'], { home, env })).error).toBeNull());
    // The probe sees them where they are used: a backup packs on a worker thread and compresses with zlib.
    const backup = await loaded('backup', async (env) => expect((await runEngine(['backup', 'start'], { home, env })).error).toBeNull());
    expect(backup).toEqual(expect.arrayContaining(['zlib', 'worker_threads']));
    for (const modules of [version, roles]) {
      expect(modules).not.toContain('zlib');
      expect(modules).not.toContain('worker_threads');
      expect(modules).not.toContain('readline');
    }
  });

  it('keeps the Azure Storage SDK and execa out of the script every start takes in', async () => {
    // The script the executable was made from (scripts/build.mjs): the SDK and execa travel
    // beside it as assets, loaded only by a blob location or a Windows share with a user
    // (the blob and Wine suites run those paths through this binary).
    const build = join(import.meta.dirname, '..', '..', '.cache', 'build');
    const main = await readFile(join(build, 'azsbackup.cjs'), 'utf8');
    const sdk = await readFile(join(build, 'azure-storage-blob.cjs'), 'utf8');
    const execa = await readFile(join(build, 'execa.cjs'), 'utf8');
    expect(sdk).toContain('ContainerClient=class ');
    expect(execa).toContain('ExecaError=class ');
    expect(main).not.toContain('ContainerClient=class ');
    expect(main).not.toContain('ExecaError=class ');
    expect(main.length).toBeLessThan(sdk.length);
    // And the executable carries them: a blob location is opened through its own copy.
    const binary = await readFile(binaryPath());
    expect(binary.includes('ContainerClient=class ')).toBe(true);
    expect(binary.includes('ExecaError=class ')).toBe(true);
  });

  it('answers an unknown command with a non-zero exit', async () => {
    const result = await runEngine(['no-such-command'], { home: await scratchDir('azsb-bin-') });
    expect(result.exitCode).not.toBe(0);
  });
});
