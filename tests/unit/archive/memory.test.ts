// Own file so the RSS numbers are not disturbed by the other archive tests (vitest runs each file
// in its own worker).
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { packDirectory, type PackSummary } from '../../../ts/archive/tar-writer.js';
import { listTar, type TarReadResult } from '../../../ts/archive/tar-reader.js';
import { createCompressStream } from '../../../ts/archive/zstd-compress.js';
import { createDecompressStream } from '../../../ts/archive/zstd-decompress.js';
import { removeDir, tempDir } from './helpers.js';

const MiB = 1024 * 1024;
// Growth allowed on top of the runtime: the engine starts at ~56 MB, and the whole process must
// stay under the 200 MB target (issue 3), so a stage may add at most ~130 MB including garbage.
const LIMIT = 128 * 1000 * 1000;

// A way to force collections without restarting the worker with --expose-gc.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

interface Growth {
  rss: number;
  arrayBuffers: number;
}

/**
 * Samples memory while `run` executes and returns the peak growth over the starting values.
 * With `collect`, garbage is collected before each sample, so the numbers are the live set;
 * without it they include dead Buffers V8 has not yet reclaimed (it lets up to about 64 MiB of
 * external memory pile up before an external-memory GC), which is what an operator sees.
 */
async function peakGrowth(run: () => Promise<void>, collect = false): Promise<Growth> {
  gc();
  const base = process.memoryUsage();
  const peak = { rss: base.rss, arrayBuffers: base.arrayBuffers };
  const sample = (): void => {
    if (collect) gc();
    const m = process.memoryUsage();
    peak.rss = Math.max(peak.rss, m.rss);
    peak.arrayBuffers = Math.max(peak.arrayBuffers, m.arrayBuffers);
  };
  const timer = setInterval(sample, collect ? 50 : 10);
  try {
    await run();
  } finally {
    clearInterval(timer);
  }
  sample();
  return { rss: peak.rss - base.rss, arrayBuffers: peak.arrayBuffers - base.arrayBuffers };
}

function mib(n: number): string {
  return `${(n / MiB).toFixed(1)} MiB`;
}

/**
 * Runs of 8 MiB random bytes and 8 MiB text: both kinds of block appear. The source reuses a
 * few buffers so the numbers measure the pipeline, not the generator's own garbage.
 */
function generated(total: number, inputHash: ReturnType<typeof createHash>): Readable {
  const line = Buffer.from('2025-01-01T00:00:00Z KeyVault backup volume chunk written to the share\n');
  const textBlock = Buffer.alloc(MiB);
  for (let i = 0; i < MiB; i += line.length) line.copy(textBlock, i);
  // 16 distinct random MiBs: no compressor block sees the same random bytes twice.
  const random = Array.from({ length: 16 }, () => randomBytes(MiB));
  let produced = 0;
  let n = 0;
  return new Readable({
    read() {
      if (produced >= total) {
        this.push(null);
        return;
      }
      const i = n++;
      const chunk = Math.floor(i / 8) % 2 === 0 ? random[i % 16]! : textBlock;
      produced += chunk.length;
      inputHash.update(chunk);
      this.push(chunk);
    },
  });
}

let work: string;
beforeEach(async () => {
  work = await tempDir('mem');
});
afterEach(async () => {
  await removeDir(work);
});

async function roundTrip(total: number, collect: boolean): Promise<Growth> {
  const inHash = createHash('sha256');
  const outHash = createHash('sha256');
  let outBytes = 0;
  const compressor = createCompressStream();
  const growth = await peakGrowth(async () => {
    await pipeline(
      generated(total, inHash),
      compressor,
      createDecompressStream(),
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          outBytes += chunk.length;
          outHash.update(chunk);
          cb();
        },
      }),
    );
  }, collect);
  expect(outBytes).toBe(total);
  expect(outHash.digest('hex')).toBe(inHash.digest('hex'));
  expect(compressor.stats.storedRawBlocks).toBe(compressor.stats.blocks / 2);
  return growth;
}

it('pushes 512 MiB through compress and decompress with bounded memory', { timeout: 180_000 }, async () => {
  const growth = await roundTrip(512 * MiB, false);
  console.log(`compress+decompress 512 MiB: peak growth RSS ${mib(growth.rss)}, Buffers ${mib(growth.arrayBuffers)}`);
  expect(growth.rss).toBeLessThan(LIMIT);
});

it('keeps the live set of the pipeline small and independent of the data size', { timeout: 180_000 }, async () => {
  const small = await roundTrip(128 * MiB, true);
  const large = await roundTrip(512 * MiB, true);
  console.log(`live Buffers at peak: 128 MiB run ${mib(small.arrayBuffers)}, 512 MiB run ${mib(large.arrayBuffers)}`);
  // The same bound for four times the data: memory follows block size and concurrency only
  // (compressor: up to 4 blocks of 2 MiB and their outputs, plus spares; decoder: up to 3 whole
  // frames and their 2 MiB outputs; the rest is V8 sweeping behind a fast producer).
  expect(small.arrayBuffers).toBeLessThan(64 * MiB);
  expect(large.arrayBuffers).toBeLessThan(64 * MiB);
});

it('archives, compresses, decompresses and verifies a 1 GiB file with bounded memory', { timeout: 180_000 }, async () => {
  const src = path.join(work, 'role');
  await mkdir(src);
  // Sparse: reads as zeros without costing disk or time to create.
  await writeFile(path.join(src, 'big.vhd'), '');
  await truncate(path.join(src, 'big.vhd'), 1024 * MiB);
  await writeFile(path.join(src, 'small.txt'), 'small');
  let summary: PackSummary | undefined;
  let listed: TarReadResult | undefined;
  const growth = await peakGrowth(async () => {
    const { stream, done } = packDirectory(src);
    const decoded = stream.pipe(createCompressStream()).pipe(createDecompressStream());
    [listed, summary] = await Promise.all([listTar(decoded), done]);
  });
  expect(listed!.files.map((f) => f.sha256)).toEqual(summary!.files.map((f) => f.sha256));
  expect(summary!.bytes).toBe(1024 * MiB + 5);
  console.log(`tar+compress+decompress+verify 1 GiB: peak growth RSS ${mib(growth.rss)}, Buffers ${mib(growth.arrayBuffers)}`);
  expect(growth.rss).toBeLessThan(LIMIT);
});
