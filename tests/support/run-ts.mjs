// Runs a TypeScript host script (the Pester host, the demo) on the pinned Node: esbuild bundles it
// with its imports of tests/support, and node runs the bundle. Used by scripts, not by vitest.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Bundles `entry` (relative to the repository) and runs it with `args`; returns its exit code. */
export async function runTypeScript(entry, args = []) {
  // Inside the repository, so the bundle's imports of node_modules packages resolve.
  mkdirSync(join(repoRoot, '.cache'), { recursive: true });
  const out = join(repoRoot, '.cache', `${basename(entry, '.ts')}.mjs`);
  await build({
    entryPoints: [join(repoRoot, entry)],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'warning',
  });
  try {
    execFileSync(process.execPath, [out, ...args], { stdio: 'inherit', cwd: repoRoot });
    return 0;
  } catch (err) {
    return typeof err.status === 'number' ? err.status : 1;
  }
}
