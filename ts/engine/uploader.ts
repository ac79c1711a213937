import { rm } from 'node:fs/promises';
import type { StorageTarget } from '../storage/target.js';
import { PARTIAL_SUFFIX } from '../catalog/layout.js';

/**
 * Uploads sealed files while the next one is being produced. At most `maxQueued` files wait,
 * so the staging cache never holds more than a few volumes whatever the size of the data.
 * Every file goes up under a temporary name and is renamed once complete (or, on a target whose
 * uploads are atomic, straight under its name): a reader of the share never sees a half-written
 * file under a final name.
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
        const final = `${this.remoteDir}/${file}`;
        if (this.target.uploadsAreAtomic) await this.target.upload(localPath, final);
        else {
          const partial = `${final}${PARTIAL_SUFFIX}`;
          await this.target.upload(localPath, partial);
          await this.target.rename(partial, final);
        }
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
