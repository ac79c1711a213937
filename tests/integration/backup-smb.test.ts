import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCertificate, type TestCertificate } from '../support/certs.js';
import { binaryPath } from '../support/engine.js';
import { makeRoleTree, treeDigest } from '../support/data.js';
import { configureStamp, newStamp, type Stamp } from '../support/stamp.js';
import { startSamba, type SambaServer } from '../support/samba.js';

/** A stamp on its share folder with a certificate configured, and a second, unrelated certificate. */
async function certifiedStamp(samba: SambaServer, folder: string): Promise<Stamp & { other: TestCertificate }> {
  const stamp = await newStamp(samba, folder, { keyVaultMiB: 3, wasMiB: 1 });
  const set = await configureStamp(stamp, ['--encryption-cert', stamp.cert.cerPath]);
  expect(set.error).toBeNull();
  return Object.assign(stamp, { other: makeTestCertificate(join(stamp.work, 'other'), { name: 'Another certificate', pfxPlainCertificate: true }) });
}

const engine = (stamp: Stamp, args: string[], secrets?: Record<string, string>) => stamp.run(args, secrets);

async function backup(stamp: Stamp): Promise<Record<string, unknown>> {
  const run = await engine(stamp, ['backup', 'start']);
  expect(run.error, JSON.stringify(run.error)).toBeNull();
  return run.data as Record<string, unknown>;
}

/** Changes one bit in the middle of a file on the share; the same call again puts it back. */
async function flipMiddleByte(file: string, mask: number): Promise<void> {
  const bytes = await readFile(file);
  bytes[Math.floor(bytes.length / 2)]! ^= mask;
  await writeFile(file, bytes);
}

describe('backups to a real Samba share (user + password)', () => {
  let samba: SambaServer;
  let stamp: Stamp & { other: TestCertificate };
  let first: Record<string, unknown>;

  beforeAll(async () => {
    samba = await startSamba();
    stamp = await certifiedStamp(samba, 'stamp1');
    first = await backup(stamp);
  });
  afterAll(async () => {
    await samba?.destroy();
  });

  it('configures the share and reports its capacity, never the password', async () => {
    const location = (await engine(stamp, ['config', 'get'])).data as Record<string, unknown>;
    expect(location.Path).toBe(`${samba.uncPath}\\stamp1`);
    expect(location.UserName).toBe(samba.userName);
    expect(location.Password).toBe('');
    expect(location.AvailableCapacity).toMatch(/^\d+(\.\d+)? (MB|GB|TB)$/);
    expect(location.EncryptionCertThumbprint).toBe(stamp.cert.thumbprint);
    expect(await readFile(join(stamp.home, 'config.json'), 'utf8')).not.toContain(samba.password);
  });

  it('makes a Succeeded backup with both roles, laid out under MASBackup', async () => {
    expect(first.Status).toBe('Succeeded');
    expect(first.RoleStatus).toEqual([
      { RoleName: 'KeyVault', Status: 'Succeeded', Message: null },
      { RoleName: 'WAS', Status: 'Succeeded', Message: null },
    ]);
    expect(first.Name).toBe(`local/${first.BackupId}`);
    expect(first.EncryptionCertThumbprint).toBe(stamp.cert.thumbprint);
    expect(first.TimeTakenToCreate).toMatch(/^PT(\d+H)?(\d+M)?[\d.]+S$/);
    const folder = join(samba.shareDir, 'stamp1', 'MASBackup', String(first.BackupId));
    expect(readdirSync(folder).sort()).toEqual(['BackupInfo.json', 'KeyVault.000.azsb', 'WAS.000.azsb', 'manifest.azsb']);
    // Nothing readable leaks onto the share: the logs' text must not appear in any volume.
    const volume = await readFile(join(folder, 'KeyVault.000.azsb'));
    expect(volume.includes(Buffer.from('INFO line 42'))).toBe(false);
  });

  it('lists and gets the backup by GUID and by region/GUID', async () => {
    const list = (await engine(stamp, ['backup', 'list'])).data as Array<Record<string, unknown>>;
    expect(list.map((b) => b.BackupId)).toContain(first.BackupId);
    for (const name of [String(first.BackupId), `local/${first.BackupId}`]) {
      const got = await engine(stamp, ['backup', 'get', name]);
      expect((got.data as Record<string, unknown>).BackupId).toBe(first.BackupId);
    }
    const missing = await engine(stamp, ['backup', 'get', '00000000-0000-0000-0000-000000000000']);
    expect(missing.error?.code).toBe('BackupNotFound');
    expect(missing.exitCode).toBe(6);
  });

  it('verifies checksums without a key and every chunk with the .pfx', async () => {
    const quick = await engine(stamp, ['backup', 'verify', String(first.BackupId)]);
    expect(quick.data).toMatchObject({ Level: 'Checksums', Verified: true, Volumes: 2 });
    const full = await engine(stamp, ['backup', 'verify', String(first.BackupId), '--pfx', stamp.cert.pfxPath], { pfxPassword: stamp.cert.pfxPassword });
    expect(full.data).toMatchObject({ Level: 'Full', Verified: true, Files: 12 });
    // The bytes verified are the role data's, the same total the backup recorded.
    expect((full.data as Record<string, unknown>).Bytes).toBe(first.SourceSizeInBytes);
  });

  it('restores byte-identical data beside the originals', async () => {
    const dest = join(stamp.work, 'restored');
    const run = await engine(stamp, ['restore', String(first.BackupId), '--pfx', stamp.cert.pfxPath, '--destination', dest], { pfxPassword: stamp.cert.pfxPassword });
    expect(run.error).toBeNull();
    expect(treeDigest(join(dest, 'KeyVault'))).toEqual(treeDigest(stamp.roles.KeyVault));
    expect(treeDigest(join(dest, 'WAS'))).toEqual(treeDigest(stamp.roles.WAS));
  });

  it('restores one role to its original path, replacing what changed there', async () => {
    const before = treeDigest(stamp.roles.WAS);
    await writeFile(join(stamp.roles.WAS, 'config', 'settings.json'), 'damaged');
    await writeFile(join(stamp.roles.WAS, 'stray.txt'), 'not in the backup');
    const run = await engine(stamp, ['restore', `local/${first.BackupId}`, '--role', 'WAS', '--pfx', stamp.cert.pfxPath], { pfxPassword: stamp.cert.pfxPassword });
    expect(run.error).toBeNull();
    expect(treeDigest(stamp.roles.WAS)).toEqual(before);
  });

  it('refuses the wrong certificate before trying its password, and a wrong password', async () => {
    const dest = join(stamp.work, 'wrong-cert');
    // This .pfx shows its certificate without the password: refused before the password is tried.
    const wrongCert = await engine(stamp, ['restore', String(first.BackupId), '--pfx', stamp.other.pfxPath, '--destination', dest], { pfxPassword: 'not-even-its-password' });
    expect(wrongCert.error?.code).toBe('DecryptionCertMismatch');
    expect(wrongCert.error?.message).toContain(stamp.cert.thumbprint);
    expect(wrongCert.error?.message).toContain(stamp.other.thumbprint);
    // With its own password the wrong certificate is refused just the same.
    const wrongCertRightPassword = await engine(stamp, ['restore', String(first.BackupId), '--pfx', stamp.other.pfxPath, '--destination', dest], { pfxPassword: stamp.other.pfxPassword });
    expect(wrongCertRightPassword.error?.code).toBe('DecryptionCertMismatch');
    const wrongPassword = await engine(stamp, ['restore', String(first.BackupId), '--pfx', stamp.cert.pfxPath, '--destination', dest], { pfxPassword: 'wrong' });
    expect(wrongPassword.error?.code).toBe('DecryptionPasswordWrong');
    expect(wrongPassword.stdout).not.toContain(stamp.cert.pfxPassword);
    expect(existsSync(dest) ? readdirSync(dest) : []).toEqual([]);
  });

  it('leaves no spool in the staging cache when a restore finds no such backup, or the key is wrong', async () => {
    // The restore makes its spool and copies the manifest into it while it looks the backup up.
    const spools = () => (existsSync(join(stamp.home, 'staging')) ? readdirSync(join(stamp.home, 'staging')).filter((f) => f.startsWith('manifest-')) : []);
    const dest = join(stamp.work, 'no-spool');
    const missing = await engine(stamp, ['restore', '6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', '--pfx', stamp.cert.pfxPath, '--destination', dest], { pfxPassword: stamp.cert.pfxPassword });
    expect(missing.error?.code).toBe('BackupNotFound');
    expect(spools()).toEqual([]);
    const wrongPassword = await engine(stamp, ['restore', String(first.BackupId), '--pfx', stamp.cert.pfxPath, '--destination', dest], { pfxPassword: 'wrong' });
    expect(wrongPassword.error?.code).toBe('DecryptionPasswordWrong');
    expect(spools()).toEqual([]);
    // The same restore with the right password goes through, and removes its spool too.
    const right = await engine(stamp, ['restore', String(first.BackupId), '--pfx', stamp.cert.pfxPath, '--destination', dest], { pfxPassword: stamp.cert.pfxPassword });
    expect(right.error).toBeNull();
    expect(treeDigest(join(dest, 'WAS'))).toEqual(treeDigest(stamp.roles.WAS));
    expect(spools()).toEqual([]);
  });

  it('detects a tampered manifest (copied ahead into the spool), restores nothing and leaves no spool', async () => {
    const backupOf = await backup(stamp);
    const manifest = join(samba.shareDir, 'stamp1', 'MASBackup', String(backupOf.BackupId), 'manifest.azsb');
    await flipMiddleByte(manifest, 0x01);
    const dest = join(stamp.work, 'tampered-manifest');
    const run = await engine(stamp, ['restore', String(backupOf.BackupId), '--pfx', stamp.cert.pfxPath, '--destination', dest], { pfxPassword: stamp.cert.pfxPassword });
    expect(run.error?.code).toBe('IntegrityFailed');
    expect(existsSync(dest) ? readdirSync(dest) : []).toEqual([]);
    expect(readdirSync(join(stamp.home, 'staging')).filter((f) => f.startsWith('manifest-'))).toEqual([]);
    await flipMiddleByte(manifest, 0x01);
    const restored = await engine(stamp, ['restore', String(backupOf.BackupId), '--pfx', stamp.cert.pfxPath, '--destination', dest], { pfxPassword: stamp.cert.pfxPassword });
    expect(restored.error).toBeNull();
  });

  it('detects a tampered volume and leaves no partly restored tree', async () => {
    const second = await backup(stamp);
    const volume = join(samba.shareDir, 'stamp1', 'MASBackup', String(second.BackupId), 'KeyVault.000.azsb');
    await flipMiddleByte(volume, 0x40);
    const quick = await engine(stamp, ['backup', 'verify', String(second.BackupId)]);
    expect(quick.error?.code).toBe('IntegrityFailed');
    const dest = join(stamp.work, 'tampered');
    const run = await engine(stamp, ['restore', String(second.BackupId), '--pfx', stamp.cert.pfxPath, '--destination', dest], { pfxPassword: stamp.cert.pfxPassword });
    expect(run.error?.code).toBe('IntegrityFailed');
    expect(existsSync(dest) ? readdirSync(dest) : []).toEqual([]);
  });

  it('detects a truncated volume', async () => {
    const third = await backup(stamp);
    const volume = join(samba.shareDir, 'stamp1', 'MASBackup', String(third.BackupId), 'WAS.000.azsb');
    const size = (await readFile(volume)).length;
    await truncate(volume, size - 70_000);
    const full = await engine(stamp, ['backup', 'verify', String(third.BackupId), '--pfx', stamp.cert.pfxPath], { pfxPassword: stamp.cert.pfxPassword });
    expect(full.error?.code).toBe('IntegrityFailed');
  });

  it('refuses a wrong share password and keeps the previous configuration', async () => {
    const before = (await engine(stamp, ['config', 'get'])).data as Record<string, unknown>;
    const run = await engine(stamp, ['config', 'set', '--path', `${samba.uncPath}\\elsewhere`, '--frequency', '6'], { password: 'definitely-wrong' });
    expect(run.error?.code).toBe('ShareAuthentication');
    expect(run.exitCode).toBe(5);
    expect(run.stdout).not.toContain('definitely-wrong');
    const after = (await engine(stamp, ['config', 'get'])).data as Record<string, unknown>;
    expect(after.Path).toBe(before.Path);
    expect(after.BackupFrequencyInHours).toBe(before.BackupFrequencyInHours);
    expect((await engine(stamp, ['backup', 'verify', String(first.BackupId)])).data).toMatchObject({ Verified: true });
  });

  it('allows one backup at a time: of two concurrent starts exactly one succeeds', async () => {
    const [a, b] = await Promise.all([engine(stamp, ['backup', 'start']), engine(stamp, ['backup', 'start'])]);
    const outcomes = [a, b].map((r) => r.error?.code ?? (r.data as Record<string, unknown>).Status).sort();
    expect(outcomes).toEqual(['BackupInProgress', 'Succeeded']);
    const refused = [a, b].find((r) => r.error)!;
    expect(refused.error!.message).toMatch(/[0-9a-f-]{36}/);
  });
});

describe('a share that goes away in the middle of a backup', () => {
  let samba: SambaServer;
  afterAll(async () => {
    await samba?.destroy();
  });

  it('fails the backup, leaves nothing that looks valid, and keeps the previous good backup', async () => {
    samba = await startSamba();
    const stamp = await certifiedStamp(samba, 'stamp2');
    const good = await backup(stamp);
    // Many small volumes and enough data that the upload is still going when smbd is stopped.
    await engine(stamp, ['config', 'set', '--volume-size-mib', '1']);
    makeRoleTree(join(stamp.roles.KeyVault, 'more'), 24);

    const child = spawn(binaryPath(), ['backup', 'start'], { env: { PATH: process.env.PATH ?? '', ...samba.env, AZSBACKUP_HOME: stamp.home } });
    let stdout = '';
    let stopped = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (!stopped && stdout.includes('Uploaded KeyVault.002.azsb')) {
        stopped = true;
        void samba.stop();
      }
    });
    const exitCode = await new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
    expect(stopped).toBe(true);
    expect(exitCode).toBe(5);
    const error = stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; error?: { code: string } }).find((l) => l.type === 'error');
    expect(error?.error?.code).toMatch(/^Share(Connectivity|GeneralFault)$/);

    await samba.restart();
    const list = (await engine(stamp, ['backup', 'list'])).data as Array<Record<string, unknown>>;
    const failed = list.find((b) => b.BackupId !== good.BackupId);
    expect(failed?.Status).toBe('Failed');
    const failedFolder = join(samba.shareDir, 'stamp2', 'MASBackup', String(failed?.BackupId));
    expect(existsSync(join(failedFolder, 'BackupInfo.json'))).toBe(false);
    expect(list.find((b) => b.BackupId === good.BackupId)?.Status).toBe('Succeeded');
    const verify = await engine(stamp, ['backup', 'verify', String(good.BackupId), '--pfx', stamp.cert.pfxPath], { pfxPassword: stamp.cert.pfxPassword });
    expect(verify.data).toMatchObject({ Verified: true, Level: 'Full' });
    await rm(join(stamp.roles.KeyVault, 'more'), { recursive: true });
  });
});

describe.each([
  ['server signing = mandatory', { signingMandatory: true }],
  ['SMB3 only', { smb3Only: true }],
])('round trip with %s', (_label, options) => {
  let samba: SambaServer;
  afterAll(async () => {
    await samba?.destroy();
  });

  it('backs up and restores byte-identical data', async () => {
    samba = await startSamba(options);
    const stamp = await certifiedStamp(samba, 'hardened');
    const made = await backup(stamp);
    expect(made.Status).toBe('Succeeded');
    const dest = join(stamp.work, 'restored');
    const run = await engine(stamp, ['restore', String(made.BackupId), '--pfx', stamp.cert.pfxPath, '--destination', dest], { pfxPassword: stamp.cert.pfxPassword });
    expect(run.error).toBeNull();
    expect(treeDigest(join(dest, 'KeyVault'))).toEqual(treeDigest(stamp.roles.KeyVault));
  });
});
