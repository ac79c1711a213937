import { invalidParameter } from '../errors.js';

/** Option values arrive as text; turn them into numbers with the parameter's name in the error. */
export function parseInteger(parameter: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n)) throw invalidParameter(parameter, value, 'a whole number');
  return n;
}

export function parseBoolean(parameter: string, value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if (v === 'true' || v === '1' || v === '$true') return true;
  if (v === 'false' || v === '0' || v === '$false') return false;
  throw invalidParameter(parameter, value, 'true or false');
}
