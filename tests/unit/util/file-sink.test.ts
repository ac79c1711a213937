import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { HashingFileSink } from '../../../ts/util/file-sink.js';
import { scratchDirSync } from '../../support/scratch.js';

const dir = scratchDirSync('azsb-file-sink-');
const openFds = () => readdirSync('/proc/self/fd').length;

describe('HashingFileSink', () => {
  it('writes every byte in order and reports the size and SHA-256 of what it wrote', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 12345);
    const path = join(dir, 'whole.bin');
    const sink = new HashingFileSink(path);
    // Cut into uneven pieces, as the encryptor hands them over.
    const pieces = [];
    for (let at = 0; at < data.length; ) {
      const len = Math.min(data.length - at, 1 + ((at * 7919) % 70000));
      pieces.push(data.subarray(at, at + len));
      at += len;
    }
    await pipeline(Readable.from(pieces), sink);
    expect(readFileSync(path).equals(data)).toBe(true);
    expect(sink.digest()).toEqual({ size: data.length, sha256: createHash('sha256').update(data).digest('hex') });
    if (process.platform !== 'win32') expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('gathers chunks and writes them a batch at a time', async () => {
    const path = join(dir, 'batched.bin');
    const sink = new HashingFileSink(path, 1000);
    await new Promise((resolve) => setImmediate(resolve)); // opened (_construct)
    sink.write(Buffer.alloc(400, 1));
    sink.write(Buffer.alloc(400, 2));
    // Below the batch size nothing is written yet ...
    expect(statSync(path).size).toBe(0);
    sink.write(Buffer.alloc(400, 3));
    // ... and the chunk that reaches it writes all three at once.
    expect(statSync(path).size).toBe(1200);
    sink.end(Buffer.alloc(10, 4));
    await new Promise<void>((resolve) => sink.once('finish', resolve));
    expect(statSync(path).size).toBe(1210);
  });

  it('refuses a file that exists and leaves it as it was', async () => {
    const path = join(dir, 'taken.bin');
    writeFileSync(path, 'keep me');
    const sink = new HashingFileSink(path);
    await expect(pipeline(Readable.from([Buffer.from('other')]), sink)).rejects.toMatchObject({ code: 'EEXIST' });
    expect(readFileSync(path, 'utf8')).toBe('keep me');
    expect(() => sink.digest()).toThrow(/not finished/);
  });

  it('closes its file when the stream fails part way', async () => {
    const before = openFds();
    const sink = new HashingFileSink(join(dir, 'failed.bin'));
    const source = Readable.from(
      (async function* () {
        yield Buffer.alloc(2 * 1024 * 1024, 7);
        throw new Error('source broke');
      })(),
    );
    await expect(pipeline(source, sink)).rejects.toThrow('source broke');
    expect(openFds()).toBe(before);
  });
});
