/**
 * Fault injection (issue 11): the real binary against a real Samba share, hit where a backup tool
 * gets hurt: kill -9 at random moments, the file server going away mid-backup and mid-prune, a
 * share that fills up, two schedulers racing. After every fault the same promises are checked:
 * every listed good backup verifies with the .pfx, no good backup is gone, nothing half-written
 * looks like a backup, the next backup succeeds, and what the user was told names the cause.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binaryPath } from '../support/engine.js';
import { startSamba, type SambaServer } from '../support/samba.js';
import { configureStamp, newStamp, type Stamp } from '../support/stamp.js';

type Obj = Record<string, unknown>;
const DAY = 86_400_000;

let samba: SambaServer;
beforeAll(async () => {
  samba = await startSamba();
});
afterAll(async () => {
  await samba?.destroy();
});

/** The binary in its own process group, so kill -9 reaches it and every smbclient it started. */
function startEngine(stamp: Stamp, args: string[]): {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: string | null; lines: Obj[] }>;
  /** Resolves at the first output line containing `text`, or when the process ends. */
  waitFor: (text: string) => Promise<boolean>;
} {
  const child = spawn(binaryPath(), args, {
    env: { PATH: process.env.PATH ?? '', ...samba.env, AZSBACKUP_HOME: stamp.home },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const watchers: Array<{ text: string; resolve: (hit: boolean) => void }> = [];
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    for (const w of [...watchers]) if (out.includes(w.text)) w.resolve(true);
  });
  child.stderr!.resume();
  child.on('close', () => watchers.forEach((w) => w.resolve(false)));
  const waitFor = (text: string) => new Promise<boolean>((resolve) => (out.includes(text) ? resolve(true) : watchers.push({ text, resolve })));
  const done = new Promise<{ code: number | null; signal: string | null; lines: Obj[] }>((resolve) =>
    child.on('close', (code, signal) => {
      const lines = out.split('\n').filter((l) => l.trim() !== '').map((l) => { try { return JSON.parse(l) as Obj; } catch { return { type: 'raw', text: l }; } });
      resolve({ code, signal, lines });
    }),
  );
  return { child, done, waitFor };
}

function killGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // already finished
  }
}

const masBackup = (stamp: Stamp) => join(samba.shareDir, stamp.folder, 'MASBackup');

/**
 * The promises kept after any fault. `good` holds every backup known to have succeeded; it grows
 * with the backups this check finds Succeeded.
 */
/** Name, size and mtime of every file of a backup folder on the share's disk. */
async function folderPrint(stamp: Stamp, id: string): Promise<string> {
  const dir = join(masBackup(stamp), id);
  const names = (await readdir(dir)).sort();
  const parts = await Promise.all(names.map(async (n) => `${n}:${(await stat(join(dir, n))).size}:${(await stat(join(dir, n))).mtimeMs}`));
  return parts.join('|');
}

/** Backups already verified with the .pfx, with their folder print at that time. */
const verified = new Map<string, string>();

async function checkInvariants(stamp: Stamp, good: Set<string>): Promise<void> {
  const list = await stamp.run(['backup', 'list']);
  expect(list.error, JSON.stringify(list.error)).toBeNull();
  const rows = list.data as Obj[];
  const succeeded = rows.filter((b) => b.Status === 'Succeeded').map((b) => String(b.BackupId));
  for (const id of good) expect(succeeded, `good backup ${id} is still listed`).toContain(id);
  for (const id of succeeded) {
    // Verified before and not a byte moved since (same files, sizes, times): still verifies.
    // Re-reading every backup after every fault would make this suite quadratic.
    const print = await folderPrint(stamp, id);
    if (verified.get(id) === print) continue;
    const verify = await stamp.run(['backup', 'verify', id, '--pfx', stamp.cert.pfxPath], { pfxPassword: stamp.cert.pfxPassword });
    expect(verify.error, `backup ${id} verifies: ${JSON.stringify(verify.error)}`).toBeNull();
    expect(verify.data).toMatchObject({ Verified: true, Level: 'Full' });
    verified.set(id, print);
    good.add(id);
  }
  // Nothing half-written passes for a backup: every folder with BackupInfo.json is listed as good.
  const folders = existsSync(masBackup(stamp)) ? await readdir(masBackup(stamp)) : [];
  for (const f of folders.filter((n) => /^[0-9a-f-]{36}$/.test(n))) {
    if (existsSync(join(masBackup(stamp), f, 'BackupInfo.json'))) expect(succeeded).toContain(f);
  }
}

async function nextBackupSucceeds(stamp: Stamp, good: Set<string>): Promise<void> {
  const run = await stamp.run(['backup', 'start']);
  expect(run.error, JSON.stringify(run.error)).toBeNull();
  expect((run.data as Obj).Status).toBe('Succeeded');
  good.add(String((run.data as Obj).BackupId));
}

describe('kill -9 of the engine and its children at random moments during a backup', () => {
  it('five kills: no good backup lost, nothing half-written listed as good, the next backup succeeds', async () => {
    const stamp = await newStamp(samba, 'killed', { keyVaultMiB: 2, wasMiB: 1 });
    expect((await configureStamp(stamp, ['--encryption-cert', stamp.cert.cerPath, '--volume-size-mib', '1'])).error).toBeNull();
    const good = new Set<string>();
    const t0 = Date.now();
    await nextBackupSucceeds(stamp, good);
    const duration = Date.now() - t0;
    const moments: number[] = [];
    for (let round = 0; round < 5; round++) {
      const at = Math.floor(Math.random() * duration);
      moments.push(at);
      const { child, done } = startEngine(stamp, ['backup', 'start']);
      await delay(at);
      killGroup(child);
      const ended = await done;
      const result = ended.lines.find((l) => l.type === 'result');
      if (result) good.add(String((result.data as Obj).BackupId)); // it finished before the kill
      await checkInvariants(stamp, good);
      if (!result) {
        // What the user sees next names the cause: the killed process, marked Failed.
        const status = (await stamp.run(['status'])).data as Obj;
        const killed = ((await stamp.run(['backup', 'list'])).data as Obj[]).filter((b) => b.Status === 'Failed');
        if (killed.length > 0 && status.LastBackupStatus === 'Failed') {
          expect((status.Warnings as string[]).join('\n')).toMatch(/ended before it finished/);
        }
      }
      await nextBackupSucceeds(stamp, good);
    }
    await checkInvariants(stamp, good);
    expect(moments).toHaveLength(5);
    expect(good.size).toBeGreaterThanOrEqual(6);
  });
});

describe('kill -9 leaves volumes in the staging cache', () => {
  it('the next backup removes them and says so; a live backup\'s folder is never touched', async () => {
    const stamp = await newStamp(samba, 'leftover', { keyVaultMiB: 8, wasMiB: 1 });
    expect((await configureStamp(stamp, ['--encryption-cert', stamp.cert.cerPath, '--volume-size-mib', '1'])).error).toBeNull();
    const staging = join(stamp.home, 'staging');
    const first = await stamp.run(['backup', 'start']);
    expect(first.error, JSON.stringify(first.error)).toBeNull();
    const { child, done, waitFor } = startEngine(stamp, ['backup', 'start']);
    expect(await waitFor('Uploaded KeyVault.000.azsb')).toBe(true);
    // Stopped, not yet killed: its process still exists, so another engine's sweep (a
    // verification's manifest spool) must leave its folder alone.
    process.kill(-child.pid!, 'SIGSTOP');
    const live = await readdir(staging);
    expect(live).toHaveLength(1);
    const verify = await stamp.run(['backup', 'verify', String((first.data as Obj).BackupId), '--pfx', stamp.cert.pfxPath], { pfxPassword: stamp.cert.pfxPassword });
    expect(verify.error, JSON.stringify(verify.error)).toBeNull();
    expect(await readdir(staging)).toEqual(live);
    killGroup(child);
    expect((await done).lines.some((l) => l.type === 'result'), 'killed before it finished').toBe(false);
    const leftover = join(staging, live[0]!);
    expect((await readdir(leftover)).some((f) => f.endsWith('.azsb'))).toBe(true);

    const next = await stamp.run(['backup', 'start']);
    expect(next.error, JSON.stringify(next.error)).toBeNull();
    expect(next.warnings.join('\n')).toContain(`Removed a staging folder an earlier run left behind when it ended: ${leftover} (process ${child.pid} is gone)`);
    expect(await readdir(staging)).toEqual([]);
  });
});

describe('the file server stops', () => {
  let stamp: Stamp;
  const good = new Set<string>();
  beforeAll(async () => {
    stamp = await newStamp(samba, 'smbdstop', { keyVaultMiB: 3, wasMiB: 2 });
    expect((await configureStamp(stamp, ['--encryption-cert', stamp.cert.cerPath, '--volume-size-mib', '1', '--retention', '7'])).error).toBeNull();
    await nextBackupSucceeds(stamp, good);
  });
  afterAll(async () => {
    // Whatever happened, leave smbd running for the next suites.
    await samba.restart().catch(() => undefined);
  });

  it('mid-backup: the backup fails naming the share, and after a restart all is well', async () => {
    const { done, waitFor } = startEngine(stamp, ['backup', 'start']);
    // Stop it while volumes are being uploaded: right after the first one landed.
    await waitFor('Uploaded ');
    await samba.stop();
    const ended = await done;
    await samba.restart();
    const error = ended.lines.find((l) => l.type === 'error')?.error as Obj | undefined;
    // Several volumes were still to go when the server stopped: the backup must have failed.
    expect(error, JSON.stringify(ended.lines.slice(-3))).toBeDefined();
    expect(['ShareConnectivity', 'ShareGeneralFault']).toContain(error!.code);
    expect(String(error!.message)).toContain(samba.uncPath);
    const failed = ((await stamp.run(['backup', 'list'])).data as Obj[]).filter((b) => b.Status === 'Failed');
    expect(failed).toHaveLength(1);
    await checkInvariants(stamp, good);
    await nextBackupSucceeds(stamp, good);
  });

  it('mid-prune: nothing good is deleted, and the prune can simply be run again', async () => {
    // Expired backups for the prune to work through; the newest stays protected.
    for (let i = 0; i < 3; i++) await nextBackupSucceeds(stamp, good);
    const ids = [...good];
    const expired = ids.slice(0, -1);
    for (const id of expired) {
      const file = join(masBackup(stamp), id, 'BackupInfo.json');
      const info = JSON.parse(await readFile(file, 'utf8')) as Obj;
      info.createdDateTime = new Date(Date.now() - 10 * DAY).toISOString();
      await writeFile(file, JSON.stringify(info));
    }
    const keep = ids[ids.length - 1]!;
    const { child, done } = startEngine(stamp, ['prune']);
    // Stop the server the moment the first expired backup is gone: mid-prune, between deletions.
    while (child.exitCode === null && expired.every((id) => existsSync(join(masBackup(stamp), id)))) await delay(5);
    await samba.stop();
    const ended = await done;
    await samba.restart();
    const error = ended.lines.find((l) => l.type === 'error')?.error as Obj | undefined;
    if (error) {
      expect(['ShareConnectivity', 'ShareGeneralFault']).toContain(error.code);
      expect(String(error.message)).toContain(samba.uncPath);
    }
    // Expired ones may or may not be gone; the protected newest one must not be.
    for (const id of expired) good.delete(id);
    good.add(keep);
    await checkInvariants(stamp, good);
    const again = await stamp.run(['prune']);
    expect(again.error).toBeNull();
    const left = ((await stamp.run(['backup', 'list'])).data as Obj[]).map((b) => b.BackupId);
    expect(left).toContain(keep);
    for (const id of expired) expect(left).not.toContain(id);
    await nextBackupSucceeds(stamp, good);
  });
});

describe('a share that fills up', () => {
  const mounted: string[] = [];
  afterAll(() => {
    for (const m of mounted) {
      try {
        execFileSync('umount', [m]);
      } catch {
        // not mounted
      }
    }
  });

  it('fails with ShareOutOfCapacity, leaves the good backups whole, and succeeds once there is room', async () => {
    const stamp = await newStamp(samba, 'full', { keyVaultMiB: 3, wasMiB: 1 });
    const folder = join(samba.shareDir, 'full');
    // A real file system of 9 MiB as the share's folder: room for two backups of ~4 MiB, not three.
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=9m,mode=0777', 'tmpfs', folder]);
    mounted.push(folder);
    expect((await configureStamp(stamp, ['--encryption-cert', stamp.cert.cerPath, '--volume-size-mib', '1'])).error).toBeNull();
    const good = new Set<string>();
    await nextBackupSucceeds(stamp, good);
    await nextBackupSucceeds(stamp, good);
    const full = await stamp.run(['backup', 'start']);
    expect(full.error?.code).toBe('ShareOutOfCapacity');
    expect(full.error?.message).toMatch(/out of space/);
    expect(full.error?.remediation).toMatch(/Free space/);
    await checkInvariants(stamp, good);
    expect(good.size).toBe(2);
    // The failed backup cleaned up after itself: only the two good backups and the certificates.
    expect((await readdir(masBackup(stamp))).filter((n) => /^[0-9a-f-]{36}$/.test(n)).sort()).toEqual([...good].sort());
    // The admin adds capacity; the next backup succeeds.
    execFileSync('mount', ['-o', 'remount,size=64m', folder]);
    await nextBackupSucceeds(stamp, good);
    await checkInvariants(stamp, good);
  });
});

describe('two schedulers racing', () => {
  it('one due slot makes one backup; the other service skips it; both stop cleanly', async () => {
    const stamp = await newStamp(samba, 'racing', { keyVaultMiB: 2, wasMiB: 1 });
    expect((await configureStamp(stamp, ['--encryption-cert', stamp.cert.cerPath, '--frequency', '4', '--scheduler', 'true'])).error).toBeNull();
    const schedulePath = join(stamp.home, 'schedule.json');
    const state = JSON.parse(await readFile(schedulePath, 'utf8')) as Obj;
    await writeFile(schedulePath, JSON.stringify({ ...state, nextBackupTime: new Date(Date.now() - 1000).toISOString() }));
    const services = [0, 1].map(() => startEngine(stamp, ['service', 'run', '--tick-seconds', '1']));
    try {
      let automatic: Obj[] = [];
      for (let i = 0; i < 120 && automatic.length === 0; i++) {
        await delay(500);
        const rows = ((await stamp.run(['backup', 'list'])).data as Obj[] | undefined) ?? [];
        automatic = rows.filter((b) => b.Status === 'Succeeded');
      }
      expect(automatic).toHaveLength(1);
      // Give the other service several ticks: it must not make a second backup for the same slot.
      await delay(3000);
      const rows = (await stamp.run(['backup', 'list'])).data as Obj[];
      expect(rows.filter((b) => b.Status !== 'Failed')).toHaveLength(1);
      const infos = await Promise.all(rows.map((b) => readFile(join(masBackup(stamp), String(b.BackupId), 'BackupInfo.json'), 'utf8').then((t) => JSON.parse(t) as Obj)));
      expect(infos.filter((i) => i.isAutomaticBackup === true)).toHaveLength(1);
      const after = JSON.parse(await readFile(schedulePath, 'utf8')) as Obj;
      expect(Date.parse(String(after.nextBackupTime))).toBeGreaterThan(Date.now());
      expect(Date.parse(String(after.nextBackupTime))).toBeLessThanOrEqual(Date.now() + 4 * 3_600_000);
    } finally {
      for (const s of services) s.child.kill('SIGTERM');
      const ended = await Promise.all(services.map((s) => s.done));
      expect(ended.map((e) => e.code)).toEqual([0, 0]);
    }
    const good = new Set<string>();
    await checkInvariants(stamp, good);
    expect(good.size).toBe(1);
    await nextBackupSucceeds(stamp, good);
  });
});
