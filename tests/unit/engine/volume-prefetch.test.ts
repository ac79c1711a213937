import { statfsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEncryptStream, legacyKeyRecipient, newLegacyKey } from '../../../ts/crypto/index.js';
import { backupFile } from '../../../ts/catalog/layout.js';
import type { VolumeRecord } from '../../../ts/catalog/types.js';
import { AzsError } from '../../../ts/errors.js';
import { MAX_COPIES, planPrefetch } from '../../../ts/engine/volume-prefetch.js';
import { readRoleArchive } from '../../../ts/engine/volume-reader.js';
import { MemoryTarget } from '../../support/memory-target.js';
import { pseudoRandomBytes, run } from '../crypto/helpers.js';

const BACKUP_ID = '0b6c3a52-1d2e-4f5a-8b9c-0d1e2f3a4b5c';
const ROLE = 'KeyVault';
const key = legacyKeyRecipient(newLegacyKey());

/**
 * A share whose files can also be copied to a local path, as smbclient's `get` does: the copy
 * can be made to fail part-way, to change a byte, or to wait until it is aborted. Records which
 * volumes were copied, which were streamed, and the most copies the spool held at once.
 */
class CopyingTarget extends MemoryTarget {
  copied: string[] = [];
  streamed: string[] = [];
  mostAtOnce = 0;
  failing = new Set<string>();
  damaging = new Set<string>();
  hanging = new Set<string>();
  aborted: string[] = [];
  constructor(readonly spool: string) {
    super();
  }
  override async openRead(relPath: string) {
    this.streamed.push(relPath.split('/').pop()!);
    return super.openRead(relPath);
  }
  async download(relPath: string, localFile: string, signal?: AbortSignal): Promise<void> {
    const name = relPath.split('/').pop()!;
    this.copied.push(name);
    const data = await this.readFile(relPath);
    this.calls.pop(); // the readFile above is this copy's own, not the engine's
    if (this.hanging.has(name)) {
      await writeFile(localFile, data.subarray(0, 100));
      await new Promise<void>((_resolve, reject) => {
        const stop = () => {
          this.aborted.push(name);
          reject(new Error('aborted'));
        };
        if (signal?.aborted) stop();
        else signal?.addEventListener('abort', stop, { once: true });
      });
    }
    if (this.failing.has(name)) {
      await writeFile(localFile, data.subarray(0, data.length >> 1));
      throw new AzsError('ShareConnectivity', 'the share went away');
    }
    const copy = Buffer.from(data);
    if (this.damaging.has(name)) copy[copy.length - 20] = copy[copy.length - 20]! ^ 1;
    await writeFile(localFile, copy);
    this.mostAtOnce = Math.max(this.mostAtOnce, (await readdir(this.spool)).length);
  }
}

let work: string;
let plain: Buffer;
let volumes: VolumeRecord[];
const VOLUME_BYTES = 150_000;
const COUNT = 5;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'azsb-prefetch-'));
  plain = pseudoRandomBytes('archive', VOLUME_BYTES * COUNT - 777);
  volumes = [];
  for (let index = 0; index < COUNT; index++) {
    const piece = plain.subarray(index * VOLUME_BYTES, (index + 1) * VOLUME_BYTES);
    const sealed = await run(createEncryptStream([key], { contentType: 'volume', backupId: BACKUP_ID, role: ROLE, index }), piece);
    volumes.push({ file: `${ROLE}.${String(index).padStart(3, '0')}.azsb`, role: ROLE, index, size: sealed.length, sha256: '', data: sealed } as VolumeRecord & { data: Buffer });
  }
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

let n = 0;
async function share(): Promise<CopyingTarget> {
  const spool = await mkdtemp(join(work, `spool-${n++}-`));
  const target = new CopyingTarget(spool);
  await target.ensureDirectory(backupFile(BACKUP_ID, 'x').replace(/\/x$/, ''));
  for (const v of volumes) await target.writeFile(backupFile(BACKUP_ID, v.file), (v as VolumeRecord & { data: Buffer }).data);
  return target;
}

async function readAll(target: CopyingTarget, copies: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of readRoleArchive(target, BACKUP_ID, volumes, [key], { dir: target.spool, copies })) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

describe('a restore copies volumes into its spool ahead of the extraction', () => {
  it('reads the same archive from copies as from the stream, copies only the volumes after the first, at most as many as planned at once, and leaves the spool empty', async () => {
    const streamedOnly = await share();
    expect((await readAll(streamedOnly, 0)).equals(plain)).toBe(true);
    expect(streamedOnly.copied).toEqual([]);
    expect(streamedOnly.streamed).toHaveLength(COUNT);

    for (const copies of [1, 2]) {
      const target = await share();
      expect((await readAll(target, copies)).equals(plain)).toBe(true);
      expect(target.streamed[0]).toBe(volumes[0]!.file);
      expect(target.copied).not.toContain(volumes[0]!.file);
      // Every volume once, whether copied or streamed.
      expect([...target.copied, ...target.streamed].sort()).toEqual(volumes.map((v) => v.file).sort());
      expect(target.mostAtOnce).toBeLessThanOrEqual(copies);
      expect(await readdir(target.spool)).toEqual([]);
    }
    const two = await share();
    await readAll(two, 2);
    expect(two.copied).toEqual(volumes.slice(1).map((v) => v.file));
    expect(two.mostAtOnce).toBe(2);
  });

  it('streams a volume whose copy failed, and removes the torn copy', async () => {
    const target = await share();
    target.failing.add(volumes[2]!.file);
    expect((await readAll(target, 2)).equals(plain)).toBe(true);
    expect(target.copied).toContain(volumes[2]!.file);
    expect(target.streamed).toEqual([volumes[0]!.file, volumes[2]!.file]);
    expect(await readdir(target.spool)).toEqual([]);
  });

  it('rejects a copy changed on the local disk as it rejects a changed volume on the share', async () => {
    const target = await share();
    target.damaging.add(volumes[3]!.file);
    const failure = await readAll(target, 2).then(
      () => null,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(AzsError);
    expect((failure as AzsError).code).toBe('IntegrityFailed');
    expect(await readdir(target.spool)).toEqual([]);
  });

  it('stops the copies in flight and removes them when the reader gives up', async () => {
    const target = await share();
    target.hanging.add(volumes[1]!.file);
    target.hanging.add(volumes[2]!.file);
    const archive = readRoleArchive(target, BACKUP_ID, volumes, [key], { dir: target.spool, copies: 2 });
    let read = 0;
    for await (const chunk of archive) {
      read += (chunk as Buffer).length;
      if (read >= 1000) break;
    }
    // Leaving the loop destroys the stream; its clean-up runs asynchronously after that.
    for (let i = 0; i < 100 && (await readdir(target.spool)).length > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(target.copied).toEqual([volumes[1]!.file, volumes[2]!.file]);
    expect(target.aborted.sort()).toEqual([volumes[1]!.file, volumes[2]!.file]);
    expect(await readdir(target.spool)).toEqual([]);
    // Nothing was streamed in place of the copies it stopped.
    expect(target.streamed).toEqual([volumes[0]!.file]);
  });

  it('makes no copies on a target that cannot download', async () => {
    const target = await share();
    (target as { download?: unknown }).download = undefined;
    expect((await readAll(target, 2)).equals(plain)).toBe(true);
    expect(target.streamed).toHaveLength(COUNT);
  });
});

describe('planPrefetch: copies only in space the restore does not need', () => {
  it('plans up to MAX_COPIES of the largest volume, fewer as the restore reserves the space, none without room', async () => {
    const fs = statfsSync(work);
    const free = Number(fs.bavail) * Number(fs.bsize);
    const volume = 1024 * 1024;
    expect(await planPrefetch(work, volume, 0)).toEqual({ dir: work, copies: MAX_COPIES });
    // What the restore writes beside the spool leaves room for one copy (free space moves a little
    // between the two readings, so the margin is half a volume either side).
    const one = await planPrefetch(work, volume, free - 64 * 1024 * 1024 - 1.5 * volume);
    expect(one.copies).toBe(1);
    expect((await planPrefetch(work, volume, free)).copies).toBe(0);
    expect((await planPrefetch(work, 0, 0)).copies).toBe(0);
    expect((await planPrefetch(join(work, 'no such folder'), volume, 0)).copies).toBe(0);
  });

  it('reads its own copies back: the copy is the file the target wrote', async () => {
    const target = await share();
    const local = join(target.spool, 'probe');
    await target.download(backupFile(BACKUP_ID, volumes[1]!.file), local);
    expect((await readFile(local)).equals((volumes[1] as VolumeRecord & { data: Buffer }).data)).toBe(true);
  });
});
