import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AzsError } from '../../../ts/errors.js';
import {
  initialScheduleState,
  onEnabled,
  readScheduleState,
  writeScheduleState,
  type ScheduleConfig,
} from '../../../ts/schedule/schedule-state.js';
import { abortableSleep, runScheduler, type ScheduledBackupResult, type SchedulerLogEntry } from '../../../ts/schedule/service.js';

const H = 3_600_000;
const T0 = Date.parse('2024-03-01T00:00:00.000Z');

let stateDir = '';
beforeEach(async () => {
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'azs-svc-'));
});
afterEach(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

interface Harness {
  config: ScheduleConfig | null;
  logs: SchedulerLogEntry[];
  runs: number[];
  sleeps: number[];
  /** Fake time in hours since T0. */
  hours: () => number;
}

/**
 * Runs the real loop against a fake clock: each sleep advances the clock by exactly what was
 * asked, and the loop is stopped once the clock passes `untilHours`. `onBackup` decides what
 * the backup does; `backupTakesMs` advances the clock during it.
 */
async function drive(options: {
  config: ScheduleConfig | null | ((h: number) => ScheduleConfig | null);
  untilHours: number;
  onBackup?: (h: number, n: number) => ScheduledBackupResult | Promise<ScheduledBackupResult>;
  backupTakesMs?: number;
}): Promise<Harness> {
  let t = T0;
  const controller = new AbortController();
  const h: Harness = { config: null, logs: [], runs: [], sleeps: [], hours: () => (t - T0) / H };
  await runScheduler({
    stateDir,
    loadConfig: async () => (typeof options.config === 'function' ? options.config(h.hours()) : options.config),
    runBackup: async ({ automatic }) => {
      expect(automatic).toBe(true);
      h.runs.push(h.hours());
      const n = h.runs.length;
      t += options.backupTakesMs ?? 0;
      return options.onBackup ? options.onBackup(h.hours(), n) : { backupId: `b${n}`, status: 'Succeeded' };
    },
    now: () => new Date(t),
    sleep: async (ms) => {
      h.sleeps.push(ms);
      t += ms;
      if (t > T0 + options.untilHours * H) controller.abort();
    },
    log: (e) => h.logs.push(e),
    signal: controller.signal,
  });
  return h;
}

const events = (h: Harness, name: string) => h.logs.filter((l) => l.event === name);

describe('runScheduler', () => {
  it('runs a backup when due, waking exactly at NextBackupTime', async () => {
    await writeScheduleState(stateDir, onEnabled(initialScheduleState(), { backupFrequencyInHours: 4, isBackupSchedulerEnabled: true }, new Date(T0)));
    const h = await drive({ config: { backupFrequencyInHours: 4, isBackupSchedulerEnabled: true }, untilHours: 12.5 });
    expect(h.runs).toEqual([4, 8, 12]);
    expect(Math.max(...h.sleeps)).toBeLessThanOrEqual(30_000);
    const state = await readScheduleState(stateDir);
    expect(state.nextBackupTime).toBe(new Date(T0 + 16 * H).toISOString());
    expect(state.lastBackupTime).toBe(new Date(T0 + 12 * H).toISOString());
    expect(events(h, 'backup-finished')).toHaveLength(3);
    expect(h.logs[0]?.event).toBe('started');
    expect(h.logs.at(-1)?.event).toBe('stopped');
  });

  it('lays out a schedule on its own when enabled without one', async () => {
    const h = await drive({ config: { backupFrequencyInHours: 6, isBackupSchedulerEnabled: true }, untilHours: 6.1 });
    expect(h.runs).toEqual([6]);
  });

  it('skips and logs due runs while disabled, keeping the schedule moving', async () => {
    await writeScheduleState(stateDir, onEnabled(initialScheduleState(), { backupFrequencyInHours: 4, isBackupSchedulerEnabled: true }, new Date(T0)));
    const h = await drive({ config: { backupFrequencyInHours: 4, isBackupSchedulerEnabled: false }, untilHours: 9 });
    expect(h.runs).toEqual([]);
    const skipped = events(h, 'run-skipped');
    expect(skipped).toHaveLength(2);
    expect(skipped[0]?.message).toMatch(/disabled/);
    const state = await readScheduleState(stateDir);
    expect(state.nextBackupTime).toBe(new Date(T0 + 12 * H).toISOString());
    expect(state.lastSkipped?.time).toBe(new Date(T0 + 8 * H).toISOString());
  });

  it('applies Enable/Disable made while it runs (config re-read every tick)', async () => {
    await writeScheduleState(stateDir, onEnabled(initialScheduleState(), { backupFrequencyInHours: 4, isBackupSchedulerEnabled: true }, new Date(T0)));
    const h = await drive({
      config: (hours) => ({ backupFrequencyInHours: 4, isBackupSchedulerEnabled: hours < 5 || hours > 10 }),
      untilHours: 16.5,
    });
    expect(h.runs).toEqual([4, 12, 16]);
    expect(events(h, 'run-skipped')).toHaveLength(1);
  });

  it('logs a skip when another backup holds the lock', async () => {
    await writeScheduleState(stateDir, onEnabled(initialScheduleState(), { backupFrequencyInHours: 4, isBackupSchedulerEnabled: true }, new Date(T0)));
    const h = await drive({
      config: { backupFrequencyInHours: 4, isBackupSchedulerEnabled: true },
      untilHours: 8.5,
      onBackup: (_h, n) => {
        if (n === 1) {
          throw new AzsError('BackupInProgress', 'A backup is already running: backup abc, started at 2024-03-01T03:59:00.000Z.');
        }
        return { backupId: `b${n}`, status: 'Succeeded' };
      },
    });
    expect(h.runs).toEqual([4, 8]);
    const skipped = events(h, 'run-skipped');
    expect(skipped).toHaveLength(1);
    expect(skipped[0]?.message).toContain('backup abc');
    const state = await readScheduleState(stateDir);
    expect(state.lastSkipped?.time).toBe(new Date(T0 + 4 * H).toISOString());
    expect(state.lastBackupTime).toBe(new Date(T0 + 8 * H).toISOString());
  });

  it('keeps going after a failed backup and does not count it as the last backup', async () => {
    await writeScheduleState(stateDir, onEnabled(initialScheduleState(), { backupFrequencyInHours: 4, isBackupSchedulerEnabled: true }, new Date(T0)));
    const h = await drive({
      config: { backupFrequencyInHours: 4, isBackupSchedulerEnabled: true },
      untilHours: 12.5,
      onBackup: (_h, n) => {
        if (n === 1) throw new Error('share unreachable');
        if (n === 2) return { backupId: 'b2', status: 'Failed' };
        return { backupId: `b${n}`, status: 'Succeeded' };
      },
    });
    expect(h.runs).toEqual([4, 8, 12]);
    expect(events(h, 'backup-failed').map((l) => l.message)).toEqual([
      'Automatic backup failed: share unreachable',
      'Automatic backup b2 finished: Failed.',
    ]);
    expect((await readScheduleState(stateDir)).lastBackupTime).toBe(new Date(T0 + 12 * H).toISOString());
  });

  it('runs once after a long outage, and skips a slot that passes during a long backup', async () => {
    // Anchored 20 h before the service comes up: the slots up to T0 were missed.
    await writeScheduleState(stateDir, onEnabled(initialScheduleState(), { backupFrequencyInHours: 4, isBackupSchedulerEnabled: true }, new Date(T0 - 20 * H)));
    const h = await drive({ config: { backupFrequencyInHours: 4, isBackupSchedulerEnabled: true }, untilHours: 8.5, backupTakesMs: 5 * H });
    // One run at start-up for all missed slots; it takes 5 h, so the +4 h slot finds it running.
    expect(h.runs).toEqual([0, 8]);
    const skipped = events(h, 'run-skipped').map((l) => l.message);
    expect(skipped).toHaveLength(2);
    expect(skipped[0]).toContain(new Date(T0 + 4 * H).toISOString());
    expect(skipped[0]).toContain('b1 was still running');
    expect(skipped[1]).toContain(new Date(T0 + 12 * H).toISOString());
    expect((await readScheduleState(stateDir)).nextBackupTime).toBe(new Date(T0 + 16 * H).toISOString());
  });

  it('waits quietly while not configured, logging it once', async () => {
    const h = await drive({ config: null, untilHours: 1 });
    expect(h.runs).toEqual([]);
    expect(events(h, 'not-configured')).toHaveLength(1);
  });

  it('survives a corrupt schedule file, logging the failure once', async () => {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path.join(stateDir, 'schedule.json'), 'garbage');
    const h = await drive({ config: { backupFrequencyInHours: 4, isBackupSchedulerEnabled: true }, untilHours: 1 });
    expect(events(h, 'tick-failed')).toHaveLength(1);
    expect(h.logs.at(-1)?.event).toBe('stopped');
  });

  it('stops promptly on abort, even during the production sleep', async () => {
    const controller = new AbortController();
    const logs: SchedulerLogEntry[] = [];
    const done = runScheduler({
      stateDir,
      loadConfig: async () => null,
      runBackup: async () => ({ backupId: 'x', status: 'Succeeded' }),
      now: () => new Date(),
      sleep: abortableSleep,
      log: (e) => logs.push(e),
      signal: controller.signal,
    });
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    controller.abort();
    await done;
    expect(Date.now() - started).toBeLessThan(1000);
    expect(logs.map((l) => l.event)).toEqual(['started', 'not-configured', 'stopped']);
  });
});
