import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The real compiled engine, as the module finds it. Tests never run the TypeScript directly here. */
export function binaryPath(): string {
  const os = { linux: 'linux', win32: 'win', darwin: 'darwin' }[process.platform as string] ?? process.platform;
  const path = process.env.AZSBACKUP_BINARY ?? join(root, 'binaries', `${os}-${process.arch}`, process.platform === 'win32' ? 'azsbackup.exe' : 'azsbackup');
  if (!existsSync(path)) throw new Error(`engine binary not found at ${path}: run npm run build (scripts/setup does)`);
  return path;
}

export interface EngineLine {
  type: 'progress' | 'warning' | 'result' | 'error';
  [key: string]: unknown;
}

export interface EngineRun {
  exitCode: number;
  lines: EngineLine[];
  data: unknown;
  error: { code: string; category: string; message: string; target: string | null; remediation: string | null } | null;
  warnings: string[];
  stdout: string;
  stderr: string;
}

/** Runs the binary like the module does: JSON lines out, secrets (if any) as JSON on stdin. */
export function runEngine(
  args: string[],
  options: { home: string; secrets?: Record<string, string>; env?: Record<string, string>; timeoutMs?: number },
): Promise<EngineRun> {
  return new Promise((resolvePromise) => {
    const child = execFile(
      binaryPath(),
      options.secrets ? [...args, '--secrets-stdin'] : args,
      {
        env: { PATH: process.env.PATH ?? '', ...options.env, AZSBACKUP_HOME: options.home },
        maxBuffer: 64 * 1024 * 1024,
        timeout: options.timeoutMs ?? 240_000,
      },
      (err, stdout, stderr) => {
        const lines = stdout
          .split('\n')
          .filter((l) => l.trim() !== '')
          .map((l) => {
            try {
              return JSON.parse(l) as EngineLine;
            } catch {
              return { type: 'warning', message: `unparsed: ${l}` } as EngineLine;
            }
          });
        const result = lines.find((l) => l.type === 'result');
        const error = lines.find((l) => l.type === 'error');
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
        resolvePromise({
          exitCode: code,
          lines,
          data: result?.data,
          error: (error?.error as EngineRun['error']) ?? null,
          warnings: lines.filter((l) => l.type === 'warning').map((l) => String(l.message)),
          stdout,
          stderr,
        });
      },
    );
    child.stdin?.end(options.secrets ? JSON.stringify(options.secrets) : '');
  });
}
