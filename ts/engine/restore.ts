import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { AzsError, invalidParameter } from '../errors.js';
import { loadConfiguration } from '../config/store.js';
import { createDecompressStream } from '../archive/zstd-decompress.js';
import { extractTar } from '../archive/tar-reader.js';
import type { ManifestRole } from '../catalog/manifest.js';
import type { EngineContext } from './context.js';
import { findBackup } from './backups.js';
import { identitiesFor, type KeyMaterial } from './identities.js';
import { markFile, readManifest, unmatched } from './manifest-reader.js';
import { openConfiguredTarget } from './share.js';
import { readRoleArchive } from './volume-reader.js';

export interface RestoreRequest extends KeyMaterial {
  name: string;
  roleName?: string | undefined;
  /** Restore beside the originals: <destination>/<role>. Without it, roles go back to their paths. */
  destination?: string | undefined;
}

/**
 * Restores all roles of a backup, or one. Every role is first extracted next to its destination
 * and checked against the manifest; only when all of them are complete are they swapped into
 * place. A wrong key, a damaged volume or an interruption leaves the destination as it was.
 */
export async function restoreBackup(ctx: EngineContext, request: RestoreRequest): Promise<Record<string, unknown>> {
  if (request.destination !== undefined && !isAbsolute(request.destination)) {
    throw invalidParameter('DestinationPath', request.destination, 'an absolute path of a local directory');
  }
  const config = await loadConfiguration(ctx.home);
  const target = await openConfiguredTarget(ctx.home, config);
  const staged: Array<{ role: ManifestRole; temp: string; final: string }> = [];
  try {
    const record = await findBackup(ctx, config, target, request.name);
    if (record.problem) throw new AzsError('IntegrityFailed', record.problem, { target: request.name, remediation: 'Repair or restore BackupInfo.json in that folder from another copy, or pick another backup (Get-AzsBackup).' });
    const info = record.info;
    if (!info || (record.status !== 'Succeeded' && record.status !== 'PartialSucceeded')) {
      throw new AzsError('BackupNotFound', `Backup ${record.backupId} is ${record.status} and cannot be restored.`, {
        target: request.name,
        remediation: 'Pick a backup whose Status is Succeeded (Get-AzsBackup).',
      });
    }
    const identities = await identitiesFor(ctx.home, config, info, request);
    ctx.reporter.progress('Restore', 'Reading the manifest', 0);
    const wanted = (name: string) => !request.roleName || name.toLowerCase() === request.roleName.toLowerCase();
    const manifest = await readManifest(target, info, identities, wanted);
    const roles = manifest.header.roles.filter((r) => r.volumes.length > 0);
    const chosen = roles.filter((r) => wanted(r.name));
    if (chosen.length === 0) {
      throw new AzsError('RoleNotFound', request.roleName ? `Backup ${info.backupId} holds no role named '${request.roleName}'. It holds: ${roles.map((r) => r.name).join(', ')}.` : `Backup ${info.backupId} holds no restorable role.`, {
        target: request.roleName ?? request.name,
        remediation: 'Pass one of the role names the backup holds, or omit -RoleName to restore all of them.',
      });
    }

    const suffix = randomBytes(4).toString('hex');
    let done = 0;
    for (const role of chosen) {
      const final = request.destination ? join(resolve(request.destination), role.name) : role.sourcePath;
      const temp = `${final}.azsb-restore-${suffix}`;
      await mkdir(dirname(final), { recursive: true });
      staged.push({ role, temp, final });
      ctx.reporter.progress('Restore', `Restoring role ${role.name}`, Math.floor((done / chosen.length) * 90));
      await mkdir(temp, { recursive: true, mode: 0o700 });
      const expected = manifest.files.get(role.name) ?? new Map();
      await pipeline(readRoleArchive(target, info.backupId, role.volumes, identities), createDecompressStream(), async (source) =>
        // Byte mode: an object-mode Readable would read 16 chunks (up to 32 MiB of frames) ahead.
        extractTar(Readable.from(source, { objectMode: false }), temp, { collect: false, onFile: (f) => markFile(expected, f.path, f.size, f.sha256) }),
      );
      const problems = unmatched(expected);
      if (problems.length > 0) {
        throw new AzsError('IntegrityFailed', `Role ${role.name} did not restore cleanly: ${problems.slice(0, 5).join('; ')}.`, {
          target: role.name,
          remediation: 'Use another backup; the selected one is damaged.',
        });
      }
      done++;
    }

    // Swap phase: everything is complete on disk, so this is renames only.
    for (const s of staged) {
      const old = `${s.final}.azsb-old-${suffix}`;
      const existed = await stat(s.final).then(() => true, () => false);
      if (existed) await rename(s.final, old);
      await rename(s.temp, s.final);
      if (existed) await rm(old, { recursive: true, force: true });
    }
    ctx.reporter.progress('Restore', `Restored ${staged.length} role(s) from ${info.backupId}`, 100);
    return {
      BackupId: info.backupId,
      Name: `${info.location}/${info.backupId}`,
      Roles: staged.map((s) => ({ RoleName: s.role.name, Path: s.final, Files: s.role.fileCount })),
      Restored: true,
    };
  } catch (err) {
    for (const s of staged) await rm(s.temp, { recursive: true, force: true }).catch(() => {});
    throw err;
  } finally {
    await target.close();
  }
}
