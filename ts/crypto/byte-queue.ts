/**
 * A FIFO of incoming buffers that hands out exact-length slices, so the streams can work in
 * fixed-size chunks without concatenating everything they have been given (memory stays at
 * about one chunk plus whatever the last write brought).
 */
export class ByteQueue {
  private parts: Buffer[] = [];
  private total = 0;

  get length(): number {
    return this.total;
  }

  push(data: Buffer): void {
    if (data.length === 0) return;
    this.parts.push(data);
    this.total += data.length;
  }

  /** Removes and returns the first `n` bytes; the caller has checked `length >= n`. */
  take(n: number): Buffer {
    if (n > this.total) throw new RangeError(`ByteQueue.take(${n}) with only ${this.total} bytes`);
    const first = this.parts[0];
    if (first !== undefined && first.length >= n) {
      // Common case: one part satisfies the request, so slice without copying.
      const out = first.subarray(0, n);
      if (first.length === n) this.parts.shift();
      else this.parts[0] = first.subarray(n);
      this.total -= n;
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const part = this.parts[0]!;
      const used = Math.min(part.length, n - filled);
      part.copy(out, filled, 0, used);
      filled += used;
      if (used === part.length) this.parts.shift();
      else this.parts[0] = part.subarray(used);
    }
    this.total -= n;
    return out;
  }

  /** Removes the first `n` bytes and returns them as views of the pushed buffers (no copy). */
  takeParts(n: number): Buffer[] {
    if (n > this.total) throw new RangeError(`ByteQueue.takeParts(${n}) with only ${this.total} bytes`);
    const out: Buffer[] = [];
    let left = n;
    while (left > 0) {
      const part = this.parts[0]!;
      if (part.length <= left) {
        out.push(part);
        this.parts.shift();
        left -= part.length;
      } else {
        out.push(part.subarray(0, left));
        this.parts[0] = part.subarray(left);
        left = 0;
      }
    }
    this.total -= n;
    return out;
  }

  /** The first `n` bytes without removing them. */
  peek(n: number): Buffer {
    const first = this.parts[0];
    if (first !== undefined && first.length >= n) return first.subarray(0, n);
    const all = Buffer.concat(this.parts, this.total);
    this.parts = all.length === 0 ? [] : [all];
    return all.subarray(0, n);
  }
}
