import { certificateCopy } from '../catalog/layout.js';
import type { BackupConfiguration } from '../config/types.js';
import type { StorageTarget } from '../storage/target.js';
import type { EncryptionPlan } from './encryption.js';

/**
 * Keeps a copy of each public certificate a backup was encrypted to beside the backups, as
 * Azure Stack does, so an admin holding several .pfx files can tell which one opens which backup.
 * Public material only; prune removes copies no backup refers to any more.
 */
export async function publishCertificateCopy(target: StorageTarget, config: BackupConfiguration, plan: EncryptionPlan): Promise<void> {
  for (const thumbprint of plan.certificateThumbprints) {
    const cert = config.encryption.certificates.find((c) => c.thumbprint === thumbprint);
    if (!cert) continue;
    const path = certificateCopy(thumbprint);
    const dir = path.slice(0, path.lastIndexOf('/'));
    const existing = await target.list(dir);
    if (existing.some((e) => e.name === `${thumbprint}.cer`)) continue;
    await target.ensureDirectory(dir);
    await target.writeFile(path, Buffer.from(cert.pem));
  }
}
