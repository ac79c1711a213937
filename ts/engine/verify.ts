import { rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Readable, Writable } from 'node:stream';
import { AzsError } from '../errors.js';
import { loadConfiguration } from '../config/store.js';
import { createDecompressStream } from '../archive/zstd-decompress.js';
import { listTar } from '../archive/tar-reader.js';
import type { EngineContext } from './context.js';
import { findBackup } from './backups.js';
import { identitiesFor, type KeyMaterial } from './identities.js';
import { ExpectedFiles, manifestSpool, readManifest } from './manifest-reader.js';
import { openConfiguredTarget } from './share.js';
import { openVolume, readRoleArchive } from './volume-reader.js';
import { planPrefetch } from './volume-prefetch.js';

/**
 * Checks a backup without restoring it. Without a key: every volume's size and SHA-256 against
 * BackupInfo.json. With the .pfx or legacy key: every chunk authenticated, the archive read
 * through and each file's SHA-256 compared with the encrypted manifest.
 */
export async function verifyBackup(ctx: EngineContext, name: string, keys: KeyMaterial & { withKey: boolean }): Promise<Record<string, unknown>> {
  const config = await loadConfiguration(ctx.home);
  const target = await openConfiguredTarget(ctx.home, config);
  let spool: string | null = null;
  try {
    const record = await findBackup(ctx, config, target, name);
    if (record.problem) throw new AzsError('IntegrityFailed', record.problem, { target: name, remediation: 'Repair or restore BackupInfo.json in that folder from another copy, or pick another backup (Get-AzsBackup).' });
    const info = record.info;
    if (!info) {
      throw new AzsError('BackupNotFound', `Backup ${record.backupId} is ${record.status}: it never completed, so there is nothing to verify.`, { target: name });
    }
    const backupId = info.backupId;
    const roles: Array<Record<string, unknown>> = [];
    const roleNames = info.roleStatus.map((r) => r.roleName);
    for (const v of info.volumes) if (!roleNames.includes(v.role)) roleNames.push(v.role);
    if (!keys.withKey) {
      // The manifest is checked first: without it nothing is restorable, whatever the volumes say.
      await drain(await openVolume(target, backupId, { file: info.manifest.file, role: '', index: 0, size: info.manifest.size, sha256: info.manifest.sha256 }, null));
      for (const roleName of roleNames) {
        const volumes = info.volumes.filter((v) => v.role === roleName);
        let bytes = 0;
        for (const volume of volumes) {
          ctx.reporter.progress('Verify', `Checking ${volume.file}`);
          bytes += await drain(await openVolume(target, backupId, volume, null), roleName);
        }
        roles.push(roleResult(backupId, roleName, 'Checksums', volumes.length, bytes, null));
      }
      return { BackupId: backupId, Level: 'Checksums', Volumes: info.volumes.length, Bytes: sum(roles), Files: null, Verified: true, Roles: roles };
    }
    const identities = await identitiesFor(ctx.home, config, info, keys);
    spool = await manifestSpool(ctx.home, config, info.backupId);
    const manifest = await readManifest(target, info, identities, spool);
    let files = 0;
    for (const role of manifest.header.roles) {
      if (role.volumes.length === 0) {
        roles.push(roleResult(backupId, role.name, 'Full', 0, 0, 0));
        continue;
      }
      ctx.reporter.progress('Verify', `Authenticating role ${role.name}`);
      const expected = manifest.files.get(role.name) ?? new ExpectedFiles(null);
      let listed: { bytes: number };
      let problems: string[];
      try {
        // A verification writes nothing else locally, so the copies need no space kept for it.
        const prefetch = await planPrefetch(spool, Math.max(0, ...role.volumes.map((v) => v.size)), 0);
        listed = await pipeline(readRoleArchive(target, backupId, role.volumes, identities, prefetch), createDecompressStream(), async (source) =>
          // With a manifest, the bytes are those of the files it settles; the reader then keeps
          // nothing per file, so memory does not grow with the file count.
          listTar(source, { collect: false, exactCounts: expected.spoolPath === null, onFile: (f) => expected.mark(f.path, f.size, f.sha256) }),
        ).catch((err: unknown) => {
          throw inRole(err, role.name);
        });
        problems = expected.unmatched();
      } finally {
        expected.close();
      }
      if (problems.length > 0) {
        throw new AzsError('IntegrityFailed', `Role ${role.name} does not match its manifest: ${problems.slice(0, 5).join('; ')}.`, { target: role.name });
      }
      files += role.fileCount;
      const bytes = expected.spoolPath === null ? listed.bytes : expected.matchedBytes;
      roles.push(roleResult(backupId, role.name, 'Full', role.volumes.length, bytes, role.fileCount));
    }
    return { BackupId: backupId, Level: 'Full', Volumes: info.volumes.length, Bytes: sum(roles), Files: files, Verified: true, Roles: roles };
  } finally {
    if (spool !== null) await rm(spool, { recursive: true, force: true });
    await target.close();
  }
}

function roleResult(backupId: string, roleName: string, level: string, volumes: number, bytes: number, files: number | null): Record<string, unknown> {
  return { BackupId: backupId, RoleName: roleName, Level: level, Volumes: volumes, Bytes: bytes, Files: files, Verified: true };
}

function sum(roles: Array<Record<string, unknown>>): number {
  return roles.reduce((total, r) => total + (r.Bytes as number), 0);
}

async function drain(stream: Readable, roleName?: string): Promise<number> {
  let bytes = 0;
  try {
    await pipeline(stream, new Writable({ write: (c: Buffer, _e, cb) => ((bytes += c.length), cb()) }));
  } catch (err) {
    throw roleName === undefined ? err : inRole(err, roleName);
  }
  return bytes;
}

/** Names the role in an integrity failure, so the operator knows what a restore would lose. */
function inRole(err: unknown, roleName: string): unknown {
  if (err instanceof AzsError && err.code === 'IntegrityFailed' && !err.message.startsWith('Role ')) {
    return new AzsError('IntegrityFailed', `Role ${roleName} is damaged: ${err.message}`, { target: err.target ?? roleName, cause: err, ...(err.remediation === undefined ? {} : { remediation: err.remediation }) });
  }
  return err;
}
