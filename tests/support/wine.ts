/**
 * Runs the Windows engine (binaries/win-x64/azsbackup.exe) under Debian's wine64, as the tests of
 * the Windows build do. One WINEPREFIX per test file, made once (Wine's first start is the slow
 * part), switched to Windows 10 because Node 22 refuses Wine's default Windows 7. Node gets EBADF
 * on Wine's pipes, so stdin, stdout and stderr are files, never pipes.
 */
import { spawn, execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { EngineLine, EngineRun } from './engine.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const WINE = '/usr/lib/wine/wine64';
const WINESERVER = '/usr/lib/wine/wineserver';
export const windowsBinary = join(root, 'binaries', 'win-x64', 'azsbackup.exe');

export interface Wine {
  prefix: string;
  /** Runs azsbackup.exe with JSON lines out and secrets (if any) as JSON on stdin, like runEngine. */
  run(args: string[], options: { home: string; secrets?: Record<string, string> }, exe?: string): Promise<EngineRun>;
  /** The Windows spelling of a Linux path through Wine's Z: drive. */
  windowsPath(linuxPath: string): string;
  /** Makes `letter:` a drive that shows `dir`, as a mapped drive shows a share. */
  mapDrive(letter: string, dir: string): void;
  /** Makes `\\server\share` show `dir` (Wine serves UNC paths from dosdevices/unc). */
  mapUnc(server: string, share: string, dir: string): void;
  destroy(): Promise<void>;
}

function waitFor(file: string, args: string[], env: NodeJS.ProcessEnv, stdio: [number | 'ignore', number, number]): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(file, args, { env, stdio });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolvePromise(code ?? (signal ? 128 : 1)));
  });
}

export async function startWine(): Promise<Wine> {
  if (!existsSync(WINE)) throw new Error(`${WINE} is missing: scripts/setup installs the Debian package wine64`);
  if (!existsSync(windowsBinary)) throw new Error(`${windowsBinary} is missing: run npm run build`);
  const prefix = mkdtempSync(join(tmpdir(), 'azsb-wine-'));
  const scratch = join(prefix, 'io');
  mkdirSync(scratch);
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: prefix, WINEPREFIX: prefix, WINEDEBUG: '-all', WINEDLLOVERRIDES: 'mscoree,mshtml=' };
  const log = openSync(join(scratch, 'winecfg.log'), 'w');
  const code = await waitFor(WINE, ['winecfg', '/v', 'win10'], env, ['ignore', log, log]);
  closeSync(log);
  if (code !== 0) throw new Error(`wine64 winecfg /v win10 failed (${code}): ${readFileSync(join(scratch, 'winecfg.log'), 'utf8')}`);
  let runs = 0;

  return {
    prefix,
    windowsPath: (linuxPath) => `Z:${linuxPath.replace(/\//g, '\\')}`,
    mapDrive(letter, dir) {
      symlinkSync(dir, join(prefix, 'dosdevices', `${letter.toLowerCase()}:`));
    },
    mapUnc(server, share, dir) {
      const parent = join(prefix, 'dosdevices', 'unc', server.toLowerCase());
      mkdirSync(parent, { recursive: true });
      symlinkSync(dir, join(parent, share.toLowerCase()));
    },
    async run(args, options, exe = windowsBinary) {
      const n = ++runs;
      const inFile = join(scratch, `${n}.in`);
      const outFile = join(scratch, `${n}.out`);
      const errFile = join(scratch, `${n}.err`);
      writeFileSync(inFile, options.secrets ? JSON.stringify(options.secrets) + '\n' : '', { mode: 0o600 });
      const fds = [openSync(inFile, 'r'), openSync(outFile, 'w'), openSync(errFile, 'w')] as const;
      // stdin has to be a file here; unlinked once open, the secrets have no name while it runs.
      rmSync(inFile);
      let exitCode: number;
      try {
        exitCode = await waitFor(
          WINE,
          [exe, ...(options.secrets ? [...args, '--secrets-stdin'] : args)],
          { ...env, AZSBACKUP_HOME: options.home },
          [fds[0], fds[1], fds[2]],
        );
      } finally {
        for (const fd of fds) closeSync(fd);
      }
      const stdout = readFileSync(outFile, 'utf8');
      const stderr = readFileSync(errFile, 'utf8');
      const lines = stdout
        .split(/\r?\n/)
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
      return {
        exitCode,
        lines,
        data: result?.data,
        error: (error?.error as EngineRun['error']) ?? null,
        warnings: lines.filter((l) => l.type === 'warning').map((l) => String(l.message)),
        stdout,
        stderr,
      };
    },
    async destroy() {
      // Stops this prefix's wineserver only (it is found through WINEPREFIX).
      await promisify(execFile)(WINESERVER, ['-k'], { env }).catch(() => undefined);
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}
