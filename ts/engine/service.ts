import { loadConfiguration } from '../config/store.js';
import { hasLocation } from '../config/types.js';
import { abortableSleep, runScheduler } from '../schedule/service.js';
import { startHeartbeat } from '../schedule/heartbeat.js';
import { appendLog } from '../util/log.js';
import { ensureStateDirectory } from '../util/state-dir-acl.js';
import type { EngineContext } from './context.js';
import { startBackup } from './start.js';

/**
 * `azsbackup service run`: the scheduler in the foreground (systemd, a Windows service, or Task
 * Scheduler keep it alive). Stops cleanly on SIGTERM/SIGINT.
 */
export async function runService(ctx: EngineContext, tickIntervalMs?: number): Promise<void> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  // `on`, not `once`, until the scheduler has stopped: execa's signal-exit handler (installed while
  // a child it started runs: on Windows, the SMB mapping's PowerShell) re-raises a signal when it
  // finds no other listener, and a `once` listener is removed before it runs, so the service would
  // die of the signal mid-cleanup.
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  await ensureStateDirectory(ctx.home);
  // Get-AzsBackupStatus reads this to tell a running service from none at all.
  const heartbeat = await startHeartbeat(ctx.home, {
    onError: (err) => process.stderr.write(`${new Date().toISOString()} warning heartbeat: ${(err as Error).message}\n`),
  });
  try {
    await runScheduler({
      stateDir: ctx.home,
      loadConfig: async () => {
        const config = await loadConfiguration(ctx.home);
        return hasLocation(config) ? config : null;
      },
      runBackup: async ({ signal }) => {
        const backup = await startBackup({ ...ctx, signal }, { automatic: true });
        return { backupId: String(backup.BackupId), status: backup.Status as never };
      },
      now: ctx.now,
      sleep: abortableSleep,
      log: (entry) => {
        process.stderr.write(`${new Date().toISOString()} ${entry.level} ${entry.event}: ${entry.message}\n`);
        void appendLog(ctx.home, 'scheduler.log', { ...entry });
      },
      signal: controller.signal,
      ...(tickIntervalMs ? { tickIntervalMs } : {}),
    });
  } finally {
    await heartbeat.stop();
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
  }
}
