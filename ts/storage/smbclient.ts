import { mkdtemp, readFile as readLocalFile, rm, stat, writeFile as writeLocalFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { spawn } from 'node:child_process';
import { AzsError, invalidParameter } from '../errors.js';
import { tempSiblingName } from './local.js';
import { classifyNtStatus, SHARE_REMEDIATION, shareError, type ShareErrorCode } from './share-errors.js';
import type { Capacity, RemoteEntry, RemoteTree, StorageTarget } from './target.js';
import { formatUnc, parseUserName, splitRelativePath, type UncLocation } from './unc.js';
import { findStdbuf, SmbSession, type SessionLaunch, type SessionReply } from './smb-session.js';

// ---------------------------------------------------------------------------------------------
// Process seam. Tests replace it to see exactly what reaches argv, the environment and fd 3.
// ---------------------------------------------------------------------------------------------

export interface SmbSpawnRequest {
  file: string;
  args: string[];
  /** The complete environment of the child (nothing is inherited beyond it). */
  env: Record<string, string>;
  /** Command lines fed on stdin. */
  input: string;
  /** Bytes for fd 3, which PASSWD_FD points at; null when there is no password. */
  secret: Uint8Array | null;
}

export interface SmbExit {
  exitCode: number | null;
  signal: string | null;
  /** Set when the program could not be started at all (e.g. 'ENOENT'). */
  spawnError: string | null;
}

export interface SmbChild {
  readonly pid: number | undefined;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** Settles once the process has exited; never rejects. */
  readonly exited: Promise<SmbExit>;
  kill(): void;
}

export type SmbSpawn = (request: SmbSpawnRequest) => SmbChild;

/**
 * Starts smbclient with node:child_process, as SmbSession does. (execa was used here before; it
 * was the only reason the engine loaded it at start, and every loaded module is heap that each
 * full garbage collection of a backup marks again.)
 */
export const nodeSmbSpawn: SmbSpawn = (request) => {
  const child = spawn(request.file, request.args, {
    env: request.env,
    stdio: ['pipe', 'pipe', 'pipe', request.secret === null ? 'ignore' : 'pipe'],
    windowsHide: true,
  });
  const exited = new Promise<SmbExit>((resolve) => {
    child.once('error', (err: NodeJS.ErrnoException) => resolve({ exitCode: null, signal: null, spawnError: err.code ?? 'spawn failed' }));
    child.once('close', (code, signal) => resolve({ exitCode: code, signal: signal ?? null, spawnError: null }));
  });
  // A child that exits before reading its input breaks these pipes; its exit status says why.
  child.stdin!.on('error', () => undefined);
  child.stdin!.end(request.input);
  const secretPipe = child.stdio[3] as NodeJS.WritableStream | null | undefined;
  if (request.secret !== null && secretPipe) {
    (secretPipe as unknown as { on(e: string, f: () => void): void }).on('error', () => undefined);
    secretPipe.end(Buffer.from(request.secret));
  }
  return {
    pid: child.pid,
    stdout: child.stdout!,
    stderr: child.stderr!,
    exited,
    kill: () => {
      child.kill();
    },
  };
};

// ---------------------------------------------------------------------------------------------
// Output parsing (exported for unit tests against captured smbclient output).
// ---------------------------------------------------------------------------------------------

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

// asctime(3) layout ("Tue Mar  5 07:08:09 2024"); smbclient prints it in the local zone, which
// is why every child runs with TZ=UTC.
const ASCTIME = /([A-Z][a-z]{2}) ([A-Z][a-z]{2}) ([ \d]\d) (\d\d):(\d\d):(\d\d) (\d{4,})/;

const WHOLE_ASCTIME = new RegExp(`^${ASCTIME.source}$`);

/** Parses smbclient's asctime-style time stamp as UTC. Returns null when it is not one. */
export function parseSmbTime(text: string): Date | null {
  const m = WHOLE_ASCTIME.exec(text.trim());
  return m === null ? null : asctimeDate(m, 1);
}

/**
 * The date of ASCTIME's groups in a match, from the weekday's group at `at`; null for a month
 * name that is not one.
 */
function asctimeDate(m: RegExpExecArray, at: number): Date | null {
  const month = MONTHS.indexOf(m[at + 1] ?? '');
  if (month < 0) return null;
  const n = (i: number) => Number(m[at + i]);
  return new Date(Date.UTC(n(6), month, n(2), n(3), n(4), n(5)));
}

// The time's own groups follow the whole time's, so a listing line is matched once.
const LS_TAIL = new RegExp(`  (${ASCTIME.source}|unknown time)$`);

/**
 * Parses one `ls` line. smbclient prints `"  %-30s%7.7s %8.0f  %s"` (name, attributes, size,
 * time). Names may hold spaces, digits or attribute-like letters and may be longer than 30
 * columns (the padding is in bytes, so it is also uneven for non-ASCII names), so the line is
 * taken apart from the right, where every field has a known width: the size is at least 8
 * columns, preceded by one space and exactly 7 attribute columns.
 */
export function parseLsLine(line: string): RemoteEntry | null {
  if (!line.startsWith('  ')) return null;
  const tail = LS_TAIL.exec(line);
  if (tail === null) return null;
  const rest = line.slice(0, tail.index);
  const digits = /\d+$/.exec(rest)?.[0];
  if (digits === undefined) return null;
  const sizeStart = rest.length - Math.max(8, digits.length);
  const attrStart = sizeStart - 8;
  if (attrStart < 2 || rest[sizeStart - 1] !== ' ') return null;
  if (rest.slice(sizeStart, rest.length - digits.length).trim() !== '') return null;
  const attributes = rest.slice(attrStart, sizeStart - 1).trim();
  if (!/^[A-Za-z]*$/.test(attributes)) return null;
  const name = rest.slice(2, attrStart).trimEnd();
  if (name === '') return null;
  const modified = tail[1] === 'unknown time' ? new Date(0) : asctimeDate(tail, 2);
  if (modified === null) return null;
  const isDirectory = attributes.includes('D');
  return { name, isDirectory, size: isDirectory ? 0 : Number(digits), modified };
}

/** Parses an `ls` listing, dropping '.', '..' and the footer lines. */
export function parseLsOutput(output: string): RemoteEntry[] {
  const entries: RemoteEntry[] = [];
  for (const line of output.split(/\r?\n/)) {
    const entry = parseLsLine(line);
    if (entry !== null && entry.name !== '.' && entry.name !== '..') entries.push(entry);
  }
  return entries;
}

/**
 * Parses `recurse ON` + `ls <folder>\*`: the folder's own entries come first, then each folder
 * below it as a header line holding its full remote path (`\share-relative\path`) followed by its
 * entries. `folder` is the remote path that was listed, as given in the command; the result is
 * keyed by the path relative to it, with '/' separators ('' for the folder itself).
 */
export function parseRecursiveLs(output: string, folder: string): RemoteTree {
  const tree: RemoteTree = new Map([['', []]]);
  const prefix = `${folder.toLowerCase()}\\`;
  let current: RemoteEntry[] | undefined = tree.get('');
  for (const line of output.split(/\r?\n/)) {
    if (line.startsWith('\\')) {
      if (!line.toLowerCase().startsWith(prefix)) {
        current = undefined; // not below the folder: never expected, never trusted
        continue;
      }
      current = [];
      tree.set(line.slice(prefix.length).split('\\').join('/'), current);
      continue;
    }
    const entry = parseLsLine(line);
    if (entry !== null && entry.name !== '.' && entry.name !== '..') current?.push(entry);
  }
  return tree;
}

/** Parses the "N blocks of size M. K blocks available" line that `du` (and `ls`) print. */
export function parseDiskFree(output: string): Capacity | null {
  const m = /(\d+) blocks of size (\d+)\. (\d+) blocks available/.exec(output);
  if (m === null) return null;
  const size = Number(m[2]);
  return { totalBytes: Number(m[1]) * size, freeBytes: Number(m[3]) * size };
}

export interface SmbProblem {
  status: string;
  line: string;
}

/** Every output line that carries an NT status, in order. */
export function findNtStatuses(output: string): SmbProblem[] {
  const problems: SmbProblem[] = [];
  for (const raw of output.split(/\r?\n/)) {
    const line = raw.trim();
    const m = /NT_STATUS_[A-Z0-9_]+/.exec(line);
    if (m !== null) problems.push({ status: m[0], line });
  }
  return problems;
}

/**
 * Failures of the connection itself, before any command ran; smbclient exits 1 after them.
 * Name-resolution and TCP failures come through do_connect with odd statuses
 * (NT_STATUS_UNSUCCESSFUL for an unknown host), so that phase is connectivity whatever the code.
 */
export function findConnectFailure(output: string): { code: ShareErrorCode; problem: SmbProblem } | null {
  for (const problem of findNtStatuses(output)) {
    if (/^do_connect:|^Connection to .* failed/.test(problem.line)) return { code: 'ShareConnectivity', problem };
    if (/^protocol negotiation failed/.test(problem.line)) {
      const code = classifyNtStatus(problem.status);
      return { code: code === 'ShareGeneralFault' ? 'ShareConnectivity' : code, problem };
    }
    if (/^(session setup|tree connect) failed/.test(problem.line)) {
      return { code: classifyNtStatus(problem.status), problem };
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// The target.
// ---------------------------------------------------------------------------------------------

/**
 * How much protection the SMB session must have. 'Required' (the default) refuses a session the
 * server does not sign: with signing merely "desired" on both ends SMB2/3 sends everything
 * unsigned, and an attacker on the network path can alter backup data or downgrade the session.
 * 'Relaxed' is the explicit escape hatch for old servers (and guest-only shares) that cannot sign;
 * using it is warned about (Set-AzsBackupConfiguration, Get-AzsBackupStatus).
 */
export type SmbSigningPolicy = 'Required' | 'Relaxed';
export const SMB_SIGNING_POLICIES: readonly SmbSigningPolicy[] = ['Required', 'Relaxed'];

/**
 * smbclient's transfer buffer (-b), for every smbclient the engine starts (scripts/bench's smbclient
 * stage lines use it too). Measured here against a loopback smbd, alternated runs:
 * - a 512 MiB get to a pipe: 1.54-2.44 s with the default, 1.05-1.11 s with 1 MiB (8 each), and
 *   about 1.06 s with 256 KiB or 4 MiB (3 each);
 * - a 256 MiB put: 1.24-1.49 s with the default or 64 KiB, 0.53-1.02 s with 128 KiB, 0.57-0.61 s
 *   with 256 KiB, 0.58-0.73 s with 512 KiB, and 1.12-1.23 s with 1 MiB (4 each).
 * smbd counted the same 8 MiB read requests with and without it, so the gain lies in how
 * smbclient waits and hands data on; that was not traced. 256 KiB is on the fast side of both.
 */
export const SMBCLIENT_TRANSFER_ARGS: readonly string[] = ['--send-buffer=262144'];

/** smb.conf client settings we insist on; smbd negotiates the highest common dialect (SMB3.1.1). */
export const DEFAULT_CLIENT_OPTIONS: Readonly<Record<string, string>> = {
  // No SMB1, no SMB 2.0.2: Azure Stack's backup share guidance is SMB 3, SMB 2.1 is the floor we accept.
  'client min protocol': 'SMB2_10',
  // Every session signed (or encrypted, which also authenticates); encryption whenever offered.
  'client signing': 'required',
  'client smb encrypt': 'desired',
  'client ntlmv2 auth': 'yes',
  'client lanman auth': 'no',
  'client plaintext auth': 'no',
};

/** Applied over the defaults for 'Relaxed': sign and encrypt only when the server insists. */
export const RELAXED_CLIENT_OPTIONS: Readonly<Record<string, string>> = {
  'client signing': 'desired',
  'client smb encrypt': 'if_required',
};

// Statuses that mean "nothing there" for idempotent operations.
const NOT_FOUND = ['NT_STATUS_NO_SUCH_FILE', 'NT_STATUS_OBJECT_NAME_NOT_FOUND', 'NT_STATUS_OBJECT_PATH_NOT_FOUND'];
// Answers after which a shared session is certainly still sound.
const SESSION_SAFE_STATUSES = [...NOT_FOUND, 'NT_STATUS_OBJECT_NAME_COLLISION'];

export interface SmbClientTargetOptions {
  userName?: string | null;
  password?: string | null;
  /** Defaults to $AZSBACKUP_SMB_PORT, else 445. */
  port?: number;
  /** Where AZSBACKUP_SMB_PORT is looked up and the child's environment starts from. */
  env?: NodeJS.ProcessEnv;
  smbclientPath?: string;
  /** Default 'Required'. */
  signing?: SmbSigningPolicy;
  /** smb.conf client options added to (or overriding) DEFAULT_CLIENT_OPTIONS and the signing policy. */
  clientOptions?: Record<string, string>;
  /**
   * Test seam: every operation then runs as its own smbclient through it. Without it, operations
   * other than streamed reads share one long-lived smbclient (smb-session.ts).
   */
  spawn?: SmbSpawn;
}

interface RunOutput {
  stdout: string;
  stderr: string;
  exit: SmbExit;
}

export function smbPortFromEnv(env: NodeJS.ProcessEnv): number {
  const raw = env.AZSBACKUP_SMB_PORT;
  if (raw === undefined || raw === '') return 445;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port < 1 || port > 65535) {
    throw invalidParameter('AZSBACKUP_SMB_PORT', raw, 'a TCP port number from 1 to 65535');
  }
  return port;
}

// smbclient tokenises command lines on white space with '"' as the only quoting; there is no
// escape for '"' itself. Names never contain it (unc.ts refuses it, as Windows does) and we
// refuse it in local paths, so plain double quotes suffice. ';' is only special to -c, which we
// never use: commands go on stdin, one per line.
function quote(text: string): string {
  return `"${text}"`;
}

function checkLocalPath(file: string): void {
  if (/["\u0000-\u001f\u007f]/.test(file)) {
    throw new AzsError('Internal', `The local path '${file}' cannot be passed to smbclient (it contains '"' or a control character).`, {
      remediation: 'Use a staging folder whose path has no double quotes or control characters.',
    });
  }
}

/**
 * A backup location on an SMB share, reached through Samba's smbclient. Operations share one
 * smbclient session while they follow each other (a backup makes a dozen), and a new one is
 * started after an idle pause or any failure, so no connection state goes stale between long
 * phases; streamed reads run in their own process. Commands are written to smbclient's stdin
 * because -c splits on ';' even inside quotes, and Azure Stack folder names contain ';'. The
 * password reaches smbclient only through the PASSWD_FD pipe on fd 3: never argv
 * (world-readable in /proc), never the environment.
 */
export class SmbClientTarget implements StorageTarget {
  readonly description: string;
  readonly #location: UncLocation;
  readonly #baseNames: string[];
  readonly #port: number;
  readonly #userArgs: string[];
  readonly #password: string | null;
  readonly #env: Record<string, string>;
  readonly #file: string;
  readonly #clientOptions: Record<string, string>;
  readonly #signing: SmbSigningPolicy;
  readonly #spawn: SmbSpawn;
  /** stdbuf's path when operations share a session; null runs each one as its own smbclient. */
  readonly #stdbuf: string | null;
  #session: SmbSession | null = null;
  /** Operations on the session run one after another. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(location: UncLocation, options: SmbClientTargetOptions = {}) {
    this.#location = location;
    this.description = formatUnc(location);
    this.#baseNames = location.directory === '' ? [] : location.directory.split('/');
    const sourceEnv = options.env ?? process.env;
    this.#port = options.port ?? smbPortFromEnv(sourceEnv);
    this.#file = options.smbclientPath ?? 'smbclient';
    this.#signing = options.signing ?? 'Required';
    this.#clientOptions = { ...DEFAULT_CLIENT_OPTIONS, ...(this.#signing === 'Relaxed' ? RELAXED_CLIENT_OPTIONS : {}), ...options.clientOptions };
    this.#spawn = options.spawn ?? nodeSmbSpawn;

    const password = options.password ?? null;
    if (password !== null && /[\r\n]/.test(password)) {
      // PASSWD_FD reads one line; a line break would silently truncate the password.
      throw new AzsError('InvalidParameter', 'Password is not valid: it contains a line break.', {
        target: 'Password',
        remediation: 'Pass a password without line breaks.',
      });
    }
    this.#password = password === '' ? null : password;

    const userName = options.userName ?? null;
    if (userName === null || userName === '') {
      // '%' alone means "empty user, empty password": an anonymous session, and no prompt.
      this.#userArgs = ['--user=%', '--no-pass'];
    } else {
      const parsed = parseUserName(userName);
      if (userName.includes('%')) {
        // smbclient splits --user at '%' into user and password.
        throw new AzsError('InvalidParameter', `UserName '${userName}' is not valid: '%' cannot be passed to smbclient.`, {
          target: 'UserName',
          remediation: 'Use an account whose name has no %.',
        });
      }
      const user = parsed.form === 'upn' ? `${parsed.user}@${parsed.domain}` : parsed.user;
      this.#userArgs = [`--user=${user}`];
      if (parsed.form === 'downlevel' && parsed.domain !== null) this.#userArgs.push(`--workgroup=${parsed.domain}`);
      if (this.#password === null) this.#userArgs.push('--no-pass');
    }

    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(sourceEnv)) {
      if (value !== undefined) env[key] = value;
    }
    // smbclient guesses credentials from these (USER may be "name%password"); ours must win.
    for (const key of ['PASSWD', 'PASSWD_FILE', 'PASSWD_FD', 'USER', 'LOGNAME']) delete env[key];
    env.TZ = 'UTC';
    // English month names for the time stamps we parse, UTF-8 for names.
    env.LC_ALL = 'C.UTF-8';
    if (this.#password !== null) env.PASSWD_FD = '3';
    this.#env = env;
    this.#stdbuf = options.spawn === undefined ? findStdbuf(env) : null;
  }

  // ---- plumbing ------------------------------------------------------------------------------

  #remote(relPath: string): string {
    return `\\${[...this.#baseNames, ...splitRelativePath(relPath)].join('\\')}`;
  }

  #redact(text: string): string {
    // smbclient does not echo passwords; this is a second line of defence for messages built
    // from its output. Very short passwords would redact ordinary words, so they are skipped.
    if (this.#password === null || this.#password.length < 3) return text;
    return text.split(this.#password).join('***');
  }

  #launch(messagesToStderr: boolean): SessionLaunch {
    const args = [
      `//${this.#location.server}/${this.#location.share}`,
      `--port=${this.#port}`,
      // No "Try help" banner: with get to stdout it would end up inside the file.
      '--quiet',
      ...(messagesToStderr ? ['--stderr'] : []),
      ...SMBCLIENT_TRANSFER_ARGS,
      ...this.#userArgs,
      ...Object.entries(this.#clientOptions).map(([key, value]) => `--option=${key}=${value}`),
    ];
    // smbclient reads the fd once while parsing options and once more later (4.17 prints
    // "empty password" on the second, empty read); the second copy keeps it quiet. Both reads
    // stop at the newline, so a single read still gets exactly the password.
    const secret = this.#password === null ? null : Buffer.from(`${this.#password}\n${this.#password}\n`, 'utf8');
    return { file: this.#file, args, env: { ...this.#env }, secret };
  }

  #start(commands: string[], messagesToStderr: boolean): SmbChild {
    return this.#spawn({ ...this.#launch(messagesToStderr), input: commands.map((c) => `${c}\n`).join('') });
  }

  async #run(commands: string[]): Promise<RunOutput> {
    if (this.#stdbuf !== null) return this.#inSession(commands);
    const child = this.#start(commands, false);
    const [stdout, stderr, exit] = await Promise.all([collect(child.stdout), collect(child.stderr), child.exited]);
    return { stdout, stderr, exit };
  }

  #inSession(commands: string[]): Promise<RunOutput> {
    const stdbuf = this.#stdbuf!;
    const once = async (): Promise<{ reply: SessionReply; reused: boolean }> => {
      if (this.#session !== null && !this.#session.alive) this.#session = null;
      const reused = this.#session !== null;
      const session = (this.#session ??= new SmbSession(this.#launch(false), stdbuf));
      const reply = await session.run(commands);
      // Anything beyond "not there" or "already there" may have left the connection in doubt:
      // the next operation starts a fresh session.
      if (reply.exit !== null || findNtStatuses(reply.output).some((p) => !SESSION_SAFE_STATUSES.includes(p.status))) {
        this.#session = null;
        await session.close();
      }
      return { reply, reused };
    };
    const task = this.#queue.then(async (): Promise<RunOutput> => {
      let { reply, reused } = await once();
      // A session left idle may have been dropped by the server (a restart, an idle timeout):
      // that says nothing about the share, so the batch runs once more on a new connection,
      // whose answer stands. Every batch we send is safe to repeat.
      if (reused && (reply.exit !== null || findNtStatuses(reply.output).some((p) => classifyNtStatus(p.status) === 'ShareConnectivity'))) {
        ({ reply } = await once());
      }
      return { stdout: reply.output, stderr: '', exit: reply.exit ?? { exitCode: 0, signal: null, spawnError: null } };
    });
    this.#queue = task.catch(() => undefined);
    return task;
  }

  #error(code: ShareErrorCode, operation: string, status: string | undefined, detail: string | undefined): AzsError {
    // A server that cannot sign the session (an old server, a guest-only share) fails session
    // setup like a wrong password does; say what else it may be, and how to allow it knowingly.
    // (A wrong password is LOGON_FAILURE; a session that fails its signature check is ACCESS_DENIED.)
    const unsigned = code === 'ShareAuthentication' && this.#signing === 'Required' && status === 'NT_STATUS_ACCESS_DENIED' && /session setup failed/i.test(detail ?? '');
    return shareError(code, {
      location: this.description,
      operation,
      ...(status === undefined ? {} : { status }),
      ...(detail === undefined ? {} : { detail: this.#redact(detail) }),
      ...(unsigned ? { remediation: `${SHARE_REMEDIATION.ShareAuthentication} AzsBackup requires SMB signing: if this file server cannot sign sessions (an old server, or a share reached as guest), enable signing on it, or accept unsigned sessions knowingly with Set-AzsBackupConfiguration -SmbSigning Relaxed.` } : {}),
    });
  }

  /** Throws the right share error for a finished run; `tolerate` lists statuses that are fine. */
  #check(output: RunOutput, operation: string, tolerate: readonly string[] = []): void {
    const { exit } = output;
    if (exit.spawnError !== null) {
      throw new AzsError('ShareGeneralFault', `smbclient could not be started to reach ${this.description} (${exit.spawnError}).`, {
        target: this.description,
        remediation: "Install Samba's smbclient on this host (for example apt-get install smbclient) and make sure it is on PATH.",
      });
    }
    const all = `${output.stderr}\n${output.stdout}`;
    const connect = findConnectFailure(all);
    if (connect !== null) throw this.#error(connect.code, operation, connect.problem.status, connect.problem.line);
    const problem = findNtStatuses(all).find((p) => !tolerate.includes(p.status));
    if (problem !== undefined) {
      throw this.#error(classifyNtStatus(problem.status), operation, problem.status, problem.line);
    }
    if (exit.signal !== null || (exit.exitCode !== null && exit.exitCode !== 0)) {
      const last = all.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '').pop();
      const how = exit.signal !== null ? `smbclient was stopped by ${exit.signal}` : `smbclient exited with code ${exit.exitCode}`;
      throw this.#error('ShareGeneralFault', operation, undefined, last === undefined ? how : `${how}: ${last}`);
    }
  }

  // ---- StorageTarget -------------------------------------------------------------------------

  async createLocation(): Promise<void> {
    const op = 'creating the backup folder';
    if (this.#baseNames.length === 0) {
      this.#check(await this.#run([]), op);
      return;
    }
    const commands: string[] = [];
    for (let depth = 1; depth <= this.#baseNames.length; depth++) {
      commands.push(`mkdir ${quote(`\\${this.#baseNames.slice(0, depth).join('\\')}`)}`);
    }
    this.#check(await this.#run(commands), op, ['NT_STATUS_OBJECT_NAME_COLLISION']);
  }

  async ensureDirectory(relPath: string): Promise<void> {
    const names = splitRelativePath(relPath);
    const op = `creating folder '${relPath}'`;
    const all = [...this.#baseNames, ...names];
    if (all.length === 0) {
      // The share root: connecting is the whole check.
      this.#check(await this.#run([]), op);
      return;
    }
    // One level at a time (smbclient's mkdir does not create parents); the location folder
    // itself is never created, so a mistyped path fails instead of growing a new tree.
    const commands: string[] = [];
    for (let depth = this.#baseNames.length + 1; depth <= all.length; depth++) {
      commands.push(`mkdir ${quote(`\\${all.slice(0, depth).join('\\')}`)}`);
    }
    const target = `\\${all.join('\\')}`;
    commands.push(`ls ${quote(target)}`);
    const output = await this.#run(commands);
    this.#check(output, op, ['NT_STATUS_OBJECT_NAME_COLLISION']);
    // SMB names are case-insensitive: an existing 'MasterBackup' satisfies 'masterbackup'.
    const wanted = (all[all.length - 1] ?? '').toLowerCase();
    const entry = parseLsOutput(output.stdout).find((e) => e.name.toLowerCase() === wanted);
    if (entry === undefined) throw this.#error('SharePathFault', op, undefined, `'${target}' was not found after creating it`);
    if (!entry.isDirectory) throw this.#error('ShareGeneralFault', op, undefined, `'${target}' exists and is a file, not a folder`);
  }

  async upload(localFile: string, relPath: string): Promise<void> {
    checkLocalPath(localFile);
    let size: number;
    try {
      size = (await stat(localFile)).size;
    } catch (err) {
      throw new AzsError('Internal', `The staged file '${localFile}' to upload cannot be read.`, {
        cause: err,
        remediation: 'Check the staging folder and run the backup again.',
      });
    }
    const names = splitRelativePath(relPath);
    const name = names[names.length - 1];
    if (name === undefined) throw invalidParameter('relPath', relPath, 'a file name inside the backup location');
    const finalRemote = this.#remote(relPath);
    const tempRemote = this.#remote([...names.slice(0, -1), tempSiblingName(name)].join('/'));
    const op = `uploading '${relPath}'`;
    // Upload under a temporary name and rename only after the size checks out: smbclient goes
    // on with later commands after a failed one, so put and rename cannot share a session,
    // or a torn upload could be published under the final name.
    const tempName = tempRemote.slice(tempRemote.lastIndexOf('\\') + 1);
    try {
      const put = await this.#run([`put ${quote(localFile)} ${quote(tempRemote)}`, `ls ${quote(tempRemote)}`]);
      this.#check(put, op);
      const uploaded = parseLsOutput(put.stdout).find((e) => e.name === tempName);
      if (uploaded === undefined || uploaded.size !== size) {
        throw this.#error('ShareGeneralFault', op, undefined, `the share holds ${uploaded?.size ?? 'no'} bytes after uploading ${size}`);
      }
      await this.#renameRemote(tempRemote, finalRemote, op);
    } catch (err) {
      await this.#run([`del ${quote(tempRemote)}`]).catch(() => undefined);
      throw err;
    }
  }

  async #renameRemote(from: string, to: string, op: string): Promise<void> {
    // `rename -f` sets ReplaceIfExists in a single SMB2 rename, so the server swaps the file
    // atomically. smbclients without the flag ignore it and report a collision; only then fall
    // back to delete + rename, which leaves a moment with no file.
    const output = await this.#run([`rename ${quote(from)} ${quote(to)} -f`]);
    const collision = findNtStatuses(`${output.stderr}\n${output.stdout}`).some((p) => p.status === 'NT_STATUS_OBJECT_NAME_COLLISION');
    if (!collision) {
      this.#check(output, op);
      return;
    }
    this.#check(await this.#run([`del ${quote(to)}`, `rename ${quote(from)} ${quote(to)}`]), op, ['NT_STATUS_NO_SUCH_FILE']);
  }

  async rename(fromRelPath: string, toRelPath: string): Promise<void> {
    await this.#renameRemote(this.#remote(fromRelPath), this.#remote(toRelPath), `renaming '${fromRelPath}' to '${toRelPath}'`);
  }

  async list(relPath: string): Promise<RemoteEntry[]> {
    const names = [...this.#baseNames, ...splitRelativePath(relPath)];
    const mask = `\\${[...names, '*'].join('\\')}`;
    const output = await this.#run([`ls ${quote(mask)}`]);
    const all = `${output.stderr}\n${output.stdout}`;
    this.#check(output, `listing '${relPath}'`, NOT_FOUND);
    if (findNtStatuses(all).some((p) => NOT_FOUND.includes(p.status))) return [];
    return parseLsOutput(output.stdout);
  }

  async openRead(relPath: string): Promise<Readable> {
    const remote = this.#remote(relPath);
    const op = `reading '${relPath}'`;
    // --stderr keeps smbclient's own messages out of the file bytes on stdout.
    const child = this.#start([`get ${quote(remote)} -`], true);
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      if (stderr.length < 65536) stderr += chunk;
    });
    const stderrDone = new Promise<void>((resolve) => child.stderr.once('close', resolve));
    const finished = async (): Promise<RunOutput> => {
      const exit = await child.exited;
      await stderrDone;
      return { stdout: '', stderr, exit };
    };

    // Resolve only once there is data or a verdict, so a missing file rejects here rather than
    // surfacing as an error on the consumer's first read.
    let onReadable: (() => void) | undefined;
    const first = await Promise.race([
      new Promise<'data'>((resolve) => {
        onReadable = () => resolve('data');
        child.stdout.once('readable', onReadable);
      }),
      child.exited.then(() => 'exit' as const),
    ]);
    // A lingering 'readable' listener would keep the stream from flowing into the pipe below.
    if (onReadable !== undefined) child.stdout.removeListener('readable', onReadable);
    if (first === 'exit' || child.stdout.readableLength === 0) {
      const output = await finished();
      try {
        this.#check(output, op);
      } catch (err) {
        child.stdout.destroy();
        throw err;
      }
    }

    let received = 0;
    const check = (output: RunOutput): Error | null => {
      try {
        this.#check(output, op);
      } catch (err) {
        return err as Error;
      }
      const announced = /getting file .* of size (\d+) as -/.exec(output.stderr);
      if (announced !== null && Number(announced[1]) !== received) {
        return this.#error('ShareGeneralFault', op, undefined, `received ${received} of ${announced[1]} bytes`);
      }
      return null;
    };
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback: TransformCallback) {
        received += chunk.length;
        callback(null, chunk);
      },
      flush(callback: TransformCallback) {
        finished().then(
          (output) => callback(check(output)),
          (err: unknown) => callback(err as Error),
        );
      },
    });
    child.stdout.on('error', (err) => counter.destroy(err));
    child.stdout.pipe(counter);
    // A consumer that stops early must not leave smbclient blocked on a full pipe.
    counter.once('close', () => {
      if (!counter.writableFinished) child.kill();
      child.stdout.destroy();
    });
    return counter;
  }

  async download(relPath: string, localFile: string, signal?: AbortSignal): Promise<void> {
    checkLocalPath(localFile);
    signal?.throwIfAborted();
    const op = `reading '${relPath}'`;
    // A process of its own, never the shared session: a download takes as long as the file
    // needs, and other operations must not queue behind it.
    const child = this.#start([`get ${quote(this.#remote(relPath))} ${quote(localFile)}`], false);
    const stop = () => child.kill();
    signal?.addEventListener('abort', stop, { once: true });
    try {
      const [stdout, stderr, exit] = await Promise.all([collect(child.stdout), collect(child.stderr), child.exited]);
      signal?.throwIfAborted();
      this.#check({ stdout, stderr, exit }, op);
      // smbclient announces the size it is about to copy: fewer bytes on disk is a cut transfer.
      const announced = /getting file .* of size (\d+) as /.exec(`${stderr}\n${stdout}`);
      const size = (await stat(localFile)).size;
      if (announced !== null && Number(announced[1]) !== size) {
        throw this.#error('ShareGeneralFault', op, undefined, `received ${size} of ${announced[1]} bytes`);
      }
    } finally {
      signal?.removeEventListener('abort', stop);
    }
  }

  async readFile(relPath: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of await this.openRead(relPath)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async writeFile(relPath: string, data: Buffer): Promise<void> {
    const dir = await mkdtemp(path.join(tmpdir(), 'azsb-smb-'));
    try {
      const file = path.join(dir, 'data');
      await writeLocalFile(file, data, { mode: 0o600 });
      await this.upload(file, relPath);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async removeFile(relPath: string): Promise<void> {
    this.#check(await this.#run([`del ${quote(this.#remote(relPath))}`]), `deleting '${relPath}'`, NOT_FOUND);
  }

  async removeDirectory(relPath: string): Promise<void> {
    if (splitRelativePath(relPath).length === 0) {
      throw new AzsError('InvalidParameter', 'Refusing to delete the backup location itself.', {
        target: this.description,
        remediation: 'Name a folder inside the backup location.',
      });
    }
    this.#check(await this.#run([`deltree ${quote(this.#remote(relPath))}`]), `deleting folder '${relPath}'`, NOT_FOUND);
  }

  async listTree(relPath: string): Promise<RemoteTree> {
    const folder = this.#remote(relPath);
    const base = folder === '\\' ? '' : folder;
    const mask = `${base}\\*`;
    // A session keeps settings: recursion goes off again for whatever runs next.
    const output = await this.#run(['recurse ON', `ls ${quote(mask)}`, 'recurse OFF']);
    const all = `${output.stderr}\n${output.stdout}`;
    this.#check(output, `listing '${relPath}' and the folders below it`, NOT_FOUND);
    // The folder itself missing means "nothing there". A folder below it that vanished while it
    // was listed (a prune elsewhere) only loses its entries.
    const rootMissing = findNtStatuses(all).some((p) => NOT_FOUND.includes(p.status) && p.line.toLowerCase().endsWith(mask.toLowerCase()));
    return rootMissing ? new Map() : parseRecursiveLs(output.stdout, base);
  }

  async readFiles(relPaths: readonly string[]): Promise<Map<string, Buffer | null | AzsError>> {
    const out = new Map<string, Buffer | null | AzsError>();
    if (relPaths.length === 0) return out;
    const op = `reading ${relPaths.length} file(s)`;
    const dir = await mkdtemp(path.join(tmpdir(), 'azsb-smb-'));
    try {
      const remotes = relPaths.map((rel) => this.#remote(rel));
      // One session: smbclient carries on after a failed get, and names the file that failed.
      const output = await this.#run([`lcd ${quote(dir)}`, ...remotes.map((r, i) => `get ${quote(r)} f${i}`)]);
      const all = `${output.stderr}\n${output.stdout}`;
      if (output.exit.spawnError !== null || output.exit.signal !== null || findConnectFailure(all) !== null) this.#check(output, op);
      const failed = new Map<number, AzsError | null>();
      for (const problem of findNtStatuses(all)) {
        const index = remotes.findIndex((r) => problem.line.endsWith(` ${r}`));
        // A status that names none of the files is about the session: nothing read can be trusted.
        if (index < 0) throw this.#error(classifyNtStatus(problem.status), op, problem.status, problem.line);
        const rel = relPaths[index] ?? '';
        failed.set(index, NOT_FOUND.includes(problem.status) ? null : this.#error(classifyNtStatus(problem.status), `reading '${rel}'`, problem.status, problem.line));
      }
      const announced = new Map<number, number>();
      for (const m of all.matchAll(/of size (\d+) as f(\d+)(?: |$)/gm)) announced.set(Number(m[2]), Number(m[1]));
      // All at once: one after the other, 100 small files took a cold listing 30 ms.
      const received = await Promise.all(relPaths.map((_, i) => (failed.has(i) ? null : readLocalFile(path.join(dir, `f${i}`)).catch(() => null))));
      for (const [i, rel] of relPaths.entries()) {
        if (failed.has(i)) {
          out.set(rel, failed.get(i) ?? null);
          continue;
        }
        const data = received[i] ?? null;
        const size = announced.get(i);
        const whole = data !== null && (size === undefined || size === data.length);
        out.set(rel, whole ? data : this.#error('ShareGeneralFault', `reading '${rel}'`, undefined, 'the file was not received whole'));
      }
      return out;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async capacity(): Promise<Capacity> {
    // du reports the volume under the current folder, which may be a different volume than the
    // share root (mount points), so change into the location first.
    const commands = this.#baseNames.length === 0 ? ['du'] : [`cd ${quote(this.#remote(''))}`, 'du', 'cd \\'];
    const output = await this.#run(commands);
    const op = 'reading free space';
    this.#check(output, op);
    const capacity = parseDiskFree(output.stdout);
    if (capacity === null) throw this.#error('ShareGeneralFault', op, undefined, 'smbclient did not report the free space');
    return capacity;
  }

  async close(): Promise<void> {
    await this.#queue;
    const session = this.#session;
    this.#session = null;
    await session?.close();
  }
}

async function collect(stream: Readable): Promise<string> {
  stream.setEncoding('utf8');
  let text = '';
  for await (const chunk of stream) text += chunk as string;
  return text;
}
