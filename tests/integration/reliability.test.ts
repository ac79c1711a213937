/**
 * Issue 11's findings, each proven against a real Samba share and the real binary: bad metadata,
 * bad ids, clock jumps and a hostile manifest never cost a good backup.
 */
import { chmod, cp, mkdir, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEngine } from '../support/engine.js';
import { makeFidelityTree, treeMeta } from '../support/data.js';
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

async function certified(folder: string): Promise<Stamp> {
  const stamp = await newStamp(samba, folder, { keyVaultMiB: 1, wasMiB: 1 });
  const set = await configureStamp(stamp, ['--encryption-cert', stamp.cert.cerPath, '--retention', '7']);
  expect(set.error).toBeNull();
  return stamp;
}

async function backup(stamp: Stamp): Promise<string> {
  const run = await stamp.run(['backup', 'start']);
  expect(run.error, JSON.stringify(run.error)).toBeNull();
  return String((run.data as Obj).BackupId);
}

const masBackup = (stamp: Stamp) => join(samba.shareDir, stamp.folder, 'MASBackup');

/** Makes a backup folder look `days` old on the share, files and folder alike. */
async function age(stamp: Stamp, id: string, days: number): Promise<void> {
  const when = new Date(Date.now() - days * DAY);
  const folder = join(masBackup(stamp), id);
  for (const f of await readdir(folder)) await utimes(join(folder, f), when, when);
  await utimes(folder, when, when);
}

describe('finding 1: a backup whose BackupInfo.json cannot be read is never deleted or hidden', () => {
  let stamp: Stamp;
  let damagedId: string;
  let goodId: string;
  let infoPath: string;
  let original: string;

  beforeAll(async () => {
    stamp = await certified('unreadable');
    damagedId = await backup(stamp);
    goodId = await backup(stamp);
    infoPath = join(masBackup(stamp), damagedId, 'BackupInfo.json');
    original = await readFile(infoPath, 'utf8');
  });

  it('prune and its dry run refuse, name the folder and delete nothing when the file is truncated', async () => {
    await writeFile(infoPath, '{"truncat');
    await age(stamp, damagedId, 3);
    const before = (await readdir(join(masBackup(stamp), damagedId))).sort();
    for (const args of [['prune', '--dry-run'], ['prune']]) {
      const run = await stamp.run(args);
      expect(run.exitCode, JSON.stringify(run.data)).not.toBe(0);
      expect(run.error?.code).toBe('IntegrityFailed');
      expect(run.error?.message).toContain(`MASBackup/${damagedId}`);
      expect(run.error?.message).toMatch(/deleted nothing/);
    }
    expect((await readdir(join(masBackup(stamp), damagedId))).sort()).toEqual(before);
    expect(before).toContain(`KeyVault.000.azsb`);
  });

  it('Get-AzsBackup (backup list / get) and the status list it as Failed with a warning', async () => {
    const list = await stamp.run(['backup', 'list']);
    expect(list.error).toBeNull();
    const row = (list.data as Obj[]).find((b) => b.BackupId === damagedId);
    expect(row?.Status).toBe('Failed');
    expect(list.warnings.join('\n')).toContain(damagedId);
    expect(list.warnings.join('\n')).toMatch(/not valid JSON/);
    const got = await stamp.run(['backup', 'get', damagedId]);
    expect((got.data as Obj).BackupId).toBe(damagedId);
    expect(got.warnings.join('\n')).toContain(damagedId);
    const status = (await stamp.run(['status'])).data as Obj;
    expect((status.Warnings as string[]).join('\n')).toContain(damagedId);
  });

  it('a BackupInfo.json the share refuses to read is just as protected', async () => {
    await writeFile(infoPath, original);
    // smbd serves the share as the test user: mode 000 is an access-denied read over SMB.
    await chmod(infoPath, 0o000);
    try {
      const run = await stamp.run(['prune']);
      expect(run.exitCode).not.toBe(0);
      expect(run.error?.message).toContain(`MASBackup/${damagedId}`);
      expect(run.error?.message).toMatch(/could not be read/);
      expect(existsSync(join(masBackup(stamp), damagedId, 'KeyVault.000.azsb'))).toBe(true);
    } finally {
      await chmod(infoPath, 0o644);
    }
  });

  it('once the file is whole again, prune runs, and still deletes a genuinely incomplete upload', async () => {
    await writeFile(infoPath, original);
    const orphan = '0badc0de-0000-4000-8000-000000000001';
    await mkdir(join(masBackup(stamp), orphan));
    await writeFile(join(masBackup(stamp), orphan, 'KeyVault.000.azsb'), 'half a volume');
    await chmod(join(masBackup(stamp), orphan), 0o777);
    await age(stamp, orphan, 3);
    const run = await stamp.run(['prune']);
    expect(run.error).toBeNull();
    expect((run.data as Obj).PathsToDelete).toEqual([`MASBackup/${orphan}`]);
    expect(existsSync(join(masBackup(stamp), orphan))).toBe(false);
    const ids = ((await stamp.run(['backup', 'list'])).data as Obj[]).map((b) => b.BackupId);
    expect(ids).toEqual(expect.arrayContaining([damagedId, goodId]));
  });
});

describe('finding 2: --backup-id is a new GUID or an InvalidParameter error, and nothing else is deleted', () => {
  let stamp: Stamp;
  let existing: string;

  beforeAll(async () => {
    stamp = await certified('backupid');
    existing = await backup(stamp);
  });

  async function snapshot(): Promise<string[]> {
    const state = (await readdir(stamp.home, { recursive: true })).map((p) => `state/${p}`);
    const share = (await readdir(join(samba.shareDir, stamp.folder), { recursive: true })).map((p) => `share/${p}`);
    return [...state, ...share].filter((p) => !p.startsWith('state/logs')).sort();
  }

  it.each([['..'], [''], ['.'], ['../../etc'], ['MASBackup'], ['not-a-guid'], ['{3f2504e0-4f89-41d3-9a0c-0305e82c3301}']])(
    'refuses %j and changes nothing',
    async (id) => {
      const before = await snapshot();
      const run = await stamp.run(['backup', 'start', '--backup-id', id]);
      expect(run.exitCode).toBe(2);
      expect(run.error).toMatchObject({ code: 'InvalidParameter', target: 'BackupId' });
      expect(run.error?.message).toMatch(/GUID/);
      expect(await snapshot()).toEqual(before);
      expect(existsSync(join(stamp.home, 'config.json'))).toBe(true);
    },
  );

  it('refuses the id of a backup already on the share, which stays whole', async () => {
    const before = await snapshot();
    const run = await stamp.run(['backup', 'start', '--backup-id', existing.toUpperCase()]);
    expect(run.exitCode).toBe(2);
    expect(run.error?.code).toBe('InvalidParameter');
    expect(run.error?.message).toContain(existing);
    expect(run.error?.message).toMatch(/no backup uses yet/);
    expect(await snapshot()).toEqual(before);
    const verify = await stamp.run(['backup', 'verify', existing, '--pfx', stamp.cert.pfxPath], { pfxPassword: stamp.cert.pfxPassword });
    expect(verify.data).toMatchObject({ Verified: true });
  });

  it('refuses an id that only the share knows (another machine wrote it), and leaves it whole', async () => {
    const foreign = '5e1f0000-0000-4000-8000-00000000f00d';
    await cp(join(masBackup(stamp), existing), join(masBackup(stamp), foreign), { recursive: true });
    const before = await snapshot();
    const run = await stamp.run(['backup', 'start', '--backup-id', foreign]);
    expect(run.exitCode).toBe(2);
    expect(run.error).toMatchObject({ code: 'InvalidParameter', target: 'BackupId' });
    expect(run.error?.message).toContain(`MASBackup/${foreign} already exists`);
    expect(await snapshot()).toEqual(before);
    await rm(join(masBackup(stamp), foreign), { recursive: true });
  });

  it('refuses an id that only the local catalog knows (a backup that failed before reaching the share)', async () => {
    const local = '5e1f0000-0000-4000-8000-00000000beef';
    const record = { backupId: local, status: 'Failed', createdDateTime: '2026-01-01T00:00:00.000Z', completedDateTime: '2026-01-01T00:00:01.000Z', isAutomaticBackup: false, pid: 1, error: { code: 'ShareConnectivity', message: 'the share did not answer' } };
    await writeFile(join(stamp.home, 'catalog', `${local}.json`), JSON.stringify(record));
    const before = await snapshot();
    const run = await stamp.run(['backup', 'start', '--backup-id', local.toUpperCase()]);
    expect(run.exitCode).toBe(2);
    expect(run.error).toMatchObject({ code: 'InvalidParameter', target: 'BackupId' });
    expect(run.error?.message).toContain('this one is in the local catalog');
    expect(await snapshot()).toEqual(before);
    await rm(join(stamp.home, 'catalog', `${local}.json`));
  });

  it('a fresh GUID is accepted and names the backup', async () => {
    const id = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
    const run = await stamp.run(['backup', 'start', '--backup-id', id]);
    expect(run.error).toBeNull();
    expect((run.data as Obj).BackupId).toBe(id);
    expect(existsSync(join(masBackup(stamp), id, 'BackupInfo.json'))).toBe(true);
  });
});

describe('finding 3: restore writes only to registered role paths or under -DestinationPath', () => {
  let stamp: Stamp;
  let forged: string;
  let victim: string;
  const restoreArgs = (id: string, extra: string[] = []) => ['restore', id, '--pfx', stamp.cert.pfxPath, ...extra];

  beforeAll(async () => {
    stamp = await certified('forged');
    await backup(stamp);
    // Someone with only the public .cer (the share publishes it) writes a valid backup to the same
    // folder from another machine: a role 'Precious' whose source path is a directory of ours.
    victim = join(stamp.work, 'precious');
    await mkdir(victim);
    await writeFile(join(victim, 'data.txt'), 'forged content');
    const forger = join(stamp.work, 'forger-state');
    const run = (args: string[], secrets?: Record<string, string>) => runEngine(args, { home: forger, env: samba.env, ...(secrets ? { secrets } : {}) });
    const set = await run(['config', 'set', '--path', `${samba.uncPath}\\${stamp.folder}`, '--user-name', samba.userName, '--encryption-cert', stamp.cert.cerPath], { password: samba.password });
    expect(set.error).toBeNull();
    expect((await run(['role', 'add', '--name', 'Precious', '--path', victim])).error).toBeNull();
    expect((await run(['role', 'add', '--name', 'KeyVault', '--path', victim])).error).toBeNull();
    const made = await run(['backup', 'start']);
    expect(made.error).toBeNull();
    forged = String((made.data as Obj).BackupId);
    // Back on our machine, the directory holds what we care about.
    await writeFile(join(victim, 'data.txt'), 'precious');
  });

  it('a role not registered here is refused without -DestinationPath, and nothing changes', async () => {
    const run = await stamp.run(restoreArgs(forged, ['--role', 'Precious']), { pfxPassword: stamp.cert.pfxPassword });
    expect(run.error?.code).toBe('RoleNotFound');
    expect(run.error?.message).toMatch(/not registered/);
    expect(run.error?.remediation).toMatch(/-DestinationPath/);
    expect(await readFile(join(victim, 'data.txt'), 'utf8')).toBe('precious');
    // A whole-backup restore is refused before it writes anything, too.
    const all = await stamp.run(restoreArgs(forged), { pfxPassword: stamp.cert.pfxPassword });
    expect(all.error?.code).toBe('RoleNotFound');
    expect(await readFile(join(victim, 'data.txt'), 'utf8')).toBe('precious');
    expect(readdirSync(stamp.roles.KeyVault)).not.toContain('data.txt');
  });

  it('a registered role goes to the path registered here, never to the path the manifest names', async () => {
    const run = await stamp.run(restoreArgs(forged, ['--role', 'KeyVault']), { pfxPassword: stamp.cert.pfxPassword });
    expect(run.error).toBeNull();
    expect((run.data as { Roles: Array<{ Path: string }> }).Roles[0]?.Path).toBe(stamp.roles.KeyVault);
    expect(await readFile(join(victim, 'data.txt'), 'utf8')).toBe('precious');
    expect(await readFile(join(stamp.roles.KeyVault, 'data.txt'), 'utf8')).toBe('forged content');
  });

  it('with -DestinationPath an unregistered role restores under it', async () => {
    const dest = join(stamp.work, 'chosen');
    const run = await stamp.run(restoreArgs(forged, ['--role', 'Precious', '--destination', dest]), { pfxPassword: stamp.cert.pfxPassword });
    expect(run.error).toBeNull();
    expect(await readFile(join(dest, 'Precious', 'data.txt'), 'utf8')).toBe('forged content');
    expect(await readFile(join(victim, 'data.txt'), 'utf8')).toBe('precious');
  });
});

describe('finding 5: clock jumps neither stop backups nor take the newest-good protection', () => {
  let stamp: Stamp;
  beforeAll(async () => {
    stamp = await certified('clock');
  });

  async function redate(id: string, created: Date): Promise<void> {
    const file = join(masBackup(stamp), id, 'BackupInfo.json');
    const info = JSON.parse(await readFile(file, 'utf8')) as Obj;
    info.createdDateTime = created.toISOString();
    await writeFile(file, JSON.stringify(info));
  }

  it('a backup dated a year ahead is not protected over the genuinely newest one, which prune keeps', async () => {
    const ahead = await backup(stamp);
    const newest = await backup(stamp);
    // The first was made while the clock ran a year ahead; the second while it ran 20 days behind.
    await redate(ahead, new Date(Date.now() + 365 * DAY));
    await redate(newest, new Date(Date.now() - 20 * DAY));
    const run = await stamp.run(['prune']);
    expect(run.error).toBeNull();
    expect((run.data as Obj).PathsToDelete).toEqual([]);
    const ids = ((await stamp.run(['backup', 'list'])).data as Obj[]).map((b) => b.BackupId);
    expect(ids).toEqual(expect.arrayContaining([ahead, newest]));
    // Once a newer backup exists the 20-day-old one is simply expired: the retention that runs
    // after every backup deletes it, so the same rule does delete when it should.
    const third = await stamp.run(['backup', 'start']);
    expect(third.error).toBeNull();
    expect(third.warnings.join('\n')).toContain(`MASBackup/${newest}`);
    expect(existsSync(join(masBackup(stamp), newest))).toBe(false);
    expect(existsSync(join(masBackup(stamp), ahead))).toBe(true);
  });

  it('NextBackupTime a year ahead (a corrected forward jump) is shown within one period of now', async () => {
    expect((await stamp.run(['config', 'set', '--frequency', '6', '--scheduler', 'true'])).error).toBeNull();
    const file = join(stamp.home, 'schedule.json');
    const state = JSON.parse(await readFile(file, 'utf8')) as Obj;
    state.nextBackupTime = new Date(Date.now() + 365 * DAY).toISOString();
    await writeFile(file, JSON.stringify(state));
    for (const args of [['status'], ['config', 'get']]) {
      const shown = Date.parse(String(((await stamp.run(args)).data as Obj).NextBackupTime));
      expect(shown).toBeGreaterThan(Date.now() - 60_000);
      expect(shown).toBeLessThanOrEqual(Date.now() + 6 * 3_600_000);
    }
  });
});

describe('finding 10: restore gives back mode, owner, times, symlinks and empty folders', () => {
  it('through the real binary, to -DestinationPath and to the registered path', async () => {
    const stamp = await certified('fidelity');
    const role = join(stamp.work, 'data', 'fidelity');
    makeFidelityTree(role);
    const before = treeMeta(role);
    expect((await stamp.run(['role', 'add', '--name', 'Fidelity', '--path', role])).error).toBeNull();
    const id = await backup(stamp);
    const pfx = { pfxPassword: stamp.cert.pfxPassword };
    const dest = join(stamp.work, 'restored');
    const aside = await stamp.run(['restore', id, '--role', 'Fidelity', '--pfx', stamp.cert.pfxPath, '--destination', dest], pfx);
    expect(aside.error).toBeNull();
    expect(treeMeta(join(dest, 'Fidelity'))).toEqual(before);
    await rm(role, { recursive: true });
    const inPlace = await stamp.run(['restore', id, '--role', 'Fidelity', '--pfx', stamp.cert.pfxPath], pfx);
    expect(inPlace.error).toBeNull();
    expect(treeMeta(role)).toEqual(before);
  });
});
