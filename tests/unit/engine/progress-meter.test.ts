import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ProgressDetail, Reporter } from '../../../ts/engine/reporter.js';
import { PROGRESS_INTERVAL_MS, ProgressMeter } from '../../../ts/engine/progress-meter.js';

interface Line {
  status: string;
  percent: number | undefined;
  detail: ProgressDetail | undefined;
}

function recorder(): { reporter: Reporter; lines: Line[] } {
  const lines: Line[] = [];
  return {
    lines,
    reporter: { progress: (_a, status, percent, detail) => lines.push({ status, percent, detail }), warning: () => {} },
  };
}

describe('ProgressMeter', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-12-01T10:00:00Z'));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reports bytes, rate and time left per role, on a timer rather than per chunk', () => {
    const { reporter, lines } = recorder();
    const meter = new ProgressMeter(reporter, 'Backup', 100 * 1024 * 1024);
    meter.start();
    meter.beginRole('KeyVault', 60 * 1024 * 1024);
    expect(lines).toHaveLength(1);
    expect(lines[0]?.detail).toMatchObject({ bytesDone: 0, bytesTotal: 100 * 1024 * 1024, role: 'KeyVault', roleBytesDone: 0, roleBytesTotal: 60 * 1024 * 1024, bytesPerSecond: null, secondsRemaining: null });

    // A thousand chunks within one interval make no line of their own.
    for (let i = 0; i < 1000; i++) meter.add(10 * 1024);
    expect(lines).toHaveLength(1);
    vi.advanceTimersByTime(PROGRESS_INTERVAL_MS);
    expect(lines).toHaveLength(2);
    const second = lines[1]?.detail as ProgressDetail;
    expect(second.bytesDone).toBe(1000 * 10 * 1024);
    // 10,240,000 bytes in 0.5 s: 20,480,000 B/s, and (104,857,600 - 10,240,000) / 20,480,000 s left.
    expect(second.bytesPerSecond).toBe(20_480_000);
    expect(second.secondsRemaining).toBe(Math.ceil((100 * 1024 * 1024 - 10_240_000) / 20_480_000));
    expect(lines[1]?.percent).toBe(9);
    expect(lines[1]?.status).toBe('Backing up role KeyVault');

    // Nothing moved: no line, however long it stalls.
    vi.advanceTimersByTime(PROGRESS_INTERVAL_MS * 10);
    expect(lines).toHaveLength(2);

    // The measured size was taken before reading; a role that grew since never shows past 100 %.
    meter.add(60 * 1024 * 1024);
    meter.endRole();
    expect(lines[2]?.detail?.roleBytesDone).toBe(60 * 1024 * 1024);
    meter.beginRole('NRP', 40 * 1024 * 1024);
    expect(lines[3]?.detail).toMatchObject({ role: 'NRP', roleBytesDone: 0 });
    meter.stop();
    meter.add(1);
    vi.advanceTimersByTime(PROGRESS_INTERVAL_MS * 4);
    expect(lines).toHaveLength(4);
  });

  it('reports at least once a second while data moves', () => {
    const { reporter, lines } = recorder();
    const meter = new ProgressMeter(reporter, 'Backup', 1e9);
    meter.start();
    for (let second = 0; second < 5; second++) {
      meter.add(1000);
      vi.advanceTimersByTime(1000);
    }
    expect(lines.length).toBeGreaterThanOrEqual(5);
    meter.stop();
  });

  it('never claims 100 % before the backup has ended', () => {
    const { reporter, lines } = recorder();
    const meter = new ProgressMeter(reporter, 'Backup', 10);
    meter.add(10);
    meter.report('Writing the encrypted manifest');
    expect(lines[0]?.percent).toBe(99);
  });
});
