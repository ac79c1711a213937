import type { Readable } from 'node:stream';
import { LocalTarget } from './local.js';
import type { Capacity, RemoteEntry, StorageTarget } from './target.js';
import type { UncLocation } from './unc.js';
import { connectWindowsShare, type ConnectOptions } from './windows-smb.js';

/**
 * A UNC location on Windows with configured credentials: the session is connected to the share
 * first (windows-smb.ts), then the redirector serves the path like a local folder. The connection
 * is made on first use, so opening the target costs nothing when no call reaches the share.
 */
export class RedirectorTarget implements StorageTarget {
  readonly description: string;
  readonly #local: LocalTarget;
  readonly #location: UncLocation;
  readonly #options: ConnectOptions;
  #connected: Promise<void> | null = null;

  constructor(location: UncLocation, path: string, options: ConnectOptions) {
    this.#local = new LocalTarget(path);
    this.#location = location;
    this.#options = options;
    this.description = path;
  }

  #ready(): Promise<void> {
    if (this.#connected === null) {
      this.#connected = connectWindowsShare(this.#location, this.#options);
      // A failed attempt is not remembered: the next call tries again.
      this.#connected.catch(() => {
        this.#connected = null;
      });
    }
    return this.#connected;
  }

  async ensureDirectory(relPath: string): Promise<void> {
    await this.#ready();
    return this.#local.ensureDirectory(relPath);
  }
  async upload(localFile: string, relPath: string): Promise<void> {
    await this.#ready();
    return this.#local.upload(localFile, relPath);
  }
  async rename(fromRelPath: string, toRelPath: string): Promise<void> {
    await this.#ready();
    return this.#local.rename(fromRelPath, toRelPath);
  }
  async list(relPath: string): Promise<RemoteEntry[]> {
    await this.#ready();
    return this.#local.list(relPath);
  }
  async openRead(relPath: string): Promise<Readable> {
    await this.#ready();
    return this.#local.openRead(relPath);
  }
  async readFile(relPath: string): Promise<Buffer> {
    await this.#ready();
    return this.#local.readFile(relPath);
  }
  async writeFile(relPath: string, data: Buffer): Promise<void> {
    await this.#ready();
    return this.#local.writeFile(relPath, data);
  }
  async removeFile(relPath: string): Promise<void> {
    await this.#ready();
    return this.#local.removeFile(relPath);
  }
  async removeDirectory(relPath: string): Promise<void> {
    await this.#ready();
    return this.#local.removeDirectory(relPath);
  }
  async capacity(): Promise<Capacity> {
    await this.#ready();
    return this.#local.capacity();
  }
  async close(): Promise<void> {
    // The mapping stays for the session (see windows-smb.ts): a backup run may still hold files
    // open through it, and the next run reuses it.
    return this.#local.close();
  }
}
