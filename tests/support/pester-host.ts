import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { makeTestCertificate } from './certs.js';
import { startSamba } from './samba.js';

/**
 * Hosts the Pester run: a real smbd and real certificates for tests/pester/Behaviour.Tests.ps1,
 * handed over in the environment variables that suite documents, then pwsh with the repo-local
 * Pester. Prints Pester's output, whose last line is "PESTER: N passed, N failed".
 */
const root = resolve(process.argv[2] ?? '.');
const samba = await startSamba();
let code = 1;
try {
  const work = mkdtempSync(join(tmpdir(), 'azsb-pester-'));
  const cert = makeTestCertificate(join(work, 'cert'));
  const other = makeTestCertificate(join(work, 'other'), { name: 'Another certificate' });
  const env = {
    ...process.env,
    ...samba.env,
    AZSB_TEST_UNC: samba.uncPath,
    // The share's folder on this host, for tests that plant files on the share behind the engine.
    AZSB_TEST_SHARE_DIR: samba.shareDir,
    AZSB_TEST_USER: samba.userName,
    AZSB_TEST_PASSWORD: samba.password,
    AZSB_TEST_CERT_CER: cert.cerPath,
    AZSB_TEST_CERT_PFX: cert.pfxPath,
    AZSB_TEST_PFX_PASSWORD: cert.pfxPassword,
    AZSB_TEST_OTHER_PFX: other.pfxPath,
    // No suite may touch this machine's real state directory, not even by accident.
    AZSBACKUP_HOME: join(work, 'home'),
    AZSB_PESTER_PATH: join(root, '.tools', 'pester'),
    AZSB_PESTER_RESULT: join(root, '.cache', 'pester-results.xml'),
    DOTNET_ROLL_FORWARD: 'Major',
  };
  const pwsh = spawn(join(root, '.tools', 'pwsh', 'pwsh'), ['-NoLogo', '-NoProfile', '-NonInteractive', '-File', join(root, 'tests', 'pester', 'Invoke-Pester.ps1')], {
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  code = await new Promise<number>((done) => {
    pwsh.on('error', (err) => {
      process.stderr.write(`pwsh could not be started: ${err.message}\n`);
      done(127);
    });
    pwsh.on('close', (c) => done(c ?? 1));
  });
} finally {
  await samba.destroy();
}
process.exit(code);
