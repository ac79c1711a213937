import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCertificate } from '../support/certs.js';
import { binaryPath } from '../support/engine.js';
import { treeDigest } from '../support/data.js';
import { startSamba, type SambaServer } from '../support/samba.js';
import { configureStamp, newStamp, type Stamp } from '../support/stamp.js';

type Obj = Record<string, unknown>;
const DAY = 86_400_000;

let samba: SambaServer;
beforeAll(async () => {
  samba = await startSamba();
});
afterAll(async () => {
  await samba?.destroy();
});

async function backupOk(stamp: Stamp): Promise<Obj> {
  const run = await stamp.run(['backup', 'start']);
  expect(run.error, JSON.stringify(run.error)).toBeNull();
  return run.data as Obj;
}

async function readJson(path: string): Promise<Obj> {
  return JSON.parse(await readFile(path, 'utf8')) as Obj;
}

/** Ages a backup on the share, as if it had been made `days` ago. */
async function age(stamp: Stamp, backupId: unknown, days: number): Promise<void> {
  const file = join(stamp.samba.shareDir, stamp.folder, 'MASBackup', String(backupId), 'BackupInfo.json');
  const info = await readJson(file);
  info.createdDateTime = new Date(Date.now() - days * DAY).toISOString();
  await writeFile(file, JSON.stringify(info));
}

describe('encryption modes over time', () => {
  it('refuses to back up with neither a certificate nor a key: nothing leaves unencrypted', async () => {
    const stamp = await newStamp(samba, 'noenc');
    expect((await configureStamp(stamp)).error).toBeNull();
    const run = await stamp.run(['backup', 'start']);
    expect(run.error?.code).toBe('EncryptionNotConfigured');
    expect(run.exitCode).toBe(3);
    const root = join(samba.shareDir, 'noenc', 'MASBackup');
    expect(existsSync(root) ? readdirSync(root) : []).toEqual([]);
  });

  it('supports the legacy key until a certificate is set, then only the certificate; old backups stay restorable', async () => {
    const stamp = await newStamp(samba, 'legacy');
    const key = String((await stamp.run(['key', 'new'])).data);
    expect(key).toMatch(/^[A-Za-z0-9+/]{86}==$/);
    const set = await configureStamp(stamp, [], { encryptionKey: key });
    expect(set.error).toBeNull();
    expect(set.warnings.join(' ')).toMatch(/deprecated/i);
    expect(await readFile(join(stamp.home, 'config.json'), 'utf8')).not.toContain(key);

    const keyBackup = await backupOk(stamp);
    expect(keyBackup.EncryptionCertThumbprint).toBeNull();
    const updatedKey = String((await stamp.run(['key', 'new'])).data);
    expect((await stamp.run(['config', 'set', '--secrets-stdin'], { encryptionKey: updatedKey })).error).toBeNull();

    // The one-way switch to a certificate.
    expect((await stamp.run(['config', 'set', '--encryption-cert', stamp.cert.cerPath])).error).toBeNull();
    const refused = await stamp.run(['config', 'set'], { encryptionKey: key });
    expect(refused.error?.code).toBe('EncryptionKeyModeClosed');
    expect(refused.error?.message).toMatch(/one-way/);
    const certBackup = await backupOk(stamp);
    expect(certBackup.EncryptionCertThumbprint).toBe(stamp.cert.thumbprint);

    // The backup made with the first key opens with that key, given on stdin.
    const dest = join(stamp.work, 'from-key');
    const restored = await stamp.run(['restore', String(keyBackup.BackupId), '--destination', dest], { encryptionKey: key });
    expect(restored.error).toBeNull();
    expect(treeDigest(join(dest, 'WAS'))).toEqual(treeDigest(stamp.roles.WAS));
    // ... and not with the later key.
    const wrongKey = await stamp.run(['restore', String(keyBackup.BackupId), '--destination', join(stamp.work, 'x')], { encryptionKey: updatedKey });
    expect(wrongKey.error?.code).toBe('DecryptionCertMismatch');
  });

  it('rotates certificates: new backups use the new one, old ones still open with the old .pfx', async () => {
    const stamp = await newStamp(samba, 'rotation');
    expect((await configureStamp(stamp, ['--encryption-cert', stamp.cert.cerPath])).error).toBeNull();
    const before = await backupOk(stamp);
    const next = makeTestCertificate(join(stamp.work, 'cert2'), { name: 'Rotated' });
    const set = await stamp.run(['config', 'set', '--encryption-cert', next.cerPath]);
    expect((set.data as Obj).EncryptionCertThumbprint).toBe(next.thumbprint);
    const after = await backupOk(stamp);
    expect(after.EncryptionCertThumbprint).toBe(next.thumbprint);
    expect(before.EncryptionCertThumbprint).toBe(stamp.cert.thumbprint);

    const old = await stamp.run(['restore', String(before.BackupId), '--pfx', stamp.cert.pfxPath, '--destination', join(stamp.work, 'old')], { pfxPassword: stamp.cert.pfxPassword });
    expect(old.error).toBeNull();
    const mismatch = await stamp.run(['restore', String(before.BackupId), '--pfx', next.pfxPath, '--destination', join(stamp.work, 'bad')], { pfxPassword: next.pfxPassword });
    expect(mismatch.error?.code).toBe('DecryptionCertMismatch');
    const fresh = await stamp.run(['backup', 'verify', String(after.BackupId), '--pfx', next.pfxPath], { pfxPassword: next.pfxPassword });
    expect(fresh.data).toMatchObject({ Verified: true, Level: 'Full' });
  });

  it('refuses a .pfx given as the encryption certificate, and a 1024-bit key', async () => {
    const stamp = await newStamp(samba, 'badcert');
    const pfx = await configureStamp(stamp, ['--encryption-cert', stamp.cert.pfxPath]);
    expect(pfx.error?.code).toBe('CertificateHasPrivateKey');
    const weak = makeTestCertificate(join(stamp.work, 'weak'), { bits: 1024 });
    const small = await stamp.run(['config', 'set', '--encryption-cert', weak.cerPath]);
    expect(small.error?.code).toBe('CertificateInvalid');
    expect(small.error?.message).toMatch(/2048/);
  });
});

describe('retention and pruning', () => {
  let stamp: Stamp;
  beforeAll(async () => {
    stamp = await newStamp(samba, 'retention');
    expect((await configureStamp(stamp, ['--encryption-cert', stamp.cert.cerPath, '--retention', '7'])).error).toBeNull();
  });

  it('deletes expired backups but never the newest good one; dry run lists exactly what is deleted', async () => {
    const oldest = await backupOk(stamp);
    const middle = await backupOk(stamp);
    const newest = await backupOk(stamp);
    await age(stamp, oldest.BackupId, 12);
    await age(stamp, middle.BackupId, 10);
    await age(stamp, newest.BackupId, 9);

    const dry = (await stamp.run(['prune', '--dry-run'])).data as Obj;
    expect(dry.PathsToDelete).toEqual([`MASBackup/${oldest.BackupId}`, `MASBackup/${middle.BackupId}`]);
    const pruned = (await stamp.run(['prune'])).data as Obj;
    expect(pruned.PathsToDelete).toEqual(dry.PathsToDelete);
    const left = ((await stamp.run(['backup', 'list'])).data as Obj[]).map((b) => b.BackupId);
    expect(left).toEqual([newest.BackupId]);
    expect(((await stamp.run(['prune', '--dry-run'])).data as Obj).PathsToDelete).toEqual([]);
    const log = await readFile(join(stamp.home, 'logs', 'prune.log'), 'utf8');
    expect(log).toContain(String(oldest.BackupId));
    expect(log).toMatch(/Expired/);
  });

  it('deletes at once what a lowered retention makes too old', async () => {
    const a = await backupOk(stamp);
    const b = await backupOk(stamp);
    await age(stamp, a.BackupId, 5);
    await age(stamp, b.BackupId, 0.5);
    const set = await stamp.run(['config', 'set', '--retention', '3']);
    expect(set.error).toBeNull();
    const ids = ((await stamp.run(['backup', 'list'])).data as Obj[]).map((x) => x.BackupId);
    expect(ids).toContain(b.BackupId);
    expect(ids).not.toContain(a.BackupId);
  });

  it("removes upload temporaries a killed process left beside the index and the certificate copies, once they are a day old", async () => {
    await backupOk(stamp);
    const masBackup = join(samba.shareDir, 'retention', 'MASBackup');
    const thumbprint = String(((await stamp.run(['config', 'get'])).data as Obj).EncryptionCertThumbprint);
    const old = [join(masBackup, '.AzsBackupIndex.json.0123456789ab.azsb-tmp'), join(masBackup, 'certificates', `.${thumbprint}.cer.a1b2c3d4e5f6.azsb-tmp`)];
    const fresh = join(masBackup, '.AzsBackupIndex.json.ba9876543210.azsb-tmp');
    const admins = join(masBackup, '.notes.azsb-tmp');
    for (const file of [...old, fresh, admins]) await writeFile(file, '{"half": ');
    const threeDaysAgo = new Date(Date.now() - 3 * DAY);
    for (const file of [...old, admins]) await utimes(file, threeDaysAgo, threeDaysAgo);

    const dry = (await stamp.run(['prune', '--dry-run'])).data as Obj;
    const expected = ['MASBackup/.AzsBackupIndex.json.0123456789ab.azsb-tmp', `MASBackup/certificates/.${thumbprint}.cer.a1b2c3d4e5f6.azsb-tmp`];
    expect(dry.PathsToDelete).toEqual(expected);
    expect(old.every((f) => existsSync(f))).toBe(true);

    const pruned = (await stamp.run(['prune'])).data as Obj;
    expect(pruned.PathsToDelete).toEqual(expected);
    expect(old.some((f) => existsSync(f))).toBe(false);
    // A temporary of an upload that may still run, and a file that is not ours, stay.
    expect(existsSync(fresh)).toBe(true);
    expect(existsSync(admins)).toBe(true);
    expect(await readFile(join(stamp.home, 'logs', 'prune.log'), 'utf8')).toMatch(/TemporaryLeftover/);
    // The certificate copy itself and the backup were not touched.
    expect(existsSync(join(masBackup, 'certificates', `${thumbprint}.cer`))).toBe(true);
    expect(((await stamp.run(['backup', 'list'])).data as Obj[]).length).toBeGreaterThan(0);
  });

  it('leaves folders it did not create alone', async () => {
    const foreign = join(samba.shareDir, 'retention', 'MASBackup', 'not-ours');
    await mkdir(foreign, { recursive: true });
    await writeFile(join(foreign, 'keep.txt'), 'admin data');
    await stamp.run(['prune']);
    expect(existsSync(join(foreign, 'keep.txt'))).toBe(true);
  });
});

describe('the scheduler service', () => {
  it('runs a due backup, skips while disabled, and leaves NextBackupTime alone for on-demand backups', async () => {
    const stamp = await newStamp(samba, 'scheduled');
    expect((await configureStamp(stamp, ['--encryption-cert', stamp.cert.cerPath, '--frequency', '4'])).error).toBeNull();
    const schedulePath = join(stamp.home, 'schedule.json');
    const scheduled = await readJson(schedulePath);
    expect(Date.parse(String(scheduled.nextBackupTime)) - Date.now()).toBeGreaterThan(3.9 * 3_600_000);

    // An on-demand backup sets LastBackupTime and leaves NextBackupTime where it was.
    await backupOk(stamp);
    const afterOnDemand = await readJson(schedulePath);
    expect(afterOnDemand.nextBackupTime).toBe(scheduled.nextBackupTime);
    expect(afterOnDemand.lastBackupTime).not.toBeNull();

    // Make the next slot due now, and run the real service.
    await writeFile(schedulePath, JSON.stringify({ ...afterOnDemand, nextBackupTime: new Date(Date.now() - 1000).toISOString() }));
    const service = spawn(binaryPath(), ['service', 'run', '--tick-seconds', '1'], {
      env: { PATH: process.env.PATH ?? '', ...samba.env, AZSBACKUP_HOME: stamp.home },
    });
    let serviceLog = '';
    service.stderr.on('data', (d: Buffer) => (serviceLog += d.toString()));
    try {
      let automatic: Obj | undefined;
      for (let i = 0; i < 60 && !automatic; i++) {
        await delay(500);
        const list = (await stamp.run(['backup', 'list'])).data as Obj[] | undefined;
        // Both backups finished: the automatic one is listed as Running while it uploads.
        const finished = list !== undefined && list.length >= 2 && list.every((b) => b.Status === 'Succeeded');
        automatic = finished ? list[0] : undefined;
      }
      expect(automatic, serviceLog).toBeDefined();
      const infos = await Promise.all(
        ((await stamp.run(['backup', 'list'])).data as Obj[]).map((b) => readJson(join(samba.shareDir, 'scheduled', 'MASBackup', String(b.BackupId), 'BackupInfo.json'))),
      );
      expect(infos.filter((i) => i.isAutomaticBackup === true)).toHaveLength(1);
      await delay(1500);
      const afterRun = await readJson(schedulePath);
      expect(Date.parse(String(afterRun.nextBackupTime))).toBeGreaterThan(Date.now() + 3 * 3_600_000);

      // Disabled: the due slot is skipped and logged, and no backup is made.
      expect((await stamp.run(['schedule', 'disable'])).data).toMatchObject({ IsBackupSchedulerEnabled: false, BackupFrequencyInHours: 4 });
      await writeFile(schedulePath, JSON.stringify({ ...(await readJson(schedulePath)), nextBackupTime: new Date(Date.now() - 1000).toISOString() }));
      await delay(3500);
      expect(((await stamp.run(['backup', 'list'])).data as Obj[]).length).toBe(2);
      const skipped = await readJson(schedulePath);
      expect(JSON.stringify(skipped.lastSkipped)).toMatch(/disabled/i);
      expect((await stamp.run(['schedule', 'enable'])).data).toMatchObject({ IsBackupSchedulerEnabled: true, BackupFrequencyInHours: 4 });
    } finally {
      service.kill('SIGTERM');
      const code = await new Promise<number | null>((resolve) => service.on('close', resolve));
      expect(code).toBe(0);
    }
  });

  it('recovers a lock left by a dead process and marks its backup Failed', async () => {
    const stamp = await newStamp(samba, 'crashed');
    expect((await configureStamp(stamp, ['--encryption-cert', stamp.cert.cerPath])).error).toBeNull();
    const deadPid = 2 ** 22 - 7;
    const crashedId = '11111111-2222-4333-8444-555555555555';
    const startedAt = new Date(Date.now() - 60_000).toISOString();
    await writeFile(join(stamp.home, 'backup.lock'), JSON.stringify({ pid: deadPid, backupId: crashedId, startedAt, hostname: hostname() }));
    await mkdir(join(stamp.home, 'catalog'), { recursive: true });
    await writeFile(
      join(stamp.home, 'catalog', `${crashedId}.json`),
      JSON.stringify({ backupId: crashedId, status: 'Running', createdDateTime: startedAt, completedDateTime: null, isAutomaticBackup: true, pid: deadPid, error: null }),
    );
    const made = await backupOk(stamp);
    expect(made.Status).toBe('Succeeded');
    const list = (await stamp.run(['backup', 'list'])).data as Obj[];
    expect(list.find((b) => b.BackupId === crashedId)?.Status).toBe('Failed');
  });

  it('starts a backup without waiting and reports it Running, then Succeeded', async () => {
    // Sixteen volumes, each its own upload: the backup runs for seconds, far longer than the
    // 100 ms between the parent's looks at it. With one small volume a fast machine could finish
    // the whole backup between two looks, and the parent would rightly report it Succeeded.
    const stamp = await newStamp(samba, 'nowait', { keyVaultMiB: 16, wasMiB: 1 });
    expect((await configureStamp(stamp, ['--encryption-cert', stamp.cert.cerPath, '--volume-size-mib', '1'])).error).toBeNull();
    const started = await stamp.run(['backup', 'start', '--no-wait']);
    expect(started.error).toBeNull();
    expect((started.data as Obj).Status).toBe('Running');
    let status = 'Running';
    for (let i = 0; i < 60 && status === 'Running'; i++) {
      await delay(500);
      status = String(((await stamp.run(['backup', 'get', String((started.data as Obj).BackupId)])).data as Obj | undefined)?.Status ?? 'Running');
    }
    expect(status).toBe('Succeeded');
  });
});
