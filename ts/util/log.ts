import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { statePaths } from './state-dir.js';

/**
 * Appends one JSON line to a log in the state directory (engine.log, prune.log, scheduler.log).
 * Callers pass only what is safe to keep: no secret ever reaches a log.
 */
export async function appendLog(home: string, name: string, entry: Record<string, unknown>): Promise<void> {
  const dir = statePaths(home).logs;
  await mkdir(dir, { recursive: true });
  await appendFile(join(dir, name), `${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
}
