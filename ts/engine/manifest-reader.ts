import { pipeline } from 'node:stream';
import { AzsError } from '../errors.js';
import { createDecryptStream, type Identity } from '../crypto/index.js';
import type { BackupInfo } from '../catalog/types.js';
import type { Manifest } from '../catalog/manifest.js';
import type { StorageTarget } from '../storage/target.js';
import { openVolume } from './volume-reader.js';

/** Decrypts and parses a backup's manifest; it is checked like any volume. */
export async function readManifest(target: StorageTarget, info: BackupInfo, identities: Identity[]): Promise<Manifest> {
  const stream = await openVolume(
    target,
    info.backupId,
    { file: info.manifest.file, role: '', index: 0, size: info.manifest.size, sha256: info.manifest.sha256 },
    null,
  );
  const decrypt = createDecryptStream(identities, {
    expectedContext: { contentType: 'manifest', backupId: info.backupId, role: null, index: null },
    target: info.manifest.file,
  });
  const chunks: Buffer[] = [];
  for await (const chunk of pipeline(stream, decrypt, () => {})) chunks.push(chunk as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Manifest;
  } catch (err) {
    throw new AzsError('IntegrityFailed', `The manifest of backup ${info.backupId} decrypted but is not valid.`, { target: info.manifest.file, cause: err });
  }
}
