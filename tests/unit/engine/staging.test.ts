import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { claimStagingFolder, prepareStaging, stagingRequirement, sweepStaging } from '../../../ts/engine/staging.js';
import { systemProbe } from '../../../ts/util/process-identity.js';

const root = mkdtempSync(join(tmpdir(), 'azsb-staging-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
/** A staging folder named as a backup's: its id. */
function folder(files: Record<string, string> = { 'BenchData.000.azsb': 'volume bytes' }): string {
  const dir = join(root, `cache-${n}`, `00000000-0000-4000-8000-${String(n++).padStart(12, '0')}`);
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** A real other process, to own staging folders the way a backup in another engine would. */
async function otherProcess() {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  await once(child, 'spawn');
  return {
    probe: { ...systemProbe, selfPid: child.pid! },
    pid: child.pid!,
    kill: async () => {
      child.kill('SIGKILL');
      await once(child, 'exit');
    },
  };
}

describe('the staging cache after a crash', () => {
  it('keeps the folder of a process that still runs, and removes it once that process is gone', async () => {
    const owner = await otherProcess();
    const dir = folder();
    await claimStagingFolder(dir, owner.probe);
    const cache = join(dir, '..');
    try {
      expect(await sweepStaging(cache)).toEqual([]);
      expect(existsSync(dir)).toBe(true);
    } finally {
      await owner.kill();
    }
    const removed = await sweepStaging(cache);
    expect(removed).toEqual([`${dir} (process ${owner.pid} is gone)`]);
    expect(existsSync(dir)).toBe(false);
  });

  it('leaves alone a folder with no owner record, one another host owns, one this process owns, and anything it did not name', async () => {
    const owner = await otherProcess();
    await owner.kill();
    const record = (host: string) => JSON.stringify({ kind: 'azsbackup-staging', host, pid: owner.pid, bootId: null, startTicks: null });
    const unowned = folder();
    const cache = join(unowned, '..');
    const elsewhere = join(cache, 'manifest-Elsewh');
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, '.azsbackup-owner.json'), record(`not-${hostname()}`));
    const mine = join(cache, 'manifest-Mine00');
    mkdirSync(mine);
    await claimStagingFolder(mine);
    // A staging path the admin chose may hold other folders: not ours by name, or a record
    // that is not ours, is never touched even when it names the dead process.
    const foreign = join(cache, 'photos');
    mkdirSync(foreign);
    writeFileSync(join(foreign, '.azsbackup-owner.json'), record(hostname()));
    const lookalike = join(cache, 'manifest-Looka1');
    mkdirSync(lookalike);
    writeFileSync(join(lookalike, '.azsbackup-owner.json'), JSON.stringify({ host: hostname(), pid: owner.pid }));
    // The same dead process's folder on this host, named and recorded as ours, is removed, so
    // the others were judged.
    const dead = join(cache, 'manifest-Dead00');
    mkdirSync(dead);
    writeFileSync(join(dead, '.azsbackup-owner.json'), record(hostname()));

    expect((await sweepStaging(cache)).map((r) => r.split(' ')[0])).toEqual([dead]);
    expect([unowned, elsewhere, mine, foreign, lookalike, dead].map((d) => existsSync(d))).toEqual([true, true, true, true, true, false]);
  });

  it('prepareStaging frees what a dead backup left before measuring free space, and claims its own folder', async () => {
    const owner = await otherProcess();
    const left = folder();
    await claimStagingFolder(left, owner.probe);
    await owner.kill();
    const cache = join(left, '..');
    const prepared = await prepareStaging(cache, 'b2c1e7a0-0000-4000-8000-000000000001', 1024, 1024 * 1024);
    expect(prepared.swept).toHaveLength(1);
    expect(prepared.swept[0]).toContain(left);
    expect(existsSync(left)).toBe(false);
    const record = JSON.parse(readFileSync(join(prepared.dir, '.azsbackup-owner.json'), 'utf8')) as Record<string, unknown>;
    expect(record).toMatchObject({ kind: 'azsbackup-staging', host: hostname(), pid: process.pid });
    // A second run while this one still works leaves its folder alone.
    expect(await sweepStaging(cache)).toEqual([]);
    expect(existsSync(prepared.dir)).toBe(true);
  });
});

describe('stagingRequirement: what the staging cache must have free before a backup starts', () => {
  const MiB = 1024 * 1024;
  it('is 10 % of the data set (seed 003) when that is the largest', () => {
    expect(stagingRequirement(10_000 * MiB, 256 * MiB)).toBe(1000 * MiB);
  });

  it('holds two volumes and the manifest lines while packing, with 16 MiB to spare', () => {
    expect(stagingRequirement(1000 * MiB, 256 * MiB)).toBe(512 * MiB + 16 * MiB);
    expect(stagingRequirement(1000 * MiB, 256 * MiB, 200 * MiB)).toBe(712 * MiB + 16 * MiB);
    expect(stagingRequirement(8 * MiB, 256 * MiB, 1 * MiB)).toBe(9 * MiB + 16 * MiB);
  });

  it('holds the lines and the sealed manifest at the end, when many small files make them the largest', () => {
    // A million empty files: no data, ~200 MB of lines, sealed into a manifest as large.
    expect(stagingRequirement(0, 256 * MiB, 200 * MiB)).toBe(400 * MiB + 16 * MiB);
  });
});
