import { writeSync, writev as fsWritev, writevSync } from 'node:fs';

/** What is left of `pieces` once `written` bytes of them are on disk. */
export function unwritten(pieces: Buffer[], written: number): Buffer[] {
  let skip = written;
  let i = 0;
  while (i < pieces.length && skip >= pieces[i]!.length) skip -= pieces[i++]!.length;
  const rest = pieces.slice(i);
  if (skip > 0) rest[0] = rest[0]!.subarray(skip);
  return rest;
}

/** Writes every piece, in order, however short the system's writes come back. */
export function writeAllSync(fd: number, pieces: Buffer[]): void {
  for (let rest = pieces; rest.length > 0; ) {
    rest = rest.length === 1 ? unwritten(rest, writeSync(fd, rest[0]!)) : unwritten(rest, writevSync(fd, rest));
  }
}

/** writeAllSync on the thread pool. */
export function writeAll(fd: number, pieces: Buffer[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const step = (rest: Buffer[]): void => {
      if (rest.length === 0) return resolve();
      fsWritev(fd, rest, null, (err, n) => (err ? reject(err) : step(unwritten(rest, n))));
    };
    step(pieces);
  });
}
