// scripts/test calls this when PowerShell and Pester are installed: bundles the TypeScript host
// (Samba harness, certificates) with esbuild, then runs it on the pinned Node.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
// Inside the repository, so the bundle's imports of node_modules packages resolve.
mkdirSync(join(root, '.cache'), { recursive: true });
const out = join(root, '.cache', 'pester-host.mjs');
await build({
  entryPoints: [join(root, 'tests', 'support', 'pester-host.ts')],
  outfile: out,
  bundle: true,
  platform: 'node',
  format: 'esm',
  packages: 'external',
  logLevel: 'warning',
});
try {
  execFileSync(process.execPath, [out, root], { stdio: 'inherit', cwd: root });
} catch {
  process.exitCode = 1;
}
