/**
 * Finds zstd frame boundaries (RFC 8878 section 3.1) by walking frame and block headers,
 * without decoding anything, so the decompressor can hand whole frames to the thread pool and
 * pass stored (Raw_Block) data straight through.
 */

import { AzsError } from '../errors.js';

export const MAGIC = 0xfd2fb528;
/** RFC 8878 Block_Maximum_Size: a block never regenerates more than 128 KiB. */
export const MAX_RAW_BLOCK = 128 * 1024;
/**
 * Largest frame restore accepts, compressed or decoded. AzsBackup writes 2 MiB frames; the
 * bound keeps a damaged or hostile header from making restore buffer or allocate without limit.
 */
export const MAX_FRAME_CONTENT = 32 * 1024 * 1024;
const MAX_FRAME_BYTES = MAX_FRAME_CONTENT + (MAX_FRAME_CONTENT >> 7) + 1024;

const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;

/** One complete frame, as views of the input chunks (nothing is copied). */
export interface Frame {
  /** Every byte of the frame, in order. */
  bytes: Buffer[];
  byteLength: number;
  /** Skippable frames carry no content. */
  skippable: boolean;
  /**
   * The payloads of its blocks when every block is a Raw_Block and there is no checksum to
   * check: the frame's content, available without a decoder. Null when it must be decoded.
   */
  stored: Buffer[] | null;
  /** Frame_Content_Size from the header, when present. */
  contentSize: number | null;
}

export function corruptZstd(message: string, cause?: unknown): AzsError {
  return new AzsError('IntegrityFailed', message, {
    cause,
    remediation: 'The compressed data is damaged; restore from another backup.',
  });
}

type State = 'magic' | 'skipSize' | 'skipData' | 'descriptor' | 'headerRest' | 'blockHeader' | 'blockData' | 'checksum';

export class FrameWalker {
  private state: State = 'magic';
  /** Bytes still expected by the current state. */
  private need = 4;
  /** Accumulates small header fields that straddle chunks. */
  private readonly field = Buffer.alloc(16);
  private fieldLen = 0;
  private checksumFlag = false;
  private fcsBytes = 0;
  /** The block being read is the frame's last. */
  private lastBlock = false;
  private rawBlock = false;
  private frame: Frame = FrameWalker.emptyFrame();
  private storedBytes = 0;

  private static emptyFrame(): Frame {
    return { bytes: [], byteLength: 0, skippable: false, stored: [], contentSize: null };
  }

  /** Consumes one chunk and returns the frames it completed. */
  push(chunk: Buffer): Frame[] {
    const done: Frame[] = [];
    let start = 0;
    let i = 0;
    while (i < chunk.length) {
      let ended = false;
      if (this.state === 'blockData' || this.state === 'skipData') {
        const take = Math.min(this.need, chunk.length - i);
        if (this.state === 'blockData' && this.rawBlock) {
          this.frame.stored?.push(chunk.subarray(i, i + take));
          this.storedBytes += take;
        }
        i += take;
        this.need -= take;
        if (this.need === 0) {
          if (this.state === 'skipData') ended = true;
          else if (this.lastBlock) ended = this.afterLastBlock();
          else this.enter('blockHeader', 3);
        }
      } else {
        const take = Math.min(this.need - this.fieldLen, chunk.length - i);
        chunk.copy(this.field, this.fieldLen, i, i + take);
        this.fieldLen += take;
        i += take;
        if (this.fieldLen === this.need) ended = this.onField(this.field.subarray(0, this.need));
      }
      if (ended || i === chunk.length) {
        this.addBytes(chunk.subarray(start, i));
        start = i;
      }
      if (ended) {
        done.push(this.finishFrame());
      }
    }
    return done;
  }

  /** Call at end of input: a stream must end between frames. */
  end(): void {
    if (this.state !== 'magic' || this.fieldLen !== 0) throw corruptZstd('The zstd stream ends inside a frame: it is truncated.');
  }

  private addBytes(view: Buffer): void {
    if (view.length === 0) return;
    this.frame.bytes.push(view);
    this.frame.byteLength += view.length;
    if (this.frame.byteLength > MAX_FRAME_BYTES) {
      throw corruptZstd(`A zstd frame is larger than ${MAX_FRAME_BYTES} bytes; AzsBackup never writes such frames, so the data is damaged.`);
    }
  }

  private finishFrame(): Frame {
    const frame = this.frame;
    if (frame.stored && frame.contentSize !== null && frame.contentSize !== this.storedBytes) {
      throw corruptZstd('A stored zstd frame holds fewer or more bytes than its header declares.');
    }
    if (frame.skippable) frame.stored = [];
    this.frame = FrameWalker.emptyFrame();
    this.storedBytes = 0;
    this.enter('magic', 4);
    return frame;
  }

  private enter(state: State, need: number): void {
    this.state = state;
    this.need = need;
    this.fieldLen = 0;
  }

  /** Acts on a completed header field; returns true when a frame ended with it. */
  private onField(f: Buffer): boolean {
    switch (this.state) {
      case 'magic': {
        const magic = f.readUInt32LE(0);
        if (magic === MAGIC) this.enter('descriptor', 1);
        else if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
          this.frame.skippable = true;
          this.enter('skipSize', 4);
        } else throw corruptZstd('The data is not a zstd stream (bad frame magic number).');
        return false;
      }
      case 'skipSize': {
        const size = f.readUInt32LE(0);
        if (size === 0) return true;
        this.enter('skipData', size);
        return false;
      }
      case 'descriptor': {
        const fhd = f[0]!;
        if ((fhd & 0x08) !== 0) throw corruptZstd('A zstd frame header has its reserved bit set.');
        const fcsFlag = fhd >> 6;
        const single = (fhd & 0x20) !== 0;
        this.checksumFlag = (fhd & 0x04) !== 0;
        // A checksum is only checked by the decoder, so such a frame is never passed through.
        if (this.checksumFlag) this.frame.stored = null;
        const dictBytes = [0, 1, 2, 4][fhd & 0x03]!;
        this.fcsBytes = fcsFlag === 0 ? (single ? 1 : 0) : [0, 2, 4, 8][fcsFlag]!;
        const rest = (single ? 0 : 1) + dictBytes + this.fcsBytes;
        if (rest === 0) this.enter('blockHeader', 3);
        else this.enter('headerRest', rest);
        return false;
      }
      case 'headerRest': {
        if (this.fcsBytes > 0) this.frame.contentSize = readContentSize(f.subarray(f.length - this.fcsBytes));
        if (this.frame.contentSize !== null && this.frame.contentSize > MAX_FRAME_CONTENT) {
          throw corruptZstd(`A zstd frame declares ${this.frame.contentSize} bytes of content; restore accepts at most ${MAX_FRAME_CONTENT}.`);
        }
        this.enter('blockHeader', 3);
        return false;
      }
      case 'blockHeader': {
        const header = f[0]! | (f[1]! << 8) | (f[2]! << 16);
        const last = (header & 1) === 1;
        const type = (header >> 1) & 3;
        const size = header >>> 3;
        if (type === 3) throw corruptZstd('A zstd block has the reserved block type.');
        this.rawBlock = type === 0;
        if (!this.rawBlock) this.frame.stored = null;
        const payload = type === 1 ? 1 : size; // RLE blocks carry one byte whatever their size
        this.lastBlock = last;
        if (payload > 0) {
          this.enter('blockData', payload);
          return false;
        }
        return last ? this.afterLastBlock() : (this.enter('blockHeader', 3), false);
      }
      case 'checksum':
        return true;
      default:
        return false;
    }
  }

  private afterLastBlock(): boolean {
    this.lastBlock = false;
    if (this.checksumFlag) {
      this.enter('checksum', 4);
      return false;
    }
    return true;
  }
}

function readContentSize(f: Buffer): number {
  switch (f.length) {
    case 1:
      return f[0]!;
    case 2:
      return f.readUInt16LE(0) + 256;
    case 4:
      return f.readUInt32LE(0);
    default: {
      const big = f.readBigUInt64LE(0);
      return big > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(big);
    }
  }
}
