import type { RemoteTree, StorageTarget } from './target.js';

/** The folder and every folder below it, in one round trip where the target can. */
export async function listTree(target: StorageTarget, relPath: string): Promise<RemoteTree> {
  if (target.listTree) return target.listTree(relPath);
  const tree: RemoteTree = new Map();
  const walk = async (rel: string): Promise<void> => {
    const entries = await target.list([relPath, rel].filter((p) => p !== '').join('/'));
    if (rel === '' && entries.length === 0) return;
    tree.set(rel, entries);
    for (const e of entries) if (e.isDirectory) await walk(rel === '' ? e.name : `${rel}/${e.name}`);
  };
  await walk('');
  return tree;
}

/**
 * Several small files, in one round trip where the target can. A target with its own readFiles
 * maps a file it reports as not found to null; the fallback never does, and rejects on any
 * failure instead: callers read files a listing has just shown, and decide from a null that a file
 * is absent (an incomplete backup), where a guess could cost a good backup.
 */
export async function readFiles(target: StorageTarget, relPaths: readonly string[]): Promise<Map<string, Buffer | null>> {
  if (relPaths.length === 0) return new Map();
  if (target.readFiles) return target.readFiles(relPaths);
  const out = new Map<string, Buffer | null>();
  for (const rel of relPaths) out.set(rel, await target.readFile(rel));
  return out;
}
