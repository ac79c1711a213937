import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InfoCache } from '../../../ts/catalog/info-cache.js';
import type { BackupInfo } from '../../../ts/catalog/types.js';
import type { RemoteEntry } from '../../../ts/storage/target.js';

const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';
const info = (id: string) => ({ backupId: id, status: 'Succeeded' }) as unknown as BackupInfo;
const listed = (size: number, at = '2026-12-01T10:00:00Z'): RemoteEntry => ({ name: 'BackupInfo.json', isDirectory: false, size, modified: new Date(at) });

let dir: string;
let path: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'azsb-cache-'));
  path = join(dir, 'share-index.json');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('InfoCache', () => {
  it('answers from what it read while the listed size and time are unchanged', async () => {
    const first = await InfoCache.load(path, '\\\\fs\\share');
    expect(first.get(A, listed(100))).toBeUndefined();
    first.put(A, listed(100), info(A));
    await first.save();

    const second = await InfoCache.load(path, '\\\\fs\\share');
    expect(second.get(A, listed(100))).toEqual(info(A));
    // Rewritten by another host: a new size or a new time means read it again.
    expect(second.get(A, listed(101))).toBeUndefined();
    const third = await InfoCache.load(path, '\\\\fs\\share');
    expect(third.get(A, listed(100, '2026-12-01T10:00:01Z'))).toBeUndefined();
  });

  it('forgets backups a listing no longer shows (deleted by another host)', async () => {
    const cache = await InfoCache.load(path, 'loc');
    cache.put(A, listed(1), info(A));
    cache.put(B, listed(2), info(B));
    await cache.save();
    const next = await InfoCache.load(path, 'loc');
    expect(next.get(B, listed(2))).toEqual(info(B));
    await next.save();
    const file = JSON.parse(await readFile(path, 'utf8')) as { entries: Record<string, unknown> };
    expect(Object.keys(file.entries)).toEqual([B]);
  });

  it('ignores a cache written for another location, and a damaged one', async () => {
    const cache = await InfoCache.load(path, 'old');
    cache.put(A, listed(1), info(A));
    await cache.save();
    expect((await InfoCache.load(path, 'new')).get(A, listed(1))).toBeUndefined();
    expect((await InfoCache.load(path, 'old')).get(A, listed(1))).toEqual(info(A));
    await writeFile(path, '{"version":1,"locat');
    expect((await InfoCache.load(path, 'old')).get(A, listed(1))).toBeUndefined();
  });

  it('keeps what came from the location index apart: a listing takes it, a deletion decision does not', async () => {
    const cache = await InfoCache.load(path, 'loc');
    cache.put(A, listed(1), info(A), 'index');
    cache.put(B, listed(2), info(B));
    await cache.save();
    const next = await InfoCache.load(path, 'loc');
    expect(next.get(A, listed(1))).toEqual(info(A));
    expect(next.get(A, listed(1), false)).toBeUndefined();
    expect(next.get(B, listed(2), false)).toEqual(info(B));
    // Once this host has read the file itself, the entry is good for both.
    next.put(A, listed(1), info(A));
    expect(next.get(A, listed(1), false)).toEqual(info(A));
  });
});
