/**
 * Buffers a stream stage lends downstream and gets back from the stage that copies them out.
 *
 * A stage that puts every chunk into a fresh Buffer makes garbage as fast as the data flows, and
 * V8 frees an ArrayBuffer only when a collection finds its wrapper dead: during a backup tens of
 * megabytes of dead chunks waited for the next full collection, and peak RSS followed them. A
 * pool lends instead; the consumer that has copied a chunk into memory of its own, and keeps no
 * view of it, calls handBack(chunk) and the next chunk reuses that memory.
 *
 * Handing back is an ownership promise: nothing may read the chunk afterwards. A chunk that is
 * never handed back (an error, a consumer that keeps it) is ordinary garbage; the pool only
 * reuses what was returned, and a second handBack of the same loan does nothing.
 */

const onLoan = new WeakMap<ArrayBufferLike, BufferPool>();

export class BufferPool {
  private readonly free: Buffer[] = [];

  /**
   * @param size bytes in each buffer
   * @param keep returned buffers kept for reuse; more are left to the collector
   */
  constructor(
    readonly size: number,
    private readonly keep: number,
  ) {}

  /** `n` bytes (at most `size`) of a buffer on loan; the contents are whatever was there. */
  lend(n: number): Buffer {
    if (!(n >= 0 && n <= this.size)) throw new RangeError(`BufferPool: ${n} bytes asked for, buffers hold ${this.size}`);
    // allocUnsafeSlow: a buffer of its own, never a slice of Node's shared pool, so that the
    // ArrayBuffer identifies the loan.
    const buffer = this.free.pop() ?? Buffer.allocUnsafeSlow(this.size);
    onLoan.set(buffer.buffer, this);
    return buffer.subarray(0, n);
  }

  /** Buffers waiting to be lent again (for tests). */
  get idle(): number {
    return this.free.length;
  }

  /** @internal handBack's side. */
  receive(buffer: ArrayBufferLike): void {
    if (this.free.length < this.keep) this.free.push(Buffer.from(buffer, 0, this.size));
  }
}

/** Gives a chunk's memory back to the pool that lent it; a chunk no pool lent is left alone. */
export function handBack(chunk: Uint8Array): void {
  const pool = onLoan.get(chunk.buffer);
  if (pool === undefined) return;
  onLoan.delete(chunk.buffer);
  pool.receive(chunk.buffer);
}
