import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ContainerClient, ContainerSASPermissions, generateBlobSASQueryParameters, StorageSharedKeyCredential } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCertificate, type TestCertificate } from '../support/certs.js';
import { makeRoleTree, treeDigest } from '../support/data.js';
import { binaryPath, runEngine, type EngineRun } from '../support/engine.js';
import { startAzurite, type AzuriteServer } from '../support/azurite.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { scratchDir } from '../support/scratch.js';

type Obj = Record<string, unknown>;
const DAY = 86_400_000;

let azurite: AzuriteServer;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.destroy();
});

interface BlobStamp {
  home: string;
  work: string;
  cert: TestCertificate;
  container: string;
  roles: { KeyVault: string; WAS: string };
  run(args: string[], secrets?: Record<string, string>): Promise<EngineRun>;
}

async function newBlobStamp(container: string, sizes = { keyVaultMiB: 1, wasMiB: 1 }): Promise<BlobStamp> {
  const work = await scratchDir('azsb-blobstamp-');
  const roles = { KeyVault: join(work, 'data', 'keyvault'), WAS: join(work, 'data', 'was') };
  makeRoleTree(roles.KeyVault, sizes.keyVaultMiB);
  makeRoleTree(roles.WAS, sizes.wasMiB);
  const home = join(work, 'state');
  return {
    home,
    work,
    cert: makeTestCertificate(join(work, 'cert')),
    container,
    roles,
    run: (args, secrets) => runEngine(args, { home, ...(secrets ? { secrets } : {}) }),
  };
}

/** Points the stamp at its container with the account key (both on stdin) and registers the roles. */
async function configureBlob(stamp: BlobStamp, url: string, extraArgs: string[] = []): Promise<EngineRun> {
  const set = await stamp.run(['config', 'set', '--encryption-cert', stamp.cert.cerPath, ...extraArgs], { blobStorageUrl: url, blobStorageKey: azurite.accountKey });
  if (set.error) return set;
  for (const [name, path] of Object.entries(stamp.roles)) {
    const added = await stamp.run(['role', 'add', '--name', name, '--path', path]);
    if (added.error) return added;
  }
  return set;
}

function admin(container: string): ContainerClient {
  return new ContainerClient(azurite.containerUrl(container), new StorageSharedKeyCredential(azurite.accountName, azurite.accountKey));
}

async function blobNames(container: string, prefix = ''): Promise<string[]> {
  const names: string[] = [];
  for await (const item of admin(container).listBlobsFlat({ prefix })) names.push(item.name);
  return names.sort();
}

/** Every file of the state directory (configuration, catalog, logs) as text, to look for secrets in. */
async function stateText(home: string): Promise<string> {
  const entries = await readdir(home, { recursive: true, withFileTypes: true });
  const texts = await Promise.all(entries.filter((e) => e.isFile()).map((e) => readFile(join(e.parentPath, e.name), 'latin1')));
  return texts.join('\n');
}

async function backupOk(stamp: BlobStamp): Promise<Obj> {
  const run = await stamp.run(['backup', 'start']);
  expect(run.error, JSON.stringify(run.error)).toBeNull();
  return run.data as Obj;
}

/** Ages a backup in the container, as if it had been made `days` ago. */
async function age(container: string, backupId: unknown, days: number): Promise<void> {
  const blob = admin(container).getBlockBlobClient(`MASBackup/${String(backupId)}/BackupInfo.json`);
  const info = JSON.parse((await blob.downloadToBuffer()).toString('utf8')) as Obj;
  info.createdDateTime = new Date(Date.now() - days * DAY).toISOString();
  const text = JSON.stringify(info);
  await blob.upload(text, Buffer.byteLength(text));
}

describe('backups to Azure Blob Storage (Azurite, account key)', () => {
  let stamp: BlobStamp;
  let first: Obj;

  beforeAll(async () => {
    stamp = await newBlobStamp('stamp1', { keyVaultMiB: 3, wasMiB: 1 });
    // 1 MiB volumes: KeyVault's 3 MiB of random data spans several.
    const set = await configureBlob(stamp, azurite.containerUrl('stamp1'), ['--volume-size-mib', '1']);
    expect(set.error, JSON.stringify(set.error)).toBeNull();
    first = await backupOk(stamp);
  });

  it('creates the container and shows the blob location, never the key', async () => {
    const location = (await stamp.run(['config', 'get'])).data as Obj;
    expect(location.BlobStorageUrl).toBe(azurite.containerUrl('stamp1'));
    expect(location.BlobStorageKey).toBe('');
    expect(location.Path).toBeNull();
    expect(location.AvailableCapacity).toBeNull();
    expect(location.IsBackupSchedulerEnabled).toBe(true);
    expect(await stateText(stamp.home)).not.toContain(azurite.accountKey);
    const status = (await stamp.run(['status'])).data as Obj;
    expect(status.BlobStorageUrl).toBe(azurite.containerUrl('stamp1'));
    expect(status.LastBackupId).toBe(first.BackupId);
  });

  it('lays the backup out as on a share: volumes, manifest, BackupInfo.json, nothing else', async () => {
    expect(first.Status).toBe('Succeeded');
    const names = (await blobNames('stamp1', `MASBackup/${String(first.BackupId)}/`)).map((n) => n.split('/').pop());
    const keyVaultVolumes = names.filter((n) => n!.startsWith('KeyVault.'));
    expect(keyVaultVolumes.length).toBeGreaterThan(2);
    expect(names).toContain('BackupInfo.json');
    expect(names).toContain('manifest.azsb');
    expect(names).toContain('WAS.000.azsb');
    expect(names.every((n) => /^(KeyVault|WAS)\.\d{3}\.azsb$|^manifest\.azsb$|^BackupInfo\.json$/.test(n!))).toBe(true);
    const info = JSON.parse((await admin('stamp1').getBlobClient(`MASBackup/${String(first.BackupId)}/BackupInfo.json`).downloadToBuffer()).toString()) as Obj;
    expect((info.volumes as Obj[]).length).toBe(names.length - 2);
  });

  it('lists, verifies and restores byte for byte, multi-volume roles included', async () => {
    const list = (await stamp.run(['backup', 'list'])).data as Obj[];
    expect(list.map((b) => b.BackupId)).toEqual([first.BackupId]);
    const verified = await stamp.run(['backup', 'verify', String(first.BackupId), '--pfx', stamp.cert.pfxPath], { pfxPassword: stamp.cert.pfxPassword });
    expect(verified.data).toMatchObject({ Verified: true, Level: 'Full' });
    const dest = join(stamp.work, 'restored');
    const run = await stamp.run(['restore', String(first.BackupId), '--pfx', stamp.cert.pfxPath, '--destination', dest], { pfxPassword: stamp.cert.pfxPassword });
    expect(run.error, JSON.stringify(run.error)).toBeNull();
    expect(treeDigest(join(dest, 'KeyVault'))).toEqual(treeDigest(stamp.roles.KeyVault));
    expect(treeDigest(join(dest, 'WAS'))).toEqual(treeDigest(stamp.roles.WAS));
  });

  it('changes only what it is given', async () => {
    const before = JSON.parse(await readFile(join(stamp.home, 'config.json'), 'utf8')) as Obj;
    const set = await stamp.run(['config', 'set', '--frequency', '6']);
    expect(set.error).toBeNull();
    const after = JSON.parse(await readFile(join(stamp.home, 'config.json'), 'utf8')) as Obj;
    expect(after.backupFrequencyInHours).toBe(6);
    expect({ ...after, backupFrequencyInHours: before.backupFrequencyInHours }).toEqual(before);
  });

  it('refuses a wrong key with ShareAuthentication and keeps the configuration', async () => {
    const before = await readFile(join(stamp.home, 'config.json'), 'utf8');
    const wrongKey = randomBytes(64).toString('base64');
    const run = await stamp.run(['config', 'set'], { blobStorageKey: wrongKey });
    expect(run.error?.code).toBe('ShareAuthentication');
    expect(run.error?.remediation).toMatch(/BlobStorageKey/);
    expect(run.stdout + run.stderr).not.toContain(wrongKey);
    expect(await readFile(join(stamp.home, 'config.json'), 'utf8')).toBe(before);
    // The same call with the right key goes through (and re-seals it).
    const right = await stamp.run(['config', 'set'], { blobStorageKey: azurite.accountKey });
    expect(right.error).toBeNull();
    expect(await readFile(join(stamp.home, 'config.json'), 'utf8')).not.toBe(before);
  });
});

describe('blob location settings', () => {
  function sas(container: string, expiresOn: Date): string {
    return generateBlobSASQueryParameters(
      { containerName: container, permissions: ContainerSASPermissions.parse('racwdl'), startsOn: new Date(Date.now() - 3_600_000), expiresOn },
      new StorageSharedKeyCredential(azurite.accountName, azurite.accountKey),
    ).toString();
  }

  it('takes a SAS URL on stdin, stores the SAS sealed and shows the URL without it', async () => {
    const stamp = await newBlobStamp('sas1');
    await admin('sas1').createIfNotExists();
    const token = sas('sas1', new Date(Date.now() + 3_600_000));
    const signature = new URLSearchParams(token).get('sig')!;
    const set = await stamp.run(['config', 'set', '--encryption-cert', stamp.cert.cerPath], { blobStorageUrl: `${azurite.containerUrl('sas1')}?${token}` });
    expect(set.error, JSON.stringify(set.error)).toBeNull();
    expect((set.data as Obj).BlobStorageUrl).toBe(azurite.containerUrl('sas1'));
    expect(set.stdout).not.toContain(signature);
    expect(await readFile(join(stamp.home, 'config.json'), 'utf8')).not.toContain(signature);
    await stamp.run(['role', 'add', '--name', 'KeyVault', '--path', stamp.roles.KeyVault]);
    const made = await backupOk(stamp);
    expect(made.Status).toBe('Succeeded');
    expect(await stateText(stamp.home)).not.toContain(signature);
  });

  it('refuses an expired SAS, a SAS URL in argv, and plain http to another host, changing nothing', async () => {
    const stamp = await newBlobStamp('sas2');
    await admin('sas2').createIfNotExists();
    expect((await stamp.run(['config', 'get'])).error).toBeNull();
    const before = await readFile(join(stamp.home, 'config.json'), 'utf8');
    const expiredToken = sas('sas2', new Date(Date.now() - 60_000));
    const signature = new URLSearchParams(expiredToken).get('sig')!;
    const expired = await stamp.run(['config', 'set'], { blobStorageUrl: `${azurite.containerUrl('sas2')}?${expiredToken}` });
    expect(expired.error?.code).toBe('ShareAuthentication');
    expect(expired.stdout + expired.stderr).not.toContain(signature);
    const argv = await stamp.run(['config', 'set', '--blob-storage-url', `${azurite.containerUrl('sas2')}?${expiredToken}`]);
    expect(argv.error?.code).toBe('InvalidParameter');
    expect(argv.error?.message).toMatch(/must not be passed as a command-line argument/);
    expect(argv.stdout).not.toContain(signature);
    const http = await stamp.run(['config', 'set'], { blobStorageUrl: 'http://acct01.blob.core.windows.net/backups', blobStorageKey: azurite.accountKey });
    expect(http.error?.code).toBe('InvalidParameter');
    expect(http.error?.target).toBe('BlobStorageUrl');
    expect(await readFile(join(stamp.home, 'config.json'), 'utf8')).toBe(before);
    // Done right, the same settings take.
    const right = await stamp.run(['config', 'set', '--blob-storage-url', azurite.containerUrl('sas2')], { blobStorageKey: azurite.accountKey });
    expect(right.error).toBeNull();
    expect((right.data as Obj).BlobStorageUrl).toBe(azurite.containerUrl('sas2'));
  });

  it('switches between a share and a container, and config clear forgets the location', async () => {
    const stamp = await newBlobStamp('switch');
    const share = await scratchDir('azsb-switch-share-');
    expect((await stamp.run(['config', 'set', '--path', share, '--retention', '3', '--frequency', '5'])).error).toBeNull();
    const toBlob = await stamp.run(['config', 'set'], { blobStorageUrl: azurite.containerUrl('switch'), blobStorageKey: azurite.accountKey });
    expect(toBlob.error).toBeNull();
    expect(toBlob.data).toMatchObject({ Path: null, BlobStorageUrl: azurite.containerUrl('switch'), BackupRetentionPeriodInDays: 3 });
    const both = await stamp.run(['config', 'set', '--path', share], { blobStorageKey: azurite.accountKey });
    expect(both.error?.code).toBe('InvalidParameter');
    const cleared = await stamp.run(['config', 'clear']);
    expect(cleared.error).toBeNull();
    expect(cleared.data).toMatchObject({
      Path: null,
      UserName: null,
      BlobStorageUrl: null,
      BlobStorageKey: '',
      IsBackupSchedulerEnabled: false,
      BackupFrequencyInHours: 12,
      BackupRetentionPeriodInDays: 7,
    });
    const config = JSON.parse(await readFile(join(stamp.home, 'config.json'), 'utf8')) as Obj;
    expect(config.blobStorageKey).toBeNull();
    expect((await stamp.run(['backup', 'list'])).error?.code).toBe('NotConfigured');
  });
});

describe('blob retention, prune and interrupted uploads', () => {
  let stamp: BlobStamp;
  let proxy: TcpProxy;

  beforeAll(async () => {
    proxy = await startTcpProxy(azurite.port);
    stamp = await newBlobStamp('retention', { keyVaultMiB: 6, wasMiB: 1 });
    const url = `http://127.0.0.1:${proxy.port}/${azurite.accountName}/retention`;
    expect((await configureBlob(stamp, url, ['--retention', '7', '--volume-size-mib', '1'])).error).toBeNull();
  });
  afterAll(async () => {
    await proxy?.close();
  });

  it('deletes expired backups but never the newest good one; the dry run lists exactly what is deleted', async () => {
    const oldest = await backupOk(stamp);
    const middle = await backupOk(stamp);
    const newest = await backupOk(stamp);
    await age('retention', oldest.BackupId, 12);
    await age('retention', middle.BackupId, 10);
    await age('retention', newest.BackupId, 9);

    const dry = (await stamp.run(['prune', '--dry-run'])).data as Obj;
    expect(dry.PathsToDelete).toEqual([`MASBackup/${oldest.BackupId}`, `MASBackup/${middle.BackupId}`]);
    const pruned = (await stamp.run(['prune'])).data as Obj;
    expect(pruned.PathsToDelete).toEqual(dry.PathsToDelete);
    expect(await blobNames('retention', `MASBackup/${String(oldest.BackupId)}/`)).toEqual([]);
    expect(await blobNames('retention', `MASBackup/${String(middle.BackupId)}/`)).toEqual([]);
    expect((await blobNames('retention', `MASBackup/${String(newest.BackupId)}/`)).length).toBeGreaterThan(2);
    const left = ((await stamp.run(['backup', 'list'])).data as Obj[]).map((b) => b.BackupId);
    expect(left).toEqual([newest.BackupId]);
    expect(((await stamp.run(['prune', '--dry-run'])).data as Obj).PathsToDelete).toEqual([]);
  });

  it('leaves nothing that looks like a backup when the service stops mid-upload, and the next backup succeeds', async () => {
    const before = ((await stamp.run(['backup', 'list'])).data as Obj[]).map((b) => b.BackupId);
    // Once ~2.5 MiB of this backup has gone up (volumes committed, one in flight), the endpoint
    // goes dead under the engine and the service is stopped.
    const held = proxy.holdAfter(2.5 * 1024 * 1024);
    const child = spawn(binaryPath(), ['backup', 'start'], { env: { PATH: process.env.PATH ?? '', AZSBACKUP_HOME: stamp.home }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
    await held;
    proxy.sever();
    await azurite.stop();
    const code = await exited;
    expect(code, stdout).toBe(5);
    const error = JSON.parse(stdout.trim().split('\n').filter((l) => l.includes('"error"')).pop()!) as { error: { code: string } };
    expect(error.error.code).toBe('ShareConnectivity');

    await azurite.restart();
    proxy.release();
    const list = (await stamp.run(['backup', 'list'])).data as Obj[];
    // Only the earlier backups are backups; the interrupted one at most shows as Failed.
    expect(list.filter((b) => b.Status === 'Succeeded').map((b) => b.BackupId)).toEqual(before);
    for (const b of list.filter((x) => !before.includes(x.BackupId))) expect(b.Status).toBe('Failed');
    // The interrupted backup's committed volumes are still there (the service was down for the
    // cleanup too), but without BackupInfo.json: an incomplete upload for prune, not a backup.
    const folders = new Set((await blobNames('retention', 'MASBackup/')).map((n) => n.split('/')[1]!));
    const interrupted = [...folders].filter((f) => !before.includes(f) && /^[0-9a-f-]{36}$/.test(f));
    expect(interrupted.length).toBe(1);
    const leftover = await blobNames('retention', `MASBackup/${interrupted[0]}/`);
    expect(leftover.length).toBeGreaterThan(0);
    expect(leftover.some((n) => n.endsWith('/BackupInfo.json'))).toBe(false);

    const next = await backupOk(stamp);
    expect(next.Status).toBe('Succeeded');
    const dest = join(stamp.work, 'after-interruption');
    const run = await stamp.run(['restore', String(next.BackupId), '--pfx', stamp.cert.pfxPath, '--destination', dest], { pfxPassword: stamp.cert.pfxPassword });
    expect(run.error, JSON.stringify(run.error)).toBeNull();
    expect(treeDigest(join(dest, 'KeyVault'))).toEqual(treeDigest(stamp.roles.KeyVault));
    expect(await readdir(dest)).toEqual(['KeyVault', 'WAS']);
  });
});
