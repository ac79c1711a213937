/**
 * Automatic backups must not stop without a word: a lock left before a reboot must not block
 * them, and Get-AzsBackupStatus (`azsbackup status`) must say when they are blocked, when no
 * scheduler runs them, when the last good backup is too old and when the last one was partial.
 * The real binary, a real smbd, real processes; the schedule and backup times are moved by
 * editing the files the engine keeps, never by faking the engine's clock.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binaryPath } from '../support/engine.js';
import { startSamba, type SambaServer } from '../support/samba.js';
import { configureStamp, newStamp, type Stamp } from '../support/stamp.js';

type Obj = Record<string, unknown>;
const HOUR = 3_600_000;
const OTHER_BOOT = '00000000-0000-4000-8000-000000000000';

let samba: SambaServer;
const children: ChildProcess[] = [];
beforeAll(async () => {
  samba = await startSamba();
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await samba?.destroy();
});

/** A live process that is not azsbackup: what a reused PID points at after a reboot. */
async function bystander(): Promise<{ pid: number; startTicks: string }> {
  const child = spawn('sleep', ['600'], { stdio: 'ignore' });
  children.push(child);
  await new Promise((r) => child.once('spawn', r));
  const pid = child.pid as number;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const startTicks = stat.slice(stat.lastIndexOf(')') + 1).trim().split(/\s+/)[19] as string;
  return { pid, startTicks };
}

const bootId = (): string => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();

async function readJson(path: string): Promise<Obj> {
  return JSON.parse(await readFile(path, 'utf8')) as Obj;
}

async function setNextBackupTime(stamp: Stamp, at: Date): Promise<void> {
  const file = join(stamp.home, 'schedule.json');
  await writeFile(file, JSON.stringify({ ...(await readJson(file)), nextBackupTime: at.toISOString() }));
}

async function statusWarnings(stamp: Stamp): Promise<string[]> {
  const run = await stamp.run(['status']);
  expect(run.error, JSON.stringify(run.error)).toBeNull();
  return (run.data as Obj).Warnings as string[];
}

async function configured(folder: string, extra: string[] = []): Promise<Stamp> {
  const stamp = await newStamp(samba, folder);
  const set = await configureStamp(stamp, ['--encryption-cert', stamp.cert.cerPath, ...extra]);
  expect(set.error, JSON.stringify(set.error)).toBeNull();
  expect((set.data as Obj).IsBackupSchedulerEnabled).toBe(true);
  return stamp;
}

describe('a backup lock left by a crash before a reboot', () => {
  it('does not block backups when its PID now belongs to another process', async () => {
    const stamp = await configured('reboot-lock');
    const other = await bystander();
    const lockFile = join(stamp.home, 'backup.lock');
    const lock = { pid: other.pid, backupId: '11111111-2222-4333-8444-555555555555', startedAt: new Date(Date.now() - 2 * HOUR).toISOString(), hostname: hostname() };

    // Written in an earlier boot: the live process with that PID is someone else.
    await writeFile(lockFile, JSON.stringify({ ...lock, bootId: OTHER_BOOT, startTicks: other.startTicks }));
    const afterReboot = await stamp.run(['backup', 'start']);
    expect(afterReboot.error, JSON.stringify(afterReboot.error)).toBeNull();
    expect((afterReboot.data as Obj).Status).toBe('Succeeded');

    // An old-format lock (PID only) whose process started after the lock was written.
    await writeFile(lockFile, JSON.stringify(lock));
    const written = new Date(Date.now() - HOUR);
    await utimes(lockFile, written, written);
    const pidOnly = await stamp.run(['backup', 'start']);
    expect(pidOnly.error, JSON.stringify(pidOnly.error)).toBeNull();

    // The same lock naming that process as it really is (this boot, its start time) is held.
    await writeFile(lockFile, JSON.stringify({ ...lock, bootId: bootId(), startTicks: other.startTicks }));
    const held = await stamp.run(['backup', 'start']);
    expect(held.error?.code).toBe('BackupInProgress');
  });

  it('makes status warn when a held lock blocks a due backup', async () => {
    const stamp = await configured('blocked-lock');
    const other = await bystander();
    const lockFile = join(stamp.home, 'backup.lock');
    await writeFile(
      lockFile,
      JSON.stringify({ pid: other.pid, backupId: '22222222-2222-4333-8444-555555555555', startedAt: new Date(Date.now() - 5 * HOUR).toISOString(), hostname: hostname(), bootId: bootId(), startTicks: other.startTicks }),
    );
    // Not due yet: the lock blocks nothing so far.
    expect((await statusWarnings(stamp)).join('\n')).not.toMatch(/lock blocks/);
    await setNextBackupTime(stamp, new Date(Date.now() - 60_000));
    const warning = (await statusWarnings(stamp)).find((w) => /lock blocks automatic backups/.test(w));
    expect(warning).toBeDefined();
    expect(warning).toContain(lockFile);
    expect(warning).toContain(`process ${other.pid}`);
    expect(warning).toMatch(/delete/);
  });
});

describe('automatic backups never stop silently', () => {
  it('status warns when no scheduler service runs and NextBackupTime has passed, and the service heartbeat clears it', async () => {
    const stamp = await configured('no-service');
    const notMade = (warnings: string[]) => warnings.find((w) => /Automatic backups are not being made/.test(w));
    expect(notMade(await statusWarnings(stamp))).toBeUndefined();

    await setNextBackupTime(stamp, new Date(Date.now() - 60_000));
    const never = notMade(await statusWarnings(stamp));
    expect(never).toMatch(/no scheduler service has run/);
    expect(never).toMatch(/systemctl enable --now azsbackup/);

    const startService = (): ChildProcess => {
      const service = spawn(binaryPath(), ['service', 'run', '--tick-seconds', '1'], {
        env: { PATH: process.env.PATH ?? '', ...samba.env, AZSBACKUP_HOME: stamp.home },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      children.push(service);
      return service;
    };
    const heartbeatFile = join(stamp.home, 'scheduler.json');
    const waitFor = async (what: string, test: () => Promise<boolean>): Promise<void> => {
      for (let i = 0; i < 240; i++) {
        if (await test()) return;
        await delay(500);
      }
      throw new Error(`timed out waiting for ${what}`);
    };

    // The running service makes the due backup and beats: nothing to warn about.
    const service = startService();
    await waitFor('the scheduled backup', async () => Date.parse(String((await readJson(join(stamp.home, 'schedule.json'))).nextBackupTime)) > Date.now());
    await waitFor('the heartbeat', async () => (await readJson(heartbeatFile).catch(() => ({}) as Obj)).pid === service.pid);
    expect(notMade(await statusWarnings(stamp))).toBeUndefined();

    // Killed (a crash): its heartbeat stays behind, unmarked, and names a dead process.
    service.kill('SIGKILL');
    await new Promise((r) => service.once('close', r));
    await setNextBackupTime(stamp, new Date(Date.now() - 60_000));
    expect(notMade(await statusWarnings(stamp))).toMatch(new RegExp(`not running: process ${service.pid} is gone`));

    // Stopped cleanly: the heartbeat says when.
    await setNextBackupTime(stamp, new Date(Date.now() + HOUR));
    const second = startService();
    await waitFor('the second heartbeat', async () => (await readJson(heartbeatFile).catch(() => ({}) as Obj)).pid === second.pid);
    second.kill('SIGTERM');
    expect(await new Promise((r) => second.once('close', r))).toBe(0);
    expect((await readJson(heartbeatFile)).stoppedAt).not.toBeNull();
    await setNextBackupTime(stamp, new Date(Date.now() - 60_000));
    expect(notMade(await statusWarnings(stamp))).toMatch(/the scheduler service stopped at/);
  });

  it('status warns when the last good backup is older than twice the frequency, and when the last backup was partial', async () => {
    const stamp = await configured('stale-backups', ['--frequency', '6']);
    const made = await stamp.run(['backup', 'start']);
    expect((made.data as Obj).Status).toBe('Succeeded');
    const id = String((made.data as Obj).BackupId);
    expect((await statusWarnings(stamp)).join('\n')).not.toMatch(/last good backup|partly succeeded/);

    // As if that backup had been made 13 hours ago, with nothing good since.
    const infoFile = join(samba.shareDir, stamp.folder, 'MASBackup', id, 'BackupInfo.json');
    await writeFile(infoFile, JSON.stringify({ ...(await readJson(infoFile)), createdDateTime: new Date(Date.now() - 13 * HOUR).toISOString() }));
    const old = (await statusWarnings(stamp)).find((w) => /last good backup/.test(w));
    expect(old).toMatch(new RegExp(`last good backup \\(${id}, made .*\\) is 13 hours old, more than twice the backup frequency of 6 hours`));
    expect(old).toMatch(/Start-AzsBackup/);

    // A role whose data is gone: the backup only partly succeeds.
    await rm(stamp.roles.WAS, { recursive: true, force: true });
    const partial = await stamp.run(['backup', 'start']);
    expect((partial.data as Obj).Status).toBe('PartialSucceeded');
    const partialId = String((partial.data as Obj).BackupId);
    const warning = (await statusWarnings(stamp)).find((w) => /only partly succeeded/.test(w));
    expect(warning).toMatch(new RegExp(`last backup \\(${partialId}\\) only partly succeeded: WAS`));
    expect(warning).toMatch(/Get-AzsBackup -Name/);
  });
});
