/**
 * Issue 11, finding 6: on a local or mounted target a power cut must never leave BackupInfo.json
 * beside volumes that were not on disk yet. Proven on the real binary by tracing its system
 * calls: every volume is fsynced under its temporary name, renamed, and its folder fsynced,
 * before BackupInfo.json is renamed into place.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTestCertificate } from '../support/certs.js';
import { binaryPath, runEngine } from '../support/engine.js';
import { makeRoleTree } from '../support/data.js';
import { scratchDir } from '../support/scratch.js';

describe('finding 6: volumes and their folder are durable before BackupInfo.json', () => {
  it('fsyncs each volume, renames it, fsyncs the folder, and only then publishes BackupInfo.json', async () => {
    const work = await scratchDir('azsb-durable-');
    const share = join(work, 'share');
    await mkdir(share);
    const role = join(work, 'data', 'KeyVault');
    makeRoleTree(role, 3);
    const cert = makeTestCertificate(join(work, 'cert'));
    const home = join(work, 'state');
    // Small volumes, so there are several of them to check.
    expect((await runEngine(['config', 'set', '--path', share, '--encryption-cert', cert.cerPath, '--volume-size-mib', '1'], { home })).error).toBeNull();
    expect((await runEngine(['role', 'add', '--name', 'KeyVault', '--path', role], { home })).error).toBeNull();

    const trace = join(work, 'strace.txt');
    // -f: libuv does fsync and rename on its worker threads. -y: file descriptors shown as paths.
    execFileSync('strace', ['-f', '-qq', '-y', '-e', 'trace=fsync,fdatasync,rename,renameat,renameat2', '-o', trace, binaryPath(), 'backup', 'start'], {
      env: { PATH: process.env.PATH ?? '', AZSBACKUP_HOME: home },
      stdio: 'ignore',
    });
    const ids = await readdir(join(share, 'MASBackup'));
    const id = ids.find((n) => /^[0-9a-f-]{36}$/.test(n));
    expect(id).toBeDefined();
    const folder = join(share, 'MASBackup', id!);
    const files = await readdir(folder);
    const volumes = files.filter((f) => f.endsWith('.azsb'));
    expect(volumes.length).toBeGreaterThanOrEqual(3);

    const lines = (await readFile(trace, 'utf8')).split('\n');
    const index = (pattern: RegExp): number => lines.findIndex((l) => pattern.test(l));
    const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const publish = index(new RegExp(`rename\\w*\\(.*${esc(folder)}/\\.BackupInfo\\.json\\.[0-9a-f]+\\.azsb-tmp.*${esc(folder)}/BackupInfo\\.json`));
    expect(publish, 'BackupInfo.json is renamed into place').toBeGreaterThan(0);
    for (const v of volumes) {
      // Uploaded as .<volume>.<random>.azsb-tmp, then renamed to <volume>.
      const temp = `${esc(folder)}/\\.${esc(v)}\\.[0-9a-f]+\\.azsb-tmp`;
      const synced = index(new RegExp(`f(data)?sync\\(\\d+<${temp}>`));
      const renamed = index(new RegExp(`rename\\w*\\(.*, "${esc(folder)}/${esc(v)}"`));
      expect(synced, `${v} fsynced`).toBeGreaterThanOrEqual(0);
      expect(renamed, `${v} renamed`).toBeGreaterThan(synced);
      const dirSynced = lines.findIndex((l, i) => i > renamed && new RegExp(`f(data)?sync\\(\\d+<${esc(folder)}>`).test(l));
      expect(dirSynced, `folder fsynced after ${v}`).toBeGreaterThan(renamed);
      expect(dirSynced, `before BackupInfo.json`).toBeLessThan(publish);
    }
  });
});
