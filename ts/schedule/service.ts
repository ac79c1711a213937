/**
 * The long-running scheduler behind `azsbackup service run`. It owns no policy: every decision
 * comes from onScheduleTick, and the configuration and schedule are re-read from disk on every
 * tick so Set-/Enable-/Disable-AzsBackup take effect without restarting the service.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { OperationStatus } from '../catalog/types.js';
import { AzsError } from '../errors.js';
import {
  onScheduledBackupCompleted,
  onScheduleTick,
  readScheduleState,
  recordSkip,
  skipSlotsPassedDuringBackup,
  writeScheduleState,
  type ScheduleConfig,
  type ScheduleState,
} from './schedule-state.js';

export const DEFAULT_TICK_INTERVAL_MS = 30_000;

export type SchedulerEvent =
  | 'started'
  | 'stopped'
  | 'not-configured'
  | 'schedule-updated'
  | 'run-skipped'
  | 'backup-started'
  | 'backup-finished'
  | 'backup-failed'
  | 'tick-failed';

export interface SchedulerLogEntry {
  level: 'info' | 'warning' | 'error';
  event: SchedulerEvent;
  message: string;
  data?: Record<string, unknown>;
}

export interface ScheduledBackupResult {
  backupId: string;
  status: OperationStatus;
}

export interface SchedulerOptions {
  stateDir: string;
  /** The current configuration, or null when no backup location is configured yet. */
  loadConfig: () => Promise<ScheduleConfig | null>;
  /**
   * Runs one backup to completion. It takes the backup lock itself (so on-demand and scheduled
   * backups exclude each other) and throws AzsError 'BackupInProgress' when it is held. The signal
   * fires on service shutdown so a backup can stop cleanly before systemd's stop timeout.
   */
  runBackup: (options: { automatic: true; signal: AbortSignal }) => Promise<ScheduledBackupResult>;
  now: () => Date;
  /** Resolves after ms, or early (without throwing) when the signal fires. */
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  log: (entry: SchedulerLogEntry) => void;
  signal: AbortSignal;
  tickIntervalMs?: number;
}

/** The production sleep: an abort ends it early instead of rejecting. */
export async function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch (err) {
    if ((err as Error).name !== 'AbortError') throw err;
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Runs until the signal fires. Never throws for a failed tick or backup: it logs and goes on. */
export async function runScheduler(options: SchedulerOptions): Promise<void> {
  const { stateDir, log, signal, now } = options;
  const interval = options.tickIntervalMs ?? DEFAULT_TICK_INTERVAL_MS;
  // Repeating the same complaint every 30 s buries everything else in the log.
  let lastCondition = '';
  const logOnce = (condition: string, entry: SchedulerLogEntry): void => {
    if (condition === lastCondition) return;
    lastCondition = condition;
    log(entry);
  };

  log({ level: 'info', event: 'started', message: `Scheduler started (state directory ${stateDir}).` });
  while (!signal.aborted) {
    let next: ScheduleState['nextBackupTime'] = null;
    try {
      next = await tick(options, logOnce, () => {
        lastCondition = '';
      });
    } catch (err) {
      logOnce(`tick-failed:${describe(err)}`, {
        level: 'error',
        event: 'tick-failed',
        message: `Scheduler tick failed: ${describe(err)}`,
        data: err instanceof AzsError ? err.toJSON() : {},
      });
    }
    if (signal.aborted) break;
    // Wake exactly at the next slot when it comes before the regular tick.
    let wait = interval;
    if (next !== null) wait = Math.max(0, Math.min(interval, Date.parse(next) - now().getTime()));
    await options.sleep(wait, signal);
  }
  log({ level: 'info', event: 'stopped', message: 'Scheduler stopped.' });
}

/** One pass; returns the NextBackupTime to wake for. */
async function tick(
  options: SchedulerOptions,
  logOnce: (condition: string, entry: SchedulerLogEntry) => void,
  clearCondition: () => void,
): Promise<string | null> {
  const { stateDir, log, now } = options;
  let config: ScheduleConfig | null;
  try {
    config = await options.loadConfig();
  } catch (err) {
    if (err instanceof AzsError && err.code === 'NotConfigured') config = null;
    else throw err;
  }
  if (config === null) {
    logOnce('not-configured', {
      level: 'warning',
      event: 'not-configured',
      message: 'No backup location is configured; the scheduler waits (Set-AzsBackupConfiguration).',
    });
    return null;
  }

  const state = await readScheduleState(stateDir);
  const result = onScheduleTick(state, config, now());
  if (result.changed) await writeScheduleState(stateDir, result.newState);

  if (result.action === 'wait') {
    if (result.changed) {
      clearCondition();
      log({ level: 'info', event: 'schedule-updated', message: `Schedule updated: ${result.reason}.` });
    } else {
      // Announces each distinct waiting condition once (e.g. "disabled", "next at ...").
      logOnce(`wait:${result.newState.nextBackupTime ?? 'none'}:${config.isBackupSchedulerEnabled === true}`, {
        level: 'info',
        event: 'schedule-updated',
        message: `Waiting: ${result.reason}.`,
        data: { nextBackupTime: result.newState.nextBackupTime },
      });
    }
    return result.newState.nextBackupTime;
  }

  clearCondition();
  const slot = result.slot as Date;
  if (result.action === 'skip') {
    log({ level: 'warning', event: 'run-skipped', message: `Skipped: ${result.reason}.`, data: { slot: slot.toISOString() } });
    return result.newState.nextBackupTime;
  }

  const startedAt = now();
  log({ level: 'info', event: 'backup-started', message: `Starting automatic backup: ${result.reason}.`, data: { slot: slot.toISOString() } });
  try {
    const outcome = await options.runBackup({ automatic: true, signal: options.signal });
    const usable = outcome.status === 'Succeeded' || outcome.status === 'PartialSucceeded';
    // Re-read: the CLI may have changed the schedule (frequency, enable/disable) during a long backup.
    const latest = await readScheduleState(stateDir);
    let updated = usable ? onScheduledBackupCompleted(latest, startedAt) : latest;
    const reason = `backup ${outcome.backupId} was still running`;
    const afterSkips = skipSlotsPassedDuringBackup(updated, now(), reason);
    if (afterSkips !== updated) {
      log({
        level: 'warning',
        event: 'run-skipped',
        message: `Skipped the scheduled backup due at ${afterSkips.lastSkipped?.time}: ${reason}.`,
        data: { slot: afterSkips.lastSkipped?.time },
      });
      updated = afterSkips;
    }
    if (updated !== latest) await writeScheduleState(stateDir, updated);
    log({
      level: usable ? 'info' : 'error',
      event: usable ? 'backup-finished' : 'backup-failed',
      message: `Automatic backup ${outcome.backupId} finished: ${outcome.status}.`,
      data: { backupId: outcome.backupId, status: outcome.status },
    });
  } catch (err) {
    if (err instanceof AzsError && err.code === 'BackupInProgress') {
      const latest = await readScheduleState(stateDir);
      await writeScheduleState(stateDir, recordSkip(latest, slot, err.message));
      log({
        level: 'warning',
        event: 'run-skipped',
        message: `Skipped the scheduled backup due at ${slot.toISOString()}: ${err.message}`,
        data: { slot: slot.toISOString() },
      });
    } else {
      log({
        level: 'error',
        event: 'backup-failed',
        message: `Automatic backup failed: ${describe(err)}`,
        data: err instanceof AzsError ? err.toJSON() : {},
      });
    }
  }
  return (await readScheduleState(stateDir)).nextBackupTime;
}
