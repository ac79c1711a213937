import { type AzsError, toAzsError } from '../errors.js';
import type { ProgressDetail, Reporter } from '../engine/reporter.js';

export { type ProgressDetail, type Reporter, silentReporter } from '../engine/reporter.js';

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
