import { lstatSync, readdirSync, type Dirent } from 'node:fs';
import { join } from 'node:path';

/**
 * Bytes, files and path bytes under a directory, without following links: sizes the staging check.
 * Synchronous on purpose: it runs before the pipeline starts, when nothing else waits on the
 * event loop, and an awaited lstat per file costs a thread-pool round trip each (seconds on a
 * tree of tens of thousands of files). Entry types come with the listing, so only regular files
 * cost an lstat (for their size).
 */
export function measureTree(root: string): { bytes: number; files: number; pathBytes: number } {
  let bytes = 0;
  let files = 0;
  // UTF-8 bytes of the files' paths below root: most of a manifest line, which the staging
  // cache holds for every file (twice at the end, as the lines and as the sealed manifest).
  let pathBytes = 0;
  const skip = root.length + 1;
  const pending = [root];
  while (pending.length > 0) {
    const dir = pending.pop()!;
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue; // unreadable parts are reported by the archive stage, not here
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) pending.push(path);
      else if (entry.isFile()) {
        // undefined: vanished between readdir and lstat
        const st = lstatSync(path, { throwIfNoEntry: false });
        if (st?.isFile()) {
          bytes += st.size;
          files++;
          pathBytes += Buffer.byteLength(path) - skip;
        }
      }
    }
  }
  return { bytes, files, pathBytes };
}
