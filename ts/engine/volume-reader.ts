import { pipeline, Readable, type Transform } from 'node:stream';
import { createDecryptStream, type Identity } from '../crypto/index.js';
import { backupFile } from '../catalog/layout.js';
import type { VolumeRecord } from '../catalog/types.js';
import { AzsError } from '../errors.js';
import type { StorageTarget } from '../storage/target.js';
import { digestTap } from '../util/digest-tap.js';
import { YoungCollector } from '../util/young-gc.js';

function mismatch(file: string, what: string): AzsError {
  return new AzsError('IntegrityFailed', `${file} does not match what BackupInfo.json recorded for it (${what}): the file on the share was changed, replaced or cut short.`, {
    target: file,
    remediation: 'Use another backup; check the share for damage or tampering.',
  });
}

/**
 * One volume from the share. Without identities: its size and SHA-256 checked against
 * BackupInfo.json as it streams by (the keyless check). With them: decrypted, every chunk
 * authenticated; the SHA-256 is then skipped, because GCM already rejects any changed,
 * missing or added byte and the authenticated header names the backup, role and index, so
 * hashing the ciphertext again would only cost a core-second per GiB.
 */
export async function openVolume(target: StorageTarget, backupId: string, volume: VolumeRecord, identities: Identity[] | null): Promise<Readable> {
  const source = await target.openRead(backupFile(backupId, volume.file));
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
 * by the time it is needed (it waits with one pipe's worth of data).
 */
export function readRoleArchive(target: StorageTarget, backupId: string, volumes: VolumeRecord[], identities: Identity[]): Readable {
  const ordered = [...volumes].sort((a, b) => a.index - b.index);
  ordered.forEach((v, i) => {
    if (v.index !== i) throw mismatch(v.file, `volume ${i} of role ${v.role} is missing`);
  });
  const open = (i: number): Promise<Readable> | null => {
    if (i >= ordered.length) return null;
    const opening = openVolume(target, backupId, ordered[i]!, identities);
    opening.catch(() => undefined); // surfaced when its turn comes
    return opening;
  };
  return Readable.from(
    (async function* () {
      let next = open(0);
      const young = new YoungCollector();
      try {
        for (let i = 0; next !== null; i++) {
          const current = await next;
          next = open(i + 1);
          for await (const chunk of current) {
            young.add((chunk as Buffer).length);
            yield chunk as Buffer;
          }
        }
      } finally {
        // Stopped early (an error, a consumer that gave up): end the download opened ahead.
        if (next !== null) (await next.catch(() => null))?.destroy();
      }
    })(),
    { objectMode: false },
  );
}
