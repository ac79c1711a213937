import { createHash } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { Writable } from 'node:stream';
import type { Digest } from './digest-tap.js';
import { writeAllSync } from './write-all.js';

/** Bytes gathered before one write; a few hundred writes per GiB instead of one per chunk. */
export const SINK_BATCH = 1024 * 1024;

/**
 * A new file written from a stream, counted and hashed on the way: the staging cache's volumes.
 * Chunks are gathered and written with one synchronous writev per megabyte. An fs.WriteStream
 * sends every 64 KiB chunk to the thread pool, and on two cores each of those hand-offs wakes a
 * pool thread that takes the CPU from the main thread: that was a tenth of a backup's main-thread
 * time. The file is created with O_EXCL and mode 0600; a failed or destroyed sink closes it and
 * leaves it for its owner to remove.
 */
export class HashingFileSink extends Writable {
  #fd: number | null = null;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  readonly #hash = createHash('sha256');
  #size = 0;
  #digest: Digest | null = null;

  constructor(
    private readonly path: string,
    private readonly batch = SINK_BATCH,
  ) {
    super({ highWaterMark: batch });
  }

  override _construct(callback: (error?: Error | null) => void): void {
    try {
      this.#fd = openSync(this.path, 'wx', 0o600);
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#hash.update(chunk);
    this.#size += chunk.length;
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    callback(this.#pendingBytes >= this.batch ? this.#flush() : null);
  }

  override _final(callback: (error?: Error | null) => void): void {
    const failed = this.#flush();
    if (failed) return callback(failed);
    try {
      closeSync(this.#fd!);
      this.#fd = null;
    } catch (err) {
      return callback(err as Error);
    }
    this.#digest = { size: this.#size, sha256: this.#hash.digest('hex') };
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#pending = [];
    if (this.#fd !== null) {
      try {
        closeSync(this.#fd);
      } catch {
        // Closing after a failed write may fail too; the write's error is the one to report.
      }
      this.#fd = null;
    }
    callback(error);
  }

  /** Size and SHA-256 of everything written; only once the stream has finished. */
  digest(): Digest {
    if (this.#digest === null) throw new Error('HashingFileSink.digest: the file is not finished');
    return this.#digest;
  }

  #flush(): Error | null {
    const pieces = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    if (pieces.length === 0) return null;
    try {
      writeAllSync(this.#fd!, pieces);
      return null;
    } catch (err) {
      return err as Error;
    }
  }
}
