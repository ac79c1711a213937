import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCertificate, type TestCertificate } from '../support/certs.js';
import { makeRoleTree, treeDigest } from '../support/data.js';
import { runEngine } from '../support/engine.js';
import { startWine, windowsBinary, type Wine } from '../support/wine.js';

type Obj = Record<string, unknown>;

// The Windows engine, run for real under Wine: the same binary an operator installs, on Windows
// paths (drive letters, a mapped drive, a UNC path Wine serves from a folder). What Wine cannot
// show is SMB to a real Windows file server; README.md says so.
let wine: Wine;
let work: string;
let cert: TestCertificate;
const roles = { KeyVault: '', WAS: '' };

beforeAll(async () => {
  wine = await startWine();
  work = mkdtempSync(join(tmpdir(), 'azsb-win-'));
  cert = makeTestCertificate(join(work, 'cert'));
  for (const name of ['KeyVault', 'WAS'] as const) {
    roles[name] = join(work, 'data', name.toLowerCase());
    makeRoleTree(roles[name], 1);
  }
}, 180_000);
afterAll(async () => {
  await wine?.destroy();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A fresh state directory and backup folder; the roles are registered by their Windows paths. */
async function stamp(name: string, location?: string): Promise<{ home: string; target: string; location: string; run: (args: string[], secrets?: Record<string, string>) => ReturnType<Wine['run']> }> {
  const home = wine.windowsPath(join(work, name, 'state'));
  const target = join(work, name, 'target');
  mkdirSync(target, { recursive: true });
  const run = (args: string[], secrets?: Record<string, string>) => wine.run(args, { home, ...(secrets ? { secrets } : {}) });
  for (const [role, dir] of Object.entries(roles)) {
    const added = await run(['role', 'add', '--name', role, '--path', wine.windowsPath(dir)]);
    expect(added.error, added.stdout + added.stderr).toBeNull();
  }
  return { home, target, location: location ?? wine.windowsPath(target), run };
}

/** The backup folders (GUIDs) under a location's MASBackup, sorted. */
function backupFolders(location: string): string[] {
  return readdirSync(join(location, 'MASBackup')).filter((name) => /^[0-9a-f-]{36}$/.test(name)).sort();
}

async function backupOk(run: (args: string[]) => ReturnType<Wine['run']>): Promise<Obj> {
  const started = await run(['backup', 'start']);
  expect(started.error, started.stdout + started.stderr).toBeNull();
  expect(started.exitCode).toBe(0);
  return started.data as Obj;
}

describe('the Windows engine under Wine', () => {
  it('prints its version', async () => {
    const version = await wine.run(['--version'], { home: wine.windowsPath(work) });
    expect(version.exitCode).toBe(0);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
  });

  it('configures, backs up, lists, verifies and restores a local folder byte for byte', async () => {
    const s = await stamp('local');
    const set = await s.run(['config', 'set', '--path', s.location, '--encryption-cert', wine.windowsPath(cert.cerPath)]);
    expect(set.error, set.stdout + set.stderr).toBeNull();
    expect((set.data as Obj).Path).toBe(s.location);
    expect((set.data as Obj).EncryptionCertThumbprint).toBe(cert.thumbprint);

    const backup = await backupOk(s.run);
    expect(backup.Status).toBe('Succeeded');
    expect(backupFolders(s.target)).toEqual([String(backup.BackupId)]);

    const list = await s.run(['backup', 'list']);
    expect((list.data as Obj[]).map((b) => b.BackupId)).toEqual([backup.BackupId]);

    const verify = await s.run(['backup', 'verify', String(backup.BackupId), '--pfx', wine.windowsPath(cert.pfxPath)], { pfxPassword: cert.pfxPassword });
    expect(verify.error, verify.stdout).toBeNull();
    expect(verify.data).toMatchObject({ Verified: true, Level: 'Full' });

    const dest = join(work, 'local', 'restored');
    const restore = await s.run(['restore', String(backup.BackupId), '--pfx', wine.windowsPath(cert.pfxPath), '--destination', wine.windowsPath(dest)], { pfxPassword: cert.pfxPassword });
    expect(restore.error, restore.stdout + restore.stderr).toBeNull();
    for (const [role, dir] of Object.entries(roles)) expect(treeDigest(join(dest, role))).toEqual(treeDigest(dir));
  });

  it('keeps the legacy key mode until a certificate is set, and old key backups restore with their key', async () => {
    const s = await stamp('legacy');
    const key = String((await s.run(['key', 'new'])).data);
    expect(key).toMatch(/^[A-Za-z0-9+/]{86}==$/);
    const set = await s.run(['config', 'set', '--path', s.location], { encryptionKey: key });
    expect(set.error, set.stdout).toBeNull();
    expect(set.warnings.join(' ')).toMatch(/deprecated/i);
    expect(readFileSync(join(work, 'legacy', 'state', 'config.json'), 'utf8')).not.toContain(key);
    const keyBackup = await backupOk(s.run);
    expect(keyBackup.EncryptionCertThumbprint).toBeNull();

    expect((await s.run(['config', 'set', '--encryption-cert', wine.windowsPath(cert.cerPath)])).error).toBeNull();
    const refused = await s.run(['config', 'set'], { encryptionKey: key });
    expect(refused.error?.code).toBe('EncryptionKeyModeClosed');

    const dest = join(work, 'legacy', 'restored');
    const restored = await s.run(['restore', String(keyBackup.BackupId), '--destination', wine.windowsPath(dest)], { encryptionKey: key });
    expect(restored.error, restored.stdout).toBeNull();
    expect(treeDigest(join(dest, 'WAS'))).toEqual(treeDigest(roles.WAS));
  });

  it('rotates certificates on a mapped drive: new backups use the new one, old ones open with the old .pfx', async () => {
    // M: shows the backup folder the way a drive mapped to a share does.
    const s = await stamp('rotation', 'M:\\nyc');
    mkdirSync(join(work, 'rotation', 'target', 'nyc'));
    wine.mapDrive('m', join(work, 'rotation', 'target'));
    expect((await s.run(['config', 'set', '--path', s.location, '--encryption-cert', wine.windowsPath(cert.cerPath)])).error).toBeNull();
    const before = await backupOk(s.run);
    const next = makeTestCertificate(join(work, 'rotation', 'cert2'), { name: 'Rotated' });
    const set = await s.run(['config', 'set', '--encryption-cert', wine.windowsPath(next.cerPath)]);
    expect((set.data as Obj).EncryptionCertThumbprint).toBe(next.thumbprint);
    const after = await backupOk(s.run);
    expect(after.EncryptionCertThumbprint).toBe(next.thumbprint);
    expect(before.EncryptionCertThumbprint).toBe(cert.thumbprint);
    expect(backupFolders(join(work, 'rotation', 'target', 'nyc'))).toEqual([String(before.BackupId), String(after.BackupId)].sort());

    const dest = join(work, 'rotation', 'old');
    const old = await s.run(['restore', String(before.BackupId), '--pfx', wine.windowsPath(cert.pfxPath), '--destination', wine.windowsPath(dest)], { pfxPassword: cert.pfxPassword });
    expect(old.error, old.stdout).toBeNull();
    expect(treeDigest(join(dest, 'KeyVault'))).toEqual(treeDigest(roles.KeyVault));
    const mismatch = await s.run(['restore', String(before.BackupId), '--pfx', wine.windowsPath(next.pfxPath), '--destination', wine.windowsPath(join(work, 'rotation', 'bad'))], { pfxPassword: next.pfxPassword });
    expect(mismatch.error?.code).toBe('DecryptionCertMismatch');
    const fresh = await s.run(['backup', 'verify', String(after.BackupId), '--pfx', wine.windowsPath(next.pfxPath)], { pfxPassword: next.pfxPassword });
    expect(fresh.data).toMatchObject({ Verified: true, Level: 'Full' });
  });

  it('backs up to a UNC path the Windows redirector serves, without spawning anything when no user is configured', async () => {
    const s = await stamp('unc', '\\\\fileserver\\backups\\nyc');
    mkdirSync(join(work, 'unc', 'target', 'nyc'));
    wine.mapUnc('fileserver', 'backups', join(work, 'unc', 'target'));
    const set = await s.run(['config', 'set', '--path', s.location, '--encryption-cert', wine.windowsPath(cert.cerPath)]);
    expect(set.error, set.stdout).toBeNull();
    const backup = await backupOk(s.run);
    expect(backupFolders(join(work, 'unc', 'target', 'nyc'))).toEqual([String(backup.BackupId)]);
    const verify = await s.run(['backup', 'verify', String(backup.BackupId)]);
    expect(verify.data).toMatchObject({ Verified: true });
  });

  it('connects a UNC path with the configured user through powershell.exe, and refuses to save a location it could not connect', async () => {
    // Wine's powershell.exe is a stub that prints nothing: the engine must start it (the real
    // spawn path of a Windows host), find no answer, and change nothing. A real New-SmbMapping
    // is not available here; README.md says so.
    const s = await stamp('unc-user', '\\\\fileserver2\\backups\\nyc');
    mkdirSync(join(work, 'unc-user', 'target', 'nyc'));
    wine.mapUnc('fileserver2', 'backups', join(work, 'unc-user', 'target'));
    const password = 'Wine-Secret-9f3';
    const refused = await s.run(['config', 'set', '--path', s.location, '--user-name', 'CONTOSO\\backupsvc', '--encryption-cert', wine.windowsPath(cert.cerPath)], { password });
    expect(refused.error?.code, refused.stdout + refused.stderr).toBe('ShareGeneralFault');
    expect(refused.error?.message).toContain('connecting to \\\\fileserver2\\backups as CONTOSO\\backupsvc');
    expect(refused.error?.message).toContain('New-SmbMapping gave no answer');
    expect(refused.stdout + refused.stderr).not.toContain(password);
    expect((await s.run(['config', 'get'])).data).toMatchObject({ Path: null, UserName: null });
    expect(readdirSync(join(work, 'unc-user', 'target', 'nyc'))).toEqual([]);

    // The same location without a user name goes straight through the redirector.
    const plain = await s.run(['config', 'set', '--path', s.location, '--encryption-cert', wine.windowsPath(cert.cerPath)]);
    expect(plain.error, plain.stdout).toBeNull();
    expect(readdirSync(join(work, 'unc-user', 'target', 'nyc'))).toEqual(['MASBackup']);
  });

  it('backs up to and restores from a \\\\?\\ location longer than 260 characters', async () => {
    const dirs = Array.from({ length: 5 }, (_, i) => `a-long-folder-name-to-pass-the-old-windows-limit-of-260-chars-${i}`);
    const s = await stamp('long');
    const target = join(s.target, ...dirs);
    mkdirSync(target, { recursive: true });
    const location = `\\\\?\\${wine.windowsPath(target)}`;
    expect(location.length).toBeGreaterThan(260);
    const set = await s.run(['config', 'set', '--path', location, '--encryption-cert', wine.windowsPath(cert.cerPath)]);
    expect(set.error, set.stdout).toBeNull();
    const backup = await backupOk(s.run);
    expect(backupFolders(target)).toEqual([String(backup.BackupId)]);
    // A destination that long fails under Wine in realpath (GetFinalPathNameByHandle answers
    // UNKNOWN), so the restore goes to a short one; README.md lists this as not verified.
    const dest = join(work, 'long', 'restored');
    const restore = await s.run(['restore', String(backup.BackupId), '--role', 'WAS', '--pfx', wine.windowsPath(cert.pfxPath), '--destination', wine.windowsPath(dest)], { pfxPassword: cert.pfxPassword });
    expect(restore.error, restore.stdout).toBeNull();
    expect(treeDigest(join(dest, 'WAS'))).toEqual(treeDigest(roles.WAS));
  });

  it('refuses to restore a name Windows cannot hold from a Linux-made backup, instead of writing to a device', async () => {
    // The Linux engine backs up a role holding aux.c (an ordinary name on Linux).
    const linuxHome = join(work, 'cross', 'linux-state');
    const target = join(work, 'cross', 'target');
    const source = join(work, 'cross', 'source');
    makeRoleTree(source, 0);
    mkdirSync(target, { recursive: true });
    writeFileSync(join(source, 'aux.c'), 'int main(void) { return 0; }\n');
    expect((await runEngine(['config', 'set', '--path', target, '--encryption-cert', cert.cerPath], { home: linuxHome })).error).toBeNull();
    expect((await runEngine(['role', 'add', '--name', 'WAS', '--path', source], { home: linuxHome })).error).toBeNull();
    const made = await runEngine(['backup', 'start'], { home: linuxHome });
    expect(made.error, made.stdout).toBeNull();
    const id = String((made.data as Obj).BackupId);

    const home = wine.windowsPath(join(work, 'cross', 'win-state'));
    expect((await wine.run(['config', 'set', '--path', wine.windowsPath(target), '--encryption-cert', wine.windowsPath(cert.cerPath)], { home })).error).toBeNull();
    const verify = await wine.run(['backup', 'verify', id, '--pfx', wine.windowsPath(cert.pfxPath)], { home, secrets: { pfxPassword: cert.pfxPassword } });
    expect(verify.data, verify.stdout).toMatchObject({ Verified: true, Level: 'Full' });
    const dest = join(work, 'cross', 'restored');
    const restore = await wine.run(['restore', id, '--pfx', wine.windowsPath(cert.pfxPath), '--destination', wine.windowsPath(dest)], { home, secrets: { pfxPassword: cert.pfxPassword } });
    expect(restore.error?.code, restore.stdout + restore.stderr).toBe('NameNotRestorable');
    expect(restore.error?.message).toContain("'aux.c' cannot be restored on Windows");
    expect(restore.exitCode).toBe(10);
    // Like any failed restore, it leaves no partly restored role behind.
    expect(existsSync(join(dest, 'WAS'))).toBe(false);
  });

  it('signs the engine with an operator certificate as docs/SIGNING.md shows, and the signed engine runs', async () => {
    const dir = join(work, 'signing');
    mkdirSync(join(dir, 'binaries', 'win-x64'), { recursive: true });
    copyFileSync(windowsBinary, join(dir, 'binaries', 'win-x64', 'azsbackup.exe'));
    const signer = makeTestCertificate(join(dir, 'cert'), { name: 'Contoso Code Signing', eku: ['codeSigning'] });
    copyFileSync(signer.pfxPath, join(dir, 'codesign.pfx'));
    copyFileSync(signer.pemPath, join(dir, 'codesign-ca.pem'));
    // As built, the engine carries no signature (the Node.js one is removed before injection).
    const unsigned = spawnSync('osslsigncode', ['verify', '-in', windowsBinary], { encoding: 'utf8' });
    expect(unsigned.stdout + unsigned.stderr).toContain('No signature found');

    const docs = readFileSync('docs/SIGNING.md', 'utf8');
    const block = /```sh\n([\s\S]*?)```/.exec(docs)?.[1];
    expect(block).toBeDefined();
    const signed = spawnSync('bash', ['-euo', 'pipefail', '-c', block ?? ''], { cwd: dir, input: `${signer.pfxPassword}\n`, encoding: 'utf8' });
    expect(signed.status, signed.stdout + signed.stderr).toBe(0);
    expect(signed.stdout).toContain('Signature verification: ok');

    const version = await wine.run(['--version'], { home: wine.windowsPath(dir) }, join(dir, 'binaries', 'win-x64', 'azsbackup.exe'));
    expect(version.exitCode).toBe(0);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
  });
});
