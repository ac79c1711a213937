import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ContainerClient, ContainerSASPermissions, generateBlobSASQueryParameters, StorageSharedKeyCredential } from '@azure/storage-blob';
import { startAzurite, type AzuriteServer } from './azurite.js';
import { makeTestCertificate } from './certs.js';
import { startSamba } from './samba.js';

/**
 * Hosts the Pester run: a real smbd, a real Azurite blob service and real certificates for
 * tests/pester/Behaviour.Tests.ps1, handed over in the environment variables that suite
 * documents, then pwsh with the repo-local
 * Pester. Prints Pester's output, whose last line is "PESTER: N passed, N failed".
 */
const root = resolve(process.argv[2] ?? '.');
// A second share whose disk Samba reports as nearly full (1 MiB free of 2 MiB), so the capacity
// warning of Get-AzsBackupStatus can be seen against a real server. Samba only reports it; writes
// still succeed, as they would on a share that is about to fill up.
const dfree = join(mkdtempSync(join(tmpdir(), 'azsb-dfree-')), 'dfree');
writeFileSync(dfree, '#!/bin/sh\necho 2048 1024\n');
chmodSync(dfree, 0o755);
chmodSync(join(dfree, '..'), 0o755);
const samba = await startSamba({ extraShares: { tiny: { 'dfree command': dfree } } });
let azurite: AzuriteServer | null = null;
let code = 1;
let work: string | null = null;
try {
  azurite = await startAzurite();
  // A container the SAS is scoped to; a container SAS cannot create it, the admin does.
  const sasContainer = 'pester-sas';
  const credential = new StorageSharedKeyCredential(azurite.accountName, azurite.accountKey);
  await new ContainerClient(azurite.containerUrl(sasContainer), credential).createIfNotExists();
  const sas = generateBlobSASQueryParameters(
    { containerName: sasContainer, permissions: ContainerSASPermissions.parse('racwdl'), startsOn: new Date(Date.now() - 3_600_000), expiresOn: new Date(Date.now() + 24 * 3_600_000) },
    credential,
  ).toString();
  work = mkdtempSync(join(tmpdir(), 'azsb-pester-'));
  const cert = makeTestCertificate(join(work, 'cert'));
  const other = makeTestCertificate(join(work, 'other'), { name: 'Another certificate' });
  const env = {
    ...process.env,
    ...samba.env,
    AZSB_TEST_UNC: samba.uncPath,
    // The folder smbd serves, so a test can damage a file the way a failing disk would.
    AZSB_TEST_SHARE_DIR: samba.shareDir,
    AZSB_TEST_TINY_UNC: `\\\\${samba.host}\\tiny`,
    AZSB_TEST_USER: samba.userName,
    AZSB_TEST_PASSWORD: samba.password,
    AZSB_TEST_CERT_CER: cert.cerPath,
    AZSB_TEST_CERT_PFX: cert.pfxPath,
    AZSB_TEST_PFX_PASSWORD: cert.pfxPassword,
    AZSB_TEST_OTHER_PFX: other.pfxPath,
    AZSB_TEST_BLOB_ENDPOINT: azurite.endpoint,
    AZSB_TEST_BLOB_KEY: azurite.accountKey,
    AZSB_TEST_BLOB_SAS_URL: `${azurite.containerUrl(sasContainer)}?${sas}`,
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
  await azurite?.destroy();
  await samba.destroy();
  rmSync(join(dfree, '..'), { recursive: true, force: true });
  // The suites' state, shares' certificates and keys: nothing of a run stays behind.
  if (work !== null) rmSync(work, { recursive: true, force: true });
}
process.exit(code);
