/**
 * The demo's stage: a private Samba server on 127.0.0.1 (port 445 when it is free, as a file
 * server would use), a certificate pair, sample role data and a fresh state directory. Then
 * scripts/demo.ps1 runs in pwsh and shows the module as an operator types it. Everything is
 * stopped and removed at the end, whatever happened.
 */
import { spawn } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { makeTestCertificate } from '../tests/support/certs.js';
import { startSamba } from '../tests/support/samba.js';

const root = resolve(process.argv[2] ?? '.');

function portIsFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
  });
}

function writeSampleRoles(data: string): void {
  const files: Record<string, Record<string, string | Buffer>> = {
    KeyVault: { 'secrets/index.json': JSON.stringify({ vaults: ['ops', 'tenants'] }), 'secrets/blob.bin': Buffer.alloc(2 * 1024 * 1024, 7) },
    WAS: { 'db/subscriptions.mdf': Buffer.from(Array.from({ length: 300_000 }, (_, i) => i % 251)), 'logs/was.log': 'started\n'.repeat(20_000) },
  };
  for (const [role, entries] of Object.entries(files)) {
    for (const [name, content] of Object.entries(entries)) {
      const path = join(data, role, name);
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, content);
    }
  }
}

const work = mkdtempSync(join(tmpdir(), 'azsbackup-demo-'));
const port = process.getuid?.() === 0 && (await portIsFree(445)) ? 445 : undefined;
const samba = await startSamba({ port });
let code = 1;
try {
  // The operator's folder on the file server, as the seed's path scheme has it
  // (\\server\share\<external domain>\<region>), owned by the share's account.
  const owner = statSync(samba.shareDir);
  for (const dir of ['contoso.com', 'contoso.com/nyc']) {
    mkdirSync(join(samba.shareDir, dir));
    chownSync(join(samba.shareDir, dir), owner.uid, owner.gid);
  }
  const cert = makeTestCertificate(join(work, 'certs'), { name: 'AzsBackup demo' });
  writeSampleRoles(join(work, 'data'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AZSBACKUP_HOME: join(work, 'state'),
    DEMO_WORK: work,
    DEMO_SHARE: `${samba.uncPath}\\contoso.com\\nyc`,
    DEMO_USER: `CONTOSO\\${samba.userName.split('\\')[1]}`,
    DEMO_SHARE_PASSWORD: samba.password,
    DEMO_CER: cert.cerPath,
    DEMO_PFX: cert.pfxPath,
    DEMO_PFX_PASSWORD: cert.pfxPassword,
    DOTNET_ROLL_FORWARD: 'Major',
  };
  // Only a non-standard port needs telling; the engine reads it from the environment.
  if (samba.port !== 445) env.AZSBACKUP_SMB_PORT = String(samba.port);
  console.log(`Samba serves ${samba.uncPath} on 127.0.0.1:${samba.port}; work folder ${work}`);
  const pwsh = spawn(join(root, '.tools', 'pwsh', 'pwsh'), ['-NoLogo', '-NoProfile', '-File', join(root, 'scripts', 'demo.ps1')], {
    cwd: root,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  code = await new Promise<number>((done) => {
    pwsh.on('error', (err) => {
      console.error(`pwsh could not be started: ${err.message}`);
      done(127);
    });
    pwsh.on('close', (c) => done(c ?? 1));
  });
} finally {
  await samba.destroy();
  rmSync(work, { recursive: true, force: true });
}
process.exit(code);
