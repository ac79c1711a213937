/**
 * Temporary directories for vitest files, removed when the file's tests are done. Stamps carry
 * role data, state directories and test certificates with their private keys; left behind, every
 * run of the suite added half a gigabyte of them to the temp directory.
 *
 * Importing this module registers the cleanup in the importing test file (vitest evaluates each
 * file's imports afresh while it collects that file), so only test files may import it.
 */
import { mkdtempSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const made: string[] = [];

afterAll(async () => {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A new directory under the system temp directory, named `<prefix>XXXXXX`. */
export async function scratchDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function scratchDirSync(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}
