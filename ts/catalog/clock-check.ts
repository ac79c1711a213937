/**
 * Before deleting anything by age, make sure our clock and the file server's agree. Retention
 * compares backup creation times (our clock) with "now" (our clock), but a host whose clock ran
 * days ahead would see every backup as expired; comparing with a timestamp the share itself
 * assigns catches that before anything is deleted.
 */
import { randomBytes } from 'node:crypto';
import { AzsError } from '../errors.js';
import type { StorageTarget } from '../storage/target.js';

export const CLOCK_PROBE_DIR = 'MASBackup';
export const CLOCK_PROBE_PREFIX = '.clockprobe-';
export const DEFAULT_CLOCK_TOLERANCE_MS = 5 * 60_000;

export interface ClockCheckResult {
  localTime: Date;
  shareTime: Date;
  /** Signed: positive when the share is ahead of us. */
  skewMs: number;
}

function formatDuration(ms: number): string {
  const total = Math.round(Math.abs(ms) / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${h} h ${m} min ${s} s` : m > 0 ? `${m} min ${s} s` : `${s} s`;
}

/**
 * Writes a probe file, reads back the modification time the share gave it, deletes it, and throws
 * AzsError 'ClockSkew' when that time is further than `toleranceMs` from ours.
 */
export async function checkShareClock(
  target: StorageTarget,
  now: () => Date,
  toleranceMs = DEFAULT_CLOCK_TOLERANCE_MS,
): Promise<ClockCheckResult> {
  const name = `${CLOCK_PROBE_PREFIX}${randomBytes(8).toString('hex')}`;
  const rel = `${CLOCK_PROBE_DIR}/${name}`;
  await target.ensureDirectory(CLOCK_PROBE_DIR);
  let failed = false;
  try {
    // The write happens somewhere between these two readings; judging against that window keeps
    // a slow share from being mistaken for a skewed one.
    const before = now();
    await target.writeFile(rel, Buffer.from(`${before.toISOString()}\n`, 'utf8'));
    const after = now();
    const entry = (await target.list(CLOCK_PROBE_DIR)).find((e) => e.name === name);
    if (entry === undefined) {
      throw new AzsError('ShareGeneralFault', `The clock probe ${rel} was written but does not appear in the listing of ${target.description}.`, {
        target: target.description,
        remediation: 'Check that the share lists files it has just written (caching, replication), then retry.',
      });
    }
    const shareTime = entry.modified;
    const t = shareTime.getTime();
    const skewMs = t < before.getTime() ? t - before.getTime() : t > after.getTime() ? t - after.getTime() : 0;
    const localTime = skewMs < 0 ? before : after;
    if (Math.abs(skewMs) > toleranceMs) {
      throw new AzsError(
        'ClockSkew',
        `The clock of ${target.description} and this machine's disagree by ${formatDuration(skewMs)} (share: ${shareTime.toISOString()}, local: ${localTime.toISOString()}; share ${skewMs > 0 ? 'ahead' : 'behind'}), more than the ${formatDuration(toleranceMs)} allowed. Pruning by age is refused.`,
        {
          target: target.description,
          remediation: 'Fix time synchronisation (NTP) on this host or on the file server, then prune again.',
        },
      );
    }
    return { localTime, shareTime, skewMs };
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    // A failed delete must not hide the real error; without one, it is the error.
    await target.removeFile(rel).catch((err: unknown) => {
      if (!failed) throw err;
    });
  }
}
