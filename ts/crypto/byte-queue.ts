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

  /**
   * Removes and returns the first `n` bytes; the caller has checked `length >= n`. A slice of
   * one pushed buffer when it holds them all (the common case), otherwise a copy.
   */
  take(n: number): Buffer {
    const parts = this.takeParts(n);
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, n);
  }

  /** Removes the first `n` bytes and returns them as views of the pushed buffers (no copy). */
  takeParts(n: number): Buffer[] {
    if (n > this.total) throw new RangeError(`ByteQueue: ${n} bytes asked for, only ${this.total} held`);
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
