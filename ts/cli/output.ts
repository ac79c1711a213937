import { type AzsError, toAzsError } from '../errors.js';

/** Where long-running work reports to; the library never writes to stdout itself. */
/** Byte counts of a long copy, so a caller can show size, rate and time left. */
export interface ProgressDetail {
  bytesDone: number;
  bytesTotal: number;
  bytesPerSecond: number | null;
  secondsRemaining: number | null;
  role?: string;
  roleBytesDone?: number;
  roleBytesTotal?: number;
}

export interface Reporter {
  progress(activity: string, status: string, percent?: number, detail?: ProgressDetail): void;
  warning(message: string): void;
}

export const silentReporter: Reporter = { progress: () => {}, warning: () => {} };

/**
 * The wire protocol to the PowerShell module: JSON Lines on stdout, progress and warnings as
 * they happen, then exactly one result or error line (docs/CLI.md). --text prints for humans.
 */
export class CliOutput implements Reporter {
  constructor(
    private readonly text: boolean,
    private readonly write: (line: string) => void = (line) => process.stdout.write(line),
  ) {}

  progress(activity: string, status: string, percent?: number, detail?: ProgressDetail): void {
    if (this.text) {
      process.stderr.write(`${activity}: ${status}${percent === undefined ? '' : ` (${percent}%)`}\n`);
      return;
    }
    this.line({ type: 'progress', activity, status, percent: percent ?? null, ...(detail ?? {}) });
  }

  warning(message: string): void {
    if (this.text) {
      process.stderr.write(`WARNING: ${message}\n`);
      return;
    }
    this.line({ type: 'warning', message });
  }

  result(data: unknown): void {
    if (this.text) {
      this.write(typeof data === 'string' ? `${data}\n` : `${renderText(data)}\n`);
      return;
    }
    this.line({ type: 'result', data });
  }

  error(err: unknown): AzsError {
    const e = toAzsError(err);
    if (this.text) {
      process.stderr.write(`ERROR [${e.code}] ${e.message}\n${e.remediation ? `  ${e.remediation}\n` : ''}`);
    } else {
      this.line({ type: 'error', error: e.toJSON() });
    }
    return e;
  }

  private line(obj: unknown): void {
    this.write(`${JSON.stringify(obj)}\n`);
  }
}

function renderText(data: unknown, indent = ''): string {
  if (Array.isArray(data)) return data.map((d) => renderText(d, indent)).join(`\n${indent}---\n`);
  if (data && typeof data === 'object') {
    const entries = Object.entries(data as Record<string, unknown>);
    const width = Math.max(0, ...entries.map(([k]) => k.length));
    return entries
      .map(([k, v]) => {
        const value = v && typeof v === 'object' ? JSON.stringify(v) : String(v ?? '');
        return `${indent}${k.padEnd(width)} : ${value}`;
      })
      .join('\n');
  }
  return String(data);
}
