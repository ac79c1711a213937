import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { AzsError, invalidParameter } from '../errors.js';
import { isBackupId } from '../catalog/layout.js';
import { loadConfiguration } from '../config/store.js';
import { toAzureBackup } from '../catalog/azure-shape.js';
import { readLocalRecords } from '../catalog/local-catalog.js';
import { acquireBackupLock } from '../schedule/backup-lock.js';
import { onOnDemandBackup, readScheduleState, writeScheduleState } from '../schedule/schedule-state.js';
import { statePaths } from '../util/state-dir.js';
import { ensureStateDirectory } from '../util/state-dir-acl.js';
import { appendLog } from '../util/log.js';
import type { EngineContext } from './context.js';
import { performBackup } from './backup.js';
import { applyRetention } from './prune.js';

/**
 * Start-AzsBackup: one backup at a time (a second start fails naming the running one), then the
 * schedule's LastBackupTime, then retention. An on-demand backup never moves NextBackupTime.
 */
export async function startBackup(ctx: EngineContext, request: { automatic: boolean; backupId?: string | undefined }): Promise<Record<string, unknown>> {
  // The id names a folder on the share and one in the staging cache, both deleted when the backup
  // fails: anything but a fresh GUID could name a folder that is not this backup's.
  if (request.backupId !== undefined && !isBackupId(request.backupId)) {
    throw invalidParameter('BackupId', request.backupId, 'a GUID (for example 3f2504e0-4f89-41d3-9a0c-0305e82c3301) that no backup uses yet');
  }
  const backupId = request.backupId?.toLowerCase() ?? randomUUID();
  const started = ctx.now();
  // The lock lives in the state directory, which a first command on a new machine may not have made yet.
  await ensureStateDirectory(ctx.home);
  const lock = await acquireBackupLock(ctx.home, { backupId, startedAt: started });
  try {
    if (lock.recovered) {
      await appendLog(ctx.home, 'engine.log', { recoveredLock: lock.recovered.detail, backupId: lock.recovered.info?.backupId ?? null });
    }
    const { info, config, target } = await performBackup(ctx, { automatic: request.automatic, backupId });
    try {
      // The scheduler service records its own runs; an on-demand backup only sets LastBackupTime
      // and never moves NextBackupTime.
      if (!request.automatic) await writeScheduleState(ctx.home, onOnDemandBackup(await readScheduleState(ctx.home), started));
      await applyRetention(ctx, config, target);
    } finally {
      await target.close();
    }
    await appendLog(ctx.home, 'engine.log', { backup: backupId, status: info.status, automatic: request.automatic });
    return toAzureBackup(config, { backupId, status: info.status, info, createdDateTime: info.createdDateTime });
  } finally {
    await lock.release();
  }
}

/**
 * Start-AzsBackup -NoWait / -AsJob plumbing: runs the backup in a detached copy of this binary and
 * returns once it holds the lock and is Running (or has already failed, which is then reported).
 */
export async function startBackupDetached(ctx: EngineContext, request: { automatic: boolean }): Promise<Record<string, unknown>> {
  const backupId = randomUUID();
  const logs = statePaths(ctx.home).logs;
  await mkdir(logs, { recursive: true });
  const logFile = join(logs, `backup-${backupId}.jsonl`);
  const out = await open(logFile, 'w', 0o600);
  const args = ['backup', 'start', '--backup-id', backupId, ...(request.automatic ? ['--automatic'] : [])];
  // In the standalone binary execPath is the engine itself; from source it is node + this script.
  const argv = process.argv[1] && process.argv[1] !== process.execPath ? [process.argv[1], ...args] : args;
  const child = spawn(process.execPath, argv, { detached: true, stdio: ['ignore', out.fd, out.fd], env: process.env });
  child.unref();
  await out.close();

  const config = await loadConfiguration(ctx.home);
  for (let waited = 0; waited < 30_000; waited += 100) {
    const record = (await readLocalRecords(statePaths(ctx.home).catalog)).find((r) => r.backupId === backupId);
    if (record) return toAzureBackup(config, { backupId, status: record.status, info: null, createdDateTime: record.createdDateTime });
    const lines = (await readFile(logFile, 'utf8')).split('\n').filter(Boolean);
    const error = lines.map((l) => JSON.parse(l) as { type: string; error?: { code: string; message: string; target: string | null; remediation: string | null } }).find((l) => l.type === 'error');
    if (error?.error) {
      throw new AzsError(error.error.code as ConstructorParameters<typeof AzsError>[0], error.error.message, {
        ...(error.error.target ? { target: error.error.target } : {}),
        ...(error.error.remediation ? { remediation: error.error.remediation } : {}),
      });
    }
    await delay(100);
  }
  throw new AzsError('Internal', `The background backup ${backupId} did not start within 30 seconds.`, { target: logFile });
}
