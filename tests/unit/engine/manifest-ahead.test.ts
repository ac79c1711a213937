import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupFile, MANIFEST_FILE } from '../../../ts/catalog/layout.js';
import type { BackupInfo } from '../../../ts/catalog/types.js';
import { AzsError } from '../../../ts/errors.js';
import { ManifestAhead } from '../../../ts/engine/manifest-ahead.js';
import { manifestSpool } from '../../../ts/engine/manifest-reader.js';
import { MemoryTarget } from '../../support/memory-target.js';
import { pseudoRandomBytes } from '../crypto/helpers.js';

const BACKUP_ID = '3f6d2a10-7c4b-4e9a-9d21-5a8b7c6d5e4f';
const MANIFEST = pseudoRandomBytes('manifest', 70_000);
const info = (overrides: { backupId?: string; file?: string } = {}) =>
  ({ backupId: overrides.backupId ?? BACKUP_ID, manifest: { file: overrides.file ?? MANIFEST_FILE, size: MANIFEST.length, sha256: '' } }) as unknown as BackupInfo;

/** A share whose files can be copied to a local path, as smbclient's `get` does; a copy can fail part-way or wait until aborted. */
class CopyingTarget extends MemoryTarget {
  copied: string[] = [];
  aborted = 0;
  mode: 'ok' | 'fail' | 'hang' = 'ok';
  async download(relPath: string, localFile: string, signal?: AbortSignal): Promise<void> {
    this.copied.push(relPath);
    const data = await this.readFile(relPath);
    if (this.mode === 'fail') {
      await writeFile(localFile, data.subarray(0, 1000));
      throw new AzsError('ShareConnectivity', 'the share went away');
    }
    if (this.mode === 'hang') {
      await writeFile(localFile, data.subarray(0, 1000));
      await new Promise<void>((_resolve, reject) => {
        const stop = () => {
          this.aborted++;
          reject(new Error('aborted'));
        };
        if (signal?.aborted) stop();
        else signal?.addEventListener('abort', stop, { once: true });
      });
    }
    await writeFile(localFile, data);
  }
}

let work: string;
let n = 0;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'azsb-manifest-ahead-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function setUp(mode: CopyingTarget['mode'] = 'ok') {
  const target = new CopyingTarget();
  target.mode = mode;
  await target.ensureDirectory(dirname(backupFile(BACKUP_ID, MANIFEST_FILE)));
  await target.writeFile(backupFile(BACKUP_ID, MANIFEST_FILE), MANIFEST);
  const home = join(work, `home-${n++}`);
  const config = { stagingPath: join(home, 'cache') };
  return { target, home, config, spools: async () => (existsSync(config.stagingPath) ? (await readdir(config.stagingPath)).filter((f) => f.startsWith('manifest-')) : []) };
}

describe('ManifestAhead: the manifest copied into the restore spool while the backup is looked up', () => {
  it('copies the manifest into a spool of the staging cache and hands both over; discard() then leaves them to the caller', async () => {
    const { target, home, config, spools } = await setUp();
    const ahead = ManifestAhead.start(target, home, config, BACKUP_ID);
    await ahead.launched;
    expect(target.copied).toEqual([backupFile(BACKUP_ID, MANIFEST_FILE)]);
    const taken = await ahead.take(info());
    expect(dirname(taken.spool)).toBe(config.stagingPath);
    expect(taken.copy).toBe(join(taken.spool, MANIFEST_FILE));
    expect((await readFile(taken.copy!)).equals(MANIFEST)).toBe(true);
    await ahead.discard();
    expect(await spools()).toEqual([basename(taken.spool)]);
  });

  it('does not use a copy that failed, and removes what it wrote', async () => {
    const { target, home, config } = await setUp('fail');
    const taken = await ManifestAhead.start(target, home, config, BACKUP_ID).take(info());
    expect(target.copied).toHaveLength(1);
    expect(taken.copy).toBeNull();
    expect((await readdir(taken.spool)).filter((f) => f !== '.azsbackup-owner.json')).toEqual([]);
  });

  it('settles launched even when the downloader throws at once, so that nothing waiting on it hangs', async () => {
    const { target, home, config } = await setUp();
    (target as { download?: unknown }).download = () => {
      throw new Error('cannot start a copy');
    };
    const ahead = ManifestAhead.start(target, home, config, BACKUP_ID);
    await ahead.launched;
    expect((await ahead.take(info())).copy).toBeNull();
  });

  it('does not use the copy when the backup names its manifest otherwise, or is another backup', async () => {
    for (const other of [info({ file: 'manifest-2.azsb' }), info({ backupId: '00000000-0000-4000-8000-000000000000' })]) {
      const { target, home, config } = await setUp();
      const taken = await ManifestAhead.start(target, home, config, BACKUP_ID).take(other);
      expect(target.copied).toHaveLength(1);
      expect(taken.copy).toBeNull();
      expect(await readdir(taken.spool)).not.toContain(MANIFEST_FILE);
    }
  });

  it('stops the copy and removes the spool when the restore never takes it', async () => {
    const { target, home, config, spools } = await setUp('hang');
    const ahead = ManifestAhead.start(target, home, config, BACKUP_ID);
    await ahead.launched;
    // Let the copy get under way before the restore gives up.
    for (let i = 0; i < 100 && (await spools()).length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(await spools()).toHaveLength(1);
    await ahead.discard();
    expect(target.aborted).toBe(1);
    expect(await spools()).toEqual([]);
    // The same with a copy that completed.
    const done = await setUp();
    const finished = ManifestAhead.start(done.target, done.home, done.config, BACKUP_ID);
    await finished.launched;
    await finished.discard();
    expect(await done.spools()).toEqual([]);
  });

  it('makes the spool without a copy on a target that cannot download', async () => {
    const { target, home, config } = await setUp();
    (target as { download?: unknown }).download = undefined;
    const taken = await ManifestAhead.start(target, home, config, BACKUP_ID).take(info());
    expect(taken.copy).toBeNull();
    expect(existsSync(taken.spool)).toBe(true);
  });

  it('reports nothing ahead: a spool it could not make is made when taken, and that failure is the one reported', async () => {
    const { target, home } = await setUp();
    // A file where the staging cache should be: no spool can be made there.
    const blocked = join(work, `blocked-${n++}`);
    await writeFile(blocked, 'not a folder');
    const config = { stagingPath: blocked };
    const ahead = ManifestAhead.start(target, home, config, BACKUP_ID);
    await ahead.launched;
    expect(target.copied).toEqual([]);
    const usual = await manifestSpool(home, config, BACKUP_ID).then(() => null, (err: unknown) => err as Error);
    expect(usual).not.toBeNull();
    await expect(ahead.take(info())).rejects.toThrow(usual!.message);
    // Made right, the same call does give a spool.
    const fine = await setUp();
    expect(existsSync((await ManifestAhead.start(fine.target, fine.home, fine.config, BACKUP_ID).take(info())).spool)).toBe(true);
  });
});
