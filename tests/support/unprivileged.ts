import { chmod } from 'node:fs/promises';
import * as path from 'node:path';

const NOBODY = 65534;

/**
 * Runs `fn` with this process's effective ids set to nobody when it runs as root, so a test of
 * "permission denied" means the same as root as it does for an operator's service account: root
 * reads anything, and skipping such a test as root would leave it untested in CI. The folders from
 * `root` down to `dir` are opened to others first, so only the file under test is out of reach.
 */
export async function asUnprivileged<T>(root: string, dir: string, fn: () => Promise<T>): Promise<T> {
  if (process.getuid?.() !== 0 || !process.seteuid || !process.setegid) return fn();
  for (let d = dir; ; d = path.dirname(d)) {
    await chmod(d, 0o755);
    if (d === root || d === path.dirname(d)) break;
  }
  // glibc applies seteuid to every thread, libuv's pool included, so async fs calls see it too.
  process.setegid(NOBODY);
  process.seteuid(NOBODY);
  try {
    return await fn();
  } finally {
    process.seteuid(0);
    process.setegid(0);
  }
}
