/**
 * Runs one code block from the README or docs/ exactly as written, inside private mount and
 * network namespaces made by `unshare --mount --net` (tests/integration/docs.test.ts starts it):
 *   - `fileserver` and `fileserver.contoso.com` resolve to 127.0.0.1 through a private /etc/hosts,
 *     where a real smbd listens on port 445 with the share `backups` and the account
 *     `CONTOSO\backupuser`, so a UNC path typed as in the docs reaches a real server;
 *   - /srv, /usr/local/bin, /etc/systemd/system and /var/lib/azsbackup are empty tmpfs folders, so
 *     the block installs, configures and writes there as on a fresh machine, and nothing leaks out;
 *   - /srv/certs holds AzSIBCCert.cer/.pfx, /srv/keyvault a small role; SHARE_PASSWORD and
 *     PFX_PASSWORD are in the environment ($securePassword and $pfxPassword in PowerShell);
 *   - the engine is on PATH as /usr/local/bin/azsbackup, and blocks run from the repository.
 * Prints the block's output, then one line `SANDBOX-EXIT <code>`.
 */
import { spawnSync } from 'node:child_process';
import { chownSync, copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTestCertificate } from '../support/certs.js';
import { startSamba } from '../support/samba.js';

const [repoRoot, blockFile] = process.argv.slice(2) as [string, string];
const block = JSON.parse(readFileSync(blockFile, 'utf8')) as { lang: string; code: string; work: string };
const work = block.work;

function must(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.error?.message}`);
}

must('ip', ['link', 'set', 'lo', 'up']);
for (const dir of ['/srv', '/usr/local/bin', '/etc/systemd/system', '/var/lib/azsbackup']) {
  mkdirSync(dir, { recursive: true });
  must('mount', ['-t', 'tmpfs', '-o', 'mode=0755', 'tmpfs', dir]);
}
writeFileSync(join(work, 'hosts'), '127.0.0.1 localhost fileserver fileserver.contoso.com\n::1 localhost\n');
must('mount', ['--bind', join(work, 'hosts'), '/etc/hosts']);

const sharePassword = 'Share-Passw0rd-for-docs';
const samba = await startSamba({ port: 445, user: 'backupuser', password: sharePassword });
let code = 1;
try {
  const owner = statSync(samba.shareDir);
  for (const dir of ['contoso.com', 'contoso.com/nyc']) {
    mkdirSync(join(samba.shareDir, dir));
    chownSync(join(samba.shareDir, dir), owner.uid, owner.gid);
  }
  const cert = makeTestCertificate(join(work, 'cert'), { name: 'AzsBackup docs' });
  mkdirSync('/srv/certs');
  copyFileSync(cert.cerPath, '/srv/certs/AzSIBCCert.cer');
  copyFileSync(cert.pfxPath, '/srv/certs/AzSIBCCert.pfx');
  mkdirSync('/srv/keyvault/secrets', { recursive: true });
  writeFileSync('/srv/keyvault/secrets/index.json', '{"vaults":["ops"]}\n');
  writeFileSync('/srv/keyvault/secrets/blob.bin', Buffer.alloc(300_000, 7));

  // The engine as an operator has it, on PATH; blocks run from the repository.
  copyFileSync(join(repoRoot, 'binaries', 'linux-x64', 'azsbackup'), '/usr/local/bin/azsbackup');
  must('chmod', ['0755', '/usr/local/bin/azsbackup']);

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `/usr/local/bin:${process.env.PATH ?? '/usr/bin:/bin'}`,
    SHARE_PASSWORD: sharePassword,
    PFX_PASSWORD: cert.pfxPassword,
    DOTNET_ROLL_FORWARD: 'Major',
  };
  delete env.AZSBACKUP_HOME;
  delete env.AZSBACKUP_SMB_PORT;
  let result;
  if (block.lang === 'powershell') {
    const prelude = [
      "$ErrorActionPreference = 'Stop'",
      '$securePassword = ConvertTo-SecureString $env:SHARE_PASSWORD -AsPlainText -Force',
      '$pfxPassword = ConvertTo-SecureString $env:PFX_PASSWORD -AsPlainText -Force',
    ].join('\n');
    const script = join(work, 'block.ps1');
    writeFileSync(script, `${prelude}\n${block.code}\n`);
    result = spawnSync(join(repoRoot, '.tools', 'pwsh', 'pwsh'), ['-NoLogo', '-NoProfile', '-NonInteractive', '-File', script], { cwd: repoRoot, env, encoding: 'utf8' });
  } else {
    const script = join(work, 'block.sh');
    writeFileSync(script, `set -euo pipefail\n${block.code}\n`);
    result = spawnSync('bash', [script], { cwd: repoRoot, env, encoding: 'utf8' });
  }
  process.stdout.write(result.stdout ?? '');
  process.stdout.write(result.stderr ?? '');
  code = result.status ?? 1;
  // A unit file a block wrote must be one systemd accepts.
  const unit = '/etc/systemd/system/azsbackup.service';
  if (code === 0 && existsSync(unit)) {
    const verify = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
    const ours = `${verify.stdout}${verify.stderr}`.split('\n').filter((l) => l.includes('azsbackup.service'));
    if (verify.status !== 0 || ours.length > 0) {
      process.stdout.write(`systemd-analyze verify ${unit} refused it:\n${ours.join('\n')}\n`);
      code = 1;
    } else {
      process.stdout.write(`systemd-analyze verify ${unit}: ok\n`);
    }
  }
} catch (err) {
  process.stdout.write(`sandbox failed: ${(err as Error).stack}\n`);
} finally {
  await samba.destroy();
}
process.stdout.write(`SANDBOX-EXIT ${code}\n`);
process.exit(0);
