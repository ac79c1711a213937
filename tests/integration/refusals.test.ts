import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEngine } from '../support/engine.js';
import { startSamba, type SambaServer } from '../support/samba.js';
import { treeDigest } from '../support/data.js';
import { configureStamp, newStamp, type Stamp } from '../support/stamp.js';
import { scratchDir } from '../support/scratch.js';

let samba: SambaServer;
let stamp: Stamp;
beforeAll(async () => {
  samba = await startSamba();
  stamp = await newStamp(samba, 'refusals', { keyVaultMiB: 4, wasMiB: 4 });
  expect((await configureStamp(stamp, ['--encryption-cert', stamp.cert.cerPath])).error).toBeNull();
});
afterAll(async () => {
  await samba?.destroy();
});

describe('bad input is refused with the parameter, the value and what is allowed', () => {
  it.each([
    [['--frequency', '3'], 'BackupFrequencyInHours', /4 to 12/],
    [['--frequency', '13'], 'BackupFrequencyInHours', /4 to 12/],
    [['--retention', '1'], 'BackupRetentionPeriodInDays', /2 to 14/],
    [['--retention', '15'], 'BackupRetentionPeriodInDays', /2 to 14/],
    [['--path', 'relative\\folder'], 'Path', /./],
  ])('config set %j', async (args, parameter, allowed) => {
    const before = await readFile(join(stamp.home, 'config.json'), 'utf8');
    const run = await stamp.run(['config', 'set', ...args]);
    expect(run.exitCode).toBe(2);
    expect(run.error).toMatchObject({ code: 'InvalidParameter', category: 'InvalidArgument', target: parameter });
    expect(run.error?.message).toMatch(allowed);
    expect(await readFile(join(stamp.home, 'config.json'), 'utf8')).toBe(before);
  });

  it('refuses a missing encryption certificate file', async () => {
    const run = await stamp.run(['config', 'set', '--encryption-cert', join(stamp.work, 'nope.cer')]);
    expect(run.error).toMatchObject({ code: 'CertificateInvalid', target: 'EncryptionCertPath' });
  });

  it('refuses role sources the agent cannot back up', async () => {
    const missing = await stamp.run(['role', 'add', '--name', 'Ghost', '--path', join(stamp.work, 'does-not-exist')]);
    expect(missing.exitCode).toBe(4);
    expect(missing.error).toMatchObject({ code: 'SourceRejected' });
    expect(missing.error?.message).toContain('does-not-exist');
    const file = await stamp.run(['role', 'add', '--name', 'AFile', '--path', join(stamp.home, 'config.json')]);
    expect(file.error?.code).toBe('SourceRejected');
    const roles = (await stamp.run(['role', 'list'])).data as Array<{ Name: string }>;
    expect(roles.map((r) => r.Name)).toEqual(['KeyVault', 'WAS']);
  });

  it('answers an unconfigured engine with NotConfigured, not an empty list', async () => {
    const run = await runEngine(['backup', 'list'], { home: await scratchDir('azsb-empty-') });
    expect(run.error?.code).toBe('NotConfigured');
    expect(run.exitCode).toBe(3);
  });
});

describe('the staging cache (seed 003: free space of at least 10 % of the data set)', () => {
  const mountPoint = join(tmpdir(), `azsb-small-staging-${process.pid}`);
  afterAll(async () => {
    try {
      execFileSync('umount', [mountPoint]);
    } catch {
      // not mounted
    }
    await rm(mountPoint, { recursive: true, force: true });
  });

  it('refuses to start a backup when the cache is too small, and leaves the share untouched', async () => {
    await mkdir(mountPoint, { recursive: true });
    // A real, small file system: 512 KiB cannot hold 10 % of 8 MiB of data.
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', mountPoint]);
    expect((await stamp.run(['config', 'set', '--staging-path', mountPoint])).error).toBeNull();
    const run = await stamp.run(['backup', 'start']);
    expect(run.exitCode).toBe(4);
    expect(run.error).toMatchObject({ code: 'StagingSpaceLow', target: mountPoint });
    expect(run.error?.message).toMatch(/needs at least/);
    const list = (await stamp.run(['backup', 'list'])).data as Array<{ Status: string }>;
    expect(list.every((b) => b.Status === 'Failed')).toBe(true);
    expect((await stamp.run(['config', 'set', '--staging-path', ''])).error).toBeNull();
    expect(((await stamp.run(['backup', 'start'])).data as { Status: string }).Status).toBe('Succeeded');
  });
});

describe('the restore destination: a restore that cannot fit is refused before anything is written', () => {
  const mounts: string[] = [];
  /** A real, small file system, as a nearly full data volume would be. */
  async function smallVolume(options: string): Promise<string> {
    const at = join(tmpdir(), `azsb-small-dest-${process.pid}-${mounts.length}`);
    await mkdir(at, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', at]);
    mounts.push(at);
    return at;
  }
  let backupId: string;
  const restore = (dest: string, role?: string) =>
    stamp.run(['restore', backupId, '--pfx', stamp.cert.pfxPath, '--destination', dest, ...(role ? ['--role', role] : [])], { pfxPassword: stamp.cert.pfxPassword });

  beforeAll(async () => {
    // 256 KiB of data and 400 symlinks whose 300-character targets take a 4 KiB page each on
    // tmpfs: the manifest lists only the file, so this role passes the check and then fills a
    // 1 MiB volume while it is written.
    const links = join(stamp.work, 'data', 'links');
    await mkdir(links, { recursive: true });
    await writeFile(join(links, 'data.bin'), randomBytes(256 * 1024));
    for (let i = 0; i < 400; i++) await symlink(`/${'t'.repeat(290)}/${i}`, join(links, `link-${i}`));
    expect((await stamp.run(['role', 'add', '--name', 'Links', '--path', links])).error).toBeNull();
    const backup = await stamp.run(['backup', 'start']);
    expect(backup.data).toMatchObject({ Status: 'Succeeded' });
    backupId = String((backup.data as { BackupId: string }).BackupId);
  });
  afterAll(async () => {
    for (const at of mounts) {
      try {
        execFileSync('umount', [at]);
      } catch {
        // not mounted
      }
      await rm(at, { recursive: true, force: true });
    }
    await stamp.run(['role', 'remove', '--name', 'Links']);
  });

  it('refuses a volume without the space, names it and the sizes, and writes nothing there', async () => {
    const dest = await smallVolume('size=1m');
    const run = await restore(dest);
    expect(run.exitCode).toBe(4);
    expect(run.error).toMatchObject({ code: 'RestoreSpaceLow', category: 'ResourceUnavailable', target: dest });
    expect(run.error?.message).toMatch(/KeyVault, WAS, Links/);
    expect(run.error?.message).toMatch(/needs about 8\.\d+ MB free there; that volume has 1 MB free\. Nothing was restored\./);
    expect(run.error?.remediation).toMatch(/-DestinationPath/);
    expect(await readdir(dest)).toEqual([]);
    // The same restore where the roles fit.
    const roomy = await smallVolume('size=12m');
    const done = await restore(roomy);
    expect(done.error).toBeNull();
    expect((await readdir(roomy)).sort()).toEqual(['KeyVault', 'Links', 'WAS']);
    expect(treeDigest(join(roomy, 'KeyVault'))).toEqual(treeDigest(stamp.roles.KeyVault));

    // Again over that copy: the new one would be written beside it, and both do not fit. The
    // copy already there is left exactly as it was.
    const again = await restore(roomy);
    expect(again.error).toMatchObject({ code: 'RestoreSpaceLow', target: roomy });
    expect(again.error?.message).toMatch(/free there \(the restore is written beside the current copy, which keeps its space until the restored one replaces it\); that volume has/);
    expect((await readdir(roomy)).sort()).toEqual(['KeyVault', 'Links', 'WAS']);
    expect(treeDigest(join(roomy, 'KeyVault'))).toEqual(treeDigest(stamp.roles.KeyVault));
  });

  it('refuses a volume without free inodes for the files', async () => {
    const dest = await smallVolume('size=64m,nr_inodes=16');
    const run = await restore(dest, 'KeyVault');
    expect(run.error).toMatchObject({ code: 'RestoreSpaceLow', target: dest });
    expect(run.error?.message).toMatch(/creates about 1[89] files and folders, but that volume has room for only 1[0-5] more \(free inodes\)/);
    expect(await readdir(dest)).toEqual([]);
  });

  it('calls a full staging cache full, not the backup damaged, when it cannot hold the list of files', async () => {
    // One page: the spool's owner record or its first list takes it.
    const cache = await smallVolume('size=4k');
    expect((await stamp.run(['config', 'set', '--staging-path', cache])).error).toBeNull();
    try {
      const dest = join(stamp.work, 'restore-with-full-cache');
      const run = await restore(dest);
      expect(run.exitCode).toBe(4);
      expect(run.error).toMatchObject({ code: 'StagingSpaceLow', target: cache });
      expect(run.error?.message).toMatch(/ran out of space while the list of files of backup .* was unpacked there; the backup itself is not affected/);
      expect(run.error?.remediation).toMatch(/--staging-path/);
      await expect(readdir(dest)).rejects.toThrow(/ENOENT/);
      expect(await readdir(cache)).toEqual([]);
      const verify = await stamp.run(['backup', 'verify', backupId, '--pfx', stamp.cert.pfxPath], { pfxPassword: stamp.cert.pfxPassword });
      expect(verify.error).toMatchObject({ code: 'StagingSpaceLow', target: cache });
    } finally {
      expect((await stamp.run(['config', 'set', '--staging-path', ''])).error).toBeNull();
    }
    // The same backup, with the cache back where it has room.
    const verified = await stamp.run(['backup', 'verify', backupId, '--pfx', stamp.cert.pfxPath], { pfxPassword: stamp.cert.pfxPassword });
    expect(verified.data).toMatchObject({ Verified: true });
  });

  it('reports a volume that fills up while the restore writes, and removes the partial copy', async () => {
    const dest = await smallVolume('size=1m');
    const run = await restore(dest, 'Links');
    expect(run.exitCode).toBe(4);
    expect(run.error).toMatchObject({ code: 'RestoreSpaceLow', target: dest });
    expect(run.error?.message).toMatch(/ran out of space while role Links was restored to .*Links; the partial copy was removed/);
    expect(await readdir(dest)).toEqual([]);
  });
});
