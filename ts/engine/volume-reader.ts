import { createReadStream } from 'node:fs';
import { pipeline, Readable, type Transform } from 'node:stream';
import { createDecryptStream, type Identity } from '../crypto/index.js';
import { backupFile } from '../catalog/layout.js';
import type { VolumeRecord } from '../catalog/types.js';
import { AzsError } from '../errors.js';
import type { StorageTarget } from '../storage/target.js';
import { digestTap } from '../util/digest-tap.js';
import { YoungCollector } from '../util/young-gc.js';
import { VolumePrefetch, type PrefetchPlan } from './volume-prefetch.js';

function mismatch(file: string, what: string): AzsError {
  return new AzsError('IntegrityFailed', `${file} does not match what BackupInfo.json recorded for it (${what}): the file on the share was changed, replaced or cut short.`, {
    target: file,
    remediation: 'Use another backup; check the share for damage or tampering.',
  });
}

/** Reads of a volume's local copy: a few large reads rather than many 64 KiB ones. */
const LOCAL_READ_BYTES = 256 * 1024;

/**
 * One volume from the share, or from its local copy (the same bytes, checked the same way).
 * Without identities: its size and SHA-256 checked against
 * BackupInfo.json as it streams by (the keyless check). With them: decrypted, every chunk
 * authenticated; the SHA-256 is then skipped, because GCM already rejects any changed,
 * missing or added byte and the authenticated header names the backup, role and index, so
 * hashing the ciphertext again would only cost a core-second per GiB.
 */
export async function openVolume(target: StorageTarget, backupId: string, volume: VolumeRecord, identities: Identity[] | null, localCopy?: string): Promise<Readable> {
  const source = localCopy !== undefined ? createReadStream(localCopy, { highWaterMark: LOCAL_READ_BYTES }) : await target.openRead(backupFile(backupId, volume.file));
  // pipeline, not pipe: a failure or an abandoned read anywhere must also end the download
  // (an smbclient left blocked on a full pipe would hang the engine).
  const stages: NodeJS.ReadWriteStream[] = [];
  if (!identities) {
    stages.push(
      digestTap(({ size, sha256 }) => {
        if (size !== volume.size) return mismatch(volume.file, `size ${size}, expected ${volume.size}`);
        if (sha256 !== volume.sha256) return mismatch(volume.file, 'SHA-256');
        return null;
      }),
    );
  } else {
    stages.push(
      createDecryptStream(identities, {
        expectedContext: { contentType: 'volume', backupId, role: volume.role, index: volume.index },
        target: volume.file,
      }),
    );
  }
  return pipeline([source, ...stages] as unknown as [Readable, Transform], () => {}) as unknown as Readable;
}

/**
 * A role's volumes in order, decrypted and concatenated: the role's compressed archive. The next
 * volume is opened while the current one streams, so its connection and authentication are done
 * by the time it is needed (it waits with one pipe's worth of data). With a prefetch plan, the
 * volumes after the first are copied into the spool meanwhile, as far as the plan allows, and
 * read from there.
 */
export function readRoleArchive(target: StorageTarget, backupId: string, volumes: VolumeRecord[], identities: Identity[], prefetch?: PrefetchPlan): Readable {
  const ordered = [...volumes].sort((a, b) => a.index - b.index);
  ordered.forEach((v, i) => {
    if (v.index !== i) throw mismatch(v.file, `volume ${i} of role ${v.role} is missing`);
  });
  const copies = prefetch === undefined || prefetch.copies === 0 ? null : new VolumePrefetch(target, backupId, ordered, prefetch);
  const open = (i: number): Promise<Readable> | null => {
    if (i >= ordered.length) return null;
    const local = copies === null ? Promise.resolve(null) : copies.take(i);
    const opening = local.then((copy) => openVolume(target, backupId, ordered[i]!, identities, copy ?? undefined));
    opening.catch(() => undefined); // surfaced when its turn comes
    return opening;
  };
  const archive = Readable.from(
    (async function* () {
      // The first volume streams at once: waiting for a copy of it would only delay the start.
      // Opening it first also marks it as being read, so fill() copies only the ones after it.
      let next = open(0);
      copies?.fill();
      const young = new YoungCollector();
      try {
        for (let i = 0; next !== null; i++) {
          const current = await next;
          next = open(i + 1);
          for await (const chunk of current) {
            young.add((chunk as Buffer).length);
            yield chunk as Buffer;
          }
          await copies?.release(i);
        }
      } finally {
        // Stopped early (an error, a consumer that gave up): end the download opened ahead.
        // Copies in flight are stopped first, so that the volume opened ahead does not wait for one.
        const closing = copies?.close();
        if (next !== null) (await next.catch(() => null))?.destroy();
        await closing;
      }
    })(),
    { objectMode: false },
  );
  // A reader that gives up may leave the generator waiting on a copy, where its clean-up cannot
  // run until the copy ends: stop the copies as soon as the stream goes.
  if (copies !== null) archive.once('close', () => void copies.close());
  return archive;
}
