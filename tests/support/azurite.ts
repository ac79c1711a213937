/**
 * A real Azurite blob service for tests: its own temporary store, listening on 127.0.0.1 and a
 * port the kernel picks, with an account and key of its own (not the public emulator key), so
 * nothing on the host is read or written and nothing needs to be running before the tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

export interface AzuriteServer {
  port: number;
  accountName: string;
  accountKey: string;
  /** http://127.0.0.1:<port>/<account> */
  endpoint: string;
  /** A container URL (path-style) in this account. */
  containerUrl(container: string): string;
  /** The directory holding the store. */
  storeDir: string;
  /**
   * Stops the service the way an admin does (SIGTERM: it closes and saves its store; SIGKILL after
   * 30 s). The store stays. Azurite keeps blob metadata in memory and saves it periodically, so a
   * SIGKILL would lose what was committed last: not a failure a real storage service has.
   */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same store. */
  restart(): Promise<void>;
  /** stop() and remove the store. Call it in afterAll. */
  destroy(): Promise<void>;
  /** The last lines the service printed, for assertion messages. */
  output(): string;
}

const require = createRequire(import.meta.url);

function azuriteMain(override?: string): string {
  if (override !== undefined) return override;
  try {
    return require.resolve('azurite/dist/src/blob/main.js');
  } catch (err) {
    throw new Error('Azurite is not installed: run `bash scripts/setup` (it is a pinned devDependency).', { cause: err });
  }
}

export interface AzuriteOptions {
  /** Azurite's blob entry script, for callers bundled outside the repository (scripts/bench). */
  mainScript?: string;
}

export async function startAzurite(options: AzuriteOptions = {}): Promise<AzuriteServer> {
  const storeDir = await mkdtemp(path.join(tmpdir(), 'azsb-azurite-'));
  const accountName = 'azsbtest';
  const accountKey = randomBytes(64).toString('base64');
  let child: ChildProcess | null = null;
  let log = '';
  let port = 0;

  const launch = (wantedPort: number): Promise<number> =>
    new Promise((resolve, reject) => {
      const proc = spawn(
        process.execPath,
        [
          azuriteMain(options.mainScript),
          '--blobHost', '127.0.0.1',
          '--blobPort', String(wantedPort),
          '--location', storeDir,
          '--silent',
          '--skipApiVersionCheck',
          '--disableProductStyleUrl',
          '--disableTelemetry',
        ],
        { env: { ...process.env, AZURITE_ACCOUNTS: `${accountName}:${accountKey}` }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      child = proc;
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        reject(new Error(`Azurite did not start within 60 s:\n${log}`));
      }, 60_000);
      const onData = (chunk: Buffer) => {
        log = (log + chunk.toString('utf8')).slice(-8000);
        const m = /listens on http:\/\/127\.0\.0\.1:(\d+)/.exec(log);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      };
      proc.stdout!.on('data', onData);
      proc.stderr!.on('data', onData);
      proc.on('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`Azurite exited (${code ?? signal}) before listening:\n${log}`));
      });
    });

  const stop = async (): Promise<void> => {
    const proc = child as ChildProcess | null;
    child = null;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => proc.kill('SIGKILL'), 30_000);
      proc.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      proc.kill('SIGTERM');
    });
  };

  port = await launch(0);
  const endpoint = `http://127.0.0.1:${port}/${accountName}`;
  return {
    port,
    accountName,
    accountKey,
    endpoint,
    containerUrl: (container) => `${endpoint}/${container}`,
    storeDir,
    stop,
    restart: async () => {
      await stop();
      await launch(port);
    },
    destroy: async () => {
      await stop();
      await rm(storeDir, { recursive: true, force: true });
    },
    output: () => log,
  };
}
