// The main job on an embedded default, no SMB server needed: a local folder as the backup
// location, a freshly made certificate and a small sample data set. Prints every step.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const os = { linux: 'linux', win32: 'win', darwin: 'darwin' }[process.platform] ?? process.platform;
const bin = join(process.cwd(), 'binaries', `${os}-${process.arch}`, 'azsbackup');
const work = mkdtempSync(join(tmpdir(), 'azsbackup-demo-'));
const home = join(work, 'state');
const share = join(work, 'share');
const data = join(work, 'data');
const env = { ...process.env, AZSBACKUP_HOME: home };

function step(title, args, secrets) {
  console.log(`\n$ azsbackup ${args.join(' ')}${secrets ? '   (secrets on stdin)' : ''}`);
  const out = execFileSync(bin, ['--text', ...args, ...(secrets ? ['--secrets-stdin'] : [])], {
    env,
    encoding: 'utf8',
    input: secrets ? JSON.stringify(secrets) : '',
  });
  console.log(out.trimEnd());
  return out;
}

// Sample roles: a few text files, a database-like binary file, logs.
for (const [role, files] of Object.entries({
  KeyVault: { 'secrets/index.json': JSON.stringify({ vaults: ['ops', 'tenants'] }), 'secrets/blob.bin': Buffer.alloc(2 * 1024 * 1024, 7) },
  WAS: { 'db/subscriptions.mdf': Buffer.from(Array.from({ length: 300_000 }, (_, i) => i % 251)), 'logs/was.log': 'started\n'.repeat(20_000) },
})) {
  for (const [name, content] of Object.entries(files)) {
    const path = join(data, role, name);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, content);
  }
}

// A self-signed RSA 2048 certificate: the public .cer configures backups, the .pfx restores them.
const pfxPassword = 'demo-Pfx-Passw0rd';
execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(work, 'key.pem'), '-out', join(work, 'cert.pem'), '-days', '365', '-subj', '/CN=AzsBackup demo', '-addext', 'extendedKeyUsage=clientAuth'], { stdio: 'ignore' });
execFileSync('openssl', ['x509', '-in', join(work, 'cert.pem'), '-outform', 'DER', '-out', join(work, 'backup.cer')]);
execFileSync('openssl', ['pkcs12', '-export', '-in', join(work, 'cert.pem'), '-inkey', join(work, 'key.pem'), '-out', join(work, 'backup.pfx'), '-passout', 'env:DEMO_PFX'], { env: { ...process.env, DEMO_PFX: pfxPassword } });

console.log(`work folder: ${work}`);
mkdirSync(share);
step('configure', ['config', 'set', '--path', share, '--encryption-cert', join(work, 'backup.cer'), '--frequency', '6', '--retention', '7']);
step('roles', ['role', 'add', '--name', 'KeyVault', '--path', join(data, 'KeyVault')]);
step('roles', ['role', 'add', '--name', 'WAS', '--path', join(data, 'WAS')]);
step('backup', ['backup', 'start']);
const list = step('list', ['backup', 'list']);
const id = /BackupId\s+: (\S+)/.exec(list)[1];
step('verify', ['backup', 'verify', id, '--pfx', join(work, 'backup.pfx')], { pfxPassword });
const restored = join(work, 'restored');
step('restore', ['restore', id, '--pfx', join(work, 'backup.pfx'), '--destination', restored], { pfxPassword });

function digest(root) {
  const out = {};
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(root, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(root);
  return JSON.stringify(out, Object.keys(out).sort());
}
const same = ['KeyVault', 'WAS'].every((r) => digest(join(data, r)) === digest(join(restored, r)));
console.log(`\nrestored data ${same ? 'is byte-identical to' : 'DIFFERS from'} the original`);
step('status', ['status']);
process.exit(same ? 0 : 1);
