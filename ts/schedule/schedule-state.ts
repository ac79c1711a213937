/**
 * The automatic-backup schedule: what is persisted in <state dir>/schedule.json and the pure rules
 * that move it. Everything here except read/write is a pure function of (state, config, now), so
 * the service, the CLI and the tests all agree on what "due" means.
 *
 * The schedule is a grid: slots at anchor + k * frequency. The anchor is the instant automatic
 * backups were first enabled (or configured), or the last frequency change. Keeping a grid rather
 * than "last run + frequency" is what makes on-demand backups and slow backups leave the next
 * scheduled time alone, as the seed requires.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { FREQUENCY_RANGE, type BackupConfiguration } from '../config/types.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import { AzsError, invalidParameter } from '../errors.js';

export const SCHEDULE_FILE = 'schedule.json';
const HOUR_MS = 3_600_000;

export interface ScheduleState {
  version: 1;
  /** Grid origin (ISO-8601): first enable/configuration, or the last frequency change. */
  anchorTime: string | null;
  /** The frequency the grid was laid out with; a mismatch with the configuration means Set- ran. */
  frequencyInHours: number | null;
  nextBackupTime: string | null;
  /** Start time of the last backup that produced a usable result, scheduled or on demand. */
  lastBackupTime: string | null;
  /** When the scheduler last started a backup by itself. */
  lastScheduledRunTime: string | null;
  /** The last due slot that was not run, and why (disabled, another backup running). */
  lastSkipped?: { time: string; reason: string };
}

/**
 * The slice of the configuration the schedule depends on. The flag is optional/nullable on
 * purpose: configurations written before the scheduler existed do not have it.
 */
export type ScheduleConfig = Pick<BackupConfiguration, 'backupFrequencyInHours'> & {
  isBackupSchedulerEnabled?: boolean | null;
};

export type ScheduleAction = 'run' | 'skip' | 'wait';

export interface ScheduleTickResult {
  action: ScheduleAction;
  /** One sentence for the log. */
  reason: string;
  newState: ScheduleState;
  /** True when newState differs from the input and should be persisted. */
  changed: boolean;
  /** The slot that came due (run or skip); null when waiting. */
  slot: Date | null;
}

export function initialScheduleState(): ScheduleState {
  return {
    version: 1,
    anchorTime: null,
    frequencyInHours: null,
    nextBackupTime: null,
    lastBackupTime: null,
    lastScheduledRunTime: null,
  };
}

/**
 * The 1807 rule: a configuration without the flag (written before automatic backups existed)
 * behaves as disabled, so our scheduler never races an external one the admin still runs.
 */
export function isSchedulerEnabled(config: ScheduleConfig): boolean {
  return config.isBackupSchedulerEnabled === true;
}

function checkFrequency(hours: number): void {
  if (!Number.isInteger(hours) || hours < FREQUENCY_RANGE.min || hours > FREQUENCY_RANGE.max) {
    throw invalidParameter(
      'BackupFrequencyInHours',
      hours,
      `a whole number of hours from ${FREQUENCY_RANGE.min} to ${FREQUENCY_RANGE.max}`,
    );
  }
}

/** The first slot anchor + k * frequency (k >= 1) strictly after `after`. */
export function computeNextBackupTime(anchor: Date, frequencyInHours: number, after: Date): Date {
  checkFrequency(frequencyInHours);
  const period = frequencyInHours * HOUR_MS;
  const a = anchor.getTime();
  const t = after.getTime();
  const k = t < a ? 1 : Math.floor((t - a) / period) + 1;
  return new Date(a + Math.max(1, k) * period);
}

function iso(d: Date): string {
  return d.toISOString();
}

function sameState(a: ScheduleState, b: ScheduleState): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Lays out a fresh grid anchored at `now`, keeping the backup history. */
function anchoredAt(state: ScheduleState, frequencyInHours: number, now: Date): ScheduleState {
  return {
    ...state,
    anchorTime: iso(now),
    frequencyInHours,
    nextBackupTime: iso(computeNextBackupTime(now, frequencyInHours, now)),
  };
}

/**
 * Automatic backups were switched on (or the location configured with them on). A first enable
 * anchors the grid at `now`; a re-enable keeps the existing grid and resumes at its next future
 * slot. Slots that passed while disabled are deliberately not caught up: they were meant to be
 * skipped, and an immediate backup on enable would surprise an admin who just turned off an
 * external scheduler.
 */
export function onEnabled(state: ScheduleState, config: ScheduleConfig, now: Date): ScheduleState {
  const f = config.backupFrequencyInHours;
  checkFrequency(f);
  if (state.anchorTime === null || state.nextBackupTime === null) return anchoredAt(state, f, now);
  if (state.frequencyInHours !== f) return onFrequencyChanged(state, f, now);
  const next = new Date(state.nextBackupTime);
  if (next.getTime() > now.getTime()) return alignToClock(state, now);
  return { ...state, nextBackupTime: iso(computeNextBackupTime(next, f, now)) };
}

/**
 * Disabling only tells the scheduler to skip: the settings and the grid stay, so NextBackupTime
 * keeps being shown and enabling later resumes on the same grid.
 */
export function onDisabled(state: ScheduleState, _config: ScheduleConfig, _now: Date): ScheduleState {
  return state;
}

/** An on-demand backup finished: it counts as the last backup but never moves the next slot. */
export function onOnDemandBackup(state: ScheduleState, startedAt: Date): ScheduleState {
  return recordBackup(state, startedAt);
}

/** A scheduled backup finished with a usable result. The slot was already consumed by the tick. */
export function onScheduledBackupCompleted(state: ScheduleState, startedAt: Date): ScheduleState {
  return recordBackup(state, startedAt);
}

function recordBackup(state: ScheduleState, startedAt: Date): ScheduleState {
  // Two backups finishing out of order (a long scheduled one, a quick on-demand one) must not
  // move LastBackupTime backwards.
  if (state.lastBackupTime !== null && new Date(state.lastBackupTime).getTime() >= startedAt.getTime()) {
    return state;
  }
  return { ...state, lastBackupTime: iso(startedAt) };
}

/**
 * The frequency changed. Documented choice: the new grid is anchored at LastBackupTime (or at
 * `now` when there is none, or when LastBackupTime lies in the future after a clock jump), so the
 * spacing between the last real backup and the next one honours the new frequency; the next slot
 * is the first one of that grid after `now`. A schedule that never existed only records the
 * frequency: it is laid out when automatic backups are enabled.
 */
export function onFrequencyChanged(state: ScheduleState, frequencyInHours: number, now: Date): ScheduleState {
  checkFrequency(frequencyInHours);
  if (state.anchorTime === null || state.nextBackupTime === null) {
    return { ...state, frequencyInHours };
  }
  if (state.frequencyInHours === frequencyInHours) return state;
  let base = now;
  if (state.lastBackupTime !== null) {
    const last = new Date(state.lastBackupTime);
    if (!Number.isNaN(last.getTime()) && last.getTime() <= now.getTime()) base = last;
  }
  return {
    ...state,
    anchorTime: iso(base),
    frequencyInHours,
    nextBackupTime: iso(computeNextBackupTime(base, frequencyInHours, now)),
  };
}

/** Records a due slot that was not run (disabled, or a backup already running). */
export function recordSkip(state: ScheduleState, slot: Date, reason: string): ScheduleState {
  return { ...state, lastSkipped: { time: iso(slot), reason } };
}

/**
 * Slots that came due while a backup was running are skipped, exactly like a scheduled run that
 * finds another backup running; otherwise a backup longer than the period would be followed at
 * once by another one.
 */
export function skipSlotsPassedDuringBackup(state: ScheduleState, now: Date, reason = 'a backup was running'): ScheduleState {
  if (state.nextBackupTime === null || state.frequencyInHours === null) return state;
  const next = new Date(state.nextBackupTime);
  if (Number.isNaN(next.getTime()) || next.getTime() > now.getTime()) return state;
  const following = computeNextBackupTime(next, state.frequencyInHours, now);
  const lastPassed = new Date(following.getTime() - state.frequencyInHours * HOUR_MS);
  return recordSkip({ ...state, nextBackupTime: iso(following) }, lastPassed, reason);
}

/**
 * After the clock is set back (a forward jump corrected, or a bad clock at boot fixed), the stored
 * next slot can lie months ahead, and automatic backups would stop without a word. A slot more
 * than one period ahead cannot be right, so it is pulled back along the same grid to the first
 * slot after `now`: NextBackupTime is never later than now plus the frequency.
 */
export function alignToClock(state: ScheduleState, now: Date): ScheduleState {
  if (state.nextBackupTime === null || state.frequencyInHours === null) return state;
  const period = state.frequencyInHours * HOUR_MS;
  const next = Date.parse(state.nextBackupTime);
  if (Number.isNaN(next) || !(period > 0) || next - now.getTime() <= period) return state;
  const periodsBack = Math.ceil((next - now.getTime()) / period) - 1;
  const pulled = next - periodsBack * period;
  return { ...state, anchorTime: iso(new Date(pulled - period)), nextBackupTime: iso(new Date(pulled)) };
}

/**
 * One scheduler tick. 'run' and 'skip' both consume the due slot and move NextBackupTime to the
 * first slot after `now`, so however many slots were missed (service stopped, host asleep) at
 * most one backup runs: no catch-up storm. Persist newState before starting the backup so a crash
 * mid-backup does not re-run the same slot on restart.
 */
export function onScheduleTick(state: ScheduleState, config: ScheduleConfig, now: Date): ScheduleTickResult {
  const enabled = isSchedulerEnabled(config);
  const f = config.backupFrequencyInHours;
  checkFrequency(f);
  const wait = (newState: ScheduleState, reason: string): ScheduleTickResult => ({
    action: 'wait',
    reason,
    newState,
    changed: !sameState(state, newState),
    slot: null,
  });

  if (state.anchorTime === null || state.nextBackupTime === null) {
    if (!enabled) {
      const reason =
        config.isBackupSchedulerEnabled == null
          ? 'automatic backups are disabled: the configuration predates the scheduler; enable them once no external scheduler runs backups'
          : 'automatic backups are disabled and no schedule has been laid out yet';
      return wait(state, reason);
    }
    const fresh = anchoredAt(state, f, now);
    return wait(fresh, `schedule laid out every ${f} h; next backup at ${fresh.nextBackupTime}`);
  }

  let current = alignToClock(state, now);
  let note = current === state ? '' : 'the clock went back, so the next backup was moved to the first slot after now; ';
  if (current.frequencyInHours !== f) {
    current = onFrequencyChanged(current, f, now);
    note = `frequency changed to ${f} h; `;
  }

  const next = new Date(current.nextBackupTime as string);
  if (Number.isNaN(next.getTime())) {
    const fresh = anchoredAt(current, f, now);
    return wait(fresh, `${note}stored next backup time was unreadable; schedule laid out again`);
  }
  if (now.getTime() < next.getTime()) {
    return wait(current, `${note}next backup at ${iso(next)}${enabled ? '' : ' (automatic backups disabled: it will be skipped)'}`);
  }

  const following = computeNextBackupTime(next, f, now);
  const missed = Math.floor((now.getTime() - next.getTime()) / (f * HOUR_MS));
  const missedNote = missed > 0 ? `; ${missed} earlier slot(s) passed unattended and are not caught up` : '';
  const advanced: ScheduleState = { ...current, nextBackupTime: iso(following) };

  if (!enabled) {
    const reason = 'automatic backups are disabled';
    return {
      action: 'skip',
      reason: `${note}scheduled backup due at ${iso(next)} skipped: ${reason}${missedNote}; next at ${iso(following)}`,
      newState: recordSkip(advanced, next, reason),
      changed: true,
      slot: next,
    };
  }
  return {
    action: 'run',
    reason: `${note}scheduled backup due at ${iso(next)}${missedNote}; next at ${iso(following)}`,
    newState: { ...advanced, lastScheduledRunTime: iso(now) },
    changed: true,
    slot: next,
  };
}

// ---------------------------------------------------------------------------------------------
// Persistence

export function scheduleStatePath(stateDir: string): string {
  return path.join(stateDir, SCHEDULE_FILE);
}

function isIsoOrNull(v: unknown): boolean {
  return v === null || (typeof v === 'string' && !Number.isNaN(Date.parse(v)));
}

export function parseScheduleState(text: string, source = SCHEDULE_FILE): ScheduleState {
  const corrupt = (why: string): AzsError =>
    new AzsError('ConfigurationCorrupt', `The schedule state ${source} is unreadable: ${why}.`, {
      target: source,
      remediation:
        'Delete the file; the scheduler lays the schedule out again from the current time and configuration.',
    });
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw corrupt(err instanceof Error ? err.message : String(err));
  }
  if (typeof raw !== 'object' || raw === null) throw corrupt('not a JSON object');
  const o = raw as Record<string, unknown>;
  if (o.version !== 1) throw corrupt(`unknown version ${String(o.version)}`);
  for (const key of ['anchorTime', 'nextBackupTime', 'lastBackupTime', 'lastScheduledRunTime'] as const) {
    if (!isIsoOrNull(o[key])) throw corrupt(`${key} is not a time`);
  }
  if (o.frequencyInHours !== null && typeof o.frequencyInHours !== 'number') {
    throw corrupt('frequencyInHours is not a number');
  }
  const state: ScheduleState = {
    version: 1,
    anchorTime: o.anchorTime as string | null,
    frequencyInHours: o.frequencyInHours as number | null,
    nextBackupTime: o.nextBackupTime as string | null,
    lastBackupTime: o.lastBackupTime as string | null,
    lastScheduledRunTime: o.lastScheduledRunTime as string | null,
  };
  const skipped = o.lastSkipped;
  if (skipped !== undefined && skipped !== null) {
    const s = skipped as Record<string, unknown>;
    if (typeof s.time !== 'string' || !isIsoOrNull(s.time) || typeof s.reason !== 'string') {
      throw corrupt('lastSkipped is malformed');
    }
    state.lastSkipped = { time: s.time, reason: s.reason };
  }
  return state;
}

/** Reads the schedule; a missing file is a schedule that was never laid out. */
export async function readScheduleState(stateDir: string): Promise<ScheduleState> {
  const file = scheduleStatePath(stateDir);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return initialScheduleState();
    throw err;
  }
  return parseScheduleState(text, file);
}

/**
 * Atomic replace: a reader (the CLI showing NextBackupTime while the service writes) sees either
 * the old or the new file, and a power cut never leaves a half-written schedule.
 */
export async function writeScheduleState(stateDir: string, state: ScheduleState): Promise<void> {
  await writeFileAtomic(scheduleStatePath(stateDir), `${JSON.stringify(state, null, 2)}\n`, 0o600);
}
