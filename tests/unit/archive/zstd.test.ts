import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants as zc, createZstdDecompress, zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AzsError } from '../../../ts/errors.js';
import { createCompressStream, rawFrame } from '../../../ts/archive/zstd-compress.js';
import { createDecompressStream } from '../../../ts/archive/zstd-decompress.js';
import { FrameWalker, MAX_FRAME_CONTENT, MAX_RAW_BLOCK } from '../../../ts/archive/zstd-frames.js';
import { BufferPool } from '../../../ts/util/lent-buffers.js';
import { collect, fromBuffer, removeDir, sha256, tempDir } from './helpers.js';

const DEFAULT_BLOCK = 2 * 1024 * 1024;
const hasZstdCli = spawnSync('zstd', ['--version']).status === 0;

function text(bytes: number): Buffer {
  const words = ['backup', 'role', 'KeyVault', 'stamp', 'operator', 'share', 'volume', 'manifest', '\n'];
  const parts: string[] = [];
  let n = 0;
  let i = 0;
  while (n < bytes) {
    const w = words[(i * 7 + (i >> 3)) % words.length]! + ' ';
    parts.push(w);
    n += w.length;
    i++;
  }
  return Buffer.from(parts.join('')).subarray(0, bytes);
}

async function compress(data: Buffer, options = {}, chunk = 100_000) {
  const c = createCompressStream(options);
  const out = await collect(fromBuffer(data, chunk).pipe(c));
  return { out, stats: c.stats };
}

/** zstd -d via the system CLI. */
function zstdCli(compressed: Buffer): Buffer {
  const r = spawnSync('zstd', ['-d', '-c', '-q'], { input: compressed, maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`zstd -d failed: ${r.stderr.toString()}`);
  return r.stdout;
}

let work: string;
beforeEach(async () => {
  work = await tempDir('zstd');
});
afterEach(async () => {
  await removeDir(work);
});

describe('rawFrame', () => {
  it.each([0, 1, 255, 256, 1000, 65_791, 65_792, 128 * 1024, 128 * 1024 + 1, 1_000_000])(
    'builds a frame of %i raw bytes every decoder accepts',
    async (size) => {
      const data = randomBytes(size);
      const frame = rawFrame(data);
      const blocks = Math.max(1, Math.ceil(size / (128 * 1024)));
      expect(frame.length).toBeLessThanOrEqual(size + 4 + 1 + 8 + 3 * blocks);
      expect(zstdDecompressSync(frame).equals(data)).toBe(true);
      expect((await collect(fromBuffer(frame).pipe(createZstdDecompress()))).equals(data)).toBe(true);
      if (hasZstdCli) expect(zstdCli(frame).equals(data)).toBe(true);
    },
  );
});

describe('compress stream', () => {
  it('round-trips compressible text and actually compresses it', async () => {
    const data = text(10 * 1024 * 1024 + 12345);
    const { out, stats } = await compress(data);
    expect(stats.rawBytes).toBe(data.length);
    expect(stats.storedBytes).toBe(out.length);
    expect(stats.storedRawBlocks).toBe(0);
    expect(stats.blocks).toBe(Math.ceil(data.length / DEFAULT_BLOCK));
    expect(out.length).toBeLessThan(data.length / 10);
    expect((await collect(fromBuffer(out).pipe(createDecompressStream()))).equals(data)).toBe(true);
  });

  it('stores random data as raw frames with only framing overhead', async () => {
    const data = randomBytes(9 * 1024 * 1024 + 7);
    const { out, stats } = await compress(data);
    const blocks = Math.ceil(data.length / DEFAULT_BLOCK);
    expect(stats.blocks).toBe(blocks);
    expect(stats.storedRawBlocks).toBe(blocks);
    expect(stats.probeRejected).toBe(blocks);
    // 3 bytes per 128 KiB block and ~9 bytes per frame: well under 0.01 %.
    expect(out.length - data.length).toBeLessThan(data.length * 0.0001);
    expect(out.length).toBeGreaterThan(data.length);
    expect((await collect(fromBuffer(out).pipe(createDecompressStream()))).equals(data)).toBe(true);
  });

  it('compresses a block whose head is incompressible but whose rest is not', async () => {
    const data = Buffer.concat([randomBytes(1024 * 1024), text(3 * 1024 * 1024)]);
    const { out, stats } = await compress(data);
    expect(stats.storedRawBlocks).toBe(0);
    expect(out.length).toBeLessThan(data.length * 0.5);
    expect(zstdDecompressSync(out).equals(data)).toBe(true);
  });

  it('stores without probing too (probe disabled)', async () => {
    const data = randomBytes(5 * 1024 * 1024);
    const { out, stats } = await compress(data, { probeSize: 0 });
    expect(stats.storedRawBlocks).toBe(Math.ceil(data.length / DEFAULT_BLOCK));
    expect(stats.probeRejected).toBe(0);
    expect(zstdDecompressSync(out).equals(data)).toBe(true);
  });

  it.skipIf(!hasZstdCli)('produces output the zstd CLI decodes (mixed raw and compressed frames)', async () => {
    const data = Buffer.concat([text(5 * 1024 * 1024), randomBytes(6 * 1024 * 1024), text(100)]);
    const { out, stats } = await compress(data);
    expect(stats.storedRawBlocks).toBeGreaterThan(0);
    expect(stats.storedRawBlocks).toBeLessThan(stats.blocks);
    const file = path.join(work, 'mixed.zst');
    await writeFile(file, out);
    const test = spawnSync('zstd', ['-t', '-q', file]);
    expect(test.status).toBe(0);
    expect(sha256(zstdCli(out))).toBe(sha256(data));
  });

  it('keeps block order with many blocks in flight', async () => {
    // Alternating slow (compressible) and fast (raw) blocks, each tagged with its index, so a
    // reordering would be caught by content, not just length.
    const blockSize = 64 * 1024;
    const blocks: Buffer[] = [];
    for (let i = 0; i < 200; i++) {
      const body = i % 3 === 0 ? randomBytes(blockSize) : text(blockSize);
      body.writeUInt32BE(i, 0);
      blocks.push(body);
    }
    const data = Buffer.concat(blocks);
    const { out, stats } = await compress(data, { blockSize, concurrency: 4 }, 10_000);
    expect(stats.blocks).toBe(200);
    const back = await collect(fromBuffer(out, 3333).pipe(createDecompressStream()));
    expect(back.equals(data)).toBe(true);
  });

  it('hands lent input back once it is copied, so the next chunk reuses the memory, and the output is intact', async () => {
    const data = Buffer.concat([text(3 * 1024 * 1024), randomBytes(2 * 1024 * 1024 + 99)]);
    const pool = new BufferPool(256 * 1024, 4);
    const memory = new Set<ArrayBufferLike>();
    const compressor = createCompressStream();
    const out: Buffer[] = [];
    compressor.on('data', (piece: Buffer) => out.push(piece));
    // A producer that writes each chunk only after the previous one was taken in, as the
    // packing thread's stream does.
    for (let at = 0; at < data.length; ) {
      const chunk = pool.lend(Math.min(256 * 1024, data.length - at));
      data.copy(chunk, 0, at, at + chunk.length);
      memory.add(chunk.buffer);
      at += chunk.length;
      await new Promise<void>((resolve, reject) => compressor.write(chunk, (err) => (err ? reject(err) : resolve())));
    }
    compressor.end();
    await new Promise((resolve) => compressor.on('end', resolve));
    expect(zstdDecompressSync(Buffer.concat(out)).equals(data)).toBe(true);
    // Twenty-one chunks went through a single buffer: each came back before the next was lent.
    expect(memory.size).toBe(1);
    expect(pool.idle).toBe(1);
  });

  it('turns an empty input into one valid, empty zstd stream', async () => {
    const { out, stats } = await compress(Buffer.alloc(0));
    expect(stats.blocks).toBe(1);
    expect(zstdDecompressSync(out).length).toBe(0);
    expect((await collect(Readable.from([out]).pipe(createDecompressStream()))).length).toBe(0);
    if (hasZstdCli) expect(zstdCli(out).length).toBe(0);
  });

  it('decodes concatenated frames from separate streams (createZstdDecompress)', async () => {
    const a = (await compress(text(300_000))).out;
    const b = (await compress(randomBytes(300_000))).out;
    const back = await collect(fromBuffer(Buffer.concat([a, b]), 1000).pipe(createDecompressStream()));
    expect(back.length).toBe(600_000);
  });

  it('fails the decompressor on a corrupted stream', async () => {
    const { out } = await compress(text(1024 * 1024));
    const bad = Buffer.from(out);
    bad[0] = 0;
    await expect(collect(fromBuffer(bad).pipe(createDecompressStream()))).rejects.toThrow();
  });
});

describe('decompress stream', () => {
  const level1 = { params: { [zc.ZSTD_c_compressionLevel]: 1 } };
  const t = Buffer.from('hello world '.repeat(25_000)); // 300 000 bytes, not a multiple of any buffer size
  const r = randomBytes(300_000);
  const a = zstdCompressSync(t, level1);
  const b = zstdCompressSync(r, level1);
  const withChecksum = zstdCompressSync(Buffer.from('checked'), { params: { [zc.ZSTD_c_checksumFlag]: 1 } });
  const skippable = Buffer.concat([Buffer.from([0x5a, 0x2a, 0x4d, 0x18]), Buffer.from([3, 0, 0, 0]), Buffer.from('abc')]);

  it.each([1000, 100_000, 10_000_000])(
    'decodes every concatenated frame, whatever the frame sizes and input chunking (chunks of %i)',
    async (chunk) => {
      // Plain createZstdDecompress (Node 22, nodejs/node#64741) loses or rejects all but the first
      // frame in these cases; the frame walker in front of the decoder must not.
      const cases: Buffer[][] = [[a, b], [b, a], [a, a, a], [b, b], [a, skippable, withChecksum, rawFrame(r), a]];
      for (const frames of cases) {
        const expected = Buffer.concat(frames.map((f) => (f === skippable ? Buffer.alloc(0) : zstdDecompressSync(f))));
        const back = await collect(fromBuffer(Buffer.concat(frames), chunk).pipe(createDecompressStream()));
        expect(back.equals(expected)).toBe(true);
      }
    },
  );

  it('fails with IntegrityFailed on a stream cut inside a frame', async () => {
    const { out } = await compress(Buffer.concat([text(5 * 1024 * 1024), randomBytes(5 * 1024 * 1024)]));
    for (const cut of [3, 100, out.length - 1, out.length - 200_000]) {
      const err = await collect(fromBuffer(out.subarray(0, cut)).pipe(createDecompressStream())).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AzsError);
      expect((err as AzsError).code).toBe('IntegrityFailed');
    }
  });

  it('fails with IntegrityFailed on data that is not zstd', async () => {
    const err = await collect(fromBuffer(Buffer.from('PK\u0003\u0004 not zstd at all')).pipe(createDecompressStream())).catch((e: unknown) => e);
    expect((err as AzsError).code).toBe('IntegrityFailed');
  });

  it.skipIf(!hasZstdCli)('decodes what the zstd CLI writes (checksummed, multi-frame)', async () => {
    const one = spawnSync('zstd', ['-q', '-c', '-3'], { input: text(700_001) }).stdout;
    const two = spawnSync('zstd', ['-q', '-c', '-1'], { input: r }).stdout;
    const back = await collect(fromBuffer(Buffer.concat([one, two]), 4096).pipe(createDecompressStream()));
    expect(back.equals(Buffer.concat([text(700_001), r]))).toBe(true);
  });
});

describe('frame walker and parallel decoder', () => {
  it('passes stored frames through as views of the input, without a decoder', () => {
    const data = randomBytes(300_000);
    const frame = rawFrame(data);
    const walker = new FrameWalker();
    // Fed in odd pieces, as decrypted chunks arrive.
    const frames = [...walker.push(frame.subarray(0, 7)), ...walker.push(frame.subarray(7, 200_001)), ...walker.push(frame.subarray(200_001))];
    walker.end();
    expect(frames).toHaveLength(1);
    expect(frames[0]!.stored).not.toBeNull();
    expect(frames[0]!.contentSize).toBe(data.length);
    expect(Buffer.concat(frames[0]!.stored!).equals(data)).toBe(true);
    // Views, not copies: each piece shares memory with what was pushed.
    for (const piece of frames[0]!.stored!) expect(piece.buffer === frame.buffer).toBe(true);
  });

  it('sends compressed and checksummed frames to the decoder', () => {
    const walker = new FrameWalker();
    const frames = walker.push(Buffer.concat([zstdCompressSync(text(100_000)), zstdCompressSync(Buffer.from('x'), { params: { [zc.ZSTD_c_checksumFlag]: 1 } })]));
    expect(frames.map((f) => f.stored)).toEqual([null, null]);
  });

  it('refuses a frame that declares more content than restore accepts', async () => {
    // A hand-made frame header: 4-byte Frame_Content_Size of 64 MiB, then an empty raw block.
    const header = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x80, 0x58, 0, 0, 0, 4, 1, 0, 0]);
    const err = await collect(fromBuffer(header).pipe(createDecompressStream())).catch((e: unknown) => e);
    expect((err as AzsError).code).toBe('IntegrityFailed');
    expect((err as AzsError).message).toContain(String(MAX_FRAME_CONTENT));
  });

  it('refuses a stored frame whose blocks do not add up to its declared size', async () => {
    const frame = Buffer.from(rawFrame(randomBytes(1000)));
    frame.writeUInt16LE(1000 - 256 + 1, 5); // Frame_Content_Size now says 1001
    const err = await collect(fromBuffer(frame).pipe(createDecompressStream())).catch((e: unknown) => e);
    expect((err as AzsError).code).toBe('IntegrityFailed');
  });

  it('hands its output to an async iterator piece by piece, as decoded, never joined', async () => {
    // Stored frames leave as views of their 128 KiB raw blocks, compressed ones as whole frames.
    const parts = [randomBytes(2 * DEFAULT_BLOCK), text(DEFAULT_BLOCK), randomBytes(DEFAULT_BLOCK)];
    const { out, stats } = await compress(Buffer.concat(parts));
    expect(stats.storedRawBlocks).toBe(3);
    const pieces: Buffer[] = [];
    await pipeline(fromBuffer(out, 1024 * 1024), createDecompressStream(), async (source: AsyncIterable<Buffer>) => {
      for await (const piece of source) {
        pieces.push(piece);
        // A slow consumer: pieces pile up behind it, which a byte-mode stream would join.
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    });
    expect(sha256(Buffer.concat(pieces))).toBe(sha256(Buffer.concat(parts)));
    // The one compressed frame whole; every other piece at most a raw block (split further where
    // a block straddles two input chunks), never the 2 MiB of a stored frame joined.
    expect(pieces.filter((p) => p.length > MAX_RAW_BLOCK).map((p) => p.length)).toEqual([DEFAULT_BLOCK]);
    expect(pieces.length).toBeGreaterThanOrEqual(1 + (3 * DEFAULT_BLOCK) / MAX_RAW_BLOCK);
  });

  it('keeps frame order with one, two and four frames decoding at once', async () => {
    const parts = Array.from({ length: 12 }, (_, i) => (i % 3 === 0 ? randomBytes(150_000 + i) : text(400_000 + i * 1000)));
    const { out } = await compress(Buffer.concat(parts), { blockSize: 256 * 1024 });
    for (const concurrency of [1, 2, 4]) {
      const back = await collect(fromBuffer(out, 65_552).pipe(createDecompressStream({ concurrency })));
      expect(sha256(back)).toBe(sha256(Buffer.concat(parts)));
    }
  });
});
