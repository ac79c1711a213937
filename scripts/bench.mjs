// Benchmark: AzsBackup's backup and restore throughput to a real Samba share and its peak RSS,
// beside its peers in the same run on the same data (issue 15): restic writing to the same share
// through rclone's smb backend, restic with a local repository, and the plain pipeline
// `tar | zstd -1 -T1 | smbclient put`; the same on a tree of 100 000 small files; the peak-RSS
// series over data-set sizes; the listing latencies with 100 backups kept; and (issue 14) backup
// and restore to an Azure Blob container on a real Azurite. Prints figures and ratios; exits 0
// whatever they are, non-zero on errors.
//
//   node_modules/.bin/node scripts/bench.mjs --help
//
// Run it through scripts/bench, which builds the binary first when it is missing.
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import {
  chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, readdirSync,
  realpathSync, rmSync, statSync, statfsSync, writeFileSync, writeSync,
} from 'node:fs';
import { availableParallelism, cpus, totalmem, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ENGINE_MALLOC_ENV, listingLatency } from './bench-listing.mjs';
import { observeProtection, plainSmbclientArgs, resticSmbEnv } from './bench-peers.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const BINARY = process.env.AZSBACKUP_BINARY ?? join(ROOT, 'binaries', `${process.platform === 'win32' ? 'win' : process.platform}-${process.arch}`, 'azsbackup');

// ---------------------------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------------------------

function usage() {
  return `usage: scripts/bench [options]
  --size-mib N          size of the main data set (default 1024)
  --rss-series          also run AzsBackup at each --series-mib size for the peak-RSS series
  --no-rss-series       skip it (default: on, for the sizes the free disk space allows)
  --series-mib LIST     comma-separated sizes for the series (default 100,1024,4096)
  --volume-size-mib N   passed to 'config set --volume-size-mib' (default: the engine's)
  --no-restic           skip both restic runs (same SMB share, local repository)
  --no-plain            skip the plain pipeline (tar | zstd -1 -T1 | smbclient put)
  --small-files N       files in the small-file tree (default 100000)
  --no-small-files      skip the small-file tree
  --file-series LIST    file counts for the peak-RSS series, each point the same data (default 1000,100000,1000000)
  --no-file-series      skip it
  --no-blob             skip the Azure Blob (Azurite) run beside the SMB one
  --no-listing          skip the listing latencies (backups accumulated on the share)
  --listing-count N     backups made for the listing latencies (default 100)
  --no-profile          skip the stage breakdown (smbclient alone, local-folder target, ...)
  --seed N              data generator seed (default 1)
  --work-dir DIR        where the data, repositories and restores go (default: a temp dir on disk)
  --keep                do not delete the work directory at the end`;
}

function parseArgs(argv) {
  const o = { sizeMiB: 1024, series: null, seriesMiB: [100, 1024, 4096], volumeSizeMiB: null, restic: true, plain: true, smallFiles: 100000, fileSeries: [1000, 100000, 1000000], blob: true, profile: true, listing: true, listingCount: 100, seed: 1, workDir: null, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value\n${usage()}`);
      return v;
    };
    const num = (v) => {
      const n = Number(v);
      if (!Number.isFinite(n) || n <= 0) throw new Error(`${a}: not a positive number: ${v}`);
      return n;
    };
    if (a === '--size-mib') o.sizeMiB = num(value());
    else if (a === '--rss-series') o.series = true;
    else if (a === '--no-rss-series') o.series = false;
    else if (a === '--series-mib') o.seriesMiB = value().split(',').map(num);
    else if (a === '--volume-size-mib') o.volumeSizeMiB = num(value());
    else if (a === '--no-restic') o.restic = false;
    else if (a === '--no-plain') o.plain = false;
    else if (a === '--small-files') o.smallFiles = num(value());
    else if (a === '--no-small-files') o.smallFiles = 0;
    else if (a === '--file-series') o.fileSeries = value().split(',').map(num);
    else if (a === '--no-file-series') o.fileSeries = [];
    else if (a === '--no-blob') o.blob = false;
    else if (a === '--no-profile') o.profile = false;
    else if (a === '--no-listing') o.listing = false;
    else if (a === '--listing-count') o.listingCount = num(value());
    else if (a === '--seed') o.seed = num(value());
    else if (a === '--work-dir') o.workDir = resolve(value());
    else if (a === '--keep') o.keep = true;
    else if (a === '--help' || a === '-h') {
      console.log(usage());
      process.exit(0);
    } else throw new Error(`unknown option ${a}\n${usage()}`);
  }
  return o;
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

const log = (...args) => console.log(...args);
const note = (text) => console.log(`  · ${text}`);
const fmtMiB = (bytes) => (bytes / MiB).toFixed(bytes >= 100 * MiB ? 0 : 1);
const fmtSize = (bytes) => (bytes >= GiB ? `${(bytes / GiB).toFixed(2)} GiB` : `${(bytes / MiB).toFixed(0)} MiB`);
const rate = (bytes, seconds) => bytes / MiB / seconds;

function freeBytes(dir) {
  const s = statfsSync(dir);
  return Number(s.bavail) * Number(s.bsize);
}

const TMPFS_MAGIC = 0x01021994;
const RAMFS_MAGIC = 0x858458f6;
/** A temp root on a real disk: os.tmpdir() unless it is tmpfs/ramfs, then /var/tmp. */
function diskTempRoot() {
  for (const candidate of [tmpdir(), '/var/tmp', ROOT]) {
    try {
      const type = Number(statfsSync(candidate).type);
      if (type !== TMPFS_MAGIC && type !== RAMFS_MAGIC) return { dir: candidate, skipped: candidate === tmpdir() ? null : tmpdir() };
    } catch {
      // try the next one
    }
  }
  throw new Error('no disk-backed temp directory found (tmpdir and /var/tmp are tmpfs)');
}

function run(file, args, options = {}) {
  const r = spawnSync(file, args, { encoding: 'utf8', maxBuffer: 256 * MiB, ...options });
  if (r.error) throw new Error(`${file} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0 && !options.allowFail) throw new Error(`${file} ${args.join(' ')} exited ${r.status}:\n${r.stderr}\n${r.stdout}`.slice(0, 4000));
  return r;
}

const sync = () => spawnSync('sync');

/**
 * Two decimals, or as many more as it takes for a figure on the wrong side of its target not to
 * print as the target itself: a ratio of 0.5996 is not "0.600", a listing of 0.5004 s not "0.50".
 */
function precise(value, limit, met) {
  let digits = 2;
  while (!met && digits < 6 && value.toFixed(digits) === limit.toFixed(digits)) digits++;
  return value.toFixed(digits);
}

// Creating files right after a large delete is slow on this disk (see fileCreateMicros), and
// whichever tool restores next would pay for the previous one's cleanup. So restore outputs are
// kept until the end, and every timed restore starts after 30 s of quiet for the writeback.
const SETTLE_MS = 30_000;
const deferred = [];
const deferRemove = (path) => deferred.push(path);

/**
 * Microseconds to create one empty file in `work` now. This disk is ext4 without a journal, where
 * the kernel passes over inodes freed in the last one to six minutes on every create
 * (recently_deleted() in fs/ext4/ialloc.c), so a run started soon after a large delete restores
 * slowly, whichever tool restores; printed at the start and the end so such a run can be told
 * from a calm one. The files stay until the end, like every restore's.
 */
function fileCreateMicros(work, label, count = 2000) {
  const dir = mkdtempSync(join(work, `create-probe-${label}-`));
  deferRemove(dir);
  const start = performance.now();
  for (let i = 0; i < count; i++) closeSync(openSync(join(dir, String(i)), 'wx'));
  return ((performance.now() - start) * 1000) / count;
}
const createNote = (us) => `creating an empty file on the work disk takes ${us.toFixed(0)} µs (2000 files; ${us > 100 ? 'slow: a large delete happened in the last minutes, restores of every tool will be slower' : 'calm'})`;
/**
 * Above this, a file create is paying for a recent delete: a calm one takes 12-22 µs in the
 * 200-file probe. The gate was 60 µs until two runs let AzsBackup's restore start at 50 and
 * 58 µs, against 30 and 16 µs for restic's, and gave the two lowest restore ratios of the last
 * six runs with restic (1.60× and 1.61×, the others 1.74-1.98×). At 35 µs more per create, a
 * restore of the mixed tree's 18 926 files pays about 0.7 s.
 */
const CALM_CREATE_MICROS = 30;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Before a timed restore: 30 s of quiet for the writeback. For the restores whose times are
 * compared between tools (`compared`), then also wait while creating a file is slow, up to the
 * kernel's six-minute window, so that every tool restores on a disk in the same state: one run
 * timed AzsBackup's restore right after the test suite's cleanup (189 µs a create) and restic's
 * minutes later on a calmer disk. What the disk was like is printed with each such restore.
 */
const settle = async (work, label, compared) => {
  sync();
  await sleep(SETTLE_MS);
  if (!compared) return;
  const start = performance.now();
  let us = fileCreateMicros(work, label, 200);
  while (us > CALM_CREATE_MICROS && performance.now() - start < 6.5 * 60_000) {
    await sleep(15_000);
    us = fileCreateMicros(work, label, 200);
  }
  const waited = (performance.now() - start) / 1000;
  note(`${label}: its restore starts with a file create taking ${us.toFixed(0)} µs${waited >= 1 ? ` (waited ${waited.toFixed(0)} s more for the disk to calm down)` : ''}`);
};

function duBytes(dir) {
  let total = 0;
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) total += statSync(p).size;
    }
  };
  walk(dir);
  return total;
}

// ---------------------------------------------------------------------------------------------
// Peak RSS of a process tree: poll /proc/<pid>/status (VmHWM is the kernel's own high-water
// mark, so polling only risks missing the last few ms of a process's life) and /proc/<pid>/stat
// for CPU time.
// ---------------------------------------------------------------------------------------------

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

function readProc(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const hwm = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
    const rss = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    return { comm, ppid: Number(fields[1]), cpu: (Number(fields[11]) + Number(fields[12])) / CLK_TCK, hwm, rss };
  } catch {
    return null;
  }
}

function descendants(rootPid) {
  const children = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(name));
    } catch {
      // exited meanwhile
    }
  }
  const out = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift();
    for (const c of children.get(pid) ?? []) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

/**
 * CPU seconds the whole machine has spent busy so far (/proc/stat: user, nice, system, irq,
 * softirq, steal): smbd, the kernel's writeback and every other process included. On 2 CPUs a
 * step whose machine-wide CPU nears twice its wall time is bounded by the machine, not by a
 * thread of one tool.
 */
function machineBusySeconds() {
  const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq + (steal ?? 0)) / CLK_TCK;
}

/**
 * Spawns a command, polls its process tree, resolves with wall time, exit code, output,
 * per-process peaks and the whole machine's CPU over the run. stdin may be a string.
 */
function measured(file, args, { env, input, cwd, intervalMs = 50 } = {}) {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const busyAtStart = machineBusySeconds();
    const child = spawn(file, args, { env, cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const procs = new Map(); // pid -> {comm, hwm, cpu}
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr.length < 1e6 ? (stderr += d) : null));
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
    const poll = () => {
      if (child.pid === undefined) return;
      for (const pid of [child.pid, ...descendants(child.pid)]) {
        const p = readProc(pid);
        if (p === null) continue;
        const seen = procs.get(pid);
        procs.set(pid, { pid, comm: p.comm, hwm: Math.max(seen?.hwm ?? 0, p.hwm), cpu: Math.max(seen?.cpu ?? 0, p.cpu), root: pid === child.pid });
      }
    };
    poll();
    const timer = setInterval(poll, intervalMs);
    child.once('error', (err) => {
      clearInterval(timer);
      reject(err);
    });
    child.once('exit', (code, signal) => {
      clearInterval(timer);
      const seconds = (performance.now() - started) / 1000;
      const machine = machineBusySeconds() - busyAtStart;
      child.stdout.once('close', () => resolvePromise({ code, signal, seconds, machine, stdout, stderr, procs: [...procs.values()] }));
      if (child.stdout.closed) resolvePromise({ code, signal, seconds, machine, stdout, stderr, procs: [...procs.values()] });
    });
  });
}

function peakOf(procs, predicate) {
  return procs.filter(predicate).reduce((m, p) => Math.max(m, p.hwm), 0);
}
function cpuOf(procs, predicate) {
  return procs.filter(predicate).reduce((s, p) => s + p.cpu, 0);
}

// ---------------------------------------------------------------------------------------------
// Deterministic data: seeded PRNG (sfc32 seeded through splitmix32) for structure and text,
// AES-256-CTR keyed from the seed and file name for the large random files (fast and still a
// pure function of the seed).
// ---------------------------------------------------------------------------------------------

function splitmix32(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}
function prng(seed) {
  const sm = splitmix32(seed);
  let a = sm(), b = sm(), c = sm(), d = sm();
  const next = () => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    const t = (a + b + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  return {
    float: next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (arr) => arr[Math.floor(next() * arr.length)],
    /** log-uniform integer in [lo, hi] */
    logInt: (lo, hi) => Math.round(Math.exp(Math.log(lo) + next() * (Math.log(hi) - Math.log(lo)))),
  };
}

const SYLLABLES = ['ka', 'zu', 'mi', 'ro', 'te', 'shi', 'na', 'vol', 'ex', 'tor', 'ian', 'qu', 'ble', 'ord', 'sta', 'ment', 'ar', 'on', 'is', 'el', 'ba', 'ric', 'gen', 'lo', 'ver', 'ul', 'fa', 'pri', 'dex', 'cu'];
const COMPONENTS = ['KeyVault', 'WAS', 'ACS', 'CRP', 'NRP', 'SRP', 'ADFS', 'Graph', 'Compute', 'Storage', 'Network', 'Health'];
const LEVELS = ['INFO', 'INFO', 'INFO', 'INFO', 'DEBUG', 'DEBUG', 'WARN', 'ERROR'];
const TEMPLATES = [
  'request {id} completed in {ms} ms status={code}',
  'heartbeat from node-{n} lag={ms}ms queue={n}',
  'lease renewed for partition {n} owner=host-{n}',
  'retrying operation {id} attempt {n} after {ms} ms',
  'certificate rotation check: {n} certificates valid, next check in {ms} s',
  'blob {id} replicated to {n} replicas',
  'user {word} signed in from 10.{n}.{n}.{n}',
  'job {id} state Running -> Succeeded ({ms} ms)',
];

function vocabulary(rng, size) {
  const words = [];
  for (let i = 0; i < size; i++) {
    let w = '';
    const n = rng.int(1, 4);
    for (let j = 0; j < n; j++) w += rng.pick(SYLLABLES);
    words.push(w);
  }
  return words;
}

function textContent(rng, words, bytes, kind) {
  const parts = [];
  let len = 0;
  const add = (s) => {
    parts.push(s);
    len += s.length;
  };
  if (kind === 'json') {
    add('{\n  "items": [\n');
    while (len < bytes) add(`    {"id": ${rng.int(1, 1e6)}, "name": "${rng.pick(words)}-${rng.pick(words)}", "enabled": ${rng.float() < 0.5}, "weight": ${rng.float().toFixed(4)}, "tags": ["${rng.pick(words)}", "${rng.pick(words)}"]},\n`);
    add('    {}\n  ]\n}\n');
  } else if (kind === 'csv') {
    add('timestamp,host,metric,value,unit\n');
    let t = 1_790_000_000 + rng.int(0, 1e6);
    while (len < bytes) add(`${(t += rng.int(1, 60))},host-${rng.int(1, 64)},${rng.pick(words)},${(rng.float() * 1000).toFixed(3)},${rng.pick(['ms', 'MB', '%', 'ops'])}\n`);
  } else if (kind === 'xml') {
    add('<?xml version="1.0" encoding="utf-8"?>\n<configuration>\n');
    while (len < bytes) add(`  <setting name="${rng.pick(words)}.${rng.pick(words)}" value="${rng.int(0, 99999)}" scope="${rng.pick(COMPONENTS)}" />\n`);
    add('</configuration>\n');
  } else {
    while (len < bytes) {
      const n = rng.int(5, 18);
      const sentence = [];
      for (let i = 0; i < n; i++) sentence.push(rng.pick(words));
      add(`${sentence.join(' ')}.${rng.float() < 0.15 ? '\n\n' : ' '}`);
    }
  }
  return parts.join('').slice(0, Math.max(bytes, 1));
}

function logLine(rng, words, t) {
  const tpl = rng.pick(TEMPLATES).replace(/\{(\w+)\}/g, (_, k) =>
    k === 'id' ? rng.int(0, 0xffffff).toString(16).padStart(6, '0') : k === 'ms' ? String(rng.int(0, 2500)) : k === 'code' ? rng.pick(['200', '200', '200', '204', '404', '500']) : k === 'word' ? rng.pick(words) : String(rng.int(0, 255)),
  );
  return `${new Date(t).toISOString()} ${rng.pick(LEVELS).padEnd(5)} [${rng.pick(COMPONENTS)}] ${tpl}\n`;
}

/**
 * Writes a data set of about `totalBytes` under `root`: ~20 % thousands of small text files,
 * ~25 % log files with repetitive lines, ~55 % a few large random files. Returns the digest
 * (relative path → {size, sha256}) computed while writing.
 */
function generateDataSet(root, totalBytes, seed) {
  const rng = prng(seed);
  const words = vocabulary(rng, 800);
  const digest = new Map();
  const write = (rel, buf) => {
    const path = join(root, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, buf);
    digest.set(rel, { size: buf.length, sha256: createHash('sha256').update(buf).digest('hex') });
  };

  // Small text files: 200 B .. 64 KiB, log-uniform; ~100 per folder, two levels deep.
  const textBudget = Math.round(totalBytes * 0.2);
  let used = 0;
  let n = 0;
  const kinds = ['json', 'csv', 'xml', 'txt', 'txt'];
  const exts = { json: 'json', csv: 'csv', xml: 'config', txt: 'md' };
  while (used < textBudget) {
    const kind = rng.pick(kinds);
    const size = Math.min(rng.logInt(200, 64 * 1024), textBudget - used + 1);
    const rel = `config/${String(Math.floor(n / 1000)).padStart(3, '0')}/${String(Math.floor(n / 100) % 10)}/${rng.pick(words)}-${n}.${exts[kind]}`;
    const buf = Buffer.from(textContent(rng, words, size, kind));
    write(rel, buf);
    used += buf.length;
    n++;
  }

  // Logs: 2..32 MiB each, lines from a handful of templates.
  const logBudget = Math.round(totalBytes * 0.25);
  used = 0;
  let logIndex = 0;
  let t = Date.UTC(2026, 10, 1);
  while (used < logBudget) {
    const size = Math.min(rng.logInt(2 * MiB, 32 * MiB), logBudget - used);
    const chunks = [];
    let len = 0;
    while (len < size) {
      const lines = [];
      let l = 0;
      while (l < 256 * 1024 && len + l < size) {
        const line = logLine(rng, words, (t += rng.int(0, 50)));
        lines.push(line);
        l += line.length;
      }
      const b = Buffer.from(lines.join(''));
      chunks.push(b);
      len += b.length;
    }
    write(`logs/${rng.pick(COMPONENTS).toLowerCase()}/${String(logIndex++).padStart(4, '0')}.log`, Buffer.concat(chunks));
    used += len;
  }

  // Large random files: 16..256 MiB, written in 4 MiB pieces (AES-256-CTR keystream of zeros).
  let remaining = totalBytes - textBudget - logBudget;
  let bigIndex = 0;
  const zero = Buffer.alloc(4 * MiB);
  while (remaining > 0) {
    const size = Math.min(remaining, Math.max(16 * MiB, rng.logInt(16 * MiB, Math.min(256 * MiB, Math.max(16 * MiB, totalBytes / 4)))));
    const rel = `db/${String(bigIndex++).padStart(2, '0')}-${rng.pick(words)}.mdf`;
    const key = createHash('sha256').update(`azsbackup-bench:${seed}:${rel}`).digest();
    const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
    const path = join(root, rel);
    mkdirSync(dirname(path), { recursive: true });
    const fd = openSync(path, 'w');
    const hash = createHash('sha256');
    let left = size;
    while (left > 0) {
      const piece = cipher.update(left >= zero.length ? zero : zero.subarray(0, left));
      writeSync(fd, piece);
      hash.update(piece);
      left -= piece.length;
    }
    closeSync(fd);
    digest.set(rel, { size, sha256: hash.digest('hex') });
    remaining -= size;
  }
  let bytes = 0;
  for (const d of digest.values()) bytes += d.size;
  return { digest, files: digest.size, bytes, textFiles: n, logFiles: logIndex, bigFiles: bigIndex };
}

/**
 * Many small files: `count` JSON documents of 400–1300 bytes (about 81 MiB for 100 000), 1 000
 * per folder, like a configuration store; `scale` times larger each when given. Returns the same
 * digest shape as generateDataSet.
 */
function generateSmallFiles(root, count, seed, scale = 1) {
  const rng = prng(seed + 7919);
  const words = vocabulary(rng, 800);
  const digest = new Map();
  for (let i = 0; i < count; i++) {
    const rel = `store/${String(Math.floor(i / 1000)).padStart(3, '0')}/${rng.pick(words)}-${i}.json`;
    const buf = Buffer.from(textContent(rng, words, rng.int(400 * scale, 1300 * scale), 'json'));
    if (i % 1000 === 0) mkdirSync(join(root, dirname(rel)), { recursive: true });
    writeFileSync(join(root, rel), buf);
    digest.set(rel, { size: buf.length, sha256: createHash('sha256').update(buf).digest('hex') });
  }
  let bytes = 0;
  for (const d of digest.values()) bytes += d.size;
  return { digest, files: digest.size, bytes };
}

function hashFile(path) {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  const buf = Buffer.allocUnsafe(4 * MiB);
  let got;
  while ((got = readSync(fd, buf, 0, buf.length, null)) > 0) hash.update(buf.subarray(0, got));
  closeSync(fd);
  return hash.digest('hex');
}

/** Every file of `dir` against the digest: same set of paths, sizes and SHA-256. */
function verifyTree(dir, digest) {
  const seen = new Set();
  const problems = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const rel = relative(dir, p);
        seen.add(rel);
        const want = digest.get(rel);
        if (!want) problems.push(`unexpected ${rel}`);
        else if (statSync(p).size !== want.size || hashFile(p) !== want.sha256) problems.push(`${rel} differs`);
      }
    }
  };
  if (!existsSync(dir)) return [`${dir} does not exist`];
  walk(dir);
  for (const rel of digest.keys()) if (!seen.has(rel)) problems.push(`missing ${rel}`);
  return problems;
}

function checkVerified(tool, problems, files) {
  if (problems.length > 0) throw new Error(`${tool}: restored data is not identical: ${problems.slice(0, 5).join('; ')} (${problems.length} problems)`);
  return `${files} files, all SHA-256 identical`;
}

// ---------------------------------------------------------------------------------------------
// Samba and certificates: the test harness itself (tests/support), bundled by esbuild.
// ---------------------------------------------------------------------------------------------

async function loadSupport(work) {
  const out = join(work, 'support');
  run(join(ROOT, 'node_modules', '.bin', 'esbuild'), [
    join(ROOT, 'tests/support/samba.ts'), join(ROOT, 'tests/support/certs.ts'), join(ROOT, 'tests/support/azurite.ts'),
    '--bundle', '--platform=node', '--format=esm', `--outdir=${out}`, '--log-level=warning',
    // node-forge is CommonJS; give the ESM bundle a require for its node: imports.
    "--banner:js=import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  ]);
  const samba = await import(pathToFileURL(join(out, 'samba.js')).href);
  const certs = await import(pathToFileURL(join(out, 'certs.js')).href);
  const azurite = await import(pathToFileURL(join(out, 'azurite.js')).href);
  // The engine's own SMB client options, for the plain pipeline.
  run(join(ROOT, 'node_modules', '.bin', 'esbuild'), [join(ROOT, 'ts/storage/smbclient.ts'), '--bundle', '--platform=node', '--format=esm', `--outfile=${join(out, 'smbclient.js')}`, '--log-level=warning']);
  const smbclient = await import(pathToFileURL(join(out, 'smbclient.js')).href);
  return { startSamba: samba.startSamba, makeTestCertificate: certs.makeTestCertificate, startAzurite: azurite.startAzurite, engineClientOptions: smbclient.DEFAULT_CLIENT_OPTIONS, engineTransferArgs: smbclient.SMBCLIENT_TRANSFER_ARGS };
}

// ---------------------------------------------------------------------------------------------
// The tools
// ---------------------------------------------------------------------------------------------

/** The engine's environment as the module and the service unit give it (their glibc malloc settings included). */
function engineEnv(home, samba) {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', ...samba.env, AZSBACKUP_HOME: home, ...ENGINE_MALLOC_ENV };
}

async function engine(home, samba, args, secrets) {
  const r = await measured(BINARY, secrets ? [...args, '--secrets-stdin'] : args, { env: engineEnv(home, samba), input: secrets ? JSON.stringify(secrets) : '' });
  const lines = r.stdout.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
  const error = lines.find((l) => l.type === 'error');
  if (r.code !== 0 || error) throw new Error(`azsbackup ${args.join(' ')} failed (exit ${r.code}): ${JSON.stringify(error?.error ?? r.stderr)}`);
  return { ...r, data: lines.find((l) => l.type === 'result')?.data };
}

/** Configures a fresh engine state directory against a folder of the share. */
async function configureEngine({ home, samba, cert, folder, rolePath, volumeSizeMiB, location, azurite }) {
  mkdirSync(home, { recursive: true });
  let path;
  if (location === 'blob') {
    const args = ['config', 'set', '--encryption-cert', cert.cerPath];
    if (volumeSizeMiB) args.push('--volume-size-mib', String(volumeSizeMiB));
    await engine(home, samba, args, { blobStorageUrl: azurite.containerUrl(folder), blobStorageKey: azurite.accountKey });
    await engine(home, samba, ['role', 'add', '--name', 'BenchData', '--path', rolePath]);
    return;
  }
  if (location === 'local') {
    path = folder;
    mkdirSync(path, { recursive: true });
  } else {
    mkdirSync(join(samba.shareDir, folder), { mode: 0o777 });
    chmodSync(join(samba.shareDir, folder), 0o777);
    path = `${samba.uncPath}\\${folder}`;
  }
  const args = ['config', 'set', '--path', path, '--encryption-cert', cert.cerPath];
  if (location !== 'local') args.push('--user-name', samba.userName);
  if (volumeSizeMiB) args.push('--volume-size-mib', String(volumeSizeMiB));
  await engine(home, samba, args, location === 'local' ? undefined : { password: samba.password });
  await engine(home, samba, ['role', 'add', '--name', 'BenchData', '--path', rolePath]);
}

async function azsbackupRun({ work, samba, cert, data, tag, volumeSizeMiB, location = 'smb', azurite = null, compared = false }) {
  const home = join(work, `azsb-home-${tag}`);
  const folder = location === 'local' ? join(work, `azsb-local-${tag}`) : `bench-${tag}`;
  await configureEngine({ home, samba, cert, folder, rolePath: data.dir, volumeSizeMiB, location, azurite });
  sync();
  const backup = await engine(home, samba, ['backup', 'start']);
  const id = backup.data.BackupId;
  let info;
  if (location === 'blob') {
    const { ContainerClient, StorageSharedKeyCredential } = await import('@azure/storage-blob');
    const container = new ContainerClient(azurite.containerUrl(folder), new StorageSharedKeyCredential(azurite.accountName, azurite.accountKey));
    info = JSON.parse((await container.getBlobClient(`MASBackup/${id}/BackupInfo.json`).downloadToBuffer()).toString('utf8'));
  } else {
    const backupDir = location === 'local' ? join(folder, 'MASBackup', id) : join(samba.shareDir, folder, 'MASBackup', id);
    info = JSON.parse(readFileSync(join(backupDir, 'BackupInfo.json'), 'utf8'));
  }
  const dest = join(work, `azsb-restore-${tag}`);
  await settle(work, `azsbackup (${tag})`, compared);
  const restore = await engine(home, samba, ['restore', id, '--pfx', cert.pfxPath, '--destination', dest], { pfxPassword: cert.pfxPassword });
  const verified = checkVerified('azsbackup', verifyTree(join(dest, 'BenchData'), data.digest), data.files);
  deferRemove(dest);
  if (location !== 'blob') deferRemove(location === 'local' ? folder : join(samba.shareDir, folder));
  deferRemove(home);
  const isEngine = (p) => p.root;
  const isSmb = (p) => p.comm === 'smbclient';
  return {
    tool: location === 'local' ? 'azsbackup (local folder)' : location === 'blob' ? 'azsbackup (Azure Blob, Azurite)' : 'azsbackup',
    bytes: data.bytes,
    stored: info.storedBytes,
    volumes: info.volumes.length,
    backupSeconds: backup.seconds,
    restoreSeconds: restore.seconds,
    backupRss: peakOf(backup.procs, isEngine),
    restoreRss: peakOf(restore.procs, isEngine),
    rss: Math.max(peakOf(backup.procs, isEngine), peakOf(restore.procs, isEngine)),
    smbclient: {
      backupCount: backup.procs.filter(isSmb).length,
      restoreCount: restore.procs.filter(isSmb).length,
      backupRss: peakOf(backup.procs, isSmb),
      restoreRss: peakOf(restore.procs, isSmb),
      backupCpu: cpuOf(backup.procs, isSmb),
      restoreCpu: cpuOf(restore.procs, isSmb),
    },
    engineCpu: { backup: cpuOf(backup.procs, isEngine), restore: cpuOf(restore.procs, isEngine) },
    machine: { backup: backup.machine, restore: restore.machine },
    verified,
  };
}

/**
 * restic on the same data, with its repository either in a local directory (the second
 * reference) or on the same Samba share as AzsBackup, through rclone's smb backend.
 */
async function resticRun({ work, data, samba = null, tag = 'local' }) {
  const cache = join(work, `restic-cache-${tag}`);
  const base = { PATH: process.env.PATH, HOME: work, RESTIC_PASSWORD: 'bench-restic-password', RESTIC_CACHE_DIR: cache };
  const repo = join(work, `restic-repo-${tag}`);
  const env = samba ? resticSmbEnv({ work, samba, base }) : { ...base, RESTIC_REPOSITORY: repo };
  run('restic', ['init', '-q'], { env });
  const version = run('restic', ['version'], { env }).stdout.trim();
  const repoVersion = /"version":\s*(\d+)/.exec(run('restic', ['cat', 'config', '-q'], { env }).stdout)?.[1] ?? '?';
  sync();
  const backup = await measured('restic', ['backup', '-q', data.dir], { env });
  if (backup.code !== 0) throw new Error(`restic backup failed: ${backup.stderr}`);
  const repoDir = samba ? join(samba.shareDir, 'restic-bench') : repo;
  const stored = duBytes(repoDir);
  const protection = samba ? await observeProtection(samba, 'restic', ['snapshots', '-q'], { env }) : null;
  const dest = join(work, `restic-restore-${tag}`);
  await settle(work, `restic (${tag})`, true);
  const restore = await measured('restic', ['restore', 'latest', '-q', '--target', dest], { env });
  if (restore.code !== 0) throw new Error(`restic restore failed: ${restore.stderr}`);
  const verified = checkVerified('restic', verifyTree(join(dest, data.dir), data.digest), data.files);
  // The next restic run on the share starts from an empty repository.
  if (samba) rmSync(repoDir, { recursive: true, force: true });
  else deferRemove(repo);
  deferRemove(dest);
  deferRemove(cache);
  const all = () => true;
  // restic and its rclone child run at once: their peaks add up.
  const pairRss = (procs) => peakOf(procs, (p) => p.comm === 'restic') + peakOf(procs, (p) => p.comm === 'rclone');
  return {
    tool: samba ? 'restic (same SMB share, rclone)' : 'restic (local repository)',
    bytes: data.bytes,
    stored,
    backupSeconds: backup.seconds,
    restoreSeconds: restore.seconds,
    rss: Math.max(pairRss(backup.procs), pairRss(restore.procs)),
    cpu: { backup: cpuOf(backup.procs, all), restore: cpuOf(restore.procs, all) },
    machine: { backup: backup.machine, restore: restore.machine },
    version: `${version}, repository v${repoVersion}`,
    protection,
    verified,
  };
}

/**
 * The plain pipeline: tar, one zstd thread at level 1, smbclient put from its stdin to the same
 * share with the engine's connection options. No hashing, no encryption, no staging: what
 * moving the bytes costs on this machine. smbclient keeps its default transfer buffer here: the
 * engine's 256 KiB made this put from a pipe slower (the 1 GiB tree, four alternations on
 * 2026-12-03: 7.2-7.9 s against 4.1-6.0 s), though it makes puts of files faster. Backup only
 * (restoring it is the same pipe reversed and nothing checks it).
 */
async function plainPipelineRun({ work, samba, data, clientOptions }) {
  const q = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
  const remote = 'plain-pipeline.tar.zst';
  const args = plainSmbclientArgs({ work, samba, clientOptions, command: `put /dev/stdin ${remote}` });
  sync();
  const backup = await measured('bash', ['-c', `set -o pipefail; tar -cf - -C ${q(dirname(data.dir))} ${q(relative(dirname(data.dir), data.dir))} | zstd -1 -T1 -q | smbclient ${args.map(q).join(' ')}`]);
  if (backup.code !== 0 || /NT_STATUS_/.test(backup.stdout + backup.stderr)) throw new Error(`tar | zstd | smbclient failed: ${backup.stdout}${backup.stderr}`);
  const stored = statSync(join(samba.shareDir, remote)).size;
  rmSync(join(samba.shareDir, remote), { force: true });
  // The engine's connection options, so this is also what AzsBackup's smbclient sessions get.
  const probe = 'protection-probe.tmp';
  // Through cat: smbclient's /dev/stdin must be a pipe, and Node gives children a socket.
  const probeArgs = plainSmbclientArgs({ work, samba, clientOptions, command: `put /dev/stdin ${probe}` });
  const protection = await observeProtection(samba, 'bash', ['-c', 'cat | smbclient "$@"', 'bash', ...probeArgs], { hold: true });
  rmSync(join(samba.shareDir, probe), { force: true });
  const all = () => true;
  return {
    tool: 'tar | zstd -1 -T1 | smbclient put',
    bytes: data.bytes,
    stored,
    backupSeconds: backup.seconds,
    restoreSeconds: null,
    rss: ['tar', 'zstd', 'smbclient'].reduce((sum, comm) => sum + peakOf(backup.procs, (p) => p.comm === comm), 0),
    cpu: { backup: cpuOf(backup.procs, all) },
    protection,
    verified: 'backup only',
  };
}

// ---------------------------------------------------------------------------------------------
// Stage breakdown: where AzsBackup's time goes.
// ---------------------------------------------------------------------------------------------

/** smbclient alone putting/getting one file, as the engine runs it (same options and transfer buffer). */
async function smbclientTransfer(samba, folder, op, localFile, remoteName, transferArgs, extraOptions = []) {
  const [, , host, share] = samba.uncPath.split('\\');
  const authFile = join(dirname(localFile), `.auth-${process.pid}-${Math.random().toString(16).slice(2)}`);
  const [domain, user] = samba.userName.split('\\');
  writeFileSync(authFile, `username = ${user}\npassword = ${samba.password}\ndomain = ${domain}\n`, { mode: 0o600 });
  const options = ['client min protocol=SMB2_10', 'client signing=desired', 'client smb encrypt=desired', ...extraOptions];
  const command = op === 'put' ? `put "${localFile}" "${folder}\\${remoteName}"` : `get "${folder}\\${remoteName}" /dev/null`;
  const args = [`//${host}/${share}`, `--port=${samba.port}`, '--quiet', ...transferArgs, `--authentication-file=${authFile}`, ...options.map((o) => `--option=${o}`), '-c', command];
  try {
    const r = await measured('smbclient', args, { env: { PATH: process.env.PATH, TZ: 'UTC' } });
    if (r.code !== 0 || /NT_STATUS_/.test(r.stdout + r.stderr)) throw new Error(`smbclient ${command}: ${r.stdout}${r.stderr}`);
    return r;
  } finally {
    rmSync(authFile, { force: true });
  }
}

/** The engine's own archive/compress/encrypt stages in-process, bundled from ts/ by esbuild. */
async function stagePipelineProbe(work, dataDir, cert) {
  const src = join(work, 'stage-probe.ts');
  const out = join(work, 'stage-probe.mjs');
  writeFileSync(
    src,
    `import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { readFileSync } from 'node:fs';
import { createPublicKey, X509Certificate } from 'node:crypto';
import { packDirectory } from ${JSON.stringify(join(ROOT, 'ts/archive/tar-writer.ts'))};
import { createCompressStream } from ${JSON.stringify(join(ROOT, 'ts/archive/zstd-compress.ts'))};
import { createEncryptStream } from ${JSON.stringify(join(ROOT, 'ts/crypto/index.ts'))};
const [dir, cerPath] = process.argv.slice(2);
const x = new X509Certificate(readFileSync(cerPath));
const recipients = [{ kind: 'certificate', thumbprint: x.fingerprint.replace(/:/g, ''), publicKey: x.publicKey }];
const sink = () => new Writable({ highWaterMark: 1 << 20, write(_c, _e, cb) { cb(); } });
const stages = {
  'tar (pack + per-file SHA-256)': () => [],
  'tar + zstd blocks': () => [createCompressStream()],
  'tar + zstd + AES-256-GCM': () => [createCompressStream(), createEncryptStream(recipients, { contentType: 'volume', backupId: '00000000-0000-0000-0000-000000000000', role: 'BenchData', index: 0 })],
};
const results = {};
for (const [name, make] of Object.entries(stages)) {
  const t = performance.now();
  const packed = packDirectory(dir);
  await pipeline(packed.stream, ...make(), sink());
  await packed.done;
  results[name] = (performance.now() - t) / 1000;
}
console.log(JSON.stringify(results));
`,
  );
  run(join(ROOT, 'node_modules', '.bin', 'esbuild'), [src, '--bundle', '--platform=node', '--format=esm', `--outfile=${out}`, '--log-level=error', '--define:__AZSBACKUP_VERSION__="bench"',
    "--banner:js=import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);"]);
  const r = await measured(process.execPath, [out, dataDir, cert.cerPath]);
  if (r.code !== 0) throw new Error(`stage probe failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

async function profile({ work, samba, cert, data, main, volumeSizeMiB, transferArgs }) {
  log('\nStage breakdown (where AzsBackup spends its time; same data unless said otherwise)');
  const rows = [];
  const add = (what, bytes, seconds, extra = '') => {
    rows.push([what, fmtSize(bytes), rate(bytes, seconds).toFixed(0), seconds.toFixed(1), extra]);
  };
  add('azsbackup backup to SMB (main run)', main.bytes, main.backupSeconds, `engine CPU ${main.engineCpu.backup.toFixed(1)} s, smbclient CPU ${main.smbclient.backupCpu.toFixed(1)} s`);
  add('azsbackup restore from SMB (main run)', main.bytes, main.restoreSeconds, `engine CPU ${main.engineCpu.restore.toFixed(1)} s, smbclient CPU ${main.smbclient.restoreCpu.toFixed(1)} s`);

  try {
    const stages = await stagePipelineProbe(work, data.dir, cert);
    for (const [name, seconds] of Object.entries(stages)) add(`in-process: ${name} → /dev/null`, data.bytes, seconds);
  } catch (err) {
    note(`in-process stage probe skipped: ${err.message.split('\n')[0]}`);
  }

  // The Node runtime's own footprint, for scale (GNU time's max RSS; the process is too short to poll).
  const idle = spawnSync('/usr/bin/time', ['-f', '%M', BINARY, '--version'], { encoding: 'utf8' });
  const idleKb = Number(idle.stderr?.trim().split('\n').pop());
  if (idle.status === 0 && idleKb > 0) rows.push(['azsbackup --version (runtime baseline)', '-', '-', '-', `peak RSS ${(idleKb * 1024 / 1e6).toFixed(0)} MB`]);

  const local = await azsbackupRun({ work, samba, cert, data, tag: 'local', volumeSizeMiB, location: 'local' });
  add('azsbackup backup to a local folder', local.bytes, local.backupSeconds, `engine CPU ${local.engineCpu.backup.toFixed(1)} s`);
  add('azsbackup restore from a local folder', local.bytes, local.restoreSeconds, `engine CPU ${local.engineCpu.restore.toFixed(1)} s`);

  // smbclient alone, one volume-sized file of random bytes, as the engine invokes it.
  const volBytes = (volumeSizeMiB ?? 256) * MiB;
  const vol = join(work, 'volume.bin');
  {
    const cipher = createCipheriv('aes-256-ctr', Buffer.alloc(32, 7), Buffer.alloc(16));
    const fd = openSync(vol, 'w');
    const zero = Buffer.alloc(4 * MiB);
    for (let left = volBytes; left > 0; left -= zero.length) writeSync(fd, cipher.update(zero.subarray(0, Math.min(left, zero.length))));
    closeSync(fd);
  }
  const folder = 'bench-smbclient';
  mkdirSync(join(samba.shareDir, folder), { mode: 0o777 });
  chmodSync(join(samba.shareDir, folder), 0o777);
  sync();
  const put = await smbclientTransfer(samba, folder, 'put', vol, 'a.bin', transferArgs);
  add('smbclient put (engine options)', volBytes, put.seconds, `smbclient CPU ${cpuOf(put.procs, () => true).toFixed(1)} s`);
  const get = await smbclientTransfer(samba, folder, 'get', vol, 'a.bin', transferArgs);
  add('smbclient get → /dev/null (engine options)', volBytes, get.seconds, `smbclient CPU ${cpuOf(get.procs, () => true).toFixed(1)} s`);
  const putPlain = await smbclientTransfer(samba, folder, 'put', vol, 'b.bin', transferArgs, ['client smb encrypt=off', 'client signing=off']);
  add('smbclient put, SMB encryption+signing off', volBytes, putPlain.seconds, `smbclient CPU ${cpuOf(putPlain.procs, () => true).toFixed(1)} s`);
  const getPlain = await smbclientTransfer(samba, folder, 'get', vol, 'b.bin', transferArgs, ['client smb encrypt=off', 'client signing=off']);
  add('smbclient get, SMB encryption+signing off', volBytes, getPlain.seconds, `smbclient CPU ${cpuOf(getPlain.procs, () => true).toFixed(1)} s`);
  const t = performance.now();
  await Promise.all([smbclientTransfer(samba, folder, 'put', vol, 'c.bin', transferArgs), smbclientTransfer(samba, folder, 'put', vol, 'd.bin', transferArgs)]);
  add('2 parallel smbclient puts (engine options)', 2 * volBytes, (performance.now() - t) / 1000, 'aggregate');
  rmSync(join(samba.shareDir, folder), { recursive: true, force: true });
  rmSync(vol, { force: true });

  printTable(['stage', 'data', 'MiB/s', 'seconds', 'notes'], rows);
  return { local, put, get, putPlain, getPlain };
}

// ---------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------

function printTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => `  ${cells.map((c, i) => (i === 0 || i === cells.length - 1 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ')}`.trimEnd();
  log(line(header));
  log(`  ${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const r of rows) log(line(r));
}

const verdict = (ok) => (ok ? 'PASS' : 'MISS');

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (!existsSync(BINARY)) throw new Error(`engine binary not found at ${BINARY}: run npm run build (scripts/setup does)`);
  for (const tool of ['smbd', 'smbclient', 'openssl', ...(opts.restic ? ['restic', 'rclone'] : []), ...(opts.plain ? ['tar', 'zstd'] : [])]) {
    if (spawnSync('sh', ['-c', `command -v ${tool} || test -x /usr/sbin/${tool}`]).status !== 0) throw new Error(`${tool} is not installed (scripts/setup installs it)`);
  }

  const temp = diskTempRoot();
  const work = opts.workDir ?? mkdtempSync(join(temp.dir, 'azsb-bench-'));
  mkdirSync(work, { recursive: true });
  chmodSync(work, 0o755);
  // The Samba harness puts its share under os.tmpdir(): keep it on the same disk as the rest.
  process.env.TMPDIR = work;

  let samba = null;
  let azurite = null;
  const cleanup = async () => {
    await samba?.destroy().catch(() => {});
    await azurite?.destroy().catch(() => {});
    for (const path of deferred) rmSync(path, { recursive: true, force: true });
    if (!opts.keep) rmSync(work, { recursive: true, force: true });
  };
  process.once('SIGINT', () => cleanup().finally(() => process.exit(130)));
  process.once('SIGTERM', () => cleanup().finally(() => process.exit(143)));

  try {
    const cpuModel = cpus()[0]?.model ?? 'unknown CPU';
    log(`AzsBackup benchmark — ${new Date().toISOString()}`);
    log(`  host: ${availableParallelism()} CPUs (${cpuModel}), ${(totalmem() / GiB).toFixed(0)} GiB RAM, Node ${process.version}`);
    log(`  engine: ${BINARY} (${execFileSync(BINARY, ['--version'], { encoding: 'utf8' }).trim()})`);
    log(`  work dir: ${work} (${fmtSize(freeBytes(work))} free)${temp.skipped ? `; ${temp.skipped} is tmpfs, not used` : ''}`);

    const support = await loadSupport(work);
    const cert = support.makeTestCertificate(join(work, 'cert'));
    samba = await support.startSamba();
    const smbdVersion = run('sh', ['-c', 'smbd --version || /usr/sbin/smbd --version'], { allowFail: true }).stdout.trim();
    log(`  share: ${samba.uncPath} on 127.0.0.1:${samba.port} (${smbdVersion}, loopback), served from ${samba.shareDir}`);
    note('restic reaches the same share through rclone (`-r rclone:<remote>:<share>/restic-bench`, rclone configured by RCLONE_CONFIG_* variables); the plain pipeline with smbclient, as AzsBackup does.');
    note(`rclone: ${run('rclone', ['version'], { allowFail: true }).stdout.split('\n')[0]}`);
    note('all reads come from the page cache after generation (dropping caches is not permitted here); `sync` runs before each timed step, not inside it.');
    note(createNote(fileCreateMicros(work, 'start')));

    // --- main data set ---------------------------------------------------------------------
    const sizeBytes = Math.round(opts.sizeMiB * MiB);
    const need = (bytes) => Math.ceil(bytes * 3.3) + GiB;
    if (freeBytes(work) < need(sizeBytes)) throw new Error(`not enough free space in ${work}: ${fmtSize(freeBytes(work))} free, ${fmtSize(need(sizeBytes))} needed for a ${fmtSize(sizeBytes)} data set`);
    const genStart = performance.now();
    const mainDir = join(work, 'data', `set-${opts.sizeMiB}`);
    const gen = generateDataSet(mainDir, sizeBytes, opts.seed);
    const data = { dir: mainDir, ...gen };
    log(`\nData set: ${fmtSize(data.bytes)} in ${data.files} files — ${data.textFiles} small text files, ${data.logFiles} logs, ${data.bigFiles} large random files (seed ${opts.seed}, generated in ${((performance.now() - genStart) / 1000).toFixed(1)} s)`);

    const results = [];
    log('\nRunning azsbackup (backup over SMB, restore from SMB to a fresh folder) ...');
    const azsb = await azsbackupRun({ work, samba, cert, data, tag: 'main', volumeSizeMiB: opts.volumeSizeMiB, compared: true });
    results.push(azsb);
    note(`azsbackup: ${azsb.volumes} volume(s), ${fmtSize(azsb.stored)} stored; restore ${azsb.verified}`);
    note(`smbclient children: ${azsb.smbclient.backupCount} during backup (largest peak RSS ${(azsb.smbclient.backupRss / 1e6).toFixed(0)} MB), ${azsb.smbclient.restoreCount} during restore (largest peak ${(azsb.smbclient.restoreRss / 1e6).toFixed(0)} MB)`);
    let blob = null;
    if (opts.blob) {
      azurite = await support.startAzurite({ mainScript: join(ROOT, 'node_modules', 'azurite', 'dist', 'src', 'blob', 'main.js') });
      log(`Running azsbackup to Azure Blob Storage (Azurite ${JSON.parse(readFileSync(join(ROOT, 'node_modules', 'azurite', 'package.json'), 'utf8')).version} on 127.0.0.1:${azurite.port}, store ${azurite.storeDir}) ...`);
      blob = await azsbackupRun({ work, samba, cert, data, tag: 'blob', volumeSizeMiB: opts.volumeSizeMiB, location: 'blob', azurite });
      results.push(blob);
      note(`azsbackup to blob: ${blob.volumes} volume(s), ${fmtSize(blob.stored)} stored; restore ${blob.verified}`);
      note('Azurite is a Node process on this machine too: it competes with the engine for the same 2 CPUs, as smbd does in the SMB run.');
      await azurite.destroy();
      azurite = null;
    }
    let resticSmb = null;
    let resticLocal = null;
    let plain = null;
    if (opts.restic) {
      log('Running restic over SMB (same share, rclone smb backend) ...');
      resticSmb = await resticRun({ work, data, samba, tag: 'smb' });
      results.push(resticSmb);
      note(`restic: ${resticSmb.version}; repository ${fmtSize(resticSmb.stored)}; restore ${resticSmb.verified}`);
      log('Running restic (local repository, second reference) ...');
      resticLocal = await resticRun({ work, data });
      results.push(resticLocal);
      note(`restic local: repository ${fmtSize(resticLocal.stored)}; restore ${resticLocal.verified}`);
    }
    if (opts.plain) {
      log('Running the plain pipeline (tar | zstd -1 -T1 | smbclient put) ...');
      plain = await plainPipelineRun({ work, samba, data, clientOptions: support.engineClientOptions });
      results.push(plain);
      note(`plain pipeline: ${fmtSize(plain.stored)} on the share`);
    }

    log(`\nResults (${fmtSize(data.bytes)}, throughput = source bytes / wall-clock seconds)`);
    const fmtRate = (bytes, seconds) => (seconds === null ? '—' : rate(bytes, seconds).toFixed(1));
    printTable(
      ['tool', 'data', 'backup MiB/s', 'restore MiB/s', 'backup s', 'restore s', 'stored', 'peak RSS MB'],
      results.map((r) => [r.tool, fmtSize(r.bytes), fmtRate(r.bytes, r.backupSeconds), fmtRate(r.bytes, r.restoreSeconds), r.backupSeconds.toFixed(1), r.restoreSeconds === null ? '—' : r.restoreSeconds.toFixed(1), fmtSize(r.stored), (r.rss / 1e6).toFixed(0)]),
    );
    log(`  (azsbackup peak RSS is the engine process; the largest of its smbclient children peaked at ${(Math.max(azsb.smbclient.backupRss, azsb.smbclient.restoreRss) / 1e6).toFixed(0)} MB.`);
    log('   restic over SMB: restic + rclone peaks added; plain pipeline: tar + zstd + smbclient peaks added, as they run at once. MB = 10^6 bytes.)');
    if (plain || resticSmb || resticLocal) log('\nTransport protection, as smbd reported each tool\'s sessions (smbstatus --json):');
    if (plain) log(`  azsbackup:        ${plain.protection} (smbclient with the engine's options, observed on the plain pipeline's client); volumes also AES-256-GCM end to end`);
    if (resticSmb) log(`  restic over SMB:  ${resticSmb.protection}; data also AES-256 (restic's own encryption)`);
    if (plain) log(`  plain pipeline:   ${plain.protection}; data not encrypted`);
    if (resticLocal) log('  restic local:     no network; data AES-256 (restic)');
    const busy = (r, step) => {
      const wall = r[`${step}Seconds`];
      return `${step} ${r.machine[step].toFixed(1)} s in ${wall.toFixed(1)} s (${((100 * r.machine[step]) / (wall * availableParallelism())).toFixed(0)} %)`;
    };
    log(`\nCPU of the whole machine during each step (every process, smbd and the kernel's writeback included; % of ${availableParallelism()} CPUs):`);
    for (const r of [azsb, resticSmb].filter(Boolean)) log(`  ${r.tool.padEnd(32)} ${busy(r, 'backup')}, ${busy(r, 'restore')}`);

    // --- many small files ----------------------------------------------------------------------
    let small = null;
    if (opts.smallFiles > 0) {
      const dir = join(work, 'data', `small-${opts.smallFiles}`);
      const t0 = performance.now();
      const g = generateSmallFiles(dir, opts.smallFiles, opts.seed);
      const smallData = { dir, ...g };
      log(`\nSmall files: ${g.files} files, ${fmtSize(g.bytes)} (generated in ${((performance.now() - t0) / 1000).toFixed(0)} s)`);
      const a = await azsbackupRun({ work, samba, cert, data: smallData, tag: 'small', volumeSizeMiB: opts.volumeSizeMiB, compared: true });
      note(`azsbackup: restore ${a.verified}`);
      const r = opts.restic ? await resticRun({ work, data: smallData, samba, tag: 'small' }) : null;
      if (r) note(`restic over SMB: restore ${r.verified}`);
      small = { azsb: a, restic: r, files: g.files };
      printTable(
        ['tool', 'files', 'backup s', 'restore s', 'peak RSS MB'],
        [a, r].filter(Boolean).map((x) => [x.tool, String(g.files), x.backupSeconds.toFixed(1), x.restoreSeconds.toFixed(1), (x.rss / 1e6).toFixed(0)]),
      );
      rmSync(dir, { recursive: true, force: true });
    }

    log('\nTargets (ratios of throughput in this run; > 1 means azsbackup is faster)');
    const ratioText = (value, limit) => `${precise(value, limit, value >= limit)}x`;
    const target = (what, value, limit, text = ratioText(value, limit)) => log(`  ${what.padEnd(56)} ${text.padStart(8)}   target >= ${limit}x   ${verdict(value >= limit)}`);
    const speedup = (mine, theirs) => theirs / mine; // same bytes: the ratio of seconds
    if (resticSmb) {
      target('backup  azsbackup / restic over SMB', speedup(azsb.backupSeconds, resticSmb.backupSeconds), 1.5);
      target('restore azsbackup / restic over SMB', speedup(azsb.restoreSeconds, resticSmb.restoreSeconds), 2);
    } else log('  ratios to restic: skipped (--no-restic)');
    if (small?.restic) target(`backup  azsbackup / restic over SMB, ${small.azsb.verified.split(' ')[0]} small files`, speedup(small.azsb.backupSeconds, small.restic.backupSeconds), 1.5);
    if (small?.restic) log(`  ${'restore azsbackup / restic over SMB, small files (no target)'.padEnd(56)} ${`${speedup(small.azsb.restoreSeconds, small.restic.restoreSeconds).toFixed(2)}x`.padStart(8)}`);
    if (plain) target('backup  azsbackup / plain pipeline', speedup(azsb.backupSeconds, plain.backupSeconds), 0.6);
    if (resticLocal) log(`  ${'reference: azsbackup / restic local, backup | restore'.padEnd(56)} ${speedup(azsb.backupSeconds, resticLocal.backupSeconds).toFixed(2)}x | ${speedup(azsb.restoreSeconds, resticLocal.restoreSeconds).toFixed(2)}x`);
    const rssOk = azsb.rss < 200e6;
    log(`  peak RSS azsbackup = ${(azsb.rss / 1e6).toFixed(0)} MB (backup ${(azsb.backupRss / 1e6).toFixed(0)}, restore ${(azsb.restoreRss / 1e6).toFixed(0)})   target < 200 MB   ${verdict(rssOk)}`);
    if (small) log(`  peak RSS azsbackup, small files = ${(small.azsb.rss / 1e6).toFixed(0)} MB   target < 200 MB   ${verdict(small.azsb.rss < 200e6)}`);
    if (blob) log(`  peak RSS azsbackup to blob = ${(blob.rss / 1e6).toFixed(0)} MB (backup ${(blob.backupRss / 1e6).toFixed(0)}, restore ${(blob.restoreRss / 1e6).toFixed(0)})   target < 200 MB   ${verdict(blob.rss < 200e6)}`);

    // --- listing latencies (issue 15) ---------------------------------------------------------
    if (opts.listing) {
      log(`\nListing latencies: ${opts.listingCount} backups of a one-file role on the share, then listing (median of 3)`);
      const l = listingLatency({ work, samba, cert, binary: BINARY, pwsh: join(ROOT, '.tools', 'pwsh', 'pwsh'), manifest: join(ROOT, 'AzsBackup.psd1'), count: opts.listingCount, log });
      const line = (what, seconds, limit) => log(`  ${what.padEnd(58)} ${precise(seconds, limit, seconds < limit)} s   target < ${limit} s   ${verdict(seconds < limit)}`);
      line('one-file backup, the first one', l.firstBackup, 1);
      line(`one-file backup, with ${l.count} kept (median of the last 10)`, l.lastBackups, 1);
      line(`azsbackup backup list, ${l.listed} backups, no local cache`, l.listCold, 0.5);
      log(`  ${`  (no local cache and no location index: every BackupInfo.json read)`.padEnd(58)} ${l.listBare.toFixed(2)} s   for reference`);
      log(`  ${`  (azsbackup --version: the engine's start alone, on the machine as it is now)`.padEnd(58)} ${l.engineStart.toFixed(2)} s   for reference`);
      line(`azsbackup backup list, ${l.listed} backups, cache warm`, l.listWarm, 0.5);
      line(`Get-AzsBackup in a warm pwsh (${l.pwshListed} listed)`, l.getAzsBackup, 0.5);
      line('Get-AzsBackupStatus in a warm pwsh', l.getAzsBackupStatus, 0.5);
    }

    // --- stage breakdown ---------------------------------------------------------------------
    if (opts.profile) await profile({ work, samba, cert, data, main: azsb, volumeSizeMiB: opts.volumeSizeMiB, transferArgs: support.engineTransferArgs });

    // --- RSS series --------------------------------------------------------------------------
    const seriesWanted = opts.series ?? true;
    const series = [];
    if (seriesWanted) {
      log(`\nPeak-RSS series (azsbackup only, backup + restore over SMB)`);
      rmSync(mainDir, { recursive: true, force: true });
      for (const mib of opts.seriesMiB) {
        const bytes = Math.round(mib * MiB);
        if (mib === opts.sizeMiB) {
          series.push({ mib, r: azsb, reused: true });
          continue;
        }
        const free = freeBytes(work);
        if (free < need(bytes)) {
          if (opts.series === true) log(`  ${fmtSize(bytes)}: skipped, ${fmtSize(free)} free but ${fmtSize(need(bytes))} needed`);
          else log(`  ${fmtSize(bytes)}: skipped (not enough disk: ${fmtSize(free)} free, ${fmtSize(need(bytes))} needed)`);
          continue;
        }
        const dir = join(work, 'data', `set-${mib}`);
        const t0 = performance.now();
        const g = generateDataSet(dir, bytes, opts.seed);
        log(`  ${fmtSize(g.bytes)}: ${g.files} files generated in ${((performance.now() - t0) / 1000).toFixed(0)} s, running ...`);
        const r = await azsbackupRun({ work, samba, cert, data: { dir, ...g }, tag: `series-${mib}`, volumeSizeMiB: opts.volumeSizeMiB });
        rmSync(dir, { recursive: true, force: true });
        series.push({ mib, r });
      }
      series.sort((a, b) => a.mib - b.mib);
      printTable(
        ['data', 'files', 'backup MiB/s', 'restore MiB/s', 'backup RSS MB', 'restore RSS MB', 'peak RSS MB', 'smbclient MB'],
        series.map(({ r }) => [fmtSize(r.bytes), String(r.verified.split(' ')[0]), rate(r.bytes, r.backupSeconds).toFixed(1), rate(r.bytes, r.restoreSeconds).toFixed(1), (r.backupRss / 1e6).toFixed(0), (r.restoreRss / 1e6).toFixed(0), (r.rss / 1e6).toFixed(0), (Math.max(r.smbclient.backupRss, r.smbclient.restoreRss) / 1e6).toFixed(0)]),
      );
      if (series.length >= 2) {
        const peaks = series.map((s) => s.r.rss);
        const ratio = Math.max(...peaks) / Math.min(...peaks);
        const all = peaks.every((p) => p < 200e6);
        log(`  flatness: max/min peak RSS = ${ratio.toFixed(2)} over ${fmtSize(series[0].r.bytes)} .. ${fmtSize(series[series.length - 1].r.bytes)}; flat means <= 1.25 and every point < 200 MB: ${verdict(ratio <= 1.25 && all)}`);
        if (series[series.length - 1].mib < 4096) log('  (the 4 GiB point was not measured, so flatness up to 4 GiB is not shown)');
      } else log('  fewer than two sizes measured: no flatness verdict');
    }
    // --- RSS over file counts ----------------------------------------------------------------
    if (opts.fileSeries.length > 0) {
      // Every point holds the same bytes, so the series shows what the file count costs. With
      // 400–1300-byte files everywhere, the 1 000-file point would be 1 MiB: too little to fill
      // the pipeline's buffers, and a size series, not a file-count one.
      const counts = [...opts.fileSeries].sort((a, b) => a - b);
      const most = counts[counts.length - 1];
      log(`\nPeak-RSS series over file counts (azsbackup only, backup + restore over SMB; every point the same data, the ${most}-file tree's: fewer files are larger)`);
      const points = [];
      for (const count of counts) {
        if (small && small.files === count && count === most) {
          points.push({ count, r: small.azsb });
          continue;
        }
        const dir = join(work, 'data', `files-${count}`);
        const t0 = performance.now();
        const g = generateSmallFiles(dir, count, opts.seed, most / count);
        log(`  ${count} files (${fmtSize(g.bytes)}) generated in ${((performance.now() - t0) / 1000).toFixed(0)} s, running ...`);
        const r = await azsbackupRun({ work, samba, cert, data: { dir, ...g }, tag: `files-${count}`, volumeSizeMiB: opts.volumeSizeMiB });
        rmSync(dir, { recursive: true, force: true });
        points.push({ count, r });
      }
      printTable(
        ['files', 'data', 'backup s', 'restore s', 'backup RSS MB', 'restore RSS MB', 'peak RSS MB'],
        points.map(({ count, r }) => [String(count), fmtSize(r.bytes), r.backupSeconds.toFixed(1), r.restoreSeconds.toFixed(1), (r.backupRss / 1e6).toFixed(0), (r.restoreRss / 1e6).toFixed(0), (r.rss / 1e6).toFixed(0)]),
      );
      if (points.length >= 2) {
        const peaks = points.map((p) => p.r.rss);
        const ratio = Math.max(...peaks) / Math.min(...peaks);
        log(`  flatness: max/min peak RSS = ${ratio.toFixed(2)} over ${points[0].count} .. ${points[points.length - 1].count} files; flat means <= 1.25 and every point < 200 MB: ${verdict(ratio <= 1.25 && peaks.every((p) => p < 200e6))}`);
      }
    }

    log(`\nAt the end, ${createNote(fileCreateMicros(work, 'end'))}.`);
    log('\nDone (a measurement: the exit code does not depend on the targets).');
  } finally {
    await cleanup();
  }
}

main().catch((err) => {
  console.error(`bench failed: ${err?.stack ?? err}`);
  process.exit(1);
});
