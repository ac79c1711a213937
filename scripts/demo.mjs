// Walks the engine through its job on a throw-away state directory and prints what it did.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = join(process.cwd(), 'binaries', `${process.platform === 'win32' ? 'win' : process.platform}-${process.arch}`, 'azsbackup');
const home = mkdtempSync(join(tmpdir(), 'azsbackup-demo-'));
const env = { ...process.env, AZSBACKUP_HOME: home };
const azs = (...args) => execFileSync(bin, ['--text', ...args], { env, encoding: 'utf8' });

console.log(`state directory: ${home}\n`);
console.log('$ azsbackup config get');
console.log(azs('config', 'get'));
