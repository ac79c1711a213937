import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Bytes and files under a directory, without following links: sizes the staging check. */
export async function measureTree(root: string): Promise<{ bytes: number; files: number }> {
  let bytes = 0;
  let files = 0;
  const pending = [root];
  while (pending.length > 0) {
    const dir = pending.pop()!;
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      continue; // unreadable parts are reported by the archive stage, not here
    }
    for (const name of names) {
      const path = join(dir, name);
      try {
        const st = await lstat(path);
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
