/**
 * A real smbd for tests: its own smb.conf, databases, logs and share in a temp directory,
 * listening on 127.0.0.1 and a free high port, with a real user and password. Nothing of the
 * host's Samba configuration or state is read or written, so it runs beside a system smbd.
 *
 * When smbd is not installed startSamba throws: SMB behaviour is the point of these tests, and a
 * silently skipped suite would hide that nothing was tested.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

export interface SambaOptions {
  /** `server signing = mandatory`. */
  signingMandatory?: boolean;
  /** `server min protocol = SMB3`: clients that cannot speak SMB3 are refused. */
  smb3Only?: boolean;
  /** More [global] settings, e.g. {'server smb encrypt': 'required'}. */
  extraGlobal?: Record<string, string>;
  /** Name of the share; default 'backups'. */
  shareName?: string;
  /** TCP port; default a free high one. The demo asks for 445 when it is free. */
  port?: number;
  /** The share's account (a Unix user, created if missing); default 'azsbtest'. */
  user?: string;
  /** Its password; default a random one full of quoting hazards. */
  password?: string;
}

export interface SambaServer {
  host: '127.0.0.1';
  port: number;
  shareName: string;
  /** `\\127.0.0.1\<share>` */
  uncPath: string;
  /** The directory on this host that the share serves. */
  shareDir: string;
  /** `WORKGROUP\azsbtest` */
  userName: string;
  password: string;
  /** Environment entries pointing the engine at this server. */
  env: Record<string, string>;
  /** The temp directory holding everything; the log is at `${baseDir}/log/smbd.log`. */
  baseDir: string;
  configFile: string;
  /** Stops smbd and every process it started; the share content stays. */
  stop(): Promise<void>;
  /** Starts smbd again on the same port with the same configuration and content. */
  restart(): Promise<void>;
  /** stop() and remove the temp directory. Call it in afterAll. */
  destroy(): Promise<void>;
  /** Last lines of the smbd log, for assertion messages. */
  logTail(lines?: number): Promise<string>;
}

export const TEST_UNIX_USER = 'azsbtest';
const WORKGROUP = 'WORKGROUP';

function findSbin(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin', '/usr/local/sbin'];
  for (const dir of dirs) {
    if (dir !== '' && existsSync(path.join(dir, name))) return path.join(dir, name);
  }
  return null;
}

function requireTool(name: string, pkg: string): string {
  const found = findSbin(name);
  if (found === null) {
    throw new Error(
      `${name} is not installed, and the SMB tests need a real Samba server. ` +
        `Install it (Debian/Ubuntu: apt-get install -y ${pkg}) and run the tests again.`,
    );
  }
  return found;
}

function unixIds(user: string): { uid: number; gid: number } | null {
  const uid = spawnSync('id', ['-u', user], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', user], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return null;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** smbd maps every SMB user to a Unix account, so the test user must exist on this host. */
function ensureUnixUser(user: string): { uid: number; gid: number } {
  const existing = unixIds(user);
  if (existing !== null) return existing;
  if (process.getuid?.() !== 0) {
    throw new Error(`The Unix account '${user}' does not exist and only root can create it (useradd ${user}).`);
  }
  const nologin = existsSync('/usr/sbin/nologin') ? '/usr/sbin/nologin' : '/bin/false';
  const result = spawnSync('useradd', ['--system', '--no-create-home', '--shell', nologin, user], { encoding: 'utf8' });
  // Another suite may have created it in the meantime; only the account's existence matters.
  const created = unixIds(user);
  if (created === null) throw new Error(`useradd ${user} failed: ${result.stderr || result.error?.message}`);
  return created;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.connect(port, '127.0.0.1');
  });
}

function renderConf(values: {
  base: string;
  port: number;
  shareName: string;
  shareDir: string;
  user: string;
  options: SambaOptions;
}): string {
  const { base, port, shareName, shareDir, user, options } = values;
  const global: Record<string, string> = {
    'server role': 'standalone server',
    workgroup: WORKGROUP,
    'netbios name': 'AZSBTEST',
    'server string': 'AzsBackup test server',
    'smb ports': String(port),
    // Loopback only. Not "lo": that would also bind ::1, where another process may hold the port.
    interfaces: '127.0.0.1',
    'bind interfaces only': 'yes',
    'disable netbios': 'yes',
    'private dir': `${base}/private`,
    'lock directory': `${base}/lock`,
    'state directory': `${base}/state`,
    'cache directory': `${base}/cache`,
    'pid directory': `${base}/pid`,
    'ncalrpc dir': `${base}/ncalrpc`,
    'binddns dir': `${base}/binddns`,
    'usershare path': '',
    'passdb backend': `tdbsam:${base}/private/passdb.tdb`,
    'log file': `${base}/log/smbd.log`,
    'max log size': '0',
    'log level': '1',
    'load printers': 'no',
    printing: 'bsd',
    'printcap name': '/dev/null',
    'disable spoolss': 'yes',
    'map to guest': 'Never',
    'server min protocol': options.smb3Only === true ? 'SMB3' : 'SMB2_10',
    'server signing': options.signingMandatory === true ? 'mandatory' : 'default',
    // smbd would otherwise try to resolve the loopback address through DNS for every connection.
    'hostname lookups': 'no',
    ...options.extraGlobal,
  };
  const share: Record<string, string> = {
    path: shareDir,
    'read only': 'no',
    browseable: 'yes',
    'guest ok': 'no',
    'valid users': user,
    'create mask': '0644',
    'directory mask': '0755',
  };
  const section = (name: string, entries: Record<string, string>): string =>
    `[${name}]\n${Object.entries(entries)
      .map(([k, v]) => `   ${k} = ${v}`)
      .join('\n')}\n`;
  return `${section('global', global)}\n${section(shareName, share)}`;
}

export async function startSamba(options: SambaOptions = {}): Promise<SambaServer> {
  const smbd = requireTool('smbd', 'samba');
  const smbpasswd = requireTool('smbpasswd', 'samba');
  const user = options.user ?? TEST_UNIX_USER;
  const ids = ensureUnixUser(user);

  const base = await mkdtemp(path.join(tmpdir(), 'azsb-samba-'));
  // smbd serves the share as the test user, who must be able to walk down to it.
  await chmod(base, 0o755);
  for (const dir of ['private', 'lock', 'state', 'cache', 'pid', 'ncalrpc', 'binddns', 'log']) {
    await mkdir(path.join(base, dir), { mode: 0o755 });
  }
  await chmod(path.join(base, 'private'), 0o700);
  const shareDir = path.join(base, 'share');
  await mkdir(shareDir, { mode: 0o755 });
  await chown(shareDir, ids.uid, ids.gid);

  const shareName = options.shareName ?? 'backups';
  const port = options.port ?? (await freePort());
  const configFile = path.join(base, 'smb.conf');
  await writeFile(configFile, renderConf({ base, port, shareName, shareDir, user, options }));

  // Characters that break naive quoting in argv, -c command strings and -U parsing, so a
  // leak or a quoting bug in the client shows up as an authentication failure.
  const password = options.password ?? `Az;s B%k"'$\\${randomBytes(9).toString('base64url')}`;
  const added = spawnSync(smbpasswd, ['-c', configFile, '-a', '-s', user], {
    input: `${password}\n${password}\n`,
    encoding: 'utf8',
  });
  if (added.status !== 0) {
    await rm(base, { recursive: true, force: true });
    throw new Error(`smbpasswd could not add ${user}: ${added.stderr}`);
  }

  let child: ChildProcess | null = null;
  let exitPromise: Promise<void> = Promise.resolve();

  const killGroup = (signal: NodeJS.Signals): void => {
    if (child?.pid === undefined) return;
    try {
      // Negative pid: the whole process group, i.e. smbd, its per-client children and any
      // helper (samba-dcerpcd) it started.
      process.kill(-child.pid, signal);
    } catch {
      // Already gone.
    }
  };
  const onParentExit = (): void => killGroup('SIGKILL');

  const start = async (): Promise<void> => {
    const logFd = await open(path.join(base, 'log', 'smbd.stdout'), 'a');
    // detached: its own session and process group, so stop() can reach every descendant.
    const proc = spawn(smbd, ['--foreground', '--no-process-group', `--configfile=${configFile}`], {
      detached: true,
      stdio: ['ignore', logFd.fd, logFd.fd],
    });
    await logFd.close();
    child = proc;
    let exited = false;
    exitPromise = new Promise((resolve) => {
      proc.once('exit', () => {
        exited = true;
        resolve();
      });
      proc.once('error', () => {
        exited = true;
        resolve();
      });
    });
    process.once('exit', onParentExit);

    const deadline = Date.now() + 30_000;
    while (!(await canConnect(port))) {
      if (exited || Date.now() > deadline) {
        const why = exited ? 'smbd exited during startup' : 'smbd did not listen within 30 s';
        killGroup('SIGKILL');
        throw new Error(`${why} (port ${port}).\n${await logTail(40)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  const stop = async (): Promise<void> => {
    if (child === null) return;
    killGroup('SIGTERM');
    const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 5000));
    if ((await Promise.race([exitPromise.then(() => 'exited' as const), timer])) === 'timeout') {
      killGroup('SIGKILL');
      await exitPromise;
    }
    // The main process is gone; make sure no per-connection child outlives it.
    killGroup('SIGKILL');
    process.removeListener('exit', onParentExit);
    child = null;
  };

  const logTail = async (lines = 30): Promise<string> => {
    const texts: string[] = [];
    for (const name of ['smbd.log', 'smbd.stdout']) {
      try {
        const text = await readFile(path.join(base, 'log', name), 'utf8');
        texts.push(`--- ${name}\n${text.split('\n').slice(-lines).join('\n')}`);
      } catch {
        // not written yet
      }
    }
    return texts.join('\n');
  };

  try {
    await start();
  } catch (err) {
    await rm(base, { recursive: true, force: true });
    throw err;
  }

  return {
    host: '127.0.0.1',
    port,
    shareName,
    uncPath: `\\\\127.0.0.1\\${shareName}`,
    shareDir,
    userName: `${WORKGROUP}\\${user}`,
    password,
    env: { AZSBACKUP_SMB_PORT: String(port) },
    baseDir: base,
    configFile,
    stop,
    restart: async () => {
      await stop();
      await start();
    },
    destroy: async () => {
      await stop();
      await rm(base, { recursive: true, force: true });
    },
    logTail,
  };
}
