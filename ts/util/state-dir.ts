import { join } from 'node:path';

/**
 * The engine's state directory: configuration, sealed secrets, catalog, staging cache and logs.
 * AZSBACKUP_HOME wins so tests, and admins running several instances, can keep them apart.
 */
export function stateDirectory(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.AZSBACKUP_HOME;
  if (fromEnv && fromEnv.trim() !== '') return fromEnv;
  if (process.platform === 'win32') return join(env.ProgramData ?? 'C:\\ProgramData', 'AzsBackup');
  return '/var/lib/azsbackup';
}

export const statePaths = (home: string) => ({
  home,
  config: join(home, 'config.json'),
  machineKey: join(home, 'keys', 'machine.key'),
  schedule: join(home, 'schedule.json'),
  lock: join(home, 'backup.lock'),
  catalog: join(home, 'catalog'),
  /** BackupInfo.json files already read from the location (catalog/info-cache.ts). */
  shareIndex: join(home, 'share-index.json'),
  staging: join(home, 'staging'),
  logs: join(home, 'logs'),
});
