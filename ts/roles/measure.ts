import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Bytes and files under a directory, without following links: sizes the staging check.
 * Synchronous on purpose: it runs before the pipeline starts, when nothing else waits on the
 * event loop, and an awaited lstat per file costs a thread-pool round trip each (seconds on a
 * tree of tens of thousands of files).
 */
export function measureTree(root: string): { bytes: number; files: number } {
  let bytes = 0;
  let files = 0;
  const pending = [root];
  while (pending.length > 0) {
    const dir = pending.pop()!;
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue; // unreadable parts are reported by the archive stage, not here
    }
    for (const name of names) {
      const path = join(dir, name);
      try {
        const st = lstatSync(path);
        if (st.isDirectory()) pending.push(path);
        else if (st.isFile()) {
          bytes += st.size;
          files++;
        }
      } catch {
        // vanished between readdir and lstat
      }
    }
  }
  return { bytes, files };
}
