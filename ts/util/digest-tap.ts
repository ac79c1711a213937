import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';

export interface Digest {
  size: number;
  sha256: string;
}

/**
 * A pass-through that counts and hashes what flows by: how every file's stored size and SHA-256
 * are recorded on the way to the share, and checked on the way back. `check` runs at the end of
 * the stream and may fail it.
 */
export function digestTap(check?: (digest: Digest) => Error | null): Transform & { digest(): Digest } {
  const hash = createHash('sha256');
  let size = 0;
  let result: Digest | null = null;
  const finish = (): Digest => (result ??= { size, sha256: hash.digest('hex') });
  const tap = new Transform({
    transform(chunk: Buffer, _enc, callback) {
      hash.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
    flush(callback) {
      callback(check?.(finish()) ?? null);
    },
  });
  return Object.assign(tap, { digest: finish });
}
