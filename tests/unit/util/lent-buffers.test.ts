import { describe, expect, it } from 'vitest';
import { BufferPool, handBack } from '../../../ts/util/lent-buffers.js';

describe('buffers on loan', () => {
  it('lends the memory handed back again, and fresh memory while none is back', () => {
    const pool = new BufferPool(1024, 2);
    const first = pool.lend(1000);
    const second = pool.lend(10);
    expect(first.length).toBe(1000);
    expect(second.length).toBe(10);
    expect(second.buffer).not.toBe(first.buffer);
    handBack(first);
    expect(pool.idle).toBe(1);
    const third = pool.lend(1024);
    expect(third.buffer).toBe(first.buffer);
    expect(third.length).toBe(1024);
    expect(pool.idle).toBe(0);
  });

  it('takes a loan back once: a second handBack of the same chunk, or of a view of it, does nothing', () => {
    const pool = new BufferPool(256, 4);
    const chunk = pool.lend(256);
    handBack(chunk.subarray(10, 20));
    handBack(chunk);
    expect(pool.idle).toBe(1);
    // Lent again, it can come back again.
    handBack(pool.lend(5));
    expect(pool.idle).toBe(1);
  });

  it('leaves memory no pool lent alone, including slices of the shared Buffer pool', () => {
    const pool = new BufferPool(64, 4);
    handBack(Buffer.alloc(64));
    handBack(Buffer.allocUnsafe(64));
    handBack(Buffer.from('not lent'));
    expect(pool.idle).toBe(0);
  });

  it('keeps no more than it was told to; the rest is left to the collector', () => {
    const pool = new BufferPool(128, 2);
    const loans = [pool.lend(128), pool.lend(128), pool.lend(128)];
    for (const loan of loans) handBack(loan);
    expect(pool.idle).toBe(2);
  });

  it('refuses a loan larger than its buffers', () => {
    expect(() => new BufferPool(100, 1).lend(101)).toThrow(RangeError);
  });
});
