import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEngine } from '../support/engine.js';
import { startSamba, type SambaServer } from '../support/samba.js';
import { configureStamp, newStamp, type Stamp } from '../support/stamp.js';

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
    const run = await runEngine(['backup', 'list'], { home: await mkdtemp(join(tmpdir(), 'azsb-empty-')) });
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
