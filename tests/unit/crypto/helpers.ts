import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Transform } from 'node:stream';
import { AzsError } from '../../../ts/errors.js';

/** Deterministic bytes: SHA-256 in counter mode over a label, for reproducible "random" input. */
export function pseudoRandomBytes(label: string, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let block = 0, off = 0; off < length; block++, off += 32) {
    createHash('sha256').update(`${label}:${block}`).digest().copy(out, off);
  }
  return out;
}

/** A RandomSource that replays fixed bytes in order, failing loudly if asked for more. */
export function replayRandom(...parts: Buffer[]): (n: number) => Buffer {
  let pool = Buffer.concat(parts);
  return (n) => {
    if (n > pool.length) throw new Error(`replayRandom exhausted (wanted ${n})`);
    const out = Buffer.from(pool.subarray(0, n));
    pool = pool.subarray(n);
    return out;
  };
}

/** Runs bytes through a transform, feeding them in pieces of the given size to exercise buffering. */
export async function run(stream: Transform, input: Buffer, pieceSize = 50_000): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for (let i = 0; i < input.length; i += pieceSize) pieces.push(input.subarray(i, i + pieceSize));
  const out: Buffer[] = [];
  stream.on('data', (d: Buffer) => out.push(d));
  await pipeline(Readable.from(pieces), stream);
  return Buffer.concat(out);
}

/** The AzsError code a promise rejects with; fails the test if it resolves or throws something else. */
export async function errorCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof AzsError) return err.code;
    throw err;
  }
  throw new Error('expected a failure, but it succeeded');
}
