// Issue 15's interactive figures, for scripts/bench: how long listing and a small backup take as
// backups accumulate on the share. Times the real binary and the real module in one warm pwsh.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function timed(file, args, options) {
  const start = process.hrtime.bigint();
  const r = spawnSync(file, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} failed (${r.status}): ${r.stdout}${r.stderr}`);
  return { seconds, stdout: r.stdout };
}

/**
 * The glibc malloc settings the module (AzsBackup.psm1) and the service unit (systemd-unit.ts)
 * start the engine with; the bench starts it the same way.
 */
export const ENGINE_MALLOC_ENV = { MALLOC_ARENA_MAX: '2', MALLOC_TRIM_THRESHOLD_: '67108864', MALLOC_MMAP_THRESHOLD_: '33554432' };

/**
 * Makes `count` backups of a one-file role on a share folder, timing the first and the last ones,
 * then times `azsbackup backup list` (cold: no local cache, as on a new host; bare: neither a local
 * cache nor the location's index, so every BackupInfo.json is read; warm), `azsbackup --version`
 * (the engine's start alone, for reference) and, in one warm pwsh
 * session, Get-AzsBackup and Get-AzsBackupStatus. Returns the figures; prints nothing. Throws if
 * the three listings do not list the same backups.
 */
export function listingLatency({ work, samba, cert, binary, pwsh, manifest, count = 100, log = () => {} }) {
  const home = join(work, 'listing-home');
  const role = join(work, 'listing-role');
  const folder = 'bench-listing';
  mkdirSync(role, { recursive: true });
  writeFileSync(join(role, 'settings.json'), '{"role":"one file"}\n');
  mkdirSync(join(samba.shareDir, folder), { mode: 0o777 });
  chmodSync(join(samba.shareDir, folder), 0o777);
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', ...samba.env, AZSBACKUP_HOME: home, ...ENGINE_MALLOC_ENV };
  const engine = (args, input = '') => timed(binary, args, { env, input });
  engine(['config', 'set', '--path', `${samba.uncPath}\\${folder}`, '--user-name', samba.userName, '--encryption-cert', cert.cerPath, '--retention', '14', '--secrets-stdin'], JSON.stringify({ password: samba.password }));
  engine(['role', 'add', '--name', 'OneFile', '--path', role]);

  const backupSeconds = [];
  for (let i = 0; i < count; i++) {
    backupSeconds.push(engine(['backup', 'start']).seconds);
    if ((i + 1) % 20 === 0) log(`  ${i + 1} backups made`);
  }
  const listCold = [];
  const listBare = [];
  const listWarm = [];
  const startOnly = [];
  let listed = 0;
  const index = join(samba.shareDir, folder, 'MASBackup', 'AzsBackupIndex.json');
  const dataOf = (run) => JSON.parse(run.stdout.trim().split('\n').pop()).data;
  for (let i = 0; i < 3; i++) {
    rmSync(join(home, 'share-index.json'), { force: true });
    renameSync(index, `${index}.aside`);
    const bare = engine(['backup', 'list']);
    renameSync(`${index}.aside`, index);
    listBare.push(bare.seconds);
    rmSync(join(home, 'share-index.json'), { force: true });
    const cold = engine(['backup', 'list']);
    listCold.push(cold.seconds);
    const warm = engine(['backup', 'list']);
    listWarm.push(warm.seconds);
    // What starting the engine costs on the machine as it is now: the floor of every listing.
    startOnly.push(engine(['--version']).seconds);
    const expected = JSON.stringify(dataOf(bare));
    if (JSON.stringify(dataOf(cold)) !== expected || JSON.stringify(dataOf(warm)) !== expected) throw new Error('backup list: the listings with and without caches differ');
    listed = dataOf(cold).length;
  }

  const script = join(work, 'listing-latency.ps1');
  writeFileSync(
    script,
    [
      "$ErrorActionPreference = 'Stop'",
      `Import-Module '${manifest.replace(/'/g, "''")}'`,
      '$null = Get-AzsBackup; $null = Get-AzsBackupStatus -WarningAction SilentlyContinue',
      '$list = foreach ($i in 1..3) { (Measure-Command { $script:b = @(Get-AzsBackup) }).TotalSeconds }',
      '$status = foreach ($i in 1..3) { (Measure-Command { $null = Get-AzsBackupStatus -WarningAction SilentlyContinue }).TotalSeconds }',
      '@{ list = $list; status = $status; count = $script:b.Count } | ConvertTo-Json -Compress',
    ].join('\n'),
  );
  const ps = JSON.parse(timed(pwsh, ['-NoLogo', '-NoProfile', '-NonInteractive', '-File', script], { env: { ...env, DOTNET_ROLL_FORWARD: 'Major' } }).stdout.trim().split('\n').pop());
  rmSync(join(samba.shareDir, folder), { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
  return {
    count,
    listed,
    pwshListed: ps.count,
    firstBackup: backupSeconds[0],
    lastBackups: median(backupSeconds.slice(-10)),
    listCold: median(listCold),
    listBare: median(listBare),
    listWarm: median(listWarm),
    engineStart: median(startOnly),
    getAzsBackup: median(ps.list),
    getAzsBackupStatus: median(ps.status),
  };
}
