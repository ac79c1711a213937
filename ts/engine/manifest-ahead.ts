import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { backupFile, MANIFEST_FILE, parseBackupName } from '../catalog/layout.js';
import type { BackupInfo } from '../catalog/types.js';
import type { BackupConfiguration } from '../config/types.js';
import type { StorageTarget } from '../storage/target.js';
import { manifestSpool } from './manifest-reader.js';

/** Where the copy lands in the spool; the spool's other files are role-N.jsonl and volume-N.azsb. */
const COPY_NAME = 'manifest.azsb';

export interface TakenSpool {
  /** The restore's spool folder, now the caller's to remove. */
  spool: string;
  /** The manifest's complete local copy in it, or null: then the manifest is streamed as before. */
  copy: string | null;
}

/**
 * A restore's spool, made while the restore still looks its backup up on the share, with the
 * backup's manifest copied into it meanwhile by the target's own downloader (its own smbclient):
 * the copy's connection and transfer overlap the listing instead of following it.
 *
 * Like the volume copies, this is only an optimisation and decides nothing:
 * - nothing from here is reported; the spool made ahead failing means one is made at the usual
 *   moment, and that one's failure is what the restore reports;
 * - a copy that fails, or that is not the file the backup names, is not used: the manifest is
 *   streamed from the target, which reports any real fault;
 * - the copy is ciphertext, authenticated as it is read like the streamed manifest;
 * - a restore that never takes the spool (the backup is missing, not restorable, or the key is
 *   wrong) stops the copy and removes the spool.
 */
export class ManifestAhead {
  readonly #config: Pick<BackupConfiguration, 'stagingPath'>;
  readonly #home: string;
  readonly #backupId: string | null;
  readonly #abort = new AbortController();
  readonly #spool: Promise<string | null>;
  readonly #copy: Promise<string | null>;
  /** Settles once the copy is on its way (or will not be made). */
  readonly launched: Promise<void>;
  #taken = false;

  private constructor(target: StorageTarget, home: string, config: Pick<BackupConfiguration, 'stagingPath'>, backupId: string | null) {
    this.#home = home;
    this.#config = config;
    this.#backupId = backupId;
    // A name that is no backup id gets nothing ahead: the restore refuses it when it looks it up.
    this.#spool = backupId === null ? Promise.resolve(null) : manifestSpool(home, config, backupId).catch(() => null);
    const download = target.download?.bind(target);
    let launched!: () => void;
    this.launched = new Promise<void>((resolve) => (launched = resolve));
    this.#copy = this.#spool.then(async (spool) => {
      if (spool === null || backupId === null || download === undefined || this.#abort.signal.aborted) {
        launched();
        return null;
      }
      const file = join(spool, COPY_NAME);
      try {
        let copying: Promise<void>;
        try {
          copying = download(backupFile(backupId, MANIFEST_FILE), file, this.#abort.signal);
        } finally {
          launched(); // even if download() threw at once: the .pfx waits on this
        }
        await copying;
        return file;
      } catch {
        await rm(file, { force: true }).catch(() => undefined);
        return null;
      }
    });
  }

  /** Starts the spool and the copy for the backup the restore names (its -Name, as given). */
  static start(target: StorageTarget, home: string, config: Pick<BackupConfiguration, 'stagingPath'>, name: string): ManifestAhead {
    return new ManifestAhead(target, home, config, parseBackupName(name)?.backupId ?? null);
  }

  /**
   * The spool for the backup found on the share, once its manifest copy is complete or has
   * failed. The spool becomes the caller's: discard() no longer removes it.
   */
  async take(info: BackupInfo): Promise<TakenSpool> {
    this.#taken = true;
    const ahead = await this.#spool;
    const spool = ahead ?? (await manifestSpool(this.#home, this.#config, info.backupId));
    let copy = await this.#copy;
    // The folder found is the one copied from (ids are compared lower-cased), but a backup may
    // name its manifest otherwise: then the copy is not it.
    if (copy !== null && (info.backupId !== this.#backupId || info.manifest.file !== MANIFEST_FILE)) {
      await rm(copy, { force: true }).catch(() => undefined);
      copy = null;
    }
    return { spool, copy };
  }

  /** Not taken: stops the copy and removes the spool; does nothing once taken. */
  async discard(): Promise<void> {
    if (this.#taken) return;
    this.#taken = true;
    this.#abort.abort();
    const spool = await this.#spool;
    await this.#copy;
    if (spool !== null) await rm(spool, { recursive: true, force: true }).catch(() => undefined);
  }
}
