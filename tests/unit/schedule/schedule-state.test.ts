import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AzsError } from '../../../ts/errors.js';
import {
  alignToClock,
  computeNextBackupTime,
  initialScheduleState,
  isSchedulerEnabled,
  onDisabled,
  onEnabled,
  onFrequencyChanged,
  onOnDemandBackup,
  onScheduleTick,
  readScheduleState,
  skipSlotsPassedDuringBackup,
  writeScheduleState,
  type ScheduleConfig,
  type ScheduleState,
} from '../../../ts/schedule/schedule-state.js';

const H = 3_600_000;
const T0 = new Date('2024-03-01T00:00:00.000Z');
const at = (hours: number): Date => new Date(T0.getTime() + hours * H);
const enabled = (f = 4): ScheduleConfig => ({ backupFrequencyInHours: f, isBackupSchedulerEnabled: true });
const disabled = (f = 4): ScheduleConfig => ({ backupFrequencyInHours: f, isBackupSchedulerEnabled: false });

/** Ticks every `stepHours` from `from` to `to` and returns the hours at which a backup ran. */
function simulate(state: ScheduleState, config: ScheduleConfig, from: number, to: number, stepHours = 0.25) {
  const runs: number[] = [];
  const skips: number[] = [];
  for (let h = from; h <= to + 1e-9; h += stepHours) {
    const r = onScheduleTick(state, config, at(h));
    if (r.action === 'run') runs.push(h);
    if (r.action === 'skip') skips.push(h);
    state = r.newState;
  }
  return { state, runs, skips };
}

describe('computeNextBackupTime', () => {
  it('returns the first grid slot strictly after the given time', () => {
    expect(computeNextBackupTime(T0, 4, T0)).toEqual(at(4));
    expect(computeNextBackupTime(T0, 4, at(3.9))).toEqual(at(4));
    expect(computeNextBackupTime(T0, 4, at(4))).toEqual(at(8));
    expect(computeNextBackupTime(T0, 12, at(37))).toEqual(at(48));
    expect(computeNextBackupTime(T0, 6, at(-10))).toEqual(at(6));
  });

  it('refuses frequencies outside 4..12 hours', () => {
    for (const f of [3, 13, 0, 4.5]) {
      expect(() => computeNextBackupTime(T0, f, T0)).toThrow(AzsError);
    }
  });
});

describe('onScheduleTick', () => {
  it('schedules a backup every N hours', () => {
    const state = onEnabled(initialScheduleState(), enabled(4), T0);
    expect(state.nextBackupTime).toBe(at(4).toISOString());
    const { runs, state: end } = simulate(state, enabled(4), 0, 24);
    expect(runs).toEqual([4, 8, 12, 16, 20, 24]);
    expect(end.nextBackupTime).toBe(at(28).toISOString());
    expect(end.lastScheduledRunTime).toBe(at(24).toISOString());
  });

  it('lays the schedule out on the first tick when enabled but never anchored', () => {
    const r = onScheduleTick(initialScheduleState(), enabled(6), T0);
    expect(r.action).toBe('wait');
    expect(r.changed).toBe(true);
    expect(r.newState.nextBackupTime).toBe(at(6).toISOString());
  });

  it('waits without changing anything before the slot', () => {
    const state = onEnabled(initialScheduleState(), enabled(4), T0);
    const r = onScheduleTick(state, enabled(4), at(3.99));
    expect(r).toMatchObject({ action: 'wait', changed: false, slot: null });
    expect(r.newState).toBe(state);
  });

  it('runs at most once after several missed slots, then continues from the next future slot', () => {
    const state = onEnabled(initialScheduleState(), enabled(4), T0);
    // The service was down from hour 1 to hour 17.5: slots 4, 8, 12 and 16 passed.
    const r = onScheduleTick(state, enabled(4), at(17.5));
    expect(r.action).toBe('run');
    expect(r.slot).toEqual(at(4));
    expect(r.reason).toMatch(/3 earlier slot/);
    expect(r.newState.nextBackupTime).toBe(at(20).toISOString());
    const again = onScheduleTick(r.newState, enabled(4), at(17.6));
    expect(again.action).toBe('wait');
  });

  it('skips due runs while disabled, records why, and advances past them', () => {
    let state = onEnabled(initialScheduleState(), enabled(4), T0);
    state = onDisabled(state, disabled(4), at(1));
    expect(state.nextBackupTime).toBe(at(4).toISOString()); // the schedule is kept
    const { runs, skips, state: end } = simulate(state, disabled(4), 1, 13);
    expect(runs).toEqual([]);
    expect(skips).toEqual([4, 8, 12]);
    expect(end.nextBackupTime).toBe(at(16).toISOString());
    expect(end.lastSkipped).toEqual({ time: at(12).toISOString(), reason: 'automatic backups are disabled' });
  });

  it('resumes at the scheduled time when enabled again, without catching up', () => {
    let state = onEnabled(initialScheduleState(), enabled(4), T0);
    state = onDisabled(state, disabled(4), at(1));
    // Nobody ticked while disabled (service stopped): slots 4, 8 passed unrecorded.
    state = onEnabled(state, enabled(4), at(9));
    expect(state.nextBackupTime).toBe(at(12).toISOString());
    expect(state.anchorTime).toBe(T0.toISOString());
    expect(onScheduleTick(state, enabled(4), at(9)).action).toBe('wait');
    const { runs } = simulate(state, enabled(4), 9, 16);
    expect(runs).toEqual([12, 16]);
  });

  it('re-enabling before the next slot leaves it where it was', () => {
    let state = onEnabled(initialScheduleState(), enabled(4), T0);
    state = onDisabled(state, disabled(4), at(1));
    expect(onEnabled(state, enabled(4), at(2))).toBe(state);
  });

  it('treats a configuration without the scheduler flag as disabled (1807 rule)', () => {
    const legacy = { backupFrequencyInHours: 12 } as ScheduleConfig;
    const legacyNull: ScheduleConfig = { backupFrequencyInHours: 12, isBackupSchedulerEnabled: null };
    expect(isSchedulerEnabled(legacy)).toBe(false);
    expect(isSchedulerEnabled(legacyNull)).toBe(false);
    const r = onScheduleTick(initialScheduleState(), legacy, T0);
    expect(r.action).toBe('wait');
    expect(r.changed).toBe(false);
    expect(r.reason).toMatch(/predates the scheduler/);
    // Even with a schedule left from before, the legacy configuration only skips.
    const anchored = onEnabled(initialScheduleState(), enabled(12), T0);
    expect(onScheduleTick(anchored, legacyNull, at(12)).action).toBe('skip');
  });

  it('picks up a frequency change made while the service was not looking', () => {
    let state = onEnabled(initialScheduleState(), enabled(12), T0);
    state = onOnDemandBackup(state, at(2));
    const r = onScheduleTick(state, enabled(4), at(5));
    // Re-anchored at LastBackupTime (hour 2): slots 6, 10, ...
    expect(r.action).toBe('wait');
    expect(r.changed).toBe(true);
    expect(r.newState.nextBackupTime).toBe(at(6).toISOString());
    expect(r.newState.frequencyInHours).toBe(4);
  });
});

describe('skipSlotsPassedDuringBackup', () => {
  it('skips slots that came due while a backup ran, recording the latest', () => {
    const started = onScheduleTick(onEnabled(initialScheduleState(), enabled(4), T0), enabled(4), at(4)).newState;
    expect(started.nextBackupTime).toBe(at(8).toISOString());
    const after = skipSlotsPassedDuringBackup(started, at(13), 'backup b1 was still running');
    expect(after.nextBackupTime).toBe(at(16).toISOString());
    expect(after.lastSkipped).toEqual({ time: at(12).toISOString(), reason: 'backup b1 was still running' });
    expect(skipSlotsPassedDuringBackup(started, at(7))).toBe(started);
  });
});

describe('onOnDemandBackup', () => {
  it('updates LastBackupTime and never moves NextBackupTime', () => {
    const state = onEnabled(initialScheduleState(), enabled(4), T0);
    const after = onOnDemandBackup(state, at(3));
    expect(after.lastBackupTime).toBe(at(3).toISOString());
    expect(after.nextBackupTime).toBe(state.nextBackupTime);
    expect(onScheduleTick(after, enabled(4), at(4)).action).toBe('run');
  });

  it('does not move LastBackupTime backwards', () => {
    const state = onOnDemandBackup(initialScheduleState(), at(5));
    expect(onOnDemandBackup(state, at(3)).lastBackupTime).toBe(at(5).toISOString());
  });
});

describe('onFrequencyChanged', () => {
  it('re-anchors at LastBackupTime', () => {
    let state = onEnabled(initialScheduleState(), enabled(12), T0);
    state = onOnDemandBackup(state, at(13));
    const changed = onFrequencyChanged(state, 4, at(15));
    expect(changed.anchorTime).toBe(at(13).toISOString());
    expect(changed.nextBackupTime).toBe(at(17).toISOString());
  });

  it('re-anchors at now when there was no backup yet', () => {
    const state = onEnabled(initialScheduleState(), enabled(12), T0);
    const changed = onFrequencyChanged(state, 6, at(3));
    expect(changed.nextBackupTime).toBe(at(9).toISOString());
  });

  it('skips forward on the new grid when the last backup is long past', () => {
    let state = onEnabled(initialScheduleState(), enabled(12), T0);
    state = onOnDemandBackup(state, at(1));
    const changed = onFrequencyChanged(state, 5, at(23));
    expect(changed.nextBackupTime).toBe(at(26).toISOString());
  });

  it('is a no-op for the same frequency and only records it when never scheduled', () => {
    const state = onEnabled(initialScheduleState(), enabled(8), T0);
    expect(onFrequencyChanged(state, 8, at(3))).toBe(state);
    const never = onFrequencyChanged(initialScheduleState(), 6, T0);
    expect(never.nextBackupTime).toBeNull();
    expect(never.frequencyInHours).toBe(6);
  });

  it('refuses an out-of-range frequency', () => {
    expect(() => onFrequencyChanged(initialScheduleState(), 2, T0)).toThrow(/BackupFrequencyInHours/);
  });
});

describe('schedule.json persistence', () => {
  let dir = '';
  afterEach(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('round-trips, starts empty and leaves no temp files', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'azs-sched-'));
    expect(await readScheduleState(dir)).toEqual(initialScheduleState());
    let state = onEnabled(initialScheduleState(), enabled(4), T0);
    state = { ...state, lastSkipped: { time: at(4).toISOString(), reason: 'x' } };
    await writeScheduleState(dir, state);
    await writeScheduleState(dir, state);
    expect(await readScheduleState(dir)).toEqual(state);
    expect(await readdir(dir)).toEqual(['schedule.json']);
    expect(JSON.parse(await readFile(path.join(dir, 'schedule.json'), 'utf8')).nextBackupTime).toBe(at(4).toISOString());
  });

  it('reports a corrupt file as ConfigurationCorrupt with a remediation', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'azs-sched-'));
    await writeFile(path.join(dir, 'schedule.json'), '{"version":1,"nextBackupTime":"soon"');
    const err = await readScheduleState(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AzsError);
    expect((err as AzsError).code).toBe('ConfigurationCorrupt');
    expect((err as AzsError).remediation).toMatch(/Delete the file/);
  });
});

describe('clock jumps (issue 11, finding 5)', () => {
  const YEAR = 365 * 24;

  it('after a forward jump is corrected, NextBackupTime is back within one period and the next slot runs', () => {
    let state = onEnabled(initialScheduleState(), enabled(6), at(0));
    // The clock leaps a year ahead: the due slot runs and the next one lands a year out.
    const jumped = onScheduleTick(state, enabled(6), at(YEAR));
    expect(jumped.action).toBe('run');
    state = jumped.newState;
    expect(Date.parse(state.nextBackupTime!)).toBeGreaterThan(at(YEAR).getTime());
    // Corrected back to real time: without alignment nothing would run for a year.
    const back = onScheduleTick(state, enabled(6), at(7));
    const next = Date.parse(back.newState.nextBackupTime!);
    expect(next).toBeGreaterThan(at(7).getTime());
    expect(next).toBeLessThanOrEqual(at(7 + 6).getTime());
    expect(back.changed).toBe(true);
    expect(back.reason).toMatch(/clock went back/);
    const due = onScheduleTick(back.newState, enabled(6), new Date(next));
    expect(due.action).toBe('run');
  });

  it('alignToClock leaves a sane schedule alone and pulls a far one onto the same grid', () => {
    const state = onEnabled(initialScheduleState(), enabled(4), at(0));
    expect(alignToClock(state, at(1))).toBe(state);
    const far = { ...state, nextBackupTime: at(4 + 4 * 1000).toISOString() };
    const aligned = alignToClock(far, at(1));
    expect(aligned.nextBackupTime).toBe(at(4).toISOString());
    expect(onEnabled(far, enabled(4), at(1)).nextBackupTime).toBe(at(4).toISOString());
  });
});
