import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { SmbExit } from './smbclient.js';

export interface SessionLaunch {
  file: string;
  args: string[];
  env: Record<string, string>;
  /** Bytes for fd 3 (PASSWD_FD); null when there is no password. */
  secret: Uint8Array | null;
}

export interface SessionReply {
  /** Everything smbclient printed for these commands, stdout and stderr in the order written. */
  output: string;
  /** Set when smbclient exited before answering (a failed logon, a dropped connection). */
  exit: SmbExit | null;
}

/** Where `stdbuf` is, or null: without it smbclient's replies sit in its stdio buffer until it exits. */
export function findStdbuf(env: Record<string, string>): string | null {
  if (process.platform === 'win32') return null;
  for (const dir of (env.PATH ?? '/usr/bin:/bin').split(path.delimiter)) {
    if (dir !== '' && existsSync(path.join(dir, 'stdbuf'))) return path.join(dir, 'stdbuf');
  }
  return null;
}

/**
 * One smbclient process kept open for many operations. Each smbclient started costs a process,
 * an SMB negotiate and an NTLM logon on this side and a forked smbd on the server: about 50 ms
 * and as much CPU again, a dozen times per backup. Here commands go in on stdin, and each batch
 * ends with `lcd` to a folder that cannot exist, named with a nonce: smbclient answers it with a
 * "chdir to <name> failed" line, which marks where that batch's output ends.
 *
 * stdbuf makes smbclient write each line at once (it uses stdio, which buffers a pipe until
 * exit) and read its input unbuffered: it polls fd 0 before each command, so lines that stdio
 * had already read ahead would wait for the next input. `2>&1` in a shell keeps its stderr
 * messages in order with its stdout. Idle, the
 * session does not keep the engine's event loop alive; an idle timer closes it as well, so a
 * long-running service never holds a connection between operations.
 */
export class SmbSession {
  readonly #child: ChildProcess;
  readonly #nonce = randomBytes(8).toString('hex');
  #sequence = 0;
  #buffer = '';
  /** How much of #buffer is known not to hold the pending marker's start. */
  #searched = 0;
  #exit: SmbExit | null = null;
  #pending: { marker: string; resolve: (reply: SessionReply) => void } | null = null;
  #idle: NodeJS.Timeout | null = null;
  readonly #exited: Promise<void>;

  constructor(launch: SessionLaunch, stdbuf: string, private readonly idleMs = 5000) {
    this.#child = spawn('/bin/sh', ['-c', 'exec "$@" 2>&1', 'sh', stdbuf, '-i0', '-o0', '-e0', launch.file, ...launch.args], {
      env: launch.env,
      stdio: ['pipe', 'pipe', 'ignore', launch.secret === null ? 'ignore' : 'pipe'],
      windowsHide: true,
    });
    this.#exited = new Promise((resolve) => {
      this.#child.once('error', (err: NodeJS.ErrnoException) => {
        this.#finish({ exitCode: null, signal: null, spawnError: err.code ?? 'spawn failed' });
        resolve();
      });
      this.#child.once('close', (code, signal) => {
        this.#finish({ exitCode: code, signal: signal ?? null, spawnError: null });
        resolve();
      });
    });
    this.#child.stdin!.on('error', () => undefined);
    const secretPipe = this.#child.stdio[3] as NodeJS.WritableStream | null | undefined;
    if (launch.secret !== null && secretPipe) {
      (secretPipe as unknown as { on(e: string, f: () => void): void }).on('error', () => undefined);
      secretPipe.end(Buffer.from(launch.secret));
    }
    this.#child.stdout!.setEncoding('utf8');
    this.#child.stdout!.on('data', (chunk: string) => {
      this.#buffer += chunk;
      this.#deliver();
    });
    this.#hold(false);
  }

  get alive(): boolean {
    return this.#exit === null;
  }

  /** Runs one batch of commands; resolves with their output once smbclient has answered all of them. */
  run(commands: string[]): Promise<SessionReply> {
    if (this.#pending !== null) throw new Error('SmbSession.run: one batch at a time');
    if (this.#idle !== null) clearTimeout(this.#idle);
    if (this.#exit !== null) return Promise.resolve({ output: this.#takeAll(), exit: this.#exit });
    const marker = `/nonexistent/azsb-${this.#nonce}-${++this.#sequence}`;
    this.#hold(true);
    return new Promise<SessionReply>((resolve) => {
      this.#pending = { marker: `chdir to ${marker} failed`, resolve };
      this.#child.stdin!.write([...commands, `lcd "${marker}"`].map((c) => `${c}\n`).join(''));
    });
  }

  /** Ends the session (smbclient exits at the end of its input); kills it if it lingers. */
  async close(): Promise<void> {
    if (this.#idle !== null) clearTimeout(this.#idle);
    if (this.#exit === null) {
      this.#child.stdin!.end();
      const timer = setTimeout(() => this.#child.kill(), 2000);
      await this.#exited;
      clearTimeout(timer);
    }
  }

  #deliver(): void {
    const pending = this.#pending;
    if (pending === null) return;
    // From where the last search stopped: a recursive listing arrives in hundreds of pieces, and
    // searching the whole reply each time was quadratic in its length.
    const at = this.#buffer.indexOf(pending.marker, this.#searched);
    if (at < 0) {
      this.#searched = Math.max(0, this.#buffer.length - pending.marker.length);
      return;
    }
    const end = this.#buffer.indexOf('\n', at);
    if (end < 0) {
      this.#searched = at;
      return;
    }
    const output = this.#buffer.slice(0, at);
    this.#buffer = this.#buffer.slice(end + 1);
    this.#searched = 0;
    this.#pending = null;
    this.#hold(false);
    this.#idle = setTimeout(() => void this.close(), this.idleMs);
    this.#idle.unref();
    pending.resolve({ output, exit: null });
  }

  #finish(exit: SmbExit): void {
    if (this.#exit !== null) return;
    this.#exit = exit;
    if (this.#idle !== null) clearTimeout(this.#idle);
    const pending = this.#pending;
    this.#pending = null;
    pending?.resolve({ output: this.#takeAll(), exit });
  }

  #takeAll(): string {
    const all = this.#buffer;
    this.#buffer = '';
    this.#searched = 0;
    return all;
  }

  /** While a batch runs the child keeps the event loop alive; idle, it does not. */
  #hold(on: boolean): void {
    const handles = [this.#child, this.#child.stdin, this.#child.stdout] as Array<{ ref?: () => void; unref?: () => void } | null>;
    for (const h of handles) {
      if (on) h?.ref?.();
      else h?.unref?.();
    }
  }
}
