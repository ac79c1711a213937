/**
 * The scheduler service's heartbeat: <state dir>/scheduler.json, rewritten every beat while
 * `azsbackup service run` lives and marked stopped when it ends cleanly. Get-AzsBackupStatus
 * reads it to tell "automatic backups are on and a service is making them" from "they are on
 * and nothing runs them": a service that was never installed, crashed, or hangs.
 *
 * The beat runs on its own timer, not in the scheduler's tick, because a tick waits for a whole
 * backup, which can take hours.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic-file.js';
import { identifySelf, judgeRecordedProcess, systemProbe, type ProcessProbe } from '../util/process-identity.js';

export const HEARTBEAT_FILE = 'scheduler.json';
export const DEFAULT_BEAT_INTERVAL_MS = 60_000;
/** A service this far behind its own beat interval (times 3, or this floor) has stopped responding. */
const MIN_SILENCE_MS = 5 * 60_000;

export interface SchedulerHeartbeat {
  version: 1;
  pid: number;
  bootId: string | null;
  startTicks: string | null;
  hostname: string;
  /** When the service started (ISO-8601). */
  startedAt: string;
  /** The last beat. */
  beatAt: string;
  beatIntervalMs: number;
  /** Set when the service stopped cleanly (SIGTERM, systemctl stop); null while it runs. */
  stoppedAt: string | null;
}

export type SchedulerLiveness = { running: true; detail: string } | { running: false; detail: string };

export function heartbeatPath(stateDir: string): string {
  return path.join(stateDir, HEARTBEAT_FILE);
}

export function newHeartbeat(now: Date, beatIntervalMs: number, probe: ProcessProbe = systemProbe): SchedulerHeartbeat {
  const self = identifySelf(probe);
  return {
    version: 1,
    pid: self.pid,
    bootId: self.bootId,
    startTicks: self.startTicks,
    hostname: os.hostname(),
    startedAt: now.toISOString(),
    beatAt: now.toISOString(),
    beatIntervalMs,
    stoppedAt: null,
  };
}

export async function writeHeartbeat(stateDir: string, heartbeat: SchedulerHeartbeat): Promise<void> {
  await writeFileAtomic(heartbeatPath(stateDir), `${JSON.stringify(heartbeat, null, 2)}\n`, 0o600);
}

function isIso(v: unknown): v is string {
  return typeof v === 'string' && !Number.isNaN(Date.parse(v));
}

/** The last heartbeat, or null when there is none or it cannot be read (which says the same: no proof of life). */
export async function readHeartbeat(stateDir: string): Promise<SchedulerHeartbeat | null> {
  let raw: unknown;
  try {
    raw = JSON.parse(await fs.readFile(heartbeatPath(stateDir), 'utf8'));
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const o = raw as Record<string, unknown>;
  const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
  if (o.version !== 1 || !Number.isInteger(o.pid) || !isIso(o.startedAt) || !isIso(o.beatAt) || typeof o.beatIntervalMs !== 'number') return null;
  return {
    version: 1,
    pid: o.pid as number,
    bootId: text(o.bootId),
    startTicks: text(o.startTicks),
    hostname: typeof o.hostname === 'string' ? o.hostname : '',
    startedAt: o.startedAt,
    beatAt: o.beatAt,
    beatIntervalMs: o.beatIntervalMs,
    stoppedAt: isIso(o.stoppedAt) ? o.stoppedAt : null,
  };
}

/** Whether a scheduler service is running for this state directory, judged from its heartbeat. */
export function judgeScheduler(heartbeat: SchedulerHeartbeat | null, now: Date, probe: ProcessProbe = systemProbe): SchedulerLiveness {
  if (heartbeat === null) return { running: false, detail: 'no scheduler service has run for this state directory' };
  if (heartbeat.stoppedAt !== null) return { running: false, detail: `the scheduler service stopped at ${heartbeat.stoppedAt}` };
  if (heartbeat.hostname === os.hostname()) {
    const process = judgeRecordedProcess({ ...heartbeat, writtenAtMs: Date.parse(heartbeat.startedAt) }, probe);
    if (!process.running) return { running: false, detail: `the scheduler service is not running: ${process.detail}` };
  }
  const silentMs = now.getTime() - Date.parse(heartbeat.beatAt);
  if (silentMs > Math.max(3 * heartbeat.beatIntervalMs, MIN_SILENCE_MS)) {
    return { running: false, detail: `the scheduler service (process ${heartbeat.pid}) last reported at ${heartbeat.beatAt} and has stopped responding` };
  }
  return { running: true, detail: `the scheduler service runs as process ${heartbeat.pid} since ${heartbeat.startedAt}` };
}

/**
 * Writes a heartbeat now and every interval until the returned stop() is called; stop() writes a
 * last one marked stopped. A failed write is reported through onError and retried next beat: a
 * full disk must not stop the scheduler itself.
 */
export async function startHeartbeat(
  stateDir: string,
  options: { intervalMs?: number; now?: () => Date; onError?: (err: unknown) => void } = {},
): Promise<{ stop: () => Promise<void> }> {
  const intervalMs = options.intervalMs ?? DEFAULT_BEAT_INTERVAL_MS;
  const now = options.now ?? (() => new Date());
  const onError = options.onError ?? (() => undefined);
  let current = newHeartbeat(now(), intervalMs);
  let writing: Promise<void> = Promise.resolve();
  const beat = (): Promise<void> => {
    current = { ...current, beatAt: now().toISOString() };
    const snapshot = current;
    // Serialised, so a slow write never lands after a newer one.
    writing = writing.then(() => writeHeartbeat(stateDir, snapshot)).catch(onError);
    return writing;
  };
  await beat();
  const timer = setInterval(() => void beat(), intervalMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      current = { ...current, stoppedAt: now().toISOString() };
      const snapshot = current;
      writing = writing.then(() => writeHeartbeat(stateDir, snapshot)).catch(onError);
      await writing;
    },
  };
}
