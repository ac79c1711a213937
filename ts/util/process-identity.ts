/**
 * Is the process that wrote a record (a lock, a Running catalog entry) still the one running?
 *
 * A PID alone cannot say: after a crash and a reboot the same number is handed out again, often
 * to the very service that is now asking, and a plain "is pid N alive" then keeps a dead lock
 * "held" forever. So a writer records, beside its PID, what tells its process apart from a later
 * one with the same number:
 *
 *   - the boot id (/proc/sys/kernel/random/boot_id), new on every boot: a record from an earlier
 *     boot names a process that is certainly gone;
 *   - the process start time (field 22 of /proc/<pid>/stat, clock ticks since boot): a live PID
 *     whose start time differs is another process that reused the number.
 *
 * Where /proc does not exist (Windows, macOS) both are null, and the judgement degrades to what
 * the platform can tell: the boot time (now minus os.uptime()) against the record's write time,
 * the PID, and "a record naming the asking process was not written by it". docs/SCHEDULER.md
 * describes what that misses.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** What a writer records about itself. */
export interface ProcessIdentity {
  pid: number;
  /** null where the platform has no boot id. */
  bootId: string | null;
  /** Start time in clock ticks since boot, as text (it can exceed 2^53 in principle); null where unknown. */
  startTicks: string | null;
}

/** Everything the judgement asks of the system; tests pass fakes, production uses systemProbe. */
export interface ProcessProbe {
  selfPid: number;
  bootId(): string | null;
  startTicks(pid: number): string | null;
  isAlive(pid: number): boolean;
  /** When the system booted (ms since the epoch); null when unknown. */
  bootTimeMs(): number | null;
  /** When process pid started (ms since the epoch); null when unknown. */
  processStartMs(pid: number): number | null;
}

/** Linux reports start times in USER_HZ, which is 100 on every architecture Node supports. */
const USER_HZ = 100;
/** Tolerance for comparing a write time (file mtime) with a start or boot time rounded to ticks or seconds. */
const TIME_SLACK_MS = 2_000;

function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

export function readBootId(): string | null {
  const text = readText('/proc/sys/kernel/random/boot_id');
  const id = text?.trim() ?? '';
  return id === '' ? null : id;
}

/**
 * Field 22 of /proc/<pid>/stat. The second field is the command name in parentheses and may
 * itself contain spaces and ')', so the fields are counted from the last ')'.
 */
export function parseStatStartTicks(stat: string): string | null {
  const close = stat.lastIndexOf(')');
  if (close < 0) return null;
  // After ')' come field 3 (state) onwards; field 22 is the 20th of them.
  const fields = stat.slice(close + 1).trim().split(/\s+/);
  const ticks = fields[19];
  return ticks !== undefined && /^\d+$/.test(ticks) ? ticks : null;
}

export function readStartTicks(pid: number): string | null {
  const stat = readText(`/proc/${pid}/stat`);
  return stat === null ? null : parseStatStartTicks(stat);
}

function linuxBootTimeMs(): number | null {
  const m = /^btime (\d+)$/m.exec(readText('/proc/stat') ?? '');
  return m ? Number(m[1]) * 1000 : null;
}

/** process.kill(pid, 0) probes without signalling: ESRCH means gone, EPERM means alive but not ours. */
export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

export const systemProbe: ProcessProbe = {
  selfPid: process.pid,
  bootId: readBootId,
  startTicks: readStartTicks,
  isAlive: isPidAlive,
  bootTimeMs: () => linuxBootTimeMs() ?? Date.now() - os.uptime() * 1000,
  processStartMs: (pid) => {
    const boot = linuxBootTimeMs();
    const ticks = readStartTicks(pid);
    return boot === null || ticks === null ? null : boot + (Number(ticks) * 1000) / USER_HZ;
  },
};

export function identifySelf(probe: ProcessProbe = systemProbe): ProcessIdentity {
  return { pid: probe.selfPid, bootId: probe.bootId(), startTicks: probe.startTicks(probe.selfPid) };
}

export interface RecordedProcess {
  pid: number;
  bootId?: string | null | undefined;
  startTicks?: string | null | undefined;
  /** When the record was written, by the real clock (a file's mtime). */
  writtenAtMs: number;
}

export type ProcessVerdict = { running: true; detail: string } | { running: false; detail: string };

/**
 * Whether the process a record names still runs. The caller has already excluded records this
 * very process holds (it knows its own); a record naming our PID otherwise is a dead writer whose
 * number we inherited.
 */
export function judgeRecordedProcess(recorded: RecordedProcess, probe: ProcessProbe = systemProbe): ProcessVerdict {
  const { pid } = recorded;
  if (pid === probe.selfPid) {
    return { running: false, detail: `it names process ${pid}, which is this process and did not write it (the number was reused)` };
  }
  const bootNow = probe.bootId();
  if (recorded.bootId && bootNow !== null && recorded.bootId !== bootNow) {
    return { running: false, detail: `process ${pid} belonged to an earlier boot of this host` };
  }
  if (!recorded.bootId) {
    const booted = probe.bootTimeMs();
    if (booted !== null && recorded.writtenAtMs < booted - TIME_SLACK_MS) {
      return { running: false, detail: `it was written before this host last started, so process ${pid} is gone` };
    }
  }
  if (!probe.isAlive(pid)) return { running: false, detail: `process ${pid} is gone` };
  if (recorded.startTicks) {
    const now = probe.startTicks(pid);
    if (now !== null && now !== recorded.startTicks) {
      return { running: false, detail: `process ${pid} is another process that reused the number (it started later)` };
    }
  } else {
    const started = probe.processStartMs(pid);
    if (started !== null && started > recorded.writtenAtMs + TIME_SLACK_MS) {
      return { running: false, detail: `process ${pid} started after it was written, so it is another process that reused the number` };
    }
  }
  return { running: true, detail: `process ${pid} is running` };
}
