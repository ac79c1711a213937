/**
 * Decompression stage of restore and verify. Frames are cut out of the stream by FrameWalker;
 * stored frames (incompressible data, written as Raw_Blocks) pass through as views without
 * touching a decoder, and compressed frames are decoded whole with the async
 * zlib.zstdDecompress, a few at once on the thread pool, output kept in stream order.
 *
 * Why not zlib.createZstdDecompress: it decodes on one thread in small output chunks with the
 * main thread in the loop for each, and in Node 22 (nodejs/node#64741) a write that holds the
 * end of one frame and the start of the next loses the rest. Whole frames avoid both.
 */

import { Transform, type TransformCallback } from 'node:stream';
import { promisify } from 'node:util';
import { zstdDecompress, type ZstdOptions } from 'node:zlib';
import { FULL_GC_AFTER, YoungCollector } from '../util/young-gc.js';
import { defaultConcurrency } from './zstd-compress.js';
import { corruptZstd, FrameWalker, MAX_FRAME_CONTENT, type Frame } from './zstd-frames.js';

const decompressAsync = promisify(zstdDecompress) as (buf: Buffer, options: ZstdOptions) => Promise<Buffer>;

async function decodeFrame(frame: Frame): Promise<Buffer[]> {
  if (frame.stored) return frame.stored;
  const input = frame.bytes.length === 1 ? frame.bytes[0]! : Buffer.concat(frame.bytes, frame.byteLength);
  let out: Buffer;
  try {
    out = await decompressAsync(input, {
      maxOutputLength: MAX_FRAME_CONTENT,
      // One output buffer when the header says how big the content is, with room to spare:
      // an exactly full buffer makes zlib allocate a second one just to learn the frame ended.
      chunkSize: Math.max(64 * 1024, (frame.contentSize ?? 2 * 1024 * 1024) + 1024),
    });
  } catch (cause) {
    const tooBig = (cause as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE';
    throw corruptZstd(tooBig ? `A zstd frame decodes to more than ${MAX_FRAME_CONTENT} bytes; AzsBackup never writes such frames.` : 'A zstd frame failed to decode.', cause);
  }
  if (frame.contentSize !== null && out.length !== frame.contentSize) {
    throw corruptZstd('A zstd frame decoded to a different size than its header declares.');
  }
  return [out];
}

class FrameDecoder extends Transform {
  private readonly walker = new FrameWalker();
  private readonly inFlight: Array<Promise<Buffer[]>> = [];
  /**
   * Paced by what is decoded: a restore allocates most of its Buffers here (util/young-gc.ts).
   * Full collections at twice the usual growth: each costs about 10 ms here, and at the usual
   * one a 1 GiB restore ran 57 of them and took longer than without them.
   */
  private readonly young = new YoungCollector(undefined, undefined, undefined, 2 * FULL_GC_AFTER);

  constructor(private readonly concurrency: number) {
    // The output is handed out piece by piece, as decoded: a byte-mode readable read by an
    // async iterator (tar-reader's) joins everything it holds into a new buffer on every read,
    // which cost a restore a copy of each byte and left 1.5 GB of garbage per GiB for the
    // collector. One piece buffered is enough: the frames in flight keep the thread pool busy.
    super({ readableObjectMode: true, readableHighWaterMark: 1 });
  }

  private async drainTo(limit: number): Promise<void> {
    while (this.inFlight.length > limit) {
      for (const piece of await this.inFlight.shift()!) {
        if (piece.length === 0) continue;
        this.young.add(piece.length);
        this.push(piece);
      }
    }
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    void (async () => {
      for (const frame of this.walker.push(chunk)) {
        const job = decodeFrame(frame);
        // Collected in order by drainTo; this only keeps a later failure from being reported
        // as unhandled while an earlier frame is still awaited.
        job.catch(() => undefined);
        this.inFlight.push(job);
        // Waiting for the oldest frame here bounds memory to `concurrency` frames.
        await this.drainTo(this.concurrency - 1);
      }
    })().then(() => callback(), callback);
  }

  override _flush(callback: TransformCallback): void {
    void (async () => {
      this.walker.end();
      await this.drainTo(0);
    })().then(() => callback(), callback);
  }
}

/** Decodes what createCompressStream writes, or any zstd stream of frames up to MAX_FRAME_CONTENT. */
export function createDecompressStream(options: { concurrency?: number } = {}): Transform {
  return new FrameDecoder(Math.max(1, options.concurrency ?? defaultConcurrency()));
}
