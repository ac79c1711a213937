import { closeSync, createReadStream, openSync, writeSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { rm } from 'node:fs/promises';
import type { ManifestFileLine, ManifestHeader } from '../catalog/manifest.js';
import { createEncryptStream, type Recipient } from '../crypto/index.js';
import type { Digest } from '../util/digest-tap.js';
import { HashingFileSink } from '../util/file-sink.js';

/**
 * Collects the manifest's file lines in a staging file while roles are packed, then encrypts
 * header + lines into manifest.azsb. Memory stays flat whatever the number of files.
 */
export class ManifestWriter {
  private fd: number | null;
  // Lines go to the file in batches: one stream write per file was a write request, a queued
  // chunk and its bookkeeping per file (a million of each for a million files).
  private batch: string[] = [];
  private batchLength = 0;

  constructor(private readonly linesPath: string) {
    this.fd = openSync(linesPath, 'w', 0o600);
  }

  addFile(line: Omit<ManifestFileLine, 'type'>): void {
    const text = `${JSON.stringify({ type: 'file', ...line })}\n`;
    this.batch.push(text);
    this.batchLength += text.length;
    if (this.batchLength >= 256 * 1024) this.flush();
  }

  /**
   * Written synchronously, a batch at a time: the files are packed on another thread, so lines
   * can come faster than a stream's writes complete, and a stream would queue them in memory
   * without bound (a million files: 60 MB more). A 256 KiB write to the local staging cache
   * takes well under a millisecond.
   */
  private flush(): void {
    if (this.batch.length === 0 || this.fd === null) return;
    const data = Buffer.from(this.batch.join(''), 'utf8');
    for (let off = 0; off < data.length; ) off += writeSync(this.fd, data, off, data.length - off);
    this.batch = [];
    this.batchLength = 0;
  }

  private close(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    closeSync(fd);
  }

  /** Drops the lines after a failed backup; the staging folder goes with it. */
  discard(): void {
    try {
      this.close();
    } catch {
      // Already failing; the folder is removed with the staging cache.
    }
  }

  async seal(header: Omit<ManifestHeader, 'type' | 'formatVersion'>, recipients: Recipient[], outPath: string): Promise<Digest> {
    this.flush();
    this.close();
    const full: ManifestHeader = { type: 'manifest', formatVersion: 1, ...header };
    const linesPath = this.linesPath;
    const sink = new HashingFileSink(outPath);
    await pipeline(
      Readable.from(
        (async function* () {
          yield Buffer.from(`${JSON.stringify(full)}\n`);
          yield* createReadStream(linesPath, { highWaterMark: 1024 * 1024 });
        })(),
      ),
      createEncryptStream(recipients, { contentType: 'manifest', backupId: header.backupId, role: null, index: null }),
      sink,
    );
    await rm(linesPath, { force: true });
    return sink.digest();
  }
}
