import { describe, expect, it } from 'vitest';
import { capacityOutlook } from '../../../ts/catalog/capacity.js';

const MB = 1024 * 1024;

describe('capacityOutlook', () => {
  it('has no average or projection before the first backup', () => {
    expect(capacityOutlook([], 7, 12, 10 * MB)).toEqual({ usedBytes: 0, averageBytes: null, backupsInWindow: 15, projectedBytes: null, warning: null });
  });

  it('projects one backup per frequency period of the retention window, plus the newest', () => {
    const outlook = capacityOutlook([100 * MB, 300 * MB], 2, 4, 10_000 * MB);
    expect(outlook.usedBytes).toBe(400 * MB);
    expect(outlook.averageBytes).toBe(200 * MB);
    expect(outlook.backupsInWindow).toBe(13);
    expect(outlook.projectedBytes).toBe(13 * 200 * MB);
    expect(outlook.warning).toBeNull();
  });

  it('warns when what the window still has to grow does not fit the free space', () => {
    // 15 backups of 100 MB need 1500 MB; 500 MB are there already, so 1000 MB more are needed.
    const sizes = Array.from({ length: 5 }, () => 100 * MB);
    expect(capacityOutlook(sizes, 7, 12, 1000 * MB).warning).toBeNull();
    const warning = capacityOutlook(sizes, 7, 12, 999 * MB).warning;
    expect(warning).toMatch(/needs about 1\.46 GB \(15 backups of 100 MB on average\)/);
    expect(warning).toMatch(/only 999 MB is free/);
    expect(warning).toMatch(/BackupRetentionPeriodInDays/);
  });

  it('does not warn when the free space is unknown', () => {
    expect(capacityOutlook([100 * MB], 14, 4, null).warning).toBeNull();
  });
});
