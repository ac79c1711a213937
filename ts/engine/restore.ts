import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { AzsError, invalidParameter, isOutOfSpace } from '../errors.js';
import { loadConfiguration } from '../config/store.js';
import { createDecompressStream } from '../archive/zstd-decompress.js';
import { extractTar } from '../archive/tar-reader.js';
import type { ManifestRole } from '../catalog/manifest.js';
import type { RoleSource } from '../config/types.js';
import { validateRoleName } from '../config/validate.js';
import type { EngineContext } from './context.js';
import { findBackup } from './backups.js';
import { identitiesFor, openPfxAhead, type KeyMaterial } from './identities.js';
import { ManifestAhead } from './manifest-ahead.js';
import { EMPTY_ROLE, ExpectedFiles, readManifest } from './manifest-reader.js';
import { openConfiguredTarget } from './share.js';
import { ProgressMeter } from './progress-meter.js';
import { bytesRestoredBeside, checkRestoreSpace, ranOutOfSpace } from './restore-space.js';
import { readRoleArchive } from './volume-reader.js';
import { planPrefetch } from './volume-prefetch.js';

export interface RestoreRequest extends KeyMaterial {
  name: string;
  roleName?: string | undefined;
  /** Restore beside the originals: <destination>/<role>. Without it, roles go back to their registered paths. */
  destination?: string | undefined;
}

/**
 * Where a role from a backup may be written. The manifest is not trusted for this: anyone holding
 * the public certificate can write a valid certificate-mode backup naming any role and any source
 * path. So a role goes back only to the path registered here under the same name, or under the
 * destination the admin chose; its name is checked as Add-AzsBackupRole checks it, so it can
 * never climb out of that destination.
 */
export function restoreTarget(role: ManifestRole, registered: RoleSource[], destination: string | undefined): string {
  let name: string;
  try {
    name = validateRoleName(role.name);
  } catch {
    throw new AzsError('IntegrityFailed', `The backup names a role ${JSON.stringify(role.name)}, which is not a valid role name; nothing was restored.`, {
      target: 'RoleName',
      remediation: 'Use another backup: this one was not written by AzsBackup for this stamp.',
    });
  }
  if (destination !== undefined) return join(resolve(destination), name);
  const here = registered.find((r) => r.name.toLowerCase() === name.toLowerCase());
  if (!here) {
    throw new AzsError('RoleNotFound', `Role ${name} from the backup is not registered on this machine, so it has no original location to go back to; nothing was restored.`, {
      target: name,
      remediation: `Pass -DestinationPath to restore it under a folder you choose, or register the role with Add-AzsBackupRole -Name ${name} -Path <directory> first.`,
    });
  }
  return here.path;
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
  // While the share is listed: the .pfx opened, and the manifest copied into a spool made for it.
  // Neither reports anything before the backup is found (identitiesFor and take() do).
  const ahead = ManifestAhead.start(target, ctx.home, config, request.name);
  const pfx = openPfxAhead(request, ahead.launched);
  const staged: Array<{ role: ManifestRole; temp: string; final: string }> = [];
  let spool: string | null = null;
  let meter: ProgressMeter | null = null;
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
    const identities = await identitiesFor(ctx.home, config, info, request, pfx);
    ctx.reporter.progress('Restore', 'Reading the manifest', 0);
    const wanted = (name: string) => !request.roleName || name.toLowerCase() === request.roleName.toLowerCase();
    const taken = await ahead.take(info);
    spool = taken.spool;
    const manifest = await readManifest(target, info, identities, spool, wanted, taken.copy ?? undefined);
    // Its lines are in the role spools now; the room goes to the volume copies.
    if (taken.copy !== null) await rm(taken.copy, { force: true });
    const roles = manifest.header.roles.filter((r) => r.volumes.length > 0);
    const chosen = roles.filter((r) => wanted(r.name));
    if (chosen.length === 0) {
      throw new AzsError('RoleNotFound', request.roleName ? `Backup ${info.backupId} holds no role named '${request.roleName}'. It holds: ${roles.map((r) => r.name).join(', ')}.` : `Backup ${info.backupId} holds no restorable role.`, {
        target: request.roleName ?? request.name,
        remediation: 'Pass one of the role names the backup holds, or omit -RoleName to restore all of them.',
      });
    }

    const finals = chosen.map((role) => restoreTarget(role, config.roles, request.destination));
    const sizes = chosen.map((role) => manifest.sizes.get(role.name) ?? EMPTY_ROLE);
    const destinations = chosen.map((role, i) => ({ role: role.name, final: finals[i]!, size: sizes[i]! }));
    await checkRestoreSpace(destinations);
    const largestVolume = Math.max(0, ...chosen.flatMap((role) => role.volumes.map((v) => v.size)));
    const prefetch = await planPrefetch(spool, largestVolume, await bytesRestoredBeside(spool, destinations));
    const suffix = randomBytes(4).toString('hex');
    const progress = new ProgressMeter(ctx.reporter, 'Restore', sizes.reduce((sum, size) => sum + size.dataBytes, 0));
    meter = progress;
    progress.start();
    for (const [i, role] of chosen.entries()) {
      const final = finals[i]!;
      const temp = `${final}.azsb-restore-${suffix}`;
      await mkdir(dirname(final), { recursive: true });
      progress.beginRole(role.name, sizes[i]!.dataBytes, `Restoring role ${role.name}`);
      // Not recursive: the folder must be new, as a failed restore deletes it.
      await mkdir(temp, { mode: 0o700 });
      staged.push({ role, temp, final });
      const expected = manifest.files.get(role.name) ?? new ExpectedFiles(null);
      // Files the manifest lists, as each is restored and checked: an earlier copy of a file that
      // changed during the backup is written over and does not count.
      const restored = (path: string, size: number, sha256: string | undefined) => {
        const before = expected.matchedBytes;
        expected.mark(path, size, sha256);
        progress.add(expected.matchedBytes - before);
      };
      let problems: string[];
      try {
        await pipeline(readRoleArchive(target, info.backupId, role.volumes, identities, prefetch), createDecompressStream(), async (source) =>
          extractTar(source, temp, { collect: false, onFile: (f) => restored(f.path, f.size, f.sha256) }),
        );
        problems = expected.unmatched();
      } catch (err) {
        throw isOutOfSpace(err) ? ranOutOfSpace(role.name, final, err) : err;
      } finally {
        expected.close();
      }
      if (problems.length > 0) {
        throw new AzsError('IntegrityFailed', `Role ${role.name} did not restore cleanly: ${problems.slice(0, 5).join('; ')}.`, {
          target: role.name,
          remediation: 'Use another backup; the selected one is damaged.',
        });
      }
      progress.endRole();
    }
    progress.stop();

    // Swap phase: everything is complete on disk, so this is renames only.
    for (const s of staged) {
      const old = `${s.final}.azsb-old-${suffix}`;
      const existed = await stat(s.final).then(() => true, () => false);
      if (existed) await rename(s.final, old);
      await rename(s.temp, s.final);
      if (existed) await rm(old, { recursive: true, force: true });
    }
    ctx.reporter.progress('Restore', `Restored ${staged.length} role(s) from ${info.backupId}`, 100, progress.detail());
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
    meter?.stop();
    await ahead.discard();
    if (spool !== null) await rm(spool, { recursive: true, force: true });
    await target.close();
  }
}
