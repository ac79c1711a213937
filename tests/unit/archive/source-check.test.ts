import { asUnprivileged } from '../../support/unprivileged.js';
import { chmod, mkdir, realpath, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AzsError } from '../../../ts/errors.js';
import {
  checkRoleSource,
  findMountFor,
  parseMountInfo,
  windowsNetworkReason,
} from '../../../ts/roles/source-check.js';
import { removeDir, tempDir } from './helpers.js';


const SAMPLE = [
  '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro',
  '23 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw',
  '40 22 0:35 / /mnt/share rw,relatime shared:20 - cifs //fileserver/backup rw,vers=3.1.1,cache=strict',
  '41 22 0:36 / /mnt/nfs rw,relatime - nfs4 nas:/export rw,vers=4.2',
  '42 41 8:17 / /mnt/nfs/local rw,relatime master:3 propagate_from:2 - xfs /dev/sdb1 rw',
  '43 22 0:37 /sub /mnt/with\\040space ro,relatime - ext4 /dev/sdc1 ro',
  '44 22 0:38 / /mnt/host rw - 9p drvfs rw,dirsync',
  '45 22 0:39 / /mnt/sshfs rw,nosuid - fuse.sshfs admin@host:/data rw,user_id=0',
  '46 22 0:40 / /mnt/share rw - ext4 /dev/sdd1 rw',
  'garbage line without separator',
  '',
].join('\n');

describe('parseMountInfo', () => {
  const mounts = parseMountInfo(SAMPLE);

  it('parses every well-formed line and skips the rest', () => {
    expect(mounts).toHaveLength(9);
    expect(mounts[0]).toEqual({
      mountId: 22,
      parentId: 1,
      device: '8:1',
      root: '/',
      mountPoint: '/',
      mountOptions: ['rw', 'relatime'],
      optionalFields: ['shared:1'],
      fsType: 'ext4',
      source: '/dev/sda1',
      superOptions: ['rw', 'errors=remount-ro'],
    });
  });

  it('handles zero or several optional fields and octal escapes', () => {
    expect(mounts[3]?.optionalFields).toEqual([]);
    expect(mounts[4]?.optionalFields).toEqual(['master:3', 'propagate_from:2']);
    expect(mounts[5]?.mountPoint).toBe('/mnt/with space');
    expect(mounts[5]?.root).toBe('/sub');
    expect(mounts[2]?.source).toBe('//fileserver/backup');
  });

  it('finds the deepest mount, and the last of stacked mounts', () => {
    expect(findMountFor(mounts, '/var/lib/x')?.fsType).toBe('ext4');
    expect(findMountFor(mounts, '/mnt/nfs/data')?.fsType).toBe('nfs4');
    expect(findMountFor(mounts, '/mnt/nfs/local/data')?.fsType).toBe('xfs');
    expect(findMountFor(mounts, '/mnt/nfsother')?.mountPoint).toBe('/');
    // /mnt/share was over-mounted with a local disk: the later entry hides the share.
    expect(findMountFor(mounts, '/mnt/share/role')?.fsType).toBe('ext4');
    expect(findMountFor(mounts, '/mnt/with space/x')?.source).toBe('/dev/sdc1');
  });
});

describe('windowsNetworkReason', () => {
  it('recognises UNC paths and drives that resolve to them', () => {
    expect(windowsNetworkReason('\\\\server\\share\\role', '\\\\server\\share\\role')).toMatch(/UNC/);
    expect(windowsNetworkReason('//server/share', '//server/share')).toMatch(/UNC/);
    expect(windowsNetworkReason('\\\\?\\UNC\\server\\share', 'x')).toMatch(/UNC/);
    expect(windowsNetworkReason('Z:\\roles\\kv', '\\\\filer\\roles\\kv')).toMatch(/mapped network drive/);
    expect(windowsNetworkReason('C:\\roles\\kv', 'C:\\roles\\kv')).toBeUndefined();
    expect(windowsNetworkReason('\\\\?\\C:\\roles', '\\\\?\\C:\\roles')).toBeUndefined();
  });
});

describe('checkRoleSource', () => {
  let work: string;
  beforeEach(async () => {
    work = await realpath(await tempDir('src'));
  });
  afterEach(async () => {
    await chmod(work, 0o700).catch(() => undefined);
    await removeDir(work);
  });

  async function rejection(p: Promise<void>): Promise<AzsError> {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AzsError);
    const azs = err as AzsError;
    expect(azs.code).toBe('SourceRejected');
    expect(azs.target).toBe('KeyVault');
    expect(azs.remediation).toBeTruthy();
    return azs;
  }

  it('accepts a local readable directory', async () => {
    await expect(checkRoleSource({ name: 'KeyVault', path: work })).resolves.toBeUndefined();
  });

  it('accepts a directory on a read-only local mount', async () => {
    const mountInfo = `1 0 8:1 / / rw - ext4 /dev/sda1 rw\n2 1 8:2 / ${work} ro,relatime - ext4 /dev/sdb1 ro\n`;
    await expect(checkRoleSource({ name: 'KeyVault', path: work }, { mountInfo })).resolves.toBeUndefined();
  });

  it('refuses a missing path, naming it', async () => {
    const missing = path.join(work, 'nope');
    const err = await rejection(checkRoleSource({ name: 'KeyVault', path: missing }));
    expect(err.message).toContain(missing);
    expect(err.message).toMatch(/does not exist/);
  });

  it('refuses a relative path', async () => {
    const err = await rejection(checkRoleSource({ name: 'KeyVault', path: 'relative/dir' }));
    expect(err.message).toMatch(/not absolute/);
  });

  it('refuses a file', async () => {
    const file = path.join(work, 'file.txt');
    await writeFile(file, 'x');
    const err = await rejection(checkRoleSource({ name: 'KeyVault', path: file }));
    expect(err.message).toMatch(/not a directory/);
  });

  it('refuses an unreadable directory', async () => {
    const dir = path.join(work, 'locked');
    await mkdir(dir, { mode: 0o000 });
    const err = await asUnprivileged(work, work, () => rejection(checkRoleSource({ name: 'KeyVault', path: dir })));
    expect(err.message).toMatch(/not readable/);
  });

  it('refuses a directory it can list but not look through (r without x)', async () => {
    const dir = path.join(work, 'list-only');
    await mkdir(dir, { mode: 0o744 });
    await writeFile(path.join(dir, 'a.txt'), 'a');
    await chmod(dir, 0o744);
    const err = await asUnprivileged(work, work, () => rejection(checkRoleSource({ name: 'KeyVault', path: dir })));
    expect(err.message).toMatch(/not readable/);
    // The same folder with x is accepted: the refusal was about x alone.
    await chmod(dir, 0o755);
    await asUnprivileged(work, work, () => checkRoleSource({ name: 'KeyVault', path: dir }));
  });

  it.each(['cifs', 'smb3', 'nfs', 'nfs4', 'fuse.sshfs', 'afs', 'ceph'])('refuses a source on %s', async (fsType) => {
    const mountInfo = `1 0 8:1 / / rw - ext4 /dev/sda1 rw\n2 1 0:40 / ${work} rw - ${fsType} remote:/export rw\n`;
    const err = await rejection(checkRoleSource({ name: 'KeyVault', path: path.join(work) }, { mountInfo, platform: 'linux' }));
    expect(err.message).toContain(fsType);
    expect(err.message).toContain(work);
  });

  it('refuses a symlink that leads onto a network mount', async () => {
    const onShare = path.join(work, 'share', 'role');
    await mkdir(onShare, { recursive: true });
    const link = path.join(work, 'local-looking');
    await symlink(onShare, link);
    const mountInfo = `1 0 8:1 / / rw - ext4 /dev/sda1 rw\n2 1 0:40 / ${path.join(work, 'share')} rw - cifs //filer/share rw\n`;
    const err = await rejection(checkRoleSource({ name: 'KeyVault', path: link }, { mountInfo, platform: 'linux' }));
    expect(err.message).toMatch(/network file system \/\/filer\/share/);
  });

  it('accepts 9p (host disks exposed to a VM or WSL)', async () => {
    const mountInfo = `1 0 8:1 / / rw - ext4 /dev/sda1 rw\n2 1 0:40 / ${work} rw - 9p drvfs rw\n`;
    await expect(checkRoleSource({ name: 'KeyVault', path: work }, { mountInfo, platform: 'linux' })).resolves.toBeUndefined();
  });

  it('refuses UNC paths on Windows before touching them', async () => {
    const err = await rejection(checkRoleSource({ name: 'KeyVault', path: '\\\\filer\\share\\kv' }, { platform: 'win32' }));
    expect(err.message).toMatch(/UNC/);
  });
});
