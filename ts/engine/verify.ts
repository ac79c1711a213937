import { pipeline } from 'node:stream/promises';
import { Readable, Writable } from 'node:stream';
import { AzsError } from '../errors.js';
import { loadConfiguration } from '../config/store.js';
import { createDecompressStream } from '../archive/zstd-decompress.js';
import { listTar } from '../archive/tar-reader.js';
import type { EngineContext } from './context.js';
import { findBackup } from './backups.js';
import { identitiesFor, type KeyMaterial } from './identities.js';
import { markFile, readManifest, unmatched } from './manifest-reader.js';
import { openConfiguredTarget } from './share.js';
import { openVolume, readRoleArchive } from './volume-reader.js';

/**
 * Checks a backup without restoring it. Without a key: every volume's size and SHA-256 against
 * BackupInfo.json. With the .pfx or legacy key: every chunk authenticated, the archive read
 * through and each file's SHA-256 compared with the encrypted manifest.
 */
export async function verifyBackup(ctx: EngineContext, name: string, keys: KeyMaterial & { withKey: boolean }): Promise<Record<string, unknown>> {
  const config = await loadConfiguration(ctx.home);
  const target = await openConfiguredTarget(ctx.home, config);
  try {
    const record = await findBackup(ctx, config, target, name);
    if (record.problem) throw new AzsError('IntegrityFailed', record.problem, { target: name, remediation: 'Repair or restore BackupInfo.json in that folder from another copy, or pick another backup (Get-AzsBackup).' });
    const info = record.info;
    if (!info) {
      throw new AzsError('BackupNotFound', `Backup ${record.backupId} is ${record.status}: it never completed, so there is nothing to verify.`, { target: name });
    }
    let bytes = 0;
    if (!keys.withKey) {
      const all = [...info.volumes, { file: info.manifest.file, role: '', index: 0, size: info.manifest.size, sha256: info.manifest.sha256 }];
      for (const [i, volume] of all.entries()) {
        ctx.reporter.progress('Verify', `Checking ${volume.file}`, Math.floor((i / all.length) * 100));
        await pipeline(await openVolume(target, info.backupId, volume, null), new Writable({ write: (c: Buffer, _e, cb) => ((bytes += c.length), cb()) }));
      }
      return { BackupId: info.backupId, Level: 'Checksums', Volumes: info.volumes.length, Bytes: bytes, Files: null, Verified: true };
    }
    const identities = await identitiesFor(ctx.home, config, info, keys);
    const manifest = await readManifest(target, info, identities);
    let files = 0;
    for (const role of manifest.header.roles.filter((r) => r.volumes.length > 0)) {
      ctx.reporter.progress('Verify', `Authenticating role ${role.name}`);
      const expected = manifest.files.get(role.name) ?? new Map();
      const listed = await pipeline(readRoleArchive(target, info.backupId, role.volumes, identities), createDecompressStream(), async (source) =>
        listTar(Readable.from(source, { objectMode: false }), { collect: false, onFile: (f) => markFile(expected, f.path, f.size, f.sha256) }),
      );
      const problems = unmatched(expected);
      if (problems.length > 0) {
        throw new AzsError('IntegrityFailed', `Role ${role.name} does not match its manifest: ${problems.slice(0, 5).join('; ')}.`, { target: role.name });
      }
      files += role.fileCount;
      bytes += listed.bytes;
    }
    return { BackupId: info.backupId, Level: 'Full', Volumes: info.volumes.length, Bytes: bytes, Files: files, Verified: true };
  } finally {
    await target.close();
  }
}
