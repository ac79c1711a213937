import { createHash, randomBytes } from 'node:crypto';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ContainerClient, ContainerSASPermissions, generateBlobSASQueryParameters, StorageSharedKeyCredential } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AzsError } from '../../ts/errors.js';
import { BLOB_BLOCK_SIZE } from '../../ts/storage/blob.js';
import { openBlobTarget } from '../../ts/storage/open.js';
import { startAzurite, type AzuriteServer } from '../support/azurite.js';
import { startTcpProxy } from '../support/tcp-proxy.js';

const MiB = 1024 * 1024;
const FAST_RETRY = { maxTries: 2, retryDelayInMs: 100, maxRetryDelayInMs: 200 };

let azurite: AzuriteServer;
let scratch: string;
beforeAll(async () => {
  azurite = await startAzurite();
  scratch = await mkdtemp(path.join(tmpdir(), 'azsb-blob-test-'));
});
afterAll(async () => {
  await azurite?.destroy();
  await rm(scratch, { recursive: true, force: true });
});

// Forced collections without restarting the worker with --expose-gc.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Peak growth of the live Buffer memory while `run` executes (collected before each sample). */
async function peakBufferGrowth(run: () => Promise<void>): Promise<number> {
  gc();
  const base = process.memoryUsage().arrayBuffers;
  let peak = base;
  const timer = setInterval(() => {
    gc();
    peak = Math.max(peak, process.memoryUsage().arrayBuffers);
  }, 50);
  try {
    await run();
  } finally {
    clearInterval(timer);
  }
  return peak - base;
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function admin(container: string): ContainerClient {
  return new ContainerClient(azurite.containerUrl(container), new StorageSharedKeyCredential(azurite.accountName, azurite.accountKey));
}

async function blobNames(container: string): Promise<string[]> {
  const names: string[] = [];
  for await (const item of admin(container).listBlobsFlat()) names.push(item.name);
  return names.sort();
}

async function keyTarget(container: string, key = azurite.accountKey, port = azurite.port) {
  return openBlobTarget({ url: `http://127.0.0.1:${port}/${azurite.accountName}/${container}`, accountKey: key, retry: FAST_RETRY });
}

function sas(container: string, expiresOn: Date, permissions = 'racwdl'): string {
  return generateBlobSASQueryParameters(
    { containerName: container, permissions: ContainerSASPermissions.parse(permissions), startsOn: new Date(Date.now() - 3_600_000), expiresOn },
    new StorageSharedKeyCredential(azurite.accountName, azurite.accountKey),
  ).toString();
}

async function expectAzsError(promise: Promise<unknown>, code: string, secrets: string[] = []): Promise<AzsError> {
  const err = await promise.then(
    () => {
      throw new Error(`expected ${code}, but the operation succeeded`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AzsError);
  const azs = err as AzsError;
  expect(azs.code, azs.message).toBe(code);
  expect(azs.remediation).toBeTruthy();
  const everything = JSON.stringify(azs.toJSON()) + String(azs.stack) + String((azs.cause as Error | undefined)?.message);
  for (const secret of secrets) expect(everything).not.toContain(secret);
  return azs;
}

describe('the Azure Blob target on Azurite', () => {
  it('creates the container when it is missing, and uses the folder of the URL as its root', async () => {
    expect(await admin('fresh').exists()).toBe(false);
    const target = await openBlobTarget({ url: `${azurite.containerUrl('fresh')}/site/nyc`, accountKey: azurite.accountKey });
    await target.ensureDirectory('MASBackup');
    expect(await admin('fresh').exists()).toBe(true);
    await target.writeFile('MASBackup/probe.txt', Buffer.from('hello'));
    expect(await blobNames('fresh')).toEqual(['site/nyc/MASBackup/probe.txt']);
    expect(target.description).toBe(`${azurite.containerUrl('fresh')}/site/nyc`);
  });

  it('uploads a multi-block file and reads it back whole, across the ranged reads', async () => {
    const target = await keyTarget('roundtrip');
    const data = randomBytes(2 * BLOB_BLOCK_SIZE + 12_345);
    const file = path.join(scratch, 'volume.bin');
    await writeFile(file, data);
    await target.ensureDirectory('MASBackup/b1');
    await target.upload(file, 'MASBackup/b1/KeyVault.000.azsb');
    const back = await readAll(await target.openRead('MASBackup/b1/KeyVault.000.azsb'));
    expect(back.length).toBe(data.length);
    expect(sha256(back)).toBe(sha256(data));
    // Committed as staged blocks, one per BLOB_BLOCK_SIZE.
    const blocks = await admin('roundtrip').getBlockBlobClient('MASBackup/b1/KeyVault.000.azsb').getBlockList('committed');
    expect(blocks.committedBlocks?.length).toBe(3);
    const empty = path.join(scratch, 'empty.bin');
    await writeFile(empty, '');
    await target.upload(empty, 'MASBackup/b1/empty.azsb');
    expect((await readAll(await target.openRead('MASBackup/b1/empty.azsb'))).length).toBe(0);
  });

  it('uploads and downloads with memory bounded by the block size, not the file size', async () => {
    const target = await keyTarget('memory');
    const file = path.join(scratch, 'big.bin');
    const size = 12 * BLOB_BLOCK_SIZE;
    const chunk = randomBytes(MiB);
    await writeFile(file, Buffer.alloc(0));
    for (let written = 0; written < size; written += MiB) await appendFile(file, chunk);
    const up = await peakBufferGrowth(() => target.upload(file, 'MASBackup/m/v.azsb'));
    let seen = 0;
    const down = await peakBufferGrowth(async () => {
      await pipeline(
        await target.openRead('MASBackup/m/v.azsb'),
        new Writable({
          write(c: Buffer, _e, cb) {
            seen += c.length;
            cb();
          },
        }),
      );
    });
    expect(seen).toBe(size);
    // A whole-file buffer would be 96 MiB; two blocks in flight are 16.
    expect(up, `upload grew ${(up / MiB).toFixed(1)} MiB`).toBeLessThan(40 * MiB);
    expect(down, `download grew ${(down / MiB).toFixed(1)} MiB`).toBeLessThan(40 * MiB);
  });

  it('lists files and folders like a share, a folder carrying its newest blob time', async () => {
    const target = await keyTarget('listing');
    await target.writeFile('MASBackup/a/one', Buffer.from('1'));
    await target.writeFile('MASBackup/a/deeper/two', Buffer.from('22'));
    await target.writeFile('MASBackup/top.txt', Buffer.from('333'));
    const entries = await target.list('MASBackup');
    const byName = Object.fromEntries(entries.map((e) => [e.name, e]));
    expect(Object.keys(byName).sort()).toEqual(['a', 'top.txt']);
    expect(byName.a).toMatchObject({ isDirectory: true, size: 0 });
    expect(byName['top.txt']).toMatchObject({ isDirectory: false, size: 3 });
    expect(byName.a!.modified.getTime()).toBeGreaterThan(Date.now() - 10 * 60_000);
    expect((await target.list('MASBackup/a')).map((e) => e.name).sort()).toEqual(['deeper', 'one']);
    expect(await target.list('MASBackup/none')).toEqual([]);
    expect(await (await keyTarget('no-such-container')).list('MASBackup')).toEqual([]);
  });

  it('deletes files and folders, missing ones without error, and never the location itself', async () => {
    const target = await keyTarget('deleting');
    await target.writeFile('MASBackup/x/BackupInfo.json', Buffer.from('{}'));
    await target.writeFile('MASBackup/x/v.azsb', Buffer.from('v'));
    await target.writeFile('MASBackup/y/keep', Buffer.from('k'));
    await target.removeDirectory('MASBackup/x');
    expect(await blobNames('deleting')).toEqual(['MASBackup/y/keep']);
    await target.removeFile('MASBackup/y/none');
    await target.removeDirectory('MASBackup/none');
    await expectAzsError(target.removeDirectory(''), 'InvalidParameter');
    await expectAzsError(target.readFile('MASBackup/x/BackupInfo.json'), 'SharePathFault');
  });

  it('shows nothing of an upload until its block list is committed', async () => {
    const proxy = await startTcpProxy(azurite.port);
    try {
      const through = await keyTarget('atomic', azurite.accountKey, proxy.port);
      await through.ensureDirectory('MASBackup');
      const data = randomBytes(3 * BLOB_BLOCK_SIZE);
      const file = path.join(scratch, 'atomic.bin');
      await writeFile(file, data);
      // Two blocks go up at a time: past two blocks' worth, at least one was sent whole.
      const held = proxy.holdAfter(2 * BLOB_BLOCK_SIZE + MiB);
      const upload = through.upload(file, 'MASBackup/b/KeyVault.000.azsb');
      upload.catch(() => undefined);
      await held;
      const staged = admin('atomic').getBlockBlobClient('MASBackup/b/KeyVault.000.azsb');
      await expect.poll(async () => (await staged.getBlockList('uncommitted')).uncommittedBlocks?.length ?? 0, { timeout: 10_000 }).toBeGreaterThan(0);
      // A block is on the server, staged but not committed: invisible.
      expect(await blobNames('atomic')).toEqual([]);
      expect(await (await keyTarget('atomic')).list('MASBackup')).toEqual([]);
      proxy.release();
      await upload;
      expect(await blobNames('atomic')).toEqual(['MASBackup/b/KeyVault.000.azsb']);
      expect(sha256(await (await keyTarget('atomic')).readFile('MASBackup/b/KeyVault.000.azsb'))).toBe(sha256(data));
    } finally {
      await proxy.close();
    }
  });

  it('sends a staged block and the commit again when their response comes back torn, and gives up after three', async () => {
    const proxy = await startTcpProxy(azurite.port);
    try {
      const through = await keyTarget('torn', azurite.accountKey, proxy.port);
      await through.ensureDirectory('MASBackup');
      const data = randomBytes(MiB);
      const file = path.join(scratch, 'torn.bin');
      await writeFile(file, data);

      // One block: the staging request's answer torn, then (another upload) the commit's. Each
      // request is sent once more and succeeds.
      proxy.garbleResponses(1);
      await through.upload(file, 'MASBackup/b/KeyVault.000.azsb');
      expect(proxy.garbled()).toBe(1);
      proxy.garbleResponses(1, 1);
      await through.upload(file, 'MASBackup/b/KeyVault.001.azsb');
      proxy.garbleResponses(0);
      expect(proxy.garbled()).toBe(2);
      for (const name of ['MASBackup/b/KeyVault.000.azsb', 'MASBackup/b/KeyVault.001.azsb']) {
        expect(sha256(await (await keyTarget('torn')).readFile(name))).toBe(sha256(data));
      }

      // Every answer torn: the upload fails as unreachable after its tries, and nothing shows.
      proxy.garbleResponses(Number.POSITIVE_INFINITY);
      const err = await expectAzsError(through.upload(file, 'MASBackup/c/KeyVault.000.azsb'), 'ShareConnectivity');
      proxy.garbleResponses(0);
      expect(err.message).toContain('HPE_');
      expect(proxy.garbled()).toBe(2 + 3);
      expect(await blobNames('torn')).toEqual(['MASBackup/b/KeyVault.000.azsb', 'MASBackup/b/KeyVault.001.azsb']);
    } finally {
      await proxy.close();
    }
  });

  it('renames by copying block by block, then deleting the source', async () => {
    const target = await keyTarget('renaming');
    const data = randomBytes(BLOB_BLOCK_SIZE + 4321);
    const file = path.join(scratch, 'rename.bin');
    await writeFile(file, data);
    await target.upload(file, 'MASBackup/r/v.azsb.partial');
    await target.rename('MASBackup/r/v.azsb.partial', 'MASBackup/r/v.azsb');
    expect(await blobNames('renaming')).toEqual(['MASBackup/r/v.azsb']);
    expect(sha256(await target.readFile('MASBackup/r/v.azsb'))).toBe(sha256(data));
    await expectAzsError(target.rename('MASBackup/r/none', 'MASBackup/r/other'), 'SharePathFault');
  });

  it('says the container must exist when a container SAS cannot create it', async () => {
    const token = sas('sas-no-container', new Date(Date.now() + 3_600_000));
    const err = await expectAzsError((await openBlobTarget({ url: `${azurite.containerUrl('sas-no-container')}?${token}`, retry: FAST_RETRY })).ensureDirectory('MASBackup'), 'SharePathFault', [new URLSearchParams(token).get('sig')!]);
    expect(err.message).toMatch(/does not exist/);
    expect(err.remediation).toMatch(/Create the container/);
  });

  it('authenticates with a SAS URL, and keeps the SAS out of its description', async () => {
    // A container SAS cannot create its container: the admin creates it with the SAS.
    await admin('withsas').createIfNotExists();
    const token = sas('withsas', new Date(Date.now() + 3_600_000));
    const target = await openBlobTarget({ url: `${azurite.containerUrl('withsas')}?${token}` });
    await target.ensureDirectory('MASBackup');
    await target.writeFile('MASBackup/f', Buffer.from('sas'));
    expect((await target.readFile('MASBackup/f')).toString()).toBe('sas');
    expect(target.description).toBe(azurite.containerUrl('withsas'));
  });

  it('turns a wrong key and an expired SAS into ShareAuthentication without showing either', async () => {
    const wrongKey = randomBytes(64).toString('base64');
    const wrong = await keyTarget('auth', wrongKey);
    await expectAzsError(wrong.ensureDirectory('MASBackup'), 'ShareAuthentication', [wrongKey]);
    await expectAzsError(wrong.list('MASBackup'), 'ShareAuthentication', [wrongKey]);
    await admin('auth').createIfNotExists();
    const expiredToken = sas('auth', new Date(Date.now() - 60_000));
    const signature = new URLSearchParams(expiredToken).get('sig')!;
    const expired = await openBlobTarget({ url: `${azurite.containerUrl('auth')}?${expiredToken}`, retry: FAST_RETRY });
    const err = await expectAzsError(expired.writeFile('MASBackup/f', Buffer.from('x')), 'ShareAuthentication', [signature, expiredToken]);
    expect(err.message).toContain(azurite.containerUrl('auth'));
    expect(err.remediation).toMatch(/SAS/);
  });

  it('reports a stopped service as ShareConnectivity', async () => {
    const proxy = await startTcpProxy(1); // nothing listens on port 1
    try {
      await expectAzsError((await keyTarget('gone', azurite.accountKey, proxy.port)).list('MASBackup'), 'ShareConnectivity', [azurite.accountKey]);
    } finally {
      await proxy.close();
    }
  });
});
