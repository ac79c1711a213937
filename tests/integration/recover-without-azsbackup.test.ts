import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeTestCertificate } from '../support/certs.js';
import { runEngine } from '../support/engine.js';
import { makeRoleTree, treeDigest } from '../support/data.js';
import { scratchDir } from '../support/scratch.js';

const ROOT = join(import.meta.dirname, '../..');
const PROJECT = join(ROOT, 'tests/decryptor/AzsDecrypt.csproj');
const DLL = join(ROOT, 'tests/decryptor/bin/Release/net10.0/AzsDecrypt.dll');
const DOTNET_ENV = { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1' };

beforeAll(() => {
  execFileSync('dotnet', ['build', PROJECT, '-c', 'Release', '--nologo', '-v', 'quiet'], { env: DOTNET_ENV, stdio: 'pipe' });
});

describe('recovery without AzsBackup (docs/FORMAT.md §12)', () => {
  it('a real backup opens with the independent .NET decryptor, zstd and tar alone', async () => {
    const work = await scratchDir('azsb-recover-');
    const home = join(work, 'state');
    const share = join(work, 'share');
    const data = join(work, 'data');
    await mkdir(share);
    makeRoleTree(data, 5);
    const cert = makeTestCertificate(join(work, 'cert'));
    const run = (args: string[]) => runEngine(args, { home });
    expect((await run(['config', 'set', '--path', share, '--encryption-cert', cert.cerPath, '--volume-size-mib', '2'])).error).toBeNull();
    expect((await run(['role', 'add', '--name', 'KeyVault', '--path', data])).error).toBeNull();
    const backup = (await run(['backup', 'start'])).data as { BackupId: string };

    const folder = join(share, 'MASBackup', backup.BackupId);
    const volumes = readdirSync(folder).filter((n) => /^KeyVault\.\d{3}\.azsb$/.test(n)).sort();
    expect(volumes.length).toBeGreaterThan(1); // several volumes, so concatenation is exercised
    const plain: string[] = [];
    for (const v of volumes) {
      const out = join(work, `${v}.bin`);
      const r = spawnSync('dotnet', [DLL, '--pfx', cert.pfxPath, join(folder, v), out], {
        env: { ...DOTNET_ENV, AZSDECRYPT_PFX_PASSWORD: cert.pfxPassword },
        encoding: 'utf8',
      });
      expect(r.status, r.stderr).toBe(0);
      plain.push(out);
    }
    const restored = join(work, 'restored');
    await mkdir(restored);
    execFileSync('sh', ['-c', 'cat "$@" | zstd -d -q | tar -x -C "$0"', restored, ...plain]);
    expect(treeDigest(restored)).toEqual(treeDigest(data));

    const manifestOut = join(work, 'manifest.json');
    const m = spawnSync('dotnet', [DLL, '--pfx', cert.pfxPath, join(folder, 'manifest.azsb'), manifestOut], {
      env: { ...DOTNET_ENV, AZSDECRYPT_PFX_PASSWORD: cert.pfxPassword },
      encoding: 'utf8',
    });
    expect(m.status, m.stderr).toBe(0);
    expect(existsSync(manifestOut)).toBe(true);
  });
});
