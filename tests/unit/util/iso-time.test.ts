import { describe, expect, it } from 'vitest';
import { isoTime } from '../../../ts/util/iso-time.js';

const iso = (ms: number) => new Date(ms).toISOString();

describe('isoTime', () => {
  it('writes what toISOString writes, across the years and around day boundaries', () => {
    const day = 86_400_000;
    const samples = [0, -1, 1, day - 1, day, -day, -day - 1, 1_700_000_000_123, 951_782_400_000 /* 2000-02-29 */, 4_107_542_400_000 /* 2100-03-01 */];
    // A deterministic spread over 0000–9999, alternating between distant days so the cached day changes.
    let x = 12345;
    for (let i = 0; i < 20_000; i++) {
      x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
      samples.push(Math.floor(-62_167_219_200_000 + (x / 2_147_483_648) * 315_569_520_000_000));
      samples.push(1_700_000_000_000 + (i % 7) * 1_234_567 + i);
    }
    for (const ms of samples) expect(isoTime(ms)).toBe(iso(ms));
  });

  it('hands years outside 0000–9999 and fractions of a millisecond to toISOString', () => {
    for (const ms of [-62_167_219_200_000, -62_167_219_200_001, 253_402_300_799_999, 253_402_300_800_000, -8.64e15, 8.64e15, 1.5, -0.5]) {
      expect(isoTime(ms)).toBe(iso(ms));
    }
    expect(isoTime(253_402_300_800_000)).toBe('+010000-01-01T00:00:00.000Z');
  });
});
