/**
 * One backup at a time across processes (the service, a Start-AzsBackup in a console, a second
 * service instance): a lock file in the state directory, created whole and exclusively (tryCreate).
 *
 * A process killed mid-backup leaves the file behind. Recovering it is where the races are: two
 * processes may both judge the same lock stale, and a naive "delete, then create" lets the slower
 * one delete the fresh lock the faster one just made, so both would back up. Recovery therefore
 * runs under a short-lived guard file (created the same way) and re-judges the lock under the guard
 * before removing it. Creating a lock never needs the guard: an exclusive create alone decides who
 * wins.
 *
 * Whether the writer still runs is judged by util/process-identity.ts: the lock records the boot
 * id and the start time of its process, because after a crash and a reboot its bare PID is
 * often handed to another process, or to the very service asking, and would keep a dead lock
 * "held" forever, silently skipping every scheduled backup.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AzsError } from '../errors.js';
import { identifySelf, judgeRecordedProcess, systemProbe, type ProcessProbe } from '../util/process-identity.js';

export const BACKUP_LOCK_FILE = 'backup.lock';
const GUARD_SUFFIX = '.recover';
/** The guard is held for a few file operations; one this old belongs to a crashed recoverer. */
const GUARD_STALE_MS = 10_000;
const MAX_ATTEMPTS = 40;
/**
 * Temporary and set-aside files live for a few milliseconds; one older than this was left by a
 * process killed in between, and is removed by the next holder of the lock.
 */
const LEFTOVER_AGE_MS = 60_000;
const BESIDE_TAGS = ['tmp', 'stale'] as const;
const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** What leftovers of the lock and the guard are called: `<file>.tmp-<pid>-<hex>` or `<file>.stale-<pid>-<hex>`. */
const LEFTOVER = new RegExp(`^${escapeRegExp(BACKUP_LOCK_FILE)}(${escapeRegExp(GUARD_SUFFIX)})?\\.(${BESIDE_TAGS.join('|')})-`);

/** A private name beside `file`: a temporary being written, or a file set aside to be removed. */
function besideName(file: string, tag: (typeof BESIDE_TAGS)[number]): string {
  return `${file}.${tag}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

export interface BackupLockInfo {
  pid: number;
  backupId: string;
  /** ISO-8601 UTC. */
  startedAt: string;
  hostname: string;
  /** Boot id of the host when the lock was taken; null where the platform has none (Windows). */
  bootId?: string | null;
  /** Start time of the holding process in clock ticks since boot; null where unknown. */
  startTicks?: string | null;
}

/** A lock left behind by a backup that did not finish; the caller marks that backup Failed. */
export interface RecoveredBackupLock {
  reason: 'process-not-running' | 'unreadable';
  /** What the dead lock said; null when it could not be parsed. */
  info: BackupLockInfo | null;
  detail: string;
}

export interface BackupLockHandle {
  readonly info: BackupLockInfo;
  readonly recovered: RecoveredBackupLock | null;
  /** Removes the lock if it is still ours; safe to call more than once. */
  release(): Promise<void>;
}

export interface BackupLockOptions {
  /** Only for startedAt; file ages are judged against the real clock because mtimes are real. */
  now?: () => Date;
  /** The system as process liveness sees it; tests replace parts of it. */
  probe?: ProcessProbe;
  /**
   * An unparsable lock younger than this is taken to be one being written right now, so it counts
   * as held. Locks published whole (tryCreate) are never in that state; one written by O_EXCL on a
   * file system without hard links, or by an older version, can be.
   */
  unreadableGraceMs?: number;
}

export type BackupLockState =
  | { state: 'free' }
  | { state: 'held'; info: BackupLockInfo | null; detail: string }
  | { state: 'stale'; recovered: RecoveredBackupLock };

export function backupLockPath(stateDir: string): string {
  return path.join(stateDir, BACKUP_LOCK_FILE);
}

/**
 * Lock contents this process holds right now. A lock naming our own PID is ours only if it is
 * one of these; otherwise a process that crashed before a reboot had our number.
 */
const heldHere = new Set<string>();

interface SeenLock {
  raw: Buffer;
  mtimeMs: number;
}

async function readLockFile(file: string): Promise<SeenLock | null> {
  try {
    const handle = await fs.open(file, 'r');
    try {
      const [raw, st] = await Promise.all([handle.readFile(), handle.stat()]);
      return { raw, mtimeMs: st.mtimeMs };
    } finally {
      await handle.close();
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function parseLockInfo(raw: Buffer): BackupLockInfo | null {
  try {
    const o = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    if (
      typeof o === 'object' &&
      o !== null &&
      Number.isInteger(o.pid) &&
      (o.pid as number) > 0 &&
      typeof o.backupId === 'string' &&
      typeof o.startedAt === 'string' &&
      typeof o.hostname === 'string'
    ) {
      const optionalText = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
      return {
        pid: o.pid as number,
        backupId: o.backupId,
        startedAt: o.startedAt,
        hostname: o.hostname,
        bootId: optionalText(o.bootId),
        startTicks: optionalText(o.startTicks),
      };
    }
  } catch {
    // falls through: unparsable is reported as such by the caller
  }
  return null;
}

type ResolvedOptions = Required<Pick<BackupLockOptions, 'probe' | 'unreadableGraceMs'>>;

function judge(file: string, seen: SeenLock, options: ResolvedOptions): BackupLockState {
  const info = parseLockInfo(seen.raw);
  if (info === null) {
    const ageMs = Date.now() - seen.mtimeMs;
    if (ageMs < options.unreadableGraceMs) {
      return { state: 'held', info: null, detail: 'another backup is starting (its lock is being written)' };
    }
    return {
      state: 'stale',
      recovered: { reason: 'unreadable', info: null, detail: `the lock file was unreadable and ${Math.round(ageMs / 1000)} s old` },
    };
  }
  if (info.hostname !== os.hostname()) {
    // A process id means nothing on another host; only an admin can tell whether it still runs.
    return { state: 'held', info, detail: `the lock was written on host ${info.hostname}, whose processes cannot be checked from here` };
  }
  if (info.pid === options.probe.selfPid && heldHere.has(heldKey(file, seen.raw))) {
    return { state: 'held', info, detail: `this process (${info.pid}) is running it` };
  }
  const verdict = judgeRecordedProcess({ ...info, writtenAtMs: seen.mtimeMs }, options.probe);
  if (verdict.running) return { state: 'held', info, detail: verdict.detail };
  return {
    state: 'stale',
    recovered: { reason: 'process-not-running', info, detail: `the lock of backup ${info.backupId} is stale: ${verdict.detail}` },
  };
}

function heldKey(file: string, raw: Buffer | string): string {
  return `${path.resolve(file)}\n${raw.toString()}`;
}

function resolveOptions(options: BackupLockOptions): ResolvedOptions {
  return {
    probe: options.probe ?? systemProbe,
    unreadableGraceMs: options.unreadableGraceMs ?? 10_000,
  };
}

/** What the lock says now, without changing anything (for status displays). */
export async function inspectBackupLock(stateDir: string, options: BackupLockOptions = {}): Promise<BackupLockState> {
  const file = backupLockPath(stateDir);
  const seen = await readLockFile(file);
  return seen === null ? { state: 'free' } : judge(file, seen, resolveOptions(options));
}

function busyError(lockFile: string, state: { info: BackupLockInfo | null; detail: string }): AzsError {
  const { info } = state;
  const message =
    info === null
      ? `A backup is already running: ${state.detail}.`
      : `A backup is already running: backup ${info.backupId}, started at ${info.startedAt} by process ${info.pid} on ${info.hostname} (${state.detail}).`;
  return new AzsError('BackupInProgress', message, {
    target: info?.backupId ?? lockFile,
    remediation: `Wait for that backup to finish (Get-AzsBackup shows it) and start again. Only if you are sure no backup process runs, delete ${lockFile}.`,
  });
}

/**
 * Creates `file` with `content` unless it exists. The content is written to a private temporary
 * file first and published with link(), which fails with EEXIST like O_EXCL does, so the file
 * appears complete or not at all. With open('wx') and a write, a process killed between the two
 * left an empty lock that every other process had to take for one being written right now.
 */
async function tryCreate(file: string, content: string): Promise<boolean> {
  const temp = besideName(file, 'tmp');
  await writeDurably(temp, content);
  try {
    await fs.link(temp, file);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    // A file system without hard links (FAT, some network mounts): fall back to O_EXCL, whose
    // half-written window the unreadable-lock grace covers.
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'ENOSYS' || code === 'EOPNOTSUPP') return createInPlace(file, content);
    throw err;
  } finally {
    // A temporary that cannot be removed now is swept by a later holder (sweepLeftovers).
    await fs.rm(temp, { force: true }).catch(() => undefined);
  }
}

/** Creates `file` (never an existing one) with `content`, flushed to disk; removes it again if the write fails. */
async function writeDurably(file: string, content: string): Promise<void> {
  const handle = await fs.open(file, 'wx', 0o600);
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
    await handle.close();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await fs.rm(file, { force: true });
    throw err;
  }
}

/** O_EXCL in place: the fallback where hard links are not available. */
async function createInPlace(file: string, content: string): Promise<boolean> {
  try {
    await writeDurably(file, content);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

async function sweepLeftovers(stateDir: string): Promise<void> {
  const names = await fs.readdir(stateDir).catch(() => [] as string[]);
  for (const name of names.filter((n) => LEFTOVER.test(n))) {
    const file = path.join(stateDir, name);
    const st = await fs.stat(file).catch(() => null);
    if (st !== null && Date.now() - st.mtimeMs > LEFTOVER_AGE_MS) await fs.rm(file, { force: true }).catch(() => undefined);
  }
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Takes the recovery guard, or returns null if another recoverer keeps it past our patience. */
async function acquireGuard(guardFile: string, isProcessAlive: (pid: number) => boolean): Promise<(() => Promise<void>) | null> {
  const token = `${process.pid} ${os.hostname()} ${randomBytes(8).toString('hex')}\n`;
  for (let i = 0; i < 100; i++) {
    if (await tryCreate(guardFile, token)) {
      return async () => {
        const seen = await readLockFile(guardFile);
        if (seen !== null && seen.raw.toString('utf8') === token) await fs.rm(guardFile, { force: true });
      };
    }
    const seen = await readLockFile(guardFile);
    if (seen !== null) {
      const [pidText, host] = seen.raw.toString('utf8').split(' ');
      const pid = Number(pidText);
      const dead = host === os.hostname() && Number.isInteger(pid) && pid > 0 && !isProcessAlive(pid);
      if (dead || Date.now() - seen.mtimeMs > GUARD_STALE_MS) {
        // A recoverer died inside the guard's few milliseconds. Moving the file aside first means a
        // second process doing the same finds nothing to move instead of deleting a new guard.
        const aside = besideName(guardFile, 'stale');
        await fs.rename(guardFile, aside).then(
          () => fs.rm(aside, { force: true }),
          () => undefined,
        );
        continue;
      }
    }
    await pause(5 + Math.floor(Math.random() * 20));
  }
  return null;
}

/**
 * Removes the stale lock if, under the guard, it is still the very file we judged stale.
 * Returns true when we removed it.
 */
async function removeStale(
  lockFile: string,
  judged: SeenLock,
  options: ResolvedOptions,
): Promise<boolean> {
  const releaseGuard = await acquireGuard(lockFile + GUARD_SUFFIX, (pid) => options.probe.isAlive(pid));
  if (releaseGuard === null) return false;
  try {
    const current = await readLockFile(lockFile);
    if (current === null || !current.raw.equals(judged.raw)) return false;
    // Same bytes could still be a brand-new lock mid-write (both empty): judging again by age and
    // liveness tells them apart.
    if (judge(lockFile, current, options).state !== 'stale') return false;
    const aside = besideName(lockFile, 'stale');
    await fs.rename(lockFile, aside);
    await fs.rm(aside, { force: true });
    return true;
  } finally {
    await releaseGuard();
  }
}

/**
 * Takes the backup lock or throws AzsError 'BackupInProgress' naming the running backup. A lock
 * left by a dead process (or unreadable for longer than the grace period) is recovered and
 * described in `recovered`, so the caller can mark that backup Failed.
 */
export async function acquireBackupLock(
  stateDir: string,
  request: { backupId: string; startedAt?: Date },
  options: BackupLockOptions = {},
): Promise<BackupLockHandle> {
  const resolved = resolveOptions(options);
  const lockFile = backupLockPath(stateDir);
  const now = options.now ?? (() => new Date());
  const self = identifySelf(resolved.probe);
  const info: BackupLockInfo = {
    pid: self.pid,
    backupId: request.backupId,
    startedAt: (request.startedAt ?? now()).toISOString(),
    hostname: os.hostname(),
    bootId: self.bootId,
    startTicks: self.startTicks,
  };
  const content = `${JSON.stringify(info)}\n`;
  let recovered: RecoveredBackupLock | null = null;

  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    // Registered before the file exists, so a judge in this process never sees our own fresh
    // lock as one "naming this process that it does not hold".
    heldHere.add(heldKey(lockFile, content));
    let created: boolean;
    try {
      created = await tryCreate(lockFile, content);
    } catch (err) {
      heldHere.delete(heldKey(lockFile, content));
      throw err;
    }
    if (created) {
      await sweepLeftovers(stateDir);
      let released = false;
      return {
        info,
        recovered,
        release: async () => {
          if (released) return;
          released = true;
          heldHere.delete(heldKey(lockFile, content));
          const seen = await readLockFile(lockFile);
          // Never remove a lock that is no longer ours (an admin deleted ours and another started).
          if (seen !== null && seen.raw.toString('utf8') === content) await fs.rm(lockFile, { force: true });
        },
      };
    }
    heldHere.delete(heldKey(lockFile, content));
    const seen = await readLockFile(lockFile);
    if (seen === null) continue; // released between our create and our read
    const verdict = judge(lockFile, seen, resolved);
    if (verdict.state === 'held') throw busyError(lockFile, verdict);
    if (verdict.state === 'stale' && (await removeStale(lockFile, seen, resolved))) {
      recovered = verdict.recovered;
    }
  }
  throw new AzsError('BackupInProgress', 'Could not take the backup lock: other processes kept contending for it.', {
    target: lockFile,
    remediation: 'Check for several azsbackup processes starting backups at once, then try again.',
  });
}
