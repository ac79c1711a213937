import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, stat, writeFile, rename, lstat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { AzsError, invalidParameter } from '../errors.js';
import { loadConfiguration } from '../config/store.js';
import { parseBackupPath } from '../storage/unc.js';
import { generateSystemdUnit } from '../schedule/systemd-unit.js';
import type { EngineContext } from './context.js';

const run = promisify(execFile);

export const UNIT_NAME = 'azsbackup.service';

export interface ServiceOptions {
  /** The file system root the unit is installed under: '/' for this machine, a folder for tests and images. */
  root: string;
  binaryPath: string;
}

/**
 * The unit for this machine's configuration: the state directory, a staging folder and a folder
 * backup location are writable; role folders are read. A missing configuration gives the
 * plain unit (the service waits until one exists).
 */
export async function unitFor(ctx: EngineContext, binaryPath: string): Promise<string> {
  const config = await loadConfiguration(ctx.home).catch(() => null);
  const writable: string[] = [];
  const readPaths: string[] = [];
  if (config) {
    if (config.stagingPath) writable.push(path.resolve(config.stagingPath));
    if (config.path) {
      const location = parseBackupPath(config.path);
      if (location.kind === 'local') writable.push(path.resolve(location.path));
    }
    for (const role of config.roles) readPaths.push(role.path);
  }
  return generateSystemdUnit({ binaryPath, stateDir: path.resolve(ctx.home), extraWritablePaths: writable, readPaths });
}

function unitPath(root: string): string {
  return path.join(root, 'etc', 'systemd', 'system', UNIT_NAME);
}

function checkRoot(root: string): string {
  if (!path.isAbsolute(root) || /[\n\r\0]/.test(root)) throw invalidParameter('RootPath', root, 'an absolute folder path');
  return path.resolve(root);
}

async function systemctl(root: string, args: string[]): Promise<string> {
  // Under another root, systemctl edits that tree offline and never talks to a running systemd.
  const full = root === '/' ? args : [`--root=${root}`, ...args];
  try {
    const { stdout } = await run('systemctl', full, { timeout: 60_000 });
    return stdout;
  } catch (err) {
    const e = err as { code?: string | number; stderr?: string; stdout?: string };
    if (e.code === 'ENOENT') {
      throw new AzsError('NotConfigured', 'systemctl was not found: this machine does not run systemd.', {
        remediation: 'Run `azsbackup service run` under the service manager this machine has.',
        cause: err,
      });
    }
    // is-enabled and is-active answer through their exit code and stdout.
    if (typeof e.stdout === 'string' && e.stdout.trim() !== '') return e.stdout;
    throw new AzsError('Internal', `systemctl ${full.join(' ')} failed: ${(e.stderr ?? String(err)).trim()}`, {
      remediation: 'Check the systemd journal (journalctl -xe) and the unit file.',
      cause: err,
    });
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await lstat(file);
    return true;
  } catch {
    return false;
  }
}

export async function showService(ctx: EngineContext, rootPath: string): Promise<Record<string, unknown>> {
  const root = checkRoot(rootPath);
  if (process.platform === 'win32') {
    // Task Scheduler is driven by the PowerShell module; the engine only says where it is.
    return { Name: 'AzsBackup Scheduler', Platform: 'TaskScheduler', RootPath: null, UnitPath: null, Installed: null, Enabled: null, ActiveState: null, BinaryPath: null, StateDirectory: path.resolve(ctx.home), EnginePath: process.execPath };
  }
  const file = unitPath(root);
  let unit: string | null = null;
  try {
    unit = await readFile(file, 'utf8');
  } catch {
    unit = null;
  }
  const enabled = unit === null ? false : (await systemctl(root, ['is-enabled', UNIT_NAME])).trim() === 'enabled';
  const active = unit !== null && root === '/' ? (await systemctl(root, ['is-active', UNIT_NAME])).trim() : null;
  const exec = unit?.match(/^ExecStart=(.*) service run$/m)?.[1] ?? null;
  return {
    Name: UNIT_NAME,
    Platform: 'systemd',
    RootPath: root,
    UnitPath: file,
    Installed: unit !== null,
    Enabled: enabled,
    ActiveState: active,
    BinaryPath: exec,
    StateDirectory: path.resolve(ctx.home),
    EnginePath: process.execPath,
  };
}

export async function installService(ctx: EngineContext, options: ServiceOptions): Promise<Record<string, unknown>> {
  const root = checkRoot(options.root);
  if (!path.isAbsolute(options.binaryPath)) throw invalidParameter('BinaryPath', options.binaryPath, 'an absolute path of the azsbackup binary');
  try {
    if (!(await stat(options.binaryPath)).isFile()) throw new Error('not a file');
  } catch (err) {
    throw new AzsError('InvalidParameter', `The engine binary ${options.binaryPath} does not exist.`, { target: 'BinaryPath', cause: err });
  }
  const unit = await unitFor(ctx, options.binaryPath);
  const file = unitPath(root);
  await mkdir(path.dirname(file), { recursive: true });
  // The service refuses to start without its state directory; make it private from the start.
  await mkdir(path.join(root, path.resolve(ctx.home)), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, unit, { mode: 0o644 });
  await rename(temp, file);
  if (root === '/') {
    await systemctl(root, ['daemon-reload']);
    await systemctl(root, ['enable', '--now', UNIT_NAME]);
  } else {
    await systemctl(root, ['enable', UNIT_NAME]);
  }
  return showService(ctx, root);
}

export async function uninstallService(ctx: EngineContext, rootPath: string): Promise<Record<string, unknown>> {
  const root = checkRoot(rootPath);
  const file = unitPath(root);
  if (await exists(file)) {
    await systemctl(root, root === '/' ? ['disable', '--now', UNIT_NAME] : ['disable', UNIT_NAME]);
    await rm(file, { force: true });
    if (root === '/') await systemctl(root, ['daemon-reload']);
  }
  return showService(ctx, root);
}
