import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, lchownSync, lstatSync, lutimesSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** A small mixed role tree: text, random binary, logs, nested folders, an empty file. */
export function makeRoleTree(root: string, randomMiB = 2): void {
  const files: Record<string, string | Buffer> = {
    'config/settings.json': JSON.stringify({ name: root, values: Array.from({ length: 200 }, (_, i) => i) }),
    'db/data.bin': randomBytes(randomMiB * 1024 * 1024),
    'db/index.bin': randomBytes(12_345),
    'logs/service.log': Array.from({ length: 5000 }, (_, i) => `2026-11-22T00:00:${i % 60} INFO line ${i}\n`).join(''),
    'deep/a/b/c/d/e/f/g/a-name-that-is-rather-long-to-exercise-pax-headers-in-the-archive-format-xxxxxxxxxx.txt': 'deep',
    'empty.txt': '',
  };
  for (const [name, content] of Object.entries(files)) {
    const path = join(root, name);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, content);
  }
}

/** Path → SHA-256 of every file under root, for byte-identity checks. */
export function treeDigest(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else out[relative(root, path)] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  };
  walk(root);
  return out;
}

/**
 * A role tree whose metadata a restore must give back: folder modes (the top one 0755, others
 * unusual), file modes, owners (a named account, and ids with no name on this host), times,
 * symlinks (relative, absolute, dangling) and empty folders. Owners need root to set.
 */
export function makeFidelityTree(root: string): void {
  mkdirSync(join(root, 'private', 'empty-inside'), { recursive: true });
  mkdirSync(join(root, 'shared', 'empty'), { recursive: true });
  writeFileSync(join(root, 'private', 'secret.key'), 'k');
  writeFileSync(join(root, 'shared', 'readme.txt'), 'hello');
  writeFileSync(join(root, 'shared', 'run.sh'), '#!/bin/sh\n');
  symlinkSync('readme.txt', join(root, 'shared', 'link-relative'));
  symlinkSync('/nonexistent/target', join(root, 'shared', 'link-dangling'));
  chmodSync(join(root, 'private', 'secret.key'), 0o600);
  chmodSync(join(root, 'shared', 'run.sh'), 0o750);
  chmodSync(join(root, 'shared', 'readme.txt'), 0o644);
  chmodSync(join(root, 'private', 'empty-inside'), 0o711);
  chmodSync(join(root, 'private'), 0o750);
  chmodSync(join(root, 'shared', 'empty'), 0o775);
  chmodSync(join(root, 'shared'), 0o755);
  chmodSync(root, 0o755);
  if (process.getuid?.() === 0) {
    // 65534 is nobody/nogroup on Debian; 4242/4343 have no names here, so ids must carry them.
    lchownSync(join(root, 'private', 'secret.key'), 4242, 4343);
    lchownSync(join(root, 'private'), 4242, 4343);
    lchownSync(join(root, 'shared', 'readme.txt'), 65534, 65534);
    lchownSync(join(root, 'shared', 'link-relative'), 65534, 4343);
    lchownSync(join(root, 'shared', 'empty'), 4242, 65534);
    lchownSync(root, 65534, 65534);
  }
  // Times last, deepest first, so creating children does not move a folder's mtime again.
  const when = (n: number) => new Date(Date.UTC(2021, 0, 1 + n, 12, 0, 0, 250));
  const paths = ['private/secret.key', 'shared/readme.txt', 'shared/run.sh', 'private/empty-inside', 'shared/empty', 'private', 'shared', '.'];
  paths.forEach((p, i) => utimesSync(join(root, p), when(i), when(i)));
  lutimesSync(join(root, 'shared', 'link-relative'), when(20), when(20));
  // Whole milliseconds everywhere: restore keeps times to the millisecond, as treeMeta compares.
  lutimesSync(join(root, 'shared', 'link-dangling'), when(21), when(21));
}

/** Every entry under root (root itself as '.') with the metadata a restore must keep. */
export function treeMeta(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const describe = (rel: string, path: string): void => {
    const st = lstatSync(path);
    const kind = st.isSymbolicLink() ? `link->${readlinkSync(path)}` : st.isDirectory() ? 'dir' : `file:${st.size}`;
    out[rel] = `${kind} mode=${(st.mode & 0o7777).toString(8)} owner=${st.uid}:${st.gid} mtime=${Math.floor(st.mtimeMs)}`;
    if (st.isDirectory()) for (const name of readdirSync(path).sort()) describe(rel === '.' ? name : `${rel}/${name}`, join(path, name));
  };
  describe('.', root);
  return out;
}
