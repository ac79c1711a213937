import { rm, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { backupFile } from '../catalog/layout.js';
import type { VolumeRecord } from '../catalog/types.js';
import type { StorageTarget } from '../storage/target.js';

/**
 * A restore copies at most this many volumes into its spool ahead of the extraction, the mirror
 * of the two volumes a backup stages. Measured over SMB (docs/BENCHMARK.md, sixteenth change):
 * two beat one, and both beat streaming every volume through the engine's pipe.
 */
export const MAX_COPIES = 2;
/** Left free on the spool's file system beyond the copies and what the restore writes there. */
const SLACK_BYTES = 64 * 1024 * 1024;

export interface PrefetchPlan {
  /** The restore's spool folder in the staging cache. */
  dir: string;
  /** How many local copies may exist at once, the one being read included; 0 turns copying off. */
  copies: number;
}

/**
 * How many copies fit without taking space the restore needs: the spool's free space, less what
 * the restore will write on the same file system (reservedBytes) and some slack, in copies of the
 * largest volume, at most MAX_COPIES. A spool whose space cannot be read gets none.
 */
export async function planPrefetch(dir: string, largestVolumeBytes: number, reservedBytes: number): Promise<PrefetchPlan> {
  let free: number;
  try {
    const fs = await statfs(dir);
    free = Number(fs.bavail) * Number(fs.bsize);
  } catch {
    return { dir, copies: 0 };
  }
  const budget = free - reservedBytes - SLACK_BYTES;
  const copies = largestVolumeBytes <= 0 || budget <= 0 ? 0 : Math.min(MAX_COPIES, Math.floor(budget / largestVolumeBytes));
  return { dir, copies };
}

let copyCounter = 0;

/**
 * Local copies of a role's volumes, made by the target's own downloader (smbclient writing the
 * file itself) while the engine extracts an earlier volume: the download no longer waits for the
 * extraction, and reading a local file costs the engine less than reading smbclient's pipe.
 * Copying is only ever an optimisation. A copy that fails, or that the plan has no room for, is
 * not an error: that volume is streamed from the target as before, which reports any real fault.
 * The copies are ciphertext, authenticated when they are read like a streamed volume.
 */
export class VolumePrefetch {
  readonly #target: StorageTarget;
  readonly #backupId: string;
  readonly #volumes: readonly VolumeRecord[];
  readonly #plan: PrefetchPlan;
  readonly #copies = new Map<number, { file: string; done: Promise<boolean> }>();
  readonly #abort = new AbortController();
  /** Volumes at or below this index are being read or done: no copy is started for them. */
  #reading = -1;
  #closing: Promise<void> | null = null;

  constructor(target: StorageTarget, backupId: string, volumes: readonly VolumeRecord[], plan: PrefetchPlan) {
    this.#target = target;
    this.#backupId = backupId;
    this.#volumes = volumes;
    this.#plan = plan;
  }

  /** Starts copies of the volumes after the one being read, as many as the plan allows. */
  fill(): void {
    const download = this.#target.download?.bind(this.#target);
    if (download === undefined || this.#abort.signal.aborted) return;
    for (let i = this.#reading + 1; i < this.#volumes.length && this.#copies.size < this.#plan.copies; i++) {
      if (this.#copies.has(i)) continue;
      const file = join(this.#plan.dir, `volume-${++copyCounter}.azsb`);
      const done = download(backupFile(this.#backupId, this.#volumes[i]!.file), file, this.#abort.signal).then(
        () => true,
        async () => {
          await rm(file, { force: true }).catch(() => undefined);
          return false;
        },
      );
      this.#copies.set(i, { file, done });
    }
  }

  /**
   * Volume i is next: the path of its complete local copy, once there is one, or null when it
   * has none (it is then streamed from the target).
   */
  take(i: number): Promise<string | null> {
    // Marked at once, not when the copy is done: fill() must not start a copy of this volume.
    this.#reading = Math.max(this.#reading, i);
    const copy = this.#copies.get(i);
    if (copy === undefined) return Promise.resolve(null);
    return copy.done.then((complete) => {
      // Closed while waiting: the reader is gone, so nothing is to be streamed in its place.
      if (this.#abort.signal.aborted) throw new Error('the volume copies were closed');
      return complete ? copy.file : null;
    });
  }

  /** Volume i has been read: its copy goes, and its room goes to the next volume. */
  async release(i: number): Promise<void> {
    const copy = this.#copies.get(i);
    if (copy !== undefined) {
      this.#copies.delete(i);
      await copy.done;
      // A copy that cannot go yet (still open elsewhere) goes with the spool folder.
      await rm(copy.file, { force: true }).catch(() => undefined);
    }
    this.fill();
  }

  /** Stops the copies still in flight and removes every copy; later calls wait for the first. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#abort.abort();
    const left = [...this.#copies.values()];
    this.#copies.clear();
    for (const copy of left) {
      await copy.done;
      await rm(copy.file, { force: true }).catch(() => undefined);
    }
  }
}
