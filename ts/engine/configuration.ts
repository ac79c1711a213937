import { loadConfiguration } from '../config/store.js';
import { toBackupLocation } from '../catalog/azure-shape.js';
import type { EngineContext } from './context.js';

/** Get-AzsBackupConfiguration: the BackupLocation as the provider would return it. */
export async function getBackupLocation(ctx: EngineContext): Promise<Record<string, unknown>> {
  const config = await loadConfiguration(ctx.home);
  return toBackupLocation(config, { nextBackupTime: null, lastBackupTime: null }, null);
}
