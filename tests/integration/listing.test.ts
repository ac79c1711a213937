import { chmodSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEngine } from '../support/engine.js';
import { startSamba, type SambaServer } from '../support/samba.js';
import { configureStamp, newStamp, type Stamp } from '../support/stamp.js';

type Obj = Record<string, unknown>;

let samba: SambaServer;
let wrapperDir: string;
let sessionLog: string;

beforeAll(async () => {
  samba = await startSamba();
  // smbclient as the engine finds it on PATH, counting sessions: each run appends one line.
  wrapperDir = mkdtempSync(join(tmpdir(), 'azsb-smbwrap-'));
  sessionLog = join(wrapperDir, 'sessions.log');
  writeFileSync(join(wrapperDir, 'smbclient'), `#!/bin/sh\necho x >> '${sessionLog}'\nexec /usr/bin/smbclient "$@"\n`);
  chmodSync(join(wrapperDir, 'smbclient'), 0o755);
});
afterAll(async () => {
  await samba?.destroy();
  rmSync(wrapperDir, { recursive: true, force: true });
});

const sessions = (): number => {
  try {
    return readFileSync(sessionLog, 'utf8').split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
};

/** A second host on the same share folder: its own state directory, the same certificate. */
function otherHost(stamp: Stamp): Stamp {
  const home = join(stamp.work, 'state-other-host');
  return { ...stamp, home, run: (args, secrets) => runEngine(args, { home, env: samba.env, ...(secrets ? { secrets } : {}) }) };
}

describe('listing backups', () => {
  it('costs the same few smbclient sessions for 1 or 12 backups, and a cache never hides what another host changed', async () => {
    const hostA = await newStamp(samba, 'listing');
    expect((await configureStamp(hostA, ['--encryption-cert', hostA.cert.cerPath])).error).toBeNull();
    const hostB = otherHost(hostA);
    expect((await configureStamp(hostB, ['--encryption-cert', hostA.cert.cerPath])).error).toBeNull();
    const counted = (stamp: Stamp, args: string[]) =>
      runEngine(args, { home: stamp.home, env: { ...samba.env, PATH: `${wrapperDir}:${process.env.PATH ?? ''}` } });

    expect((await hostA.run(['backup', 'start'])).error).toBeNull();
    const before = sessions();
    const one = await counted(hostA, ['backup', 'list']);
    expect((one.data as Obj[]).length).toBe(1);
    const forOne = sessions() - before;

    for (let i = 0; i < 11; i++) expect((await hostB.run(['backup', 'start'])).error).toBeNull();
    const mark = sessions();
    const twelve = await counted(hostA, ['backup', 'list']);
    expect((twelve.data as Obj[]).length).toBe(12);
    // Eleven backups made by the other host are all seen, and reading them did not cost a
    // session each: a listing and one batch read.
    expect(sessions() - mark).toBeLessThanOrEqual(forOne + 1);
    const warm = sessions();
    const again = await counted(hostA, ['backup', 'list']);
    expect(again.data).toEqual(twelve.data);
    expect(sessions() - warm).toBeLessThanOrEqual(forOne);

    // The other host deletes one backup and rewrites another's metadata (damaged): the cached
    // listing shows the deletion and reports the damage, exactly as a cold listing does.
    const ids = (twelve.data as Obj[]).map((b) => String(b.BackupId));
    const [gone, damaged] = [ids[3]!, ids[5]!];
    rmSync(join(samba.shareDir, 'listing', 'MASBackup', gone), { recursive: true, force: true });
    const infoPath = join(samba.shareDir, 'listing', 'MASBackup', damaged, 'BackupInfo.json');
    await writeFile(infoPath, (await readFile(infoPath, 'utf8')).replace(/"status": ?"Succeeded"/, '"status": "Nonsense"'));
    const afterChange = await hostA.run(['backup', 'list']);
    const listed = afterChange.data as Obj[];
    expect(listed.map((b) => b.BackupId)).not.toContain(gone);
    expect(listed.find((b) => b.BackupId === damaged)?.Status).toBe('Failed');
    expect(afterChange.warnings.join('\n')).toContain(damaged);
    rmSync(join(hostA.home, 'share-index.json'));
    const cold = await hostA.run(['backup', 'list']);
    expect(cold.data).toEqual(afterChange.data);
  });

  it('logs on once for a backup and the retention pass that follows it', async () => {
    const stamp = await newStamp(samba, 'one-session');
    expect((await configureStamp(stamp, ['--encryption-cert', stamp.cert.cerPath])).error).toBeNull();
    const counted = (args: string[]) => runEngine(args, { home: stamp.home, env: { ...samba.env, PATH: `${wrapperDir}:${process.env.PATH ?? ''}` } });
    expect((await stamp.run(['backup', 'start'])).error).toBeNull();
    const before = sessions();
    const second = await counted(['backup', 'start']);
    expect(second.error).toBeNull();
    expect(sessions() - before).toBe(1);
    // The retention pass did run on that session: it read the new backup's metadata, so the
    // listing cache already holds both backups.
    const index = JSON.parse(readFileSync(join(stamp.home, 'share-index.json'), 'utf8')) as { entries: Record<string, unknown> };
    expect(Object.keys(index.entries)).toContain(String((second.data as Obj).BackupId));
    expect(Object.keys(index.entries)).toHaveLength(2);
  });

  it("lists from the location's index on a host with no cache of its own; deletion decisions never take from it", async () => {
    const hostA = await newStamp(samba, 'location-index');
    expect((await configureStamp(hostA, ['--encryption-cert', hostA.cert.cerPath])).error).toBeNull();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const made = await hostA.run(['backup', 'start']);
      expect(made.error).toBeNull();
      ids.push(String((made.data as Obj).BackupId));
    }
    const masBackup = join(samba.shareDir, 'location-index', 'MASBackup');
    const indexPath = join(masBackup, 'AzsBackupIndex.json');
    // Each backup's retention pass wrote it.
    const written = JSON.parse(readFileSync(indexPath, 'utf8')) as { entries: Record<string, { info: Obj }> };
    expect(Object.keys(written.entries).sort()).toEqual([...ids].sort());

    let hosts = 0;
    const freshHost = async (): Promise<Stamp> => {
      const home = join(hostA.work, `state-fresh-${++hosts}`);
      const host: Stamp = { ...hostA, home, run: (args, secrets) => runEngine(args, { home, env: samba.env, ...(secrets ? { secrets } : {}) }) };
      expect((await configureStamp(host, ['--encryption-cert', hostA.cert.cerPath])).error).toBeNull();
      return host;
    };
    const statusOf = (run: { data: unknown }) => Object.fromEntries((run.data as Obj[]).map((b) => [String(b.BackupId), b.Status]));
    const allSucceeded = Object.fromEntries(ids.map((id) => [id, 'Succeeded']));

    // The share's user cannot read a single BackupInfo.json: a host without a cache lists the
    // three backups as Succeeded only by taking them from the index.
    const infoFiles = ids.map((id) => join(masBackup, id, 'BackupInfo.json'));
    for (const f of infoFiles) chmodSync(f, 0);
    try {
      const hostB = await freshHost();
      expect(statusOf(await hostB.run(['backup', 'list']))).toEqual(allSucceeded);
      // The same listing without the index reads the files, and cannot.
      const hostC = await freshHost();
      renameSync(indexPath, `${indexPath}.aside`);
      const withoutIndex = await hostC.run(['backup', 'list']);
      renameSync(`${indexPath}.aside`, indexPath);
      expect(statusOf(withoutIndex)).toEqual(Object.fromEntries(ids.map((id) => [id, 'Failed'])));
    } finally {
      for (const f of infoFiles) chmodSync(f, 0o644);
    }

    // Rewritten on the share after the index was made: the file, not the index, is listed.
    // (The oldest is the victim below: the newest Succeeded backup is one retention always keeps.)
    const [victim, , newest] = ids as [string, string, string];
    const newestInfo = join(masBackup, newest, 'BackupInfo.json');
    writeFileSync(newestInfo, readFileSync(newestInfo, 'utf8').replace(/"status": ?"Succeeded"/, '"status": "PartialSucceeded"'));
    const hostD = await freshHost();
    expect(statusOf(await hostD.run(['backup', 'list']))[newest]).toBe('PartialSucceeded');

    // An entry that matches the listing but says the backup is 30 days old: a listing believes
    // it (it is a cache); prune, even on the host whose cache took it from there, deletes nothing.
    const old = new Date(Date.now() - 30 * 86_400_000).toISOString();
    const forged = JSON.parse(readFileSync(indexPath, 'utf8')) as { entries: Record<string, { info: Obj }> };
    forged.entries[victim]!.info.createdDateTime = old;
    writeFileSync(indexPath, JSON.stringify(forged));
    const hostE = await freshHost();
    const believed = (await hostE.run(['backup', 'list'])).data as Obj[];
    expect(new Date(String(believed.find((b) => b.BackupId === victim)?.CreatedDateTime)).toISOString()).toBe(old);
    const dryRun = await hostE.run(['prune', '--dry-run']);
    expect(dryRun.error).toBeNull();
    expect((dryRun.data as Obj).PathsToDelete).toEqual([]);
    // The same date in the file itself is one prune acts on.
    const victimInfo = join(masBackup, victim, 'BackupInfo.json');
    writeFileSync(victimInfo, readFileSync(victimInfo, 'utf8').replace(/"createdDateTime": ?"[^"]+"/, `"createdDateTime": "${old}"`));
    const due = await hostE.run(['prune', '--dry-run']);
    expect(due.error).toBeNull();
    expect((due.data as Obj).PathsToDelete).toEqual([`MASBackup/${victim}`]);
  });
});
