/**
 * `new Date(ms).toISOString()`, faster for the many files of a tree that share a day: V8 formats
 * every date through a printf-style formatter, which was 3 % of the packing thread on 100 000
 * small files. The day's text is formatted once and the time of day by arithmetic.
 */
const DAY_MS = 86_400_000;
// From 0000-01-01 to 9999-12-31: outside, toISOString writes six-digit signed years.
const FIRST_MS = -62_167_219_200_000;
const END_MS = 253_402_300_800_000;

let cachedDay = Number.NaN;
let cachedDayText = '';

function two(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

function three(n: number): string {
  return n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`;
}

export function isoTime(ms: number): string {
  if (!Number.isInteger(ms) || ms < FIRST_MS || ms >= END_MS) return new Date(ms).toISOString();
  const day = Math.floor(ms / DAY_MS);
  if (day !== cachedDay) {
    cachedDay = day;
    cachedDayText = new Date(day * DAY_MS).toISOString().slice(0, 11);
  }
  let rest = ms - day * DAY_MS;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  return `${cachedDayText}${two(hours)}:${two(minutes)}:${two(seconds)}.${three(rest - seconds * 1000)}Z`;
}
