import { type AzsError, toAzsError } from '../errors.js';
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
 * Several small files, in one round trip where the target can: each maps to its content, to null
 * when the target reports it does not exist, or to the error that kept it from being read. The
 * fallback never guesses "does not exist" from an error (callers decide from a null that a backup
 * is incomplete, and a guess there could cost a good backup): it reports the error itself.
 */
export async function readFiles(target: StorageTarget, relPaths: readonly string[]): Promise<Map<string, Buffer | null | AzsError>> {
  if (relPaths.length === 0) return new Map();
  if (target.readFiles) return target.readFiles(relPaths);
  const out = new Map<string, Buffer | null | AzsError>();
  for (const rel of relPaths) {
    try {
      out.set(rel, await target.readFile(rel));
    } catch (err) {
      out.set(rel, toAzsError(err));
    }
  }
  return out;
}
