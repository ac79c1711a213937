import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AzsError } from '../../../ts/errors.js';
import { acquireBackupLock, backupLockPath, inspectBackupLock, type BackupLockInfo } from '../../../ts/schedule/backup-lock.js';
import { judgeRecordedProcess, parseStatStartTicks, readBootId, readStartTicks, type ProcessProbe } from '../../../ts/util/process-identity.js';

let work = '';
let bundle = '';
let n = 0;

async function freshStateDir(): Promise<string> {
  const dir = path.join(work, `state-${n++}`);
  await mkdir(dir);
  return dir;
}

/** A pid that certainly belonged to a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  const pid = child.pid as number;
  await new Promise((r) => child.on('exit', r));
  return pid;
}

function lockInfo(overrides: Partial<BackupLockInfo>): BackupLockInfo {
  return {
    pid: process.pid,
    backupId: '11111111-2222-3333-4444-555555555555',
    startedAt: '2024-03-01T10:00:00.000Z',
    hostname: os.hostname(),
    ...overrides,
  };
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'azs-lock-'));
  // Child processes run plain Node, so give them the module compiled to one ESM file.
  bundle = path.join(work, 'backup-lock.mjs');
  await build({
    entryPoints: [path.resolve('ts/schedule/backup-lock.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: bundle,
    logLevel: 'silent',
  });
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('acquireBackupLock in one process', () => {
  it('writes the lock, refuses a second holder while held, and frees it on release', async () => {
    const dir = await freshStateDir();
    const lock = await acquireBackupLock(dir, { backupId: 'aaaaaaaa-0000-0000-0000-000000000001', startedAt: new Date('2024-03-01T10:00:00Z') });
    expect(lock.recovered).toBeNull();
    const onDisk = JSON.parse(await readFile(backupLockPath(dir), 'utf8')) as BackupLockInfo;
    expect(onDisk).toEqual({
      pid: process.pid,
      backupId: 'aaaaaaaa-0000-0000-0000-000000000001',
      startedAt: '2024-03-01T10:00:00.000Z',
      hostname: os.hostname(),
      bootId: readBootId(),
      startTicks: readStartTicks(process.pid),
    });

    const err = (await acquireBackupLock(dir, { backupId: 'other' }).catch((e: unknown) => e)) as AzsError;
    expect(err).toBeInstanceOf(AzsError);
    expect(err.code).toBe('BackupInProgress');
    expect(err.exitCode).toBe(8);
    expect(err.message).toContain('aaaaaaaa-0000-0000-0000-000000000001');
    expect(err.message).toContain('2024-03-01T10:00:00.000Z');
    expect(err.remediation).toMatch(/Wait for that backup/);
    expect((await inspectBackupLock(dir)).state).toBe('held');

    await lock.release();
    await lock.release();
    expect(await readdir(dir)).toEqual([]);
    const again = await acquireBackupLock(dir, { backupId: 'next' });
    await again.release();
  });

  it('uses the injected clock for startedAt', async () => {
    const dir = await freshStateDir();
    const lock = await acquireBackupLock(dir, { backupId: 'b' }, { now: () => new Date('2030-01-01T00:00:00Z') });
    expect(lock.info.startedAt).toBe('2030-01-01T00:00:00.000Z');
    await lock.release();
  });

  it('reports a live pid as in progress', async () => {
    const dir = await freshStateDir();
    await writeFile(backupLockPath(dir), JSON.stringify(lockInfo({ pid: process.ppid })));
    await expect(acquireBackupLock(dir, { backupId: 'b' })).rejects.toMatchObject({ code: 'BackupInProgress' });
  });

  it('recovers a lock left by a dead process and says whose it was', async () => {
    const dir = await freshStateDir();
    const pid = await deadPid();
    await writeFile(backupLockPath(dir), JSON.stringify(lockInfo({ pid, backupId: 'dead-backup' })));
    expect((await inspectBackupLock(dir)).state).toBe('stale');
    const lock = await acquireBackupLock(dir, { backupId: 'new' });
    expect(lock.recovered).toMatchObject({ reason: 'process-not-running', info: { pid, backupId: 'dead-backup' } });
    expect(JSON.parse(await readFile(backupLockPath(dir), 'utf8')).backupId).toBe('new');
    await lock.release();
    expect(await readdir(dir)).toEqual([]);
  });

  it('recovers an old unreadable lock but treats a fresh one as being written', async () => {
    const dir = await freshStateDir();
    await writeFile(backupLockPath(dir), '{"pid": 12');
    await expect(acquireBackupLock(dir, { backupId: 'b' })).rejects.toMatchObject({ code: 'BackupInProgress' });
    const old = new Date(Date.now() - 60_000);
    await utimes(backupLockPath(dir), old, old);
    const lock = await acquireBackupLock(dir, { backupId: 'b' });
    expect(lock.recovered).toMatchObject({ reason: 'unreadable', info: null });
    await lock.release();
  });

  it('does not judge a lock from another host by its pid', async () => {
    const dir = await freshStateDir();
    await writeFile(backupLockPath(dir), JSON.stringify(lockInfo({ pid: await deadPid(), hostname: 'elsewhere.example' })));
    const err = (await acquireBackupLock(dir, { backupId: 'b' }).catch((e: unknown) => e)) as AzsError;
    expect(err.code).toBe('BackupInProgress');
    expect(err.message).toContain('elsewhere.example');
  });

  it('release leaves alone a lock that is no longer ours', async () => {
    const dir = await freshStateDir();
    const lock = await acquireBackupLock(dir, { backupId: 'mine' });
    await writeFile(backupLockPath(dir), JSON.stringify(lockInfo({ backupId: 'someone-else' })));
    await lock.release();
    expect(JSON.parse(await readFile(backupLockPath(dir), 'utf8')).backupId).toBe('someone-else');
  });
});

describe('acquireBackupLock across processes', () => {
  /**
   * Starts `count` node processes that all try to take the lock at the same instant. The winner
   * holds it until every racer has reported, so a racer that starts late cannot win afterwards.
   */
  async function race(dir: string, count: number) {
    const done = `${dir}.done`;
    const script = `
      const { acquireBackupLock } = await import(${JSON.stringify(pathToFileURL(bundle).href)});
      const { existsSync } = await import('node:fs');
      const [dir, id, goAt, done] = process.argv.slice(1);
      while (Date.now() < Number(goAt)) {}
      try {
        const lock = await acquireBackupLock(dir, { backupId: id });
        console.log(JSON.stringify({ id, won: true, recovered: lock.recovered }));
        while (!existsSync(done)) await new Promise((r) => setTimeout(r, 20));
        await lock.release();
      } catch (err) {
        console.log(JSON.stringify({ id, won: false, code: err.code, message: err.message }));
      }`;
    const goAt = Date.now() + 1000;
    const children = Array.from({ length: count }, (_, i) =>
      spawn(process.execPath, ['--input-type=module', '-e', script, dir, `racer-${i}`, String(goAt), done], {
        stdio: ['ignore', 'pipe', 'inherit'],
      }),
    );
    const lines = await Promise.all(
      children.map(
        (child) =>
          new Promise<string>((resolve, reject) => {
            let out = '';
            child.stdout.on('data', (chunk: Buffer) => {
              out += chunk.toString('utf8');
              if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
            });
            child.on('exit', (code) => reject(new Error(`racer exited (${code}) without a result: ${out}`)));
          }),
      ),
    );
    await writeFile(done, '');
    await Promise.all(children.map((c) => (c.exitCode !== null ? undefined : new Promise((r) => c.on('exit', r)))));
    return lines.map((l) => JSON.parse(l) as { id: string; won: boolean; code?: string; recovered?: unknown; message?: string });
  }

  it('lets exactly one of several racing processes win a free lock', async () => {
    const dir = await freshStateDir();
    const results = await race(dir, 6);
    const winners = results.filter((r) => r.won);
    expect(winners).toHaveLength(1);
    for (const loser of results.filter((r) => !r.won)) {
      expect(loser.code).toBe('BackupInProgress');
    }
    expect(await readdir(dir)).toEqual([]);
  });

  it('lets exactly one of several processes racing for a stale lock win', async () => {
    for (let round = 0; round < 3; round++) {
      const dir = await freshStateDir();
      await writeFile(backupLockPath(dir), JSON.stringify(lockInfo({ pid: await deadPid(), backupId: 'crashed' })));
      const results = await race(dir, 6);
      const winners = results.filter((r) => r.won);
      expect(winners, JSON.stringify(results)).toHaveLength(1);
      expect(results.filter((r) => !r.won).every((r) => r.code === 'BackupInProgress')).toBe(true);
      // The crashed backup is reported by whoever removed its lock (normally the winner).
      const reporters = results.filter((r) => r.recovered);
      expect(reporters.length).toBeLessThanOrEqual(1);
      expect(await readdir(dir)).toEqual([]);
    }
  });
});

describe('the lock file is never seen half-written', () => {
  it('shows a watcher only complete locks while another process takes and releases it 300 times', async () => {
    const dir = await freshStateDir();
    const taker = `
      const { acquireBackupLock } = await import(${JSON.stringify(pathToFileURL(bundle).href)});
      for (let i = 0; i < 300; i++) await (await acquireBackupLock(process.argv[1], { backupId: 'b' + i })).release();`;
    // The watcher reads synchronously in a tight loop, so it lands inside any window between the
    // file appearing and its content being written.
    const watcher = `
      const { readFileSync, existsSync } = require('node:fs');
      const [lock, stop] = process.argv.slice(1);
      let complete = 0; const partial = [];
      while (!existsSync(stop)) {
        let text;
        try { text = readFileSync(lock, 'utf8'); } catch { continue; }
        try { JSON.parse(text).backupId.length; complete++; } catch { partial.push(text); }
      }
      console.log(JSON.stringify({ complete, partial: partial.slice(0, 3), partialCount: partial.length }));`;
    const stop = `${dir}.stop`;
    const watch = spawn(process.execPath, ['-e', watcher, backupLockPath(dir), stop], { stdio: ['ignore', 'pipe', 'inherit'] });
    let report = '';
    watch.stdout.on('data', (c: Buffer) => (report += c.toString('utf8')));
    const take = spawn(process.execPath, ['--input-type=module', '-e', taker, dir], { stdio: 'inherit' });
    expect(await new Promise((r) => take.on('exit', r))).toBe(0);
    await writeFile(stop, '');
    await new Promise((r) => watch.on('exit', r));
    const seen = JSON.parse(report) as { complete: number; partialCount: number; partial: string[] };
    // The watcher did see locks, so a count of zero partial ones means something.
    expect(seen.complete).toBeGreaterThan(0);
    expect(seen, JSON.stringify(seen)).toMatchObject({ partialCount: 0 });
    expect(await readdir(dir)).toEqual([]);
  });

  it('the next holder removes temporary files a killed process left, and only old ones', async () => {
    const dir = await freshStateDir();
    const old = new Date(Date.now() - 5 * 60_000);
    const leftovers = ['backup.lock.tmp-4242-0a0b0c0d', 'backup.lock.recover.tmp-4242-01020304', 'backup.lock.stale-4242-0e0f1011'];
    for (const name of leftovers) {
      await writeFile(path.join(dir, name), '{"pid":');
      await utimes(path.join(dir, name), old, old);
    }
    // One being written right now by another process must survive.
    await writeFile(path.join(dir, 'backup.lock.tmp-4343-deadbeef'), '{"pid":');
    await writeFile(path.join(dir, 'backup.lock.notes'), 'not ours to remove');
    await utimes(path.join(dir, 'backup.lock.notes'), old, old);
    const lock = await acquireBackupLock(dir, { backupId: 'b' });
    expect(lock.recovered).toBeNull();
    expect((await readdir(dir)).sort()).toEqual(['backup.lock', 'backup.lock.notes', 'backup.lock.tmp-4343-deadbeef']);
    await lock.release();
  });
});

describe('lock liveness survives reboots and reused PIDs', () => {
  /** A live process that is not this one and started now (after any lock written before). */
  async function liveChild(): Promise<{ pid: number; stop: () => Promise<void> }> {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    await new Promise((r) => child.once('spawn', r));
    return {
      pid: child.pid as number,
      stop: async () => {
        if (child.exitCode === null) {
          child.kill('SIGKILL');
          await new Promise((r) => child.once('exit', r));
        }
      },
    };
  }

  it('records the boot id and the start time of the process that holds it', async () => {
    const dir = await freshStateDir();
    const lock = await acquireBackupLock(dir, { backupId: 'me' });
    const onDisk = JSON.parse(await readFile(backupLockPath(dir), 'utf8')) as BackupLockInfo;
    expect(onDisk.bootId).toBe(readBootId());
    expect(onDisk.bootId).toMatch(/^[0-9a-f-]{36}$/);
    expect(onDisk.startTicks).toBe(readStartTicks(process.pid));
    expect(onDisk.startTicks).toMatch(/^\d+$/);
    await lock.release();
  });

  it('treats a lock naming this process, which does not hold it, as stale (the PID was reused after a crash)', async () => {
    const dir = await freshStateDir();
    await writeFile(backupLockPath(dir), JSON.stringify(lockInfo({ pid: process.pid, backupId: 'before-the-crash' })));
    expect((await inspectBackupLock(dir)).state).toBe('stale');
    const lock = await acquireBackupLock(dir, { backupId: 'after-the-reboot' });
    expect(lock.recovered).toMatchObject({ reason: 'process-not-running', info: { backupId: 'before-the-crash' } });
    expect(lock.recovered?.detail).toMatch(/reused/);
    await lock.release();
  });

  it('treats a lock from an earlier boot as stale although a process with its PID runs', async () => {
    const dir = await freshStateDir();
    const other = await liveChild();
    try {
      await writeFile(backupLockPath(dir), JSON.stringify(lockInfo({ pid: other.pid, bootId: '00000000-0000-4000-8000-000000000000', startTicks: readStartTicks(other.pid) })));
      const state = await inspectBackupLock(dir);
      expect(state).toMatchObject({ state: 'stale' });
      expect(state.state === 'stale' && state.recovered.detail).toMatch(/earlier boot/);
      // The same lock written in this boot is held: the boot id is what made the difference.
      await writeFile(backupLockPath(dir), JSON.stringify(lockInfo({ pid: other.pid, bootId: readBootId(), startTicks: readStartTicks(other.pid) })));
      expect((await inspectBackupLock(dir)).state).toBe('held');
    } finally {
      await other.stop();
    }
  });

  it('treats a lock whose PID now belongs to a process with another start time as stale', async () => {
    const dir = await freshStateDir();
    const other = await liveChild();
    try {
      const ticks = readStartTicks(other.pid) as string;
      await writeFile(backupLockPath(dir), JSON.stringify(lockInfo({ pid: other.pid, bootId: readBootId(), startTicks: String(Number(ticks) - 1) })));
      const state = await inspectBackupLock(dir);
      expect(state.state === 'stale' && state.recovered.detail).toMatch(/reused/);
      await writeFile(backupLockPath(dir), JSON.stringify(lockInfo({ pid: other.pid, bootId: readBootId(), startTicks: ticks })));
      expect((await inspectBackupLock(dir)).state).toBe('held');
    } finally {
      await other.stop();
    }
  });

  it('treats an old-format lock (PID only) whose process started after it was written as stale', async () => {
    const dir = await freshStateDir();
    await writeFile(backupLockPath(dir), JSON.stringify(lockInfo({ pid: 1 })));
    const written = new Date(Date.now() - 3_600_000);
    await utimes(backupLockPath(dir), written, written);
    const other = await liveChild();
    try {
      await writeFile(backupLockPath(dir), JSON.stringify(lockInfo({ pid: other.pid })));
      await utimes(backupLockPath(dir), written, written);
      const state = await inspectBackupLock(dir);
      expect(state.state, JSON.stringify(state)).toBe('stale');
    } finally {
      await other.stop();
    }
  });
});

describe('judgeRecordedProcess (fake system)', () => {
  const base: ProcessProbe = {
    selfPid: 100,
    bootId: () => 'boot-b',
    startTicks: () => '500',
    isAlive: () => true,
    bootTimeMs: () => Date.parse('2026-01-02T00:00:00Z'),
    processStartMs: () => Date.parse('2026-01-02T00:01:00Z'),
  };
  const written = Date.parse('2026-01-02T06:00:00Z');

  it('keeps a running writer with the same boot and start time', () => {
    expect(judgeRecordedProcess({ pid: 7, bootId: 'boot-b', startTicks: '500', writtenAtMs: written }, base).running).toBe(true);
  });
  it('drops a record of this process, of an earlier boot, of a dead PID or of a reused PID', () => {
    expect(judgeRecordedProcess({ pid: 100, bootId: 'boot-b', startTicks: '500', writtenAtMs: written }, base).running).toBe(false);
    expect(judgeRecordedProcess({ pid: 7, bootId: 'boot-a', startTicks: '500', writtenAtMs: written }, base).running).toBe(false);
    expect(judgeRecordedProcess({ pid: 7, bootId: 'boot-b', startTicks: '500', writtenAtMs: written }, { ...base, isAlive: () => false }).running).toBe(false);
    expect(judgeRecordedProcess({ pid: 7, bootId: 'boot-b', startTicks: '499', writtenAtMs: written }, base).running).toBe(false);
  });

  // Windows: no /proc, so no boot id and no start ticks; only boot time from os.uptime().
  const windows: ProcessProbe = { ...base, bootId: () => null, startTicks: () => null, processStartMs: () => null };
  it('without /proc, drops a record written before the last boot and keeps one written since', () => {
    const before = Date.parse('2026-01-01T23:00:00Z');
    expect(judgeRecordedProcess({ pid: 7, bootId: null, startTicks: null, writtenAtMs: before }, windows)).toMatchObject({ running: false, detail: expect.stringMatching(/before this host last started/) });
    expect(judgeRecordedProcess({ pid: 7, bootId: null, startTicks: null, writtenAtMs: written }, windows).running).toBe(true);
    expect(judgeRecordedProcess({ pid: 100, bootId: null, startTicks: null, writtenAtMs: written }, windows).running).toBe(false);
  });

  it('drops a PID-only record whose process started after it was written', () => {
    const late = { ...base, processStartMs: () => written + 60_000 };
    expect(judgeRecordedProcess({ pid: 7, writtenAtMs: written }, late).running).toBe(false);
    expect(judgeRecordedProcess({ pid: 7, writtenAtMs: written }, base).running).toBe(true);
  });

  it('reads the start time after the last parenthesis of /proc/<pid>/stat', () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
    expect(parseStatStartTicks(`42 (a b) c (d)) ${fields.join(' ')}`)).toBe('22');
    expect(parseStatStartTicks('garbage')).toBeNull();
  });
});
