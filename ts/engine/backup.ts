import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { AzsError, invalidParameter, toAzsError } from '../errors.js';
import { loadConfiguration } from '../config/store.js';
import type { BackupConfiguration, RoleSource } from '../config/types.js';
import { loadMachineKey } from '../config/seal.js';
import type { PackSummary } from '../archive/tar-writer.js';
import { packDirectoryOnThread, packWorkerSource } from '../archive/pack-thread.js';
import { createCompressStream } from '../archive/zstd-compress.js';
import { checkRoleSource } from '../roles/source-check.js';
import { measureTree } from '../roles/measure.js';
import { backupFile, backupFolder, INFO_FILE, isBackupId, MANIFEST_FILE } from '../catalog/layout.js';
import { isoDuration } from '../catalog/azure-shape.js';
import type { BackupInfo, OperationStatus, RoleStatus, VolumeRecord } from '../catalog/types.js';
import { hasLocalRecord, writeLocalRecord, type LocalBackupRecord } from '../catalog/local-catalog.js';
import { scanShare } from './backups.js';
import { statePaths } from '../util/state-dir.js';
import { BACKUP_DATA_VERSION, ENGINE_VERSION } from '../version.js';
import type { EngineContext } from './context.js';
import { encryptionPlan, type EncryptionPlan } from './encryption.js';
import { openConfiguredTarget } from './share.js';
import type { StorageTarget } from '../storage/target.js';
import { MANIFEST_LINE_BYTES, prepareStaging, removeStaging } from './staging.js';
import { Uploader } from './uploader.js';
import { VolumeWriter } from './volume-writer.js';
import { ManifestWriter } from './manifest-writer.js';
import { publishCertificateCopy } from './certificate-copies.js';
import { ProgressMeter } from './progress-meter.js';

export interface BackupRequest {
  automatic: boolean;
  /** Chosen by the caller when it must know the id before the work starts (--no-wait). */
  backupId?: string;
}

interface RoleOutcome {
  status: RoleStatus;
  volumes: VolumeRecord[];
  summary: PackSummary | null;
  path: string;
}

interface RoleEnv {
  backupId: string;
  staging: string;
  plan: EncryptionPlan;
  uploader: Uploader;
  manifest: ManifestWriter;
  volumeSize: number;
  onBytes: (n: number) => void;
  signal: AbortSignal | undefined;
}

/**
 * One backup, start to finish: check the sources and the staging cache, then per role
 * archive → compress → encrypt → volumes → upload (overlapped), then the encrypted manifest,
 * then BackupInfo.json last. Until that file exists the folder is an incomplete upload, never a
 * backup: a failure at any point leaves nothing on the share that looks valid.
 * On success the backup location is returned still open, and the caller closes it: the retention
 * pass that follows a backup uses the same SMB session instead of logging on again.
 */
export async function performBackup(ctx: EngineContext, request: BackupRequest): Promise<{ info: BackupInfo; config: BackupConfiguration; target: StorageTarget }> {
  const paths = statePaths(ctx.home);
  const config = await loadConfiguration(ctx.home);
  if (config.roles.length === 0) {
    throw new AzsError('NotConfigured', 'No infrastructure roles are registered, so there is nothing to back up.', {
      target: 'Roles',
      remediation: 'Register each role directory with Add-AzsBackupRole -Name <role> -Path <directory>.',
    });
  }
  const plan = encryptionPlan(config, await loadMachineKey(paths.machineKey));
  const target = await openConfiguredTarget(ctx.home, config);

  if (request.backupId !== undefined && !isBackupId(request.backupId)) {
    throw invalidParameter('BackupId', request.backupId, 'a GUID that no backup uses yet');
  }
  const backupId = request.backupId?.toLowerCase() ?? randomUUID();
  // The share is listed while the local catalog is checked: its logon and listing are most of a
  // small backup's wait.
  const scanning = scanShare(target, ctx.home);
  scanning.catch(() => undefined); // surfaced below
  const known = await hasLocalRecord(paths.catalog, backupId).catch((err: unknown) => err as Error);
  if (known !== false) {
    await scanning.catch(() => undefined);
    await target.close();
    if (known instanceof Error) throw known;
    throw invalidParameter('BackupId', backupId, 'a GUID that no backup uses yet (this one is in the local catalog)');
  }
  const onShare = await scanning.catch(async (err: unknown) => {
    await target.close();
    throw err;
  });
  if (onShare.some((b) => b.backupId === backupId)) {
    await target.close();
    throw invalidParameter('BackupId', backupId, `a GUID that no backup uses yet (MASBackup/${backupId} already exists on the share)`);
  }
  // Counted, not dated: retention protects the highest sequence, whatever the clocks said.
  const sequence = 1 + onShare.reduce((max, b) => Math.max(max, b.info?.sequence ?? 0), 0);
  const started = ctx.now();
  const record: LocalBackupRecord = {
    backupId,
    status: 'Running',
    createdDateTime: started.toISOString(),
    completedDateTime: null,
    isAutomaticBackup: request.automatic,
    pid: process.pid,
    error: null,
  };
  await writeLocalRecord(paths.catalog, record);

  let staging: string | null = null;
  let manifestLines: ManifestWriter | null = null;
  let certificateCopy: Promise<void> | null = null;
  let meter: ProgressMeter | null = null;
  let createdFolder = false;
  let handedOver = false;
  try {
    const checked = await checkSources(config.roles);
    const dataBytes = checked.reduce((sum, c) => sum + c.bytes, 0);
    const manifestBytes = checked.reduce((sum, c) => sum + c.manifestBytes, 0);
    const prepared = await prepareStaging(config.stagingPath ?? paths.staging, backupId, dataBytes, config.volumeSizeBytes, manifestBytes);
    staging = prepared.dir;
    for (const left of prepared.swept) ctx.reporter.warning(`Removed a staging folder an earlier run left behind when it ended: ${left}.`);
    const folder = backupFolder(backupId);
    // From here on the folder is this run's own: the id was checked to be new on the share.
    createdFolder = true;
    await target.ensureDirectory(folder);
    // Independent of the data, so it runs beside it rather than in the tail of the backup; it
    // only has to be on the share before BackupInfo.json.
    certificateCopy = publishCertificateCopy(target, config, plan);
    certificateCopy.catch(() => undefined);

    const progress = new ProgressMeter(ctx.reporter, 'Backup', dataBytes);
    meter = progress;
    progress.start();
    const report = (status: string) => progress.report(status);
    const uploader = new Uploader(target, folder, (file) => report(`Uploaded ${file}`));

    manifestLines = new ManifestWriter(`${staging}/manifest-lines.jsonl`);
    const outcomes: RoleOutcome[] = [];
    for (const { role, rejected } of checked) {
      if (rejected) {
        ctx.reporter.warning(`Role ${role.name} was not backed up: ${rejected.message}`);
        outcomes.push({ status: { roleName: role.name, status: 'Failed', message: rejected.message }, volumes: [], summary: null, path: role.path });
        continue;
      }
      progress.beginRole(role.name, checked.find((c) => c.role === role)?.bytes ?? 0);
      outcomes.push(
        await backupRole(role, {
          backupId,
          staging,
          plan,
          uploader,
          manifest: manifestLines,
          volumeSize: config.volumeSizeBytes,
          onBytes: (n) => progress.add(n),
          signal: ctx.signal,
        }),
      );
      progress.endRole();
      for (const w of roleWarnings(outcomes[outcomes.length - 1]!)) ctx.reporter.warning(w);
    }
    await uploader.drain();

    report('Writing the encrypted manifest');
    const manifest = await writeManifest(staging, backupId, plan, outcomes, manifestLines);
    await uploader.enqueue(manifest.localPath, MANIFEST_FILE, manifest.size);
    await uploader.drain();
    await certificateCopy;

    const completed = ctx.now();
    const info = buildInfo(config, request, backupId, sequence, started, completed, plan, outcomes, manifest);
    // Last step, and the only one that makes the backup visible as a backup.
    await target.writeFile(backupFile(backupId, INFO_FILE), Buffer.from(`${JSON.stringify(info, null, 2)}\n`));
    await writeLocalRecord(paths.catalog, { ...record, status: info.status, completedDateTime: info.completedDateTime });
    progress.stop();
    ctx.reporter.progress('Backup', `Backup ${backupId} ${info.status}`, 100, progress.detail());
    handedOver = true;
    return { info, config, target };
  } catch (err) {
    manifestLines?.discard();
    const e = ctx.signal?.aborted
      ? new AzsError('Internal', `Backup ${backupId} was stopped because the service is shutting down.`, { cause: err, remediation: 'Start it again with Start-AzsBackup, or let the next scheduled run make it.' })
      : toAzsError(err);
    await writeLocalRecord(paths.catalog, {
      ...record,
      status: 'Failed',
      completedDateTime: ctx.now().toISOString(),
      error: { code: e.code, message: e.message },
    });
    // Only this backup's own folder is touched; if the share is gone this fails too and the
    // incomplete folder is removed by the next prune.
    if (createdFolder) await target.removeDirectory(backupFolder(backupId)).catch(() => {});
    throw e;
  } finally {
    meter?.stop();
    await certificateCopy?.catch(() => undefined);
    if (staging) await removeStaging(staging);
    if (!handedOver) await target.close();
  }
}

async function checkSources(roles: RoleSource[]) {
  const out: Array<{ role: RoleSource; bytes: number; manifestBytes: number; rejected: AzsError | null }> = [];
  for (const role of roles) {
    try {
      await checkRoleSource(role);
      const tree = measureTree(role.path);
      const perLine = MANIFEST_LINE_BYTES + Buffer.byteLength(role.name);
      out.push({ role, bytes: tree.bytes, manifestBytes: tree.files * perLine + tree.pathBytes, rejected: null });
    } catch (err) {
      out.push({ role, bytes: 0, manifestBytes: 0, rejected: toAzsError(err) });
    }
  }
  if (out.every((o) => o.rejected)) {
    const first = out[0]!.rejected!;
    throw new AzsError('SourceRejected', `No role could be backed up: ${out.map((o) => o.rejected!.message).join(' ')}`, {
      target: first.target ?? 'Roles',
      remediation: first.remediation ?? 'Fix the role directories, or re-register them with Add-AzsBackupRole.',
    });
  }
  return out;
}

async function backupRole(role: RoleSource, env: RoleEnv): Promise<RoleOutcome> {
  const packed = packDirectoryOnThread(
    role.path,
    {
      onPacked: (f) => env.manifest.addFile({ role: role.name, path: f.path, size: f.size, mtime: f.mtime, sha256: f.sha256 }),
      // Bytes of file data, the measure of the total the progress is shown against; the archive
      // also carries headers and padding (on small files several times their data).
      onData: env.onBytes,
    },
    await packWorkerSource(),
  );
  const writer = new VolumeWriter({
    stagingDir: env.staging,
    backupId: env.backupId,
    role: role.name,
    recipients: env.plan.recipients,
    volumeSize: env.volumeSize,
    onSealed: (v) => env.uploader.enqueue(v.localPath, v.file, v.size),
  });
  await pipeline(packed.stream, createCompressStream(), writer, env.signal ? { signal: env.signal } : {});
  const summary = await packed.done;
  const problems = [
    ...summary.inconsistent.map((p) => `${p} kept changing while it was read`),
    ...summary.unreadable.map((p) => `${p} could not be read`),
  ];
  const status: OperationStatus = problems.length > 0 ? 'PartialSucceeded' : 'Succeeded';
  return {
    status: { roleName: role.name, status, ...(problems.length > 0 ? { message: problems.join('; ') } : {}) },
    volumes: writer.sealed.map((v) => ({ file: v.file, role: v.role, index: v.index, size: v.size, sha256: v.sha256 })),
    summary,
    path: role.path,
  };
}

function roleWarnings(outcome: RoleOutcome): string[] {
  return outcome.status.message ? [`Role ${outcome.status.roleName} is ${outcome.status.status}: ${outcome.status.message}`] : [];
}

async function writeManifest(staging: string, backupId: string, plan: EncryptionPlan, outcomes: RoleOutcome[], lines: ManifestWriter) {
  const localPath = `${staging}/${MANIFEST_FILE}`;
  const digest = await lines.seal(
    {
      backupId,
      roles: outcomes.map((o) => ({
        name: o.status.roleName,
        sourcePath: o.path,
        status: o.status.status,
        volumes: o.volumes,
        fileCount: o.summary?.fileCount ?? 0,
        inconsistent: o.summary?.inconsistent ?? [],
        unreadable: o.summary?.unreadable ?? [],
      })),
    },
    plan.recipients,
    localPath,
  );
  return { localPath, ...digest };
}

function overallStatus(outcomes: RoleOutcome[]): OperationStatus {
  if (outcomes.every((o) => o.status.status === 'Succeeded')) return 'Succeeded';
  if (outcomes.every((o) => o.status.status === 'Failed')) return 'Failed';
  return 'PartialSucceeded';
}

function buildInfo(
  config: BackupConfiguration,
  request: BackupRequest,
  backupId: string,
  sequence: number,
  started: Date,
  completed: Date,
  plan: EncryptionPlan,
  outcomes: RoleOutcome[],
  manifest: { size: number; sha256: string },
): BackupInfo {
  const volumes = outcomes.flatMap((o) => o.volumes);
  return {
    formatVersion: 1,
    backupId,
    sequence,
    location: config.location,
    deploymentId: config.deploymentId,
    status: overallStatus(outcomes),
    roleStatus: outcomes.map((o) => o.status),
    createdDateTime: started.toISOString(),
    completedDateTime: completed.toISOString(),
    timeTakenToCreate: isoDuration(completed.getTime() - started.getTime()),
    isAutomaticBackup: request.automatic,
    encryption: { mode: plan.mode, certificateThumbprints: plan.certificateThumbprints, keyId: plan.keyId },
    sourceBytes: outcomes.reduce((s, o) => s + (o.summary?.bytes ?? 0), 0),
    storedBytes: volumes.reduce((s, v) => s + v.size, 0) + manifest.size,
    fileCount: outcomes.reduce((s, o) => s + (o.summary?.fileCount ?? 0), 0),
    volumes,
    manifest: { file: MANIFEST_FILE, size: manifest.size, sha256: manifest.sha256 },
    backupDataVersion: BACKUP_DATA_VERSION,
    stampVersion: ENGINE_VERSION,
    oemVersion: null,
    engineVersion: ENGINE_VERSION,
  };
}

