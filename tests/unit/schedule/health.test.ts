import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupLockState } from '../../../ts/schedule/backup-lock.js';
import { scheduleHealthWarnings, type ScheduleHealthInput } from '../../../ts/schedule/health.js';
import { heartbeatPath, judgeScheduler, readHeartbeat, startHeartbeat, type SchedulerHeartbeat } from '../../../ts/schedule/heartbeat.js';
import { initialScheduleState } from '../../../ts/schedule/schedule-state.js';
import type { ProcessProbe } from '../../../ts/util/process-identity.js';

const NOW = new Date('2026-06-10T12:00:00Z');
const hoursAgo = (h: number): string => new Date(NOW.getTime() - h * 3_600_000).toISOString();
const RUNNING = { running: true as const, detail: 'the scheduler service runs as process 42' };
const STOPPED = { running: false as const, detail: 'the scheduler service stopped at 2026-06-09T00:00:00.000Z' };

/** A healthy installation: enabled, the service running, a good backup an hour ago, next slot ahead. */
function healthy(overrides: Partial<ScheduleHealthInput> = {}): ScheduleHealthInput {
  return {
    now: NOW,
    configured: true,
    enabled: true,
    frequencyInHours: 12,
    schedule: { ...initialScheduleState(), anchorTime: hoursAgo(100), frequencyInHours: 12, nextBackupTime: hoursAgo(-11), lastBackupTime: hoursAgo(1) },
    scheduler: RUNNING,
    lock: { state: 'free' },
    lockFile: '/var/lib/azsbackup/backup.lock',
    schedulerLog: '/var/lib/azsbackup/logs/scheduler.log',
    backups: [{ backupId: 'b-1', status: 'Succeeded', createdDateTime: hoursAgo(1) }],
    ...overrides,
  };
}

const heldLock = (startedAt: string): BackupLockState => ({
  state: 'held',
  info: { pid: 4242, backupId: 'stuck-backup', startedAt, hostname: 'host1' },
  detail: 'process 4242 is running',
});

describe('scheduleHealthWarnings', () => {
  it('says nothing when the schedule is healthy', () => {
    expect(scheduleHealthWarnings(healthy())).toEqual([]);
  });

  it('warns when a held lock blocks a due backup, naming the lock file and what to do', () => {
    const input = healthy({ lock: heldLock(hoursAgo(30)), schedule: { ...healthy().schedule, nextBackupTime: hoursAgo(0.1) } });
    const [warning, ...rest] = scheduleHealthWarnings(input);
    expect(rest).toEqual([]);
    expect(warning).toMatch(/lock blocks automatic backups/);
    expect(warning).toContain('/var/lib/azsbackup/backup.lock');
    expect(warning).toContain('stuck-backup');
    expect(warning).toMatch(/delete \/var\/lib\/azsbackup\/backup\.lock/);
    // The same lock with the next slot still ahead blocks nothing yet.
    expect(scheduleHealthWarnings({ ...input, schedule: healthy().schedule })).toEqual([]);
  });

  it('warns when the lock made the scheduler skip a slot, not for a skip before the lock was taken', () => {
    const schedule = { ...healthy().schedule, lastSkipped: { time: hoursAgo(2), reason: 'A backup is already running' } };
    expect(scheduleHealthWarnings(healthy({ lock: heldLock(hoursAgo(3)), schedule })).join('\n')).toMatch(/was skipped/);
    expect(scheduleHealthWarnings(healthy({ lock: heldLock(hoursAgo(1)), schedule }))).toEqual([]);
  });

  it('warns when no scheduler runs and NextBackupTime has passed, with how to start it', () => {
    const schedule = { ...healthy().schedule, nextBackupTime: hoursAgo(3) };
    const warnings = scheduleHealthWarnings(healthy({ scheduler: STOPPED, schedule }));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/not being made/);
    expect(warnings[0]).toContain(hoursAgo(3));
    expect(warnings[0]).toMatch(/systemctl enable --now azsbackup/);
    expect(warnings[0]).toMatch(/Start-AzsBackup/);
    // Any one of: a running service, a slot still ahead, automatic backups off: no warning.
    expect(scheduleHealthWarnings(healthy({ scheduler: RUNNING, schedule }))).toEqual([]);
    expect(scheduleHealthWarnings(healthy({ scheduler: STOPPED }))).toEqual([]);
    expect(scheduleHealthWarnings(healthy({ scheduler: STOPPED, schedule, enabled: false }))).toEqual([]);
  });

  it('warns when the last good backup is older than twice the frequency', () => {
    const backups = [
      { backupId: 'failed-1', status: 'Failed' as const, createdDateTime: hoursAgo(2) },
      { backupId: 'good-1', status: 'Succeeded' as const, createdDateTime: hoursAgo(25) },
    ];
    const warnings = scheduleHealthWarnings(healthy({ backups }));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/last good backup \(good-1.*\) is 25 hours old, more than twice the backup frequency of 12 hours/);
    expect(warnings[0]).toContain('/var/lib/azsbackup/logs/scheduler.log');
    // 23 hours is within twice 12.
    expect(scheduleHealthWarnings(healthy({ backups: [{ ...backups[1]!, createdDateTime: hoursAgo(23) }] }))).toEqual([]);
    // With a 4-hour frequency, 9 hours is too old.
    expect(scheduleHealthWarnings(healthy({ frequencyInHours: 4, backups: [{ ...backups[1]!, createdDateTime: hoursAgo(9) }] }))).toHaveLength(1);
  });

  it('warns when no backup ever succeeded long after the schedule was set up, not right after', () => {
    expect(scheduleHealthWarnings(healthy({ backups: [] })).join('\n')).toMatch(/No backup has succeeded since/);
    const fresh = { ...healthy().schedule, anchorTime: hoursAgo(3) };
    expect(scheduleHealthWarnings(healthy({ backups: [], schedule: fresh }))).toEqual([]);
    // An unreadable share is reported elsewhere; it proves nothing about the age of backups.
    expect(scheduleHealthWarnings(healthy({ backups: null }))).toEqual([]);
  });

  it('warns when the last backup was PartialSucceeded, naming the roles that failed', () => {
    const backups = [
      {
        backupId: 'partial-1',
        status: 'PartialSucceeded' as const,
        createdDateTime: hoursAgo(1),
        roleStatus: [
          { roleName: 'KeyVault', status: 'Succeeded' as const },
          { roleName: 'NRP', status: 'Failed' as const, message: 'the role path is unreadable' },
        ],
      },
      { backupId: 'good-1', status: 'Succeeded' as const, createdDateTime: hoursAgo(13) },
    ];
    const warnings = scheduleHealthWarnings(healthy({ backups }));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/last backup \(partial-1\) only partly succeeded: NRP \(the role path is unreadable\)/);
    expect(warnings[0]).toMatch(/Get-AzsBackup -Name partial-1/);
    expect(warnings[0]).not.toMatch(/KeyVault/);
  });
});

describe('judgeScheduler (fake clock and system)', () => {
  const probe: ProcessProbe = {
    selfPid: 1,
    bootId: () => 'boot-b',
    startTicks: () => '500',
    isAlive: () => true,
    bootTimeMs: () => NOW.getTime() - 200 * 3_600_000,
    processStartMs: () => null,
  };
  const beat = (overrides: Partial<SchedulerHeartbeat> = {}): SchedulerHeartbeat => ({
    version: 1,
    pid: 42,
    bootId: 'boot-b',
    startTicks: '500',
    hostname: os.hostname(),
    startedAt: hoursAgo(50),
    beatAt: hoursAgo(0.01),
    beatIntervalMs: 60_000,
    stoppedAt: null,
    ...overrides,
  });

  it('sees a live, beating service as running', () => {
    expect(judgeScheduler(beat(), NOW, probe).running).toBe(true);
  });
  it('sees no heartbeat, a clean stop, a dead or reused process, or a silent one as not running', () => {
    expect(judgeScheduler(null, NOW, probe)).toMatchObject({ running: false, detail: expect.stringMatching(/no scheduler service has run/) });
    expect(judgeScheduler(beat({ stoppedAt: hoursAgo(1) }), NOW, probe)).toMatchObject({ running: false, detail: expect.stringMatching(/stopped at/) });
    expect(judgeScheduler(beat(), NOW, { ...probe, isAlive: () => false }).running).toBe(false);
    expect(judgeScheduler(beat({ bootId: 'boot-a' }), NOW, probe).running).toBe(false);
    expect(judgeScheduler(beat({ startTicks: '499' }), NOW, probe).running).toBe(false);
    expect(judgeScheduler(beat({ beatAt: hoursAgo(1) }), NOW, probe)).toMatchObject({ running: false, detail: expect.stringMatching(/stopped responding/) });
  });
});

describe('startHeartbeat', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'azs-heartbeat-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a beat naming this process at once, and marks it stopped on stop', async () => {
    const beating = await startHeartbeat(dir, { intervalMs: 60_000 });
    const first = await readHeartbeat(dir);
    expect(first).toMatchObject({ pid: process.pid, stoppedAt: null, beatIntervalMs: 60_000 });
    // Judged from another process's point of view, this one is a running scheduler.
    expect(judgeScheduler(first, new Date(), { ...(await import('../../../ts/util/process-identity.js')).systemProbe, selfPid: -1 }).running).toBe(true);
    await beating.stop();
    const last = await readHeartbeat(dir);
    expect(last?.stoppedAt).not.toBeNull();
    expect(judgeScheduler(last, new Date()).running).toBe(false);
    expect(JSON.parse(await readFile(heartbeatPath(dir), 'utf8')).pid).toBe(process.pid);
  });
});
