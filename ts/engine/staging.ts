import { mkdir, rm, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { AzsError } from '../errors.js';
import { formatCapacity } from '../catalog/azure-shape.js';

/**
 * The local cache where volumes are compressed and encrypted before they are copied to the
 * share (seed 003: it needs free space of at least 10 % of the data set). Our pipeline also holds
 * up to two volumes at once, so whichever is larger is required.
 */
export function stagingRequirement(dataBytes: number, volumeSize: number): number {
  const pipelineNeed = Math.min(dataBytes, 2 * volumeSize) + 16 * 1024 * 1024;
  return Math.max(Math.ceil(dataBytes * 0.1), pipelineNeed);
}

export async function prepareStaging(stagingRoot: string, backupId: string, dataBytes: number, volumeSize: number): Promise<string> {
  await mkdir(stagingRoot, { recursive: true, mode: 0o700 });
  const fs = await statfs(stagingRoot);
  const free = Number(fs.bavail) * Number(fs.bsize);
  const need = stagingRequirement(dataBytes, volumeSize);
  if (free < need) {
    throw new AzsError(
      'StagingSpaceLow',
      `The staging cache ${stagingRoot} has ${formatCapacity(free)} free; this backup of ${formatCapacity(dataBytes)} needs at least ${formatCapacity(need)} there (10 % of the data set, and room for two volumes).`,
      {
        target: stagingRoot,
        remediation: 'Free space on that volume, or point the cache to a larger local volume with azsbackup config set --staging-path.',
      },
    );
  }
  const dir = join(stagingRoot, backupId);
  // Not recursive: the folder must be new, because removeStaging deletes it with everything in it.
  try {
    await mkdir(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    throw new AzsError('InvalidParameter', `The staging folder ${dir} already exists, so backup id ${backupId} is not new.`, {
      target: 'BackupId',
      remediation: 'Start the backup without choosing its id.',
    });
  }
  return dir;
}

export async function removeStaging(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
