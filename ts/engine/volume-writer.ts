import { once } from 'node:events';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createEncryptStream } from '../crypto/index.js';
import type { Recipient } from '../crypto/recipients.js';
import { volumeFileName } from '../catalog/layout.js';
import { HashingFileSink } from '../util/file-sink.js';
import { YoungCollector } from '../util/young-gc.js';

export interface SealedVolume {
  file: string;
  localPath: string;
  role: string;
  index: number;
  size: number;
  sha256: string;
  plainBytes: number;
}

export interface VolumeWriterOptions {
  stagingDir: string;
  backupId: string;
  role: string;
  recipients: Recipient[];
  /** Plaintext bytes per volume; bounds the staging space a backup needs. */
  volumeSize: number;
  /** Called with each sealed volume; the writer waits for it, which is how uploads pace production. */
  onSealed: (volume: SealedVolume) => Promise<void>;
}

interface OpenVolume {
  index: number;
  file: string;
  localPath: string;
  encrypt: ReturnType<typeof createEncryptStream>;
  written: Promise<{ size: number; sha256: string }>;
  plainBytes: number;
}

/**
 * The last stage of the pipeline: cuts the compressed stream of one role into volumes, each an
 * independent encrypted file in the staging cache. Every volume has its own file key and header,
 * so each can be uploaded, verified and decrypted on its own.
 */
export class VolumeWriter extends Writable {
  private current: OpenVolume | null = null;
  private nextIndex = 0;
  private readonly young = new YoungCollector();
  readonly sealed: SealedVolume[] = [];

  constructor(private readonly options: VolumeWriterOptions) {
    super({ highWaterMark: 1024 * 1024 });
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.consume(chunk).then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    // An empty role still yields one volume, so every role can be restored and verified.
    const finish = async () => {
      if (!this.current && this.sealed.length === 0) this.open();
      await this.seal();
    };
    finish().then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.current?.encrypt.destroy();
    callback(error);
  }

  private async consume(chunk: Buffer): Promise<void> {
    this.young.add(chunk.length);
    let rest = chunk;
    while (rest.length > 0) {
      const volume = this.current ?? this.open();
      const room = this.options.volumeSize - volume.plainBytes;
      const part = rest.subarray(0, room);
      rest = rest.subarray(part.length);
      volume.plainBytes += part.length;
      if (!volume.encrypt.write(part)) await once(volume.encrypt, 'drain');
      if (volume.plainBytes >= this.options.volumeSize) await this.seal();
    }
  }

  private open(): OpenVolume {
    const index = this.nextIndex++;
    const file = volumeFileName(this.options.role, index);
    const localPath = join(this.options.stagingDir, file);
    const encrypt = createEncryptStream(this.options.recipients, {
      contentType: 'volume',
      backupId: this.options.backupId,
      role: this.options.role,
      index,
    });
    const sink = new HashingFileSink(localPath);
    const written = pipeline(encrypt, sink).then(() => sink.digest());
    // The pipeline's failure surfaces through seal(); keep it from being reported as unhandled.
    written.catch(() => {});
    this.current = { index, file, localPath, encrypt, written, plainBytes: 0 };
    return this.current;
  }

  private async seal(): Promise<void> {
    const volume = this.current;
    if (!volume) return;
    this.current = null;
    volume.encrypt.end();
    const { size, sha256 } = await volume.written;
    const sealed: SealedVolume = {
      file: volume.file,
      localPath: volume.localPath,
      role: this.options.role,
      index: volume.index,
      size,
      sha256,
      plainBytes: volume.plainBytes,
    };
    this.sealed.push(sealed);
    await this.options.onSealed(sealed);
  }
}
