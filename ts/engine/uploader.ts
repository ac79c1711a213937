import { rm } from 'node:fs/promises';
import type { StorageTarget } from '../storage/target.js';

/**
 * Uploads sealed files while the next one is being produced. At most `maxQueued` files wait,
 * so the staging cache never holds more than a few volumes whatever the size of the data.
 * A reader of the share never sees a half-written file under a final name: every target's
 * upload() makes the file appear whole or not at all (a temporary name renamed once complete,
 * or a blob's block list committed at the end), so no second temporary name is needed here;
 * each extra rename was another smbclient session.
 */
export class Uploader {
  private chain: Promise<void> = Promise.resolve();
  private queued = 0;
  private failure: unknown = null;
  private waiters: Array<() => void> = [];

  constructor(
    private readonly target: StorageTarget,
    private readonly remoteDir: string,
    private readonly onUploaded: (file: string, bytes: number) => void = () => {},
    private readonly maxQueued = 1,
  ) {}

  async enqueue(localPath: string, file: string, bytes: number): Promise<void> {
    this.throwIfFailed();
    while (this.queued >= this.maxQueued) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
      this.throwIfFailed();
    }
    this.queued++;
    this.chain = this.chain.then(async () => {
      try {
        if (this.failure) return;
        await this.target.upload(localPath, `${this.remoteDir}/${file}`);
        await rm(localPath, { force: true });
        this.onUploaded(file, bytes);
      } catch (err) {
        this.failure ??= err;
      } finally {
        this.queued--;
        this.waiters.shift()?.();
      }
    });
  }

  /** Waits for every queued upload; throws the first upload failure. */
  async drain(): Promise<void> {
    await this.chain;
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }
}
