import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AzsError } from '../../ts/errors.js';
import { LOCAL_READ_SIZE, LocalTarget } from '../../ts/storage/local.js';
import { listTree, readFiles } from '../../ts/storage/batch.js';
import { openStorageTarget } from '../../ts/storage/open.js';
import { nodeSmbSpawn, SmbClientTarget, type SmbSpawn } from '../../ts/storage/smbclient.js';
import type { StorageTarget } from '../../ts/storage/target.js';
import { parseBackupPath, type UncLocation } from '../../ts/storage/unc.js';
import { startSamba, type SambaOptions, type SambaServer } from '../support/samba.js';

const MiB = 1024 * 1024;
// Azure Stack style names: spaces and ';' are what broke naive smbclient -c quoting.
const LOCATION_DIR = 'AzsBackup;store 1';
const BACKUP_DIR = 'MasterBackup/2024-01-01 00;00 backup';

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function expectAzsError(promise: Promise<unknown>, code: string, secret?: string): Promise<AzsError> {
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
  if (secret !== undefined) {
    const everything = JSON.stringify(azs.toJSON()) + String(azs.stack);
    expect(everything).not.toContain(secret);
  }
  return azs;
}

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'azsb-storage-test-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

function smbTarget(server: SambaServer, sub: string = LOCATION_DIR, overrides: { password?: string; spawn?: SmbSpawn; share?: string } = {}): StorageTarget {
  const parsed = parseBackupPath(`${server.uncPath}\\${sub}`) as UncLocation;
  return new SmbClientTarget(
    { ...parsed, share: overrides.share ?? parsed.share },
    {
      userName: server.userName,
      password: overrides.password ?? server.password,
      env: { ...process.env, ...server.env },
      ...(overrides.spawn === undefined ? {} : { spawn: overrides.spawn }),
    },
  );
}

/** A target whose smbclient processes are recorded: each one's argv and stdin lines, and its pid. */
function spiedTarget(server: SambaServer): { spied: StorageTarget; launched: string[][]; pids: number[] } {
  const launched: string[][] = [];
  const pids: number[] = [];
  const spied = smbTarget(server, LOCATION_DIR, {
    spawn: (req) => {
      launched.push([...req.args, ...req.input.split('\n')]);
      const child = nodeSmbSpawn(req);
      if (child.pid !== undefined) pids.push(child.pid);
      return child;
    },
  });
  return { spied, launched, pids };
}

/** The round trip every server variant must pass. */
async function roundTrip(server: SambaServer): Promise<void> {
  const root = openStorageTarget({ path: server.uncPath, userName: server.userName, password: server.password, env: { ...process.env, ...server.env } });
  await root.ensureDirectory(LOCATION_DIR);
  const target = smbTarget(server);
  await target.ensureDirectory(BACKUP_DIR);
  const data = randomBytes(3 * MiB + 12345);
  const local = path.join(scratch, `upload-${randomBytes(4).toString('hex')}.bin`);
  await writeFile(local, data);
  const rel = `${BACKUP_DIR}/KeyVault;0 vol.000.azsb`;
  await target.upload(local, rel);
  expect(sha256(await readAll(await target.openRead(rel)))).toBe(sha256(data));
  // Also byte-identical as smbd stored it on disk.
  const onDisk = await readFile(path.join(server.shareDir, LOCATION_DIR, ...BACKUP_DIR.split('/'), 'KeyVault;0 vol.000.azsb'));
  expect(sha256(onDisk)).toBe(sha256(data));
  await target.removeDirectory('MasterBackup');
  expect(await target.list('')).toEqual([]);
}

describe('SmbClientTarget against a real smbd', () => {
  let server: SambaServer;
  let target: StorageTarget;

  beforeAll(async () => {
    server = await startSamba();
    const root = openStorageTarget({ path: server.uncPath, userName: server.userName, password: server.password, env: { ...process.env, ...server.env } });
    await root.ensureDirectory(LOCATION_DIR);
    target = smbTarget(server);
  });
  afterAll(async () => {
    await server?.destroy();
  });

  it('describes itself by UNC path only', () => {
    expect(target.description).toBe(`${server.uncPath}\\${LOCATION_DIR}`);
    expect(target.description).not.toContain(server.password);
  });

  it('uploads and downloads byte-identical files with spaces and ; in the names', async () => {
    await target.ensureDirectory(BACKUP_DIR);
    await target.ensureDirectory(BACKUP_DIR); // idempotent
    await target.ensureDirectory(BACKUP_DIR.toUpperCase()); // SMB names are case-insensitive
    const data = randomBytes(4 * MiB + 7);
    const local = path.join(scratch, 'vol 1;a.bin');
    await writeFile(local, data);
    const rel = `${BACKUP_DIR}/NRP;1 volume.000.azsb`;
    await target.upload(local, rel);
    const back = await readAll(await target.openRead(rel));
    expect(back.length).toBe(data.length);
    expect(sha256(back)).toBe(sha256(data));
    expect(sha256(await target.readFile(rel))).toBe(sha256(data));

    // Upload replaces an existing file.
    const smaller = randomBytes(1000);
    await writeFile(local, smaller);
    await target.upload(local, rel);
    expect((await target.readFile(rel)).equals(smaller)).toBe(true);
    // No temporary files left behind.
    expect((await target.list(BACKUP_DIR)).map((e) => e.name)).toEqual(['NRP;1 volume.000.azsb']);
  });

  it('lists a folder tree in one session, and reads several files in one, telling missing files apart', async () => {
    await target.ensureDirectory('batch/a;1/deep');
    await target.ensureDirectory('batch/b 2');
    await target.ensureDirectory('batch/empty');
    await target.writeFile('batch/a;1/info.json', Buffer.from('{"a":1}'));
    await target.writeFile('batch/a;1/deep/v.bin', Buffer.alloc(3000, 1));
    await target.writeFile('batch/b 2/info.json', Buffer.from('{"b":22}'));
    const sessions: string[] = [];
    const counting = smbTarget(server, LOCATION_DIR, {
      spawn: (request) => {
        sessions.push(request.input);
        return nodeSmbSpawn(request);
      },
    });

    const tree = await listTree(counting, 'batch');
    expect(sessions).toHaveLength(1);
    const names = (rel: string) => (tree.get(rel) ?? []).map((e) => `${e.name}${e.isDirectory ? '/' : `:${e.size}`}`).sort();
    expect([...tree.keys()].sort()).toEqual(['', 'a;1', 'a;1/deep', 'b 2', 'empty']);
    expect(names('')).toEqual(['a;1/', 'b 2/', 'empty/']);
    expect(names('a;1')).toEqual(['deep/', 'info.json:7']);
    expect(names('a;1/deep')).toEqual(['v.bin:3000']);
    expect(names('empty')).toEqual([]);
    // The local target gives the same tree through the generic walk.
    const local = new LocalTarget(path.join(server.shareDir, LOCATION_DIR));
    const localTree = await listTree(local, 'batch');
    expect([...localTree.keys()].sort()).toEqual([...tree.keys()].sort());
    expect(await listTree(counting, 'no such folder')).toEqual(new Map());

    sessions.length = 0;
    const files = await readFiles(counting, ['batch/a;1/info.json', 'batch/missing/info.json', 'batch/b 2/info.json', 'batch/a;1/deep/v.bin']);
    expect(sessions).toHaveLength(1);
    expect(files.get('batch/a;1/info.json')?.toString()).toBe('{"a":1}');
    expect(files.get('batch/b 2/info.json')?.toString()).toBe('{"b":22}');
    expect(files.get('batch/a;1/deep/v.bin')).toEqual(Buffer.alloc(3000, 1));
    expect(files.get('batch/missing/info.json')).toBeNull();

    // A failure that is not "not found" is an error, never a null: a file the account may not
    // read is that file's error; the share stopping rejects the whole read.
    await target.writeFile('batch/b 2/locked.json', Buffer.from('{}'));
    await chmod(path.join(server.shareDir, LOCATION_DIR, 'batch', 'b 2', 'locked.json'), 0o000);
    const mixed = await readFiles(counting, ['batch/b 2/locked.json', 'batch/b 2/info.json']);
    expect(mixed.get('batch/b 2/locked.json')).toBeInstanceOf(AzsError);
    expect((mixed.get('batch/b 2/locked.json') as AzsError).code).toBe('ShareAuthentication');
    expect(mixed.get('batch/b 2/info.json')?.toString()).toBe('{"b":22}');
    await server.stop();
    try {
      await expectAzsError(readFiles(counting, ['batch/a;1/info.json']), 'ShareConnectivity');
    } finally {
      await server.restart();
    }
  });

  it('reports a file of a batch read that arrived shorter than smbclient announced, and only that one', async () => {
    await target.ensureDirectory('short');
    const names = ['one', 'two', 'three'].map((n) => `short/${n}.json`);
    for (const [i, name] of names.entries()) await target.writeFile(name, Buffer.alloc(1000 + i, 65 + i));
    // The real smbclient downloads all three; the second is then cut short in the local folder,
    // as a full disk or a killed transfer would leave it.
    const cutting = smbTarget(server, LOCATION_DIR, {
      spawn: (request) => {
        const child = nodeSmbSpawn(request);
        const dir = /^lcd "(.*)"$/m.exec(request.input)?.[1];
        const exited = child.exited.then(async (exit) => {
          if (dir !== undefined) await writeFile(path.join(dir, 'f1'), Buffer.alloc(10, 66));
          return exit;
        });
        return { pid: child.pid, stdout: child.stdout, stderr: child.stderr, exited, kill: () => child.kill() };
      },
    });
    const files = await readFiles(cutting, names);
    expect(files.get(names[0]!)).toEqual(Buffer.alloc(1000, 65));
    expect(files.get(names[2]!)).toEqual(Buffer.alloc(1002, 67));
    const cut = files.get(names[1]!);
    expect(cut).toBeInstanceOf(AzsError);
    expect((cut as AzsError).message).toContain('the file was not received whole');
    // The same read without the cut gets all three whole.
    const whole = await readFiles(target, names);
    expect(whole.get(names[1]!)).toEqual(Buffer.alloc(1001, 66));
  });

  it('reads an empty file', async () => {
    await target.writeFile('empty.json', Buffer.alloc(0));
    expect((await target.readFile('empty.json')).length).toBe(0);
  });

  it('lists names, sizes, kinds and modification times', async () => {
    await target.ensureDirectory('listing/sub dir;x');
    await target.writeFile('listing/a file;1.json', Buffer.from('{"a":1}'));
    await target.writeFile('listing/ünïcödé name.txt', Buffer.from('x'.repeat(123)));
    const longName = `${'long name with spaces '.repeat(4)}end.bin`;
    await target.writeFile(`listing/${longName}`, Buffer.alloc(5));
    const entries = await target.list('listing');
    const byName = new Map(entries.map((e) => [e.name, e]));
    expect([...byName.keys()].sort()).toEqual(['a file;1.json', longName, 'sub dir;x', 'ünïcödé name.txt'].sort());
    expect(byName.get('a file;1.json')).toMatchObject({ isDirectory: false, size: 7 });
    expect(byName.get('ünïcödé name.txt')).toMatchObject({ isDirectory: false, size: 123 });
    expect(byName.get(longName)).toMatchObject({ isDirectory: false, size: 5 });
    expect(byName.get('sub dir;x')).toMatchObject({ isDirectory: true });
    for (const entry of entries) {
      const st = await stat(path.join(server.shareDir, LOCATION_DIR, 'listing', entry.name));
      // smbclient prints whole seconds; a difference of exactly 1000 ms was seen once under load
      // (scripts/test, 2026-12-01), so the bound allows one second each way. A time zone or
      // parsing error would be hours or years off.
      expect(Math.abs(entry.modified.getTime() - st.mtime.getTime())).toBeLessThan(2000);
    }
    expect(await target.list('does not exist')).toEqual([]);
  });

  it('reports a 20 GiB sparse file size exactly (wider than the size column)', async () => {
    const dir = path.join(server.shareDir, LOCATION_DIR, 'sparse');
    await mkdir(dir, { recursive: true });
    const size = 20 * 1024 * MiB + 3;
    const fh = await (await import('node:fs/promises')).open(path.join(dir, 'huge;sparse.bin'), 'w');
    await fh.truncate(size);
    await fh.close();
    const [entry] = await target.list('sparse');
    expect(entry).toMatchObject({ name: 'huge;sparse.bin', size, isDirectory: false });
  });

  it('renames over an existing file', async () => {
    await target.ensureDirectory('rename');
    await target.writeFile('rename/current;1.json', Buffer.from('old'));
    await target.writeFile('rename/next 1.json', Buffer.from('new'));
    await target.rename('rename/next 1.json', 'rename/current;1.json');
    expect((await target.readFile('rename/current;1.json')).toString()).toBe('new');
    expect((await target.list('rename')).map((e) => e.name)).toEqual(['current;1.json']);
  });

  it('writes files atomically: a reader sees the old or the new content, never a mix', async () => {
    await target.ensureDirectory('atomic');
    const a = Buffer.alloc(2 * MiB, 'a');
    const b = Buffer.alloc(2 * MiB + 1, 'b');
    await target.writeFile('atomic/meta;data.json', a);
    const onDisk = path.join(server.shareDir, LOCATION_DIR, 'atomic', 'meta;data.json');
    let stop = false;
    let reads = 0;
    const reader = (async () => {
      while (!stop) {
        const seen = await readFile(onDisk);
        reads++;
        if (!seen.equals(a) && !seen.equals(b)) throw new Error(`torn read of ${seen.length} bytes`);
      }
    })();
    for (let i = 0; i < 4; i++) await target.writeFile('atomic/meta;data.json', i % 2 === 0 ? b : a);
    stop = true;
    await reader;
    expect(reads).toBeGreaterThan(0);
    expect((await target.readFile('atomic/meta;data.json')).equals(a)).toBe(true);
    expect((await readdir(path.dirname(onDisk))).sort()).toEqual(['meta;data.json']);
  });

  it('removes files and directory trees, idempotently', async () => {
    await target.ensureDirectory('tree/a b/c;d');
    await target.writeFile('tree/a b/c;d/f.bin', randomBytes(100));
    await target.writeFile('tree/top.bin', randomBytes(100));
    await target.removeFile('tree/top.bin');
    await target.removeFile('tree/top.bin');
    expect((await target.list('tree')).map((e) => e.name)).toEqual(['a b']);
    await target.removeDirectory('tree');
    await target.removeDirectory('tree');
    expect((await target.list('')).map((e) => e.name)).not.toContain('tree');
    await expect(target.removeDirectory('')).rejects.toMatchObject({ code: 'InvalidParameter' });
  });

  it('reports capacity like the file system under the share', async () => {
    const cap = (await target.capacity())!;
    const fs = await statfs(server.shareDir);
    const total = fs.blocks * fs.bsize;
    expect(cap.totalBytes).toBeGreaterThan(0);
    expect(cap.freeBytes).toBeGreaterThan(0);
    expect(cap.freeBytes).toBeLessThanOrEqual(cap.totalBytes);
    expect(Math.abs(cap.totalBytes - total) / total).toBeLessThan(0.01);
  });

  it('streams a 50 MiB file without buffering it, and negotiates SMB3 with signing or encryption', async () => {
    const size = 50 * MiB;
    const big = randomBytes(size);
    await mkdir(path.join(server.shareDir, LOCATION_DIR, 'stream'), { recursive: true });
    await writeFile(path.join(server.shareDir, LOCATION_DIR, 'stream', 'big;file.bin'), big);

    const stream = await target.openRead('stream/big;file.bin');
    // Nobody reads for a while: smbclient must block on the pipe instead of us buffering.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(stream.readableLength).toBeLessThan(4 * MiB);

    // While the session is held open, ask smbd what was negotiated.
    const status = execFileSync('smbstatus', [`--configfile=${server.configFile}`, '--shares'], { encoding: 'utf8' });
    const sessions = execFileSync('smbstatus', [`--configfile=${server.configFile}`, '--processes'], { encoding: 'utf8' });
    expect(sessions).toMatch(/SMB3_11/);
    // "desired" on both sides: with smbd's defaults the tree connect is encrypted (AES).
    expect(status).toMatch(/AES-\d+-(GCM|CCM)/);

    const hash = createHash('sha256');
    let received = 0;
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    for await (const chunk of stream) {
      hash.update(chunk as Buffer);
      received += (chunk as Buffer).length;
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    }
    expect(received).toBe(size);
    expect(hash.digest('hex')).toBe(sha256(big));
    expect(rssPeak - rssBefore).toBeLessThan(40 * MiB);
  });

  it('moves files with a 256 KiB smbclient buffer, streamed reads and session writes alike', async () => {
    const { spied, launched } = spiedTarget(server);
    const data = await readAll(await spied.openRead('stream/big;file.bin'));
    expect(data.length).toBe(50 * MiB);
    const local = path.join(scratch, 'buffer-upload.bin');
    const content = randomBytes(3 * MiB + 7);
    await writeFile(local, content);
    await spied.ensureDirectory('buffers');
    await spied.upload(local, 'buffers/up.bin');
    expect(sha256(await readFile(path.join(server.shareDir, LOCATION_DIR, 'buffers', 'up.bin')))).toBe(sha256(content));
    const get = launched.find((l) => l.some((a) => a.startsWith('get ')));
    const put = launched.find((l) => l.some((a) => a.startsWith('put ')));
    expect(get).toContain('--send-buffer=262144');
    expect(put).toContain('--send-buffer=262144');
  });

  it('kills smbclient when a reader gives up early', async () => {
    const { spied, pids } = spiedTarget(server);
    const stream = await spied.openRead('stream/big;file.bin');
    for await (const _chunk of stream) break; // destroys the stream
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(pids).toHaveLength(1);
    expect(() => process.kill(pids[0] as number, 0)).toThrow();
  });

  it('copies a file whole to a local path with smbclient writing it, in a process of its own', async () => {
    const { spied, launched } = spiedTarget(server);
    const content = randomBytes(9 * MiB + 3);
    await mkdir(path.join(server.shareDir, LOCATION_DIR, 'copies'), { recursive: true });
    await writeFile(path.join(server.shareDir, LOCATION_DIR, 'copies', 'vol;1 a.azsb'), content);
    const local = path.join(scratch, 'copy 1;a.azsb');
    // A listing first opens the shared session; the copy must not run inside it.
    await spied.list('copies');
    await spied.download!('copies/vol;1 a.azsb', local);
    expect(sha256(await readFile(local))).toBe(sha256(content));
    expect(launched).toHaveLength(2);
    expect(launched[1]).toContain(`get "\\${LOCATION_DIR}\\copies\\vol;1 a.azsb" "${local}"`);

    const missing = await expectAzsError(spied.download!('copies/no such volume.azsb', path.join(scratch, 'missing.azsb')), 'SharePathFault', server.password);
    expect(missing.message).toContain('no such volume.azsb');
  });

  it('stops a copy and its smbclient when the copy is aborted', async () => {
    const { spied, pids } = spiedTarget(server);
    await mkdir(path.join(server.shareDir, LOCATION_DIR, 'copies'), { recursive: true });
    await writeFile(path.join(server.shareDir, LOCATION_DIR, 'copies', 'large.azsb'), randomBytes(64 * MiB));
    const stop = new AbortController();
    const copying = spied.download!('copies/large.azsb', path.join(scratch, 'aborted.azsb'), stop.signal);
    stop.abort();
    await expect(copying).rejects.toThrow();
    expect(pids).toHaveLength(1);
    expect(() => process.kill(pids[0] as number, 0)).toThrow();
    // An abort before the start starts nothing.
    await expect(spied.download!('copies/large.azsb', path.join(scratch, 'aborted.azsb'), stop.signal)).rejects.toThrow();
    expect(pids).toHaveLength(1);
  });

  it('keeps the password out of argv and the environment of smbclient', async () => {
    const seen: { cmdline: string; environ: string; secret: string }[] = [];
    const spawnSpy: SmbSpawn = (req) => {
      const child = nodeSmbSpawn(req);
      // Node returns from spawn after the exec, so /proc shows smbclient itself.
      seen.push({
        cmdline: readProc(child.pid, 'cmdline'),
        environ: readProc(child.pid, 'environ'),
        secret: Buffer.from(req.secret ?? []).toString('utf8'),
      });
      return child;
    };
    const spied = smbTarget(server, LOCATION_DIR, { spawn: spawnSpy });
    await spied.writeFile('argv-check.json', Buffer.from('{}'));
    await spied.list('');
    expect(seen.length).toBeGreaterThanOrEqual(3);
    for (const s of seen) {
      expect(s.cmdline).toContain('smbclient');
      expect(s.cmdline).not.toContain(server.password);
      expect(s.environ).toContain('PASSWD_FD=3');
      expect(s.environ).not.toContain(server.password);
      expect(s.secret).toContain(server.password);
    }
  });

  it('runs a sequence of operations in one smbclient session, with no secret in its argv or environment, and ends it on close', async () => {
    // smbclient as the target finds it, counting processes: each start appends its pid.
    const wrapperDir = await mkdtemp(path.join(scratch, 'wrap-'));
    const log = path.join(wrapperDir, 'starts.log');
    const wrapper = path.join(wrapperDir, 'smbclient');
    await writeFile(wrapper, `#!/bin/sh\necho $$ >> '${log}'\nexec /usr/bin/smbclient "$@"\n`, { mode: 0o755 });
    const parsed = parseBackupPath(`${server.uncPath}\\${LOCATION_DIR}`) as UncLocation;
    const make = () => new SmbClientTarget(parsed, { userName: server.userName, password: server.password, env: { ...process.env, ...server.env }, smbclientPath: wrapper });
    const starts = async (): Promise<string[]> => (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean);

    const session = make();
    await session.ensureDirectory('session/a;1');
    await session.writeFile('session/a;1/info.json', Buffer.from('{"one":1}'));
    await session.writeFile('session/a;1/other.json', Buffer.from('{"two":2}'));
    await session.rename('session/a;1/other.json', 'session/a;1/renamed.json');
    expect((await session.list('session/a;1')).map((e) => e.name).sort()).toEqual(['info.json', 'renamed.json']);
    const tree = await listTree(session, 'session');
    expect([...tree.keys()].sort()).toEqual(['', 'a;1']);
    const read = await readFiles(session, ['session/a;1/info.json', 'session/a;1/missing.json']);
    expect(read.get('session/a;1/info.json')?.toString()).toBe('{"one":1}');
    expect(read.get('session/a;1/missing.json')).toBeNull();
    expect((await session.capacity())?.totalBytes).toBeGreaterThan(0);
    // A listing after `recurse ON` and `du` after `cd` see the session's settings put back.
    expect((await session.list('session')).map((e) => e.name)).toEqual(['a;1']);
    await session.removeFile('session/a;1/renamed.json');
    const pids = await starts();
    expect(pids, 'one smbclient for the whole sequence').toHaveLength(1);

    // The running session: no password in its argv or its environment.
    const pid = Number(pids[0]);
    expect(readProc(pid, 'cmdline')).toContain('smbclient');
    expect(readProc(pid, 'cmdline')).not.toContain(server.password);
    expect(readProc(pid, 'environ')).toContain('PASSWD_FD=3');
    expect(readProc(pid, 'environ')).not.toContain(server.password);
    await session.close();
    expect(existsSync(`/proc/${pid}`), 'smbclient ended by close()').toBe(false);

    // Each operation as its own process, for comparison: the same calls start one smbclient each.
    const before = (await starts()).length;
    const spawned = new SmbClientTarget(parsed, { userName: server.userName, password: server.password, env: { ...process.env, ...server.env }, smbclientPath: wrapper, spawn: nodeSmbSpawn });
    await spawned.list('session/a;1');
    await spawned.list('session');
    expect((await starts()).length - before).toBe(2);
    await rm(wrapperDir, { recursive: true, force: true });
  });

  it('wrong password → ShareAuthentication, without the password in the error', async () => {
    const wrong = `${server.password}-wrong`;
    const bad = smbTarget(server, LOCATION_DIR, { password: wrong });
    const err = await expectAzsError(bad.list(''), 'ShareAuthentication', wrong);
    expect(err.message).toContain('NT_STATUS_LOGON_FAILURE');
    expect(err.message).toContain(server.uncPath);
    expect(err.target).toBe(`${server.uncPath}\\${LOCATION_DIR}`);
    expect(err.message).not.toContain(server.password);
  });

  it('wrong share name → SharePathFault', async () => {
    const bad = smbTarget(server, LOCATION_DIR, { share: 'nosuchshare' });
    const err = await expectAzsError(bad.list(''), 'SharePathFault', server.password);
    expect(err.message).toContain('NT_STATUS_BAD_NETWORK_NAME');
  });

  it('missing folder inside the share → SharePathFault for writes, [] for listings', async () => {
    const bad = smbTarget(server, 'no such folder;x');
    expect(await bad.list('')).toEqual([]);
    await expectAzsError(bad.ensureDirectory('sub'), 'SharePathFault', server.password);
    await expectAzsError(bad.writeFile('a.json', Buffer.from('{}')), 'SharePathFault', server.password);
    await expectAzsError(target.readFile('no such file.json'), 'SharePathFault', server.password);
    await expectAzsError(target.openRead('no such file.json'), 'SharePathFault', server.password);
  });

  it('a path that is a file where a folder is needed is a fault', async () => {
    await target.writeFile('plainfile', Buffer.from('x'));
    await expectAzsError(target.ensureDirectory('plainfile'), 'ShareGeneralFault', server.password);
  });

  it('full share → ShareOutOfCapacity, no torn file left, capacity of the folder volume', async (ctx) => {
    // A 1 MiB tmpfs mounted inside the share stands in for a full file server volume.
    const mnt = path.join(server.shareDir, LOCATION_DIR, 'full volume');
    await mkdir(mnt);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0777', 'tmpfs', mnt]);
    } catch {
      ctx.skip();
      return;
    }
    try {
      const full = smbTarget(server, `${LOCATION_DIR}\\full volume`);
      const local = path.join(scratch, 'too-big.bin');
      await writeFile(local, randomBytes(3 * MiB));
      const err = await expectAzsError(full.upload(local, 'vol.000.azsb'), 'ShareOutOfCapacity', server.password);
      expect(err.message).toContain('NT_STATUS_DISK_FULL');
      expect(await readdir(mnt)).toEqual([]);
      const cap = (await full.capacity())!;
      expect(cap.totalBytes).toBe(MiB);
    } finally {
      execFileSync('umount', [mnt]);
    }
  });

  it('server stopped → ShareConnectivity; works again after a restart', async () => {
    await server.stop();
    try {
      const err = await expectAzsError(target.list(''), 'ShareConnectivity', server.password);
      expect(err.message).toContain('NT_STATUS_CONNECTION_REFUSED');
      await expectAzsError(target.openRead('empty.json'), 'ShareConnectivity', server.password);
      await expectAzsError(target.capacity(), 'ShareConnectivity', server.password);
    } finally {
      await server.restart();
    }
    expect((await target.readFile('rename/current;1.json')).toString()).toBe('new');
  });
});

function readProc(pid: number | undefined, file: string): string {
  if (pid === undefined) return '';
  try {
    return execFileSync('cat', [`/proc/${pid}/${file}`], { encoding: 'latin1' }).replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

describe.each<[string, SambaOptions]>([
  ['server signing = mandatory', { signingMandatory: true }],
  ['server min protocol = SMB3 (SMB3 only)', { smb3Only: true }],
  ['server smb encrypt = required', { extraGlobal: { 'server smb encrypt': 'required' } }],
])('round trip with %s', (_label, options) => {
  let server: SambaServer;
  beforeAll(async () => {
    server = await startSamba(options);
  });
  afterAll(async () => {
    await server?.destroy();
  });

  it('uploads, downloads and deletes', async () => {
    await roundTrip(server);
  });
});

describe('LocalTarget', () => {
  let root: string;
  let target: StorageTarget;
  beforeAll(async () => {
    root = path.join(scratch, 'local location;1');
    await mkdir(root);
    target = openStorageTarget({ path: root });
  });

  it('is chosen for absolute local paths', () => {
    expect(target).toBeInstanceOf(LocalTarget);
    expect(target.description).toBe(root);
  });

  it('round-trips files, lists, renames over and removes', async () => {
    await target.ensureDirectory(BACKUP_DIR);
    const data = randomBytes(2 * MiB);
    const local = path.join(scratch, 'local-src.bin');
    await writeFile(local, data);
    await target.upload(local, `${BACKUP_DIR}/a;b c.bin`);
    expect(sha256(await readAll(await target.openRead(`${BACKUP_DIR}/a;b c.bin`)))).toBe(sha256(data));
    await target.writeFile(`${BACKUP_DIR}/x.json`, Buffer.from('1'));
    await target.writeFile(`${BACKUP_DIR}/y.json`, Buffer.from('2'));
    await target.rename(`${BACKUP_DIR}/y.json`, `${BACKUP_DIR}/x.json`);
    expect((await target.readFile(`${BACKUP_DIR}/x.json`)).toString()).toBe('2');
    const entries = await target.list(BACKUP_DIR);
    expect(entries.map((e) => e.name).sort()).toEqual(['a;b c.bin', 'x.json']);
    expect(entries.find((e) => e.name === 'a;b c.bin')).toMatchObject({ size: 2 * MiB, isDirectory: false });
    expect((await target.list('MasterBackup'))[0]).toMatchObject({ isDirectory: true });
    expect(await target.list('nope')).toEqual([]);
    await target.removeFile(`${BACKUP_DIR}/x.json`);
    await target.removeFile(`${BACKUP_DIR}/x.json`);
    await target.removeDirectory('MasterBackup');
    await target.removeDirectory('MasterBackup');
    expect(await target.list('')).toEqual([]);
  });

  it('streams openRead in large reads, not the 64 KiB default', async () => {
    await target.ensureDirectory(BACKUP_DIR);
    const data = randomBytes(3 * MiB + 123);
    await target.writeFile(`${BACKUP_DIR}/volume.bin`, data);
    const stream = await target.openRead(`${BACKUP_DIR}/volume.bin`);
    expect(stream.readableHighWaterMark).toBe(LOCAL_READ_SIZE);
    expect(LOCAL_READ_SIZE).toBeGreaterThanOrEqual(MiB);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    expect(sha256(Buffer.concat(chunks))).toBe(sha256(data));
    expect(Math.max(...chunks.map((c) => c.length))).toBe(LOCAL_READ_SIZE);
    await target.removeDirectory('MasterBackup');
  });

  it('reports capacity from statfs', async () => {
    const cap = (await target.capacity())!;
    expect(cap.totalBytes).toBeGreaterThan(0);
    expect(cap.freeBytes).toBeLessThanOrEqual(cap.totalBytes);
  });

  it('maps a missing location folder to SharePathFault and never creates it', async () => {
    const gone = openStorageTarget({ path: path.join(scratch, 'unmounted share') });
    const err = await expectAzsError(gone.ensureDirectory('x'), 'SharePathFault');
    expect(err.message).toContain('does not exist');
    await expectAzsError(gone.writeFile('a.json', Buffer.from('{}')), 'SharePathFault');
    await expectAzsError(gone.capacity(), 'SharePathFault');
    await expect(stat(path.join(scratch, 'unmounted share'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expectAzsError(target.readFile('missing.json'), 'SharePathFault');
  });

  it('maps a file in place of a folder to SharePathFault (ENOTDIR)', async () => {
    await target.writeFile('file', Buffer.from('x'));
    const err = await expectAzsError(target.writeFile('file/child.json', Buffer.from('{}')), 'SharePathFault');
    expect(err.message).toContain('ENOTDIR');
  });

  it('maps a read-only file system to ShareGeneralFault with a permission remediation', async (ctx) => {
    // root ignores file modes, so a read-only mount is how to get a refusal here.
    const mnt = path.join(scratch, 'readonly');
    await mkdir(mnt);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', mnt]);
    } catch {
      ctx.skip();
      return;
    }
    try {
      const ro = openStorageTarget({ path: mnt });
      const err = await expectAzsError(ro.writeFile('a.json', Buffer.from('{}')), 'ShareGeneralFault');
      expect(err.message).toContain('EROFS');
      expect(err.remediation).toMatch(/permission/);
    } finally {
      execFileSync('umount', [mnt]);
    }
  });

  it('maps ENOSPC to ShareOutOfCapacity on a full tmpfs', async (ctx) => {
    const mnt = path.join(scratch, 'tiny');
    await mkdir(mnt);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt]);
    } catch {
      ctx.skip();
      return;
    }
    try {
      const tiny = openStorageTarget({ path: mnt });
      await expectAzsError(tiny.writeFile('big.bin', Buffer.alloc(4 * MiB)), 'ShareOutOfCapacity');
      expect(await readdir(mnt)).toEqual([]);
    } finally {
      execFileSync('umount', [mnt]);
    }
  });
});
