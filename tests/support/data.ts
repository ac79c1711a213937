import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
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
