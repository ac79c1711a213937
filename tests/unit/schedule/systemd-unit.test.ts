import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { AzsError } from '../../../ts/errors.js';
import { ENGINE_MALLOC_ENV, generateSystemdUnit } from '../../../ts/schedule/systemd-unit.js';

const run = promisify(execFile);

function hasSystemdAnalyze(): boolean {
  try {
    execFileSync('systemd-analyze', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** section -> key -> values, in order (keys may repeat). */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = new Map();
      sections.set(header[1] as string, current);
      continue;
    }
    const eq = line.indexOf('=');
    expect(current, `directive outside a section: ${line}`).toBeDefined();
    const key = line.slice(0, eq);
    current?.set(key, [...(current.get(key) ?? []), line.slice(eq + 1)]);
  }
  return sections;
}

describe('generateSystemdUnit', () => {
  const unit = generateSystemdUnit({ binaryPath: '/usr/local/bin/azsbackup', stateDir: '/var/lib/azsbackup' });
  const s = parseUnit(unit);
  const service = s.get('Service') as Map<string, string[]>;
  const one = (key: string) => service.get(key)?.[0];

  it('runs the foreground service with the state directory and restarts on failure', () => {
    expect([...s.keys()]).toEqual(['Unit', 'Service', 'Install']);
    expect(one('ExecStart')).toBe('/usr/local/bin/azsbackup service run');
    expect(service.get('Environment')).toEqual(['AZSBACKUP_HOME=/var/lib/azsbackup', 'MALLOC_ARENA_MAX=2', 'MALLOC_TRIM_THRESHOLD_=67108864', 'MALLOC_MMAP_THRESHOLD_=33554432']);
    expect(one('Type')).toBe('simple');
    expect(one('Restart')).toBe('on-failure');
    expect(s.get('Unit')?.get('After')).toEqual(['network-online.target']);
    expect(s.get('Install')?.get('WantedBy')).toEqual(['multi-user.target']);
  });

  it('is hardened without blocking what a backup needs', () => {
    expect(one('NoNewPrivileges')).toBe('yes');
    expect(one('PrivateTmp')).toBe('yes');
    expect(one('ProtectSystem')).toBe('full');
    expect(one('ReadWritePaths')).toBe('/var/lib/azsbackup');
    // Role data must stay readable everywhere, smbclient must reach the network, Node must JIT.
    expect(one('ProtectHome')).toBe('read-only');
    expect(one('CapabilityBoundingSet')).toContain('CAP_DAC_READ_SEARCH');
    expect(one('RestrictAddressFamilies')?.split(' ')).toEqual(expect.arrayContaining(['AF_INET', 'AF_INET6']));
    expect(service.has('PrivateNetwork')).toBe(false);
    expect(service.has('IPAddressDeny')).toBe(false);
    expect(service.has('MemoryDenyWriteExecute')).toBe(false);
    expect(service.has('InaccessiblePaths')).toBe(false);
    expect(service.has('ProtectSystem') && one('ProtectSystem') !== 'strict').toBe(true);
  });

  it('adds extra writable paths, an account with read capability, and quotes awkward paths', () => {
    const custom = parseUnit(
      generateSystemdUnit({
        binaryPath: '/opt/azs backup/azsbackup',
        stateDir: '/srv/azs 100%',
        extraWritablePaths: ['/srv/staging'],
        user: 'azsbackup',
        group: 'azsbackup',
      }),
    ).get('Service') as Map<string, string[]>;
    expect(custom.get('ExecStart')).toEqual(['"/opt/azs backup/azsbackup" service run']);
    expect(custom.get('Environment')).toEqual(['"AZSBACKUP_HOME=/srv/azs 100%%"', 'MALLOC_ARENA_MAX=2', 'MALLOC_TRIM_THRESHOLD_=67108864', 'MALLOC_MMAP_THRESHOLD_=33554432']);
    expect(custom.get('ReadWritePaths')).toEqual(['"/srv/azs 100%%" /srv/staging']);
    expect(custom.get('User')).toEqual(['azsbackup']);
    expect(custom.get('AmbientCapabilities')).toEqual(['CAP_DAC_READ_SEARCH']);
  });

  it('gives the engine the malloc settings the bench measures it with', async () => {
    // scripts/bench starts the engine as the service and the module do; its figures hold for them only then.
    const bench = (await import(pathToFileURL(path.join(import.meta.dirname, '../../../scripts/bench-listing.mjs')).href)) as { ENGINE_MALLOC_ENV: Record<string, string> };
    expect(bench.ENGINE_MALLOC_ENV).toEqual(ENGINE_MALLOC_ENV);
  });

  it('refuses relative paths, injected newlines and odd account names', () => {
    expect(() => generateSystemdUnit({ binaryPath: 'azsbackup', stateDir: '/var/lib/azsbackup' })).toThrow(AzsError);
    expect(() => generateSystemdUnit({ binaryPath: '/bin/x', stateDir: '/var/lib/a\nExecStartPre=/bin/evil' })).toThrow(AzsError);
    expect(() => generateSystemdUnit({ binaryPath: '/bin/x', stateDir: '/s', user: 'root\nUser=x' })).toThrow(AzsError);
  });

  it('keeps a private /tmp only when no configured path lies under /tmp or /var/tmp', () => {
    const outside = generateSystemdUnit({ binaryPath: '/bin/x', stateDir: '/var/lib/azsbackup', extraWritablePaths: ['/srv/backups'], readPaths: ['/srv/keyvault'] });
    expect(parseUnit(outside).get('Service')?.get('PrivateTmp')).toEqual(['yes']);
    for (const placed of [
      { stateDir: '/tmp/azsbackup-home' },
      { extraWritablePaths: ['/var/tmp/staging'] },
      { readPaths: ['/tmp/roles/KeyVault'] },
    ]) {
      const text = generateSystemdUnit({ binaryPath: '/bin/x', stateDir: '/var/lib/azsbackup', ...placed });
      const service = parseUnit(text).get('Service') as Map<string, string[]>;
      expect(service.has('PrivateTmp'), JSON.stringify(placed)).toBe(false);
      expect(text).toMatch(/^# No PrivateTmp: it would hide \/(var\/)?tmp\//m);
    }
    // Role folders are only read: they never become writable.
    const withRole = parseUnit(generateSystemdUnit({ binaryPath: '/bin/x', stateDir: '/var/lib/azsbackup', readPaths: ['/tmp/roles/KeyVault'] }));
    expect(withRole.get('Service')?.get('ReadWritePaths')).toEqual(['/var/lib/azsbackup']);
  });

  // scripts/setup installs systemd-analyze (Debian package systemd), so this never skips there.
  it('passes systemd-analyze verify without warnings', async () => {
    expect(hasSystemdAnalyze()).toBe(true);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'azs-unit-'));
    try {
      const file = path.join(dir, 'azsbackup.service');
      // verify insists that ExecStart points at an executable, so use the running node.
      const text = generateSystemdUnit({
        binaryPath: process.execPath,
        stateDir: path.join(dir, 'state with space'),
        extraWritablePaths: ['/srv/staging'],
        user: 'azsbackup',
      });
      await writeFile(file, text);
      const { stderr } = await run('systemd-analyze', ['verify', file]).catch((err: { stderr?: string; message: string }) => {
        throw new Error(`systemd-analyze verify failed: ${err.stderr ?? err.message}`);
      });
      const ours = stderr.split('\n').filter((l) => l.includes('azsbackup.service'));
      expect(ours).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
