/**
 * Why automatic backups might have stopped without a word, as Get-AzsBackupStatus warnings, each
 * with what to do. A pure function of what the status command read (schedule, lock, scheduler
 * heartbeat, the backups on the share) and the time, so every case is tested with a fake clock.
 */
import type { OperationStatus, RoleStatus } from '../catalog/types.js';
import type { BackupLockState } from './backup-lock.js';
import type { SchedulerLiveness } from './heartbeat.js';
import type { ScheduleState } from './schedule-state.js';

const HOUR_MS = 3_600_000;

export interface FinishedBackup {
  backupId: string;
  status: OperationStatus;
  createdDateTime: string;
  roleStatus?: RoleStatus[] | undefined;
}

export interface ScheduleHealthInput {
  now: Date;
  /** A backup location is configured. */
  configured: boolean;
  /** IsBackupSchedulerEnabled. */
  enabled: boolean;
  frequencyInHours: number;
  schedule: ScheduleState;
  scheduler: SchedulerLiveness;
  lock: BackupLockState;
  lockFile: string;
  /** Where the scheduler logs what it did. */
  schedulerLog: string;
  /** Backups that are no longer running, newest first; null when the share could not be read. */
  backups: FinishedBackup[] | null;
}

function hoursBetween(from: number, to: number): number {
  return Math.floor((to - from) / HOUR_MS);
}

/** A held lock that stands in the way of a scheduled backup that is due, or was skipped while it was held. */
function lockBlocking(input: ScheduleHealthInput): string | null {
  const { lock, schedule, now } = input;
  if (!input.enabled || lock.state !== 'held' || lock.info === null) return null;
  const taken = Date.parse(lock.info.startedAt);
  const next = schedule.nextBackupTime === null ? NaN : Date.parse(schedule.nextBackupTime);
  let blocked: string | null = null;
  if (!Number.isNaN(next) && next <= now.getTime()) blocked = `the backup due at ${schedule.nextBackupTime} cannot start`;
  else if (schedule.lastSkipped && Date.parse(schedule.lastSkipped.time) >= taken) blocked = `the backup due at ${schedule.lastSkipped.time} was skipped`;
  if (blocked === null) return null;
  const { info } = lock;
  return (
    `A backup lock blocks automatic backups: ${input.lockFile} names backup ${info.backupId}, started at ${info.startedAt} by process ${info.pid} on ${info.hostname} (${lock.detail}), and ${blocked}. ` +
    `If that backup is still running, let it finish. If it is not (Get-AzsBackup shows it is not Running, or process ${info.pid} is not azsbackup), delete ${input.lockFile}; the next scheduled backup then runs.`
  );
}

function schedulerMissing(input: ScheduleHealthInput): string | null {
  const { schedule, now } = input;
  if (!input.configured || !input.enabled || input.scheduler.running || schedule.nextBackupTime === null) return null;
  const next = Date.parse(schedule.nextBackupTime);
  if (Number.isNaN(next) || next > now.getTime()) return null;
  return (
    `Automatic backups are not being made: the backup due at ${schedule.nextBackupTime} has not started because no scheduler service is running (${input.scheduler.detail}). ` +
    'Start the service (Linux: systemctl enable --now azsbackup, see docs/SCHEDULER.md; Windows: the AzsBackup scheduled task or service), or back up now with Start-AzsBackup.'
  );
}

function lastGoodTooOld(input: ScheduleHealthInput): string | null {
  const { backups, now, frequencyInHours: f } = input;
  if (!input.configured || backups === null) return null;
  const limit = 2 * f * HOUR_MS;
  const good = backups.find((b) => b.status === 'Succeeded');
  const action = `Find out why later backups failed or did not run (Get-AzsBackup, ${input.schedulerLog}), fix it, and run Start-AzsBackup.`;
  if (good) {
    const made = Date.parse(good.createdDateTime);
    if (Number.isNaN(made) || now.getTime() - made <= limit) return null;
    return `The last good backup (${good.backupId}, made ${good.createdDateTime}) is ${hoursBetween(made, now.getTime())} hours old, more than twice the backup frequency of ${f} hours. ${action}`;
  }
  // No good backup at all: worth a word only once backups have had time to be made.
  const since = input.schedule.anchorTime === null ? NaN : Date.parse(input.schedule.anchorTime);
  if (Number.isNaN(since) || now.getTime() - since <= limit) return null;
  return `No backup has succeeded since automatic backups were set up at ${input.schedule.anchorTime}, more than twice the backup frequency of ${f} hours ago. ${action}`;
}

function lastPartial(input: ScheduleHealthInput): string | null {
  const last = input.backups?.[0];
  if (!input.configured || last === undefined || last.status !== 'PartialSucceeded') return null;
  const failed = (last.roleStatus ?? []).filter((r) => r.status !== 'Succeeded');
  const roles = failed.length === 0 ? '' : `: ${failed.map((r) => (r.message ? `${r.roleName} (${r.message})` : r.roleName)).join('; ')}`;
  return (
    `The last backup (${last.backupId}) only partly succeeded${roles}. Those roles are not protected by it. ` +
    `Fix the cause (Get-AzsBackup -Name ${last.backupId} shows RoleStatus), then run Start-AzsBackup.`
  );
}

export function scheduleHealthWarnings(input: ScheduleHealthInput): string[] {
  return [lockBlocking(input), schedulerMissing(input), lastGoodTooOld(input), lastPartial(input)].filter((w): w is string => w !== null);
}
