import { formatCapacity } from './azure-shape.js';

export interface CapacityOutlook {
  /** Bytes the completed backups occupy on the location now. */
  usedBytes: number;
  /** Mean size of a completed backup; null before the first one. */
  averageBytes: number | null;
  /** How many backups the retention window holds at its fullest, just before a prune. */
  backupsInWindow: number;
  /** averageBytes × backupsInWindow; null before the first backup. */
  projectedBytes: number | null;
  /** Set when the window's remaining growth does not fit the free space. */
  warning: string | null;
}

/**
 * What the retention window will cost, from the backups made so far. The window holds one backup
 * per frequency period of the retention period, plus the one that has just been made and has not
 * yet pushed the oldest out; the share must find room for whatever part of that is not already
 * there.
 */
export function capacityOutlook(sizes: number[], retentionDays: number, frequencyHours: number, freeBytes: number | null): CapacityOutlook {
  const usedBytes = sizes.reduce((sum, n) => sum + n, 0);
  const averageBytes = sizes.length > 0 ? Math.round(usedBytes / sizes.length) : null;
  const backupsInWindow = Math.floor((retentionDays * 24) / frequencyHours) + 1;
  const projectedBytes = averageBytes === null ? null : averageBytes * backupsInWindow;
  let warning: string | null = null;
  if (projectedBytes !== null && freeBytes !== null) {
    const growth = Math.max(0, projectedBytes - usedBytes);
    if (growth > freeBytes) {
      warning =
        `The retention window needs about ${formatCapacity(projectedBytes)} (${backupsInWindow} backups of ${formatCapacity(averageBytes ?? 0)} on average); ` +
        `${formatCapacity(usedBytes)} is used and only ${formatCapacity(freeBytes)} is free, so backups will fail before old ones are pruned. ` +
        'Free space on the share, shorten BackupRetentionPeriodInDays or lengthen BackupFrequencyInHours.';
    }
  }
  return { usedBytes, averageBytes, backupsInWindow, projectedBytes, warning };
}
