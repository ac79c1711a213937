import { AzsError } from '../errors.js';
import type { BackupConfiguration } from '../config/types.js';
import { loadMachineKey, unseal } from '../config/seal.js';
import { openBlobTarget, openStorageTarget } from '../storage/open.js';
import type { StorageTarget } from '../storage/target.js';
import { statePaths } from '../util/state-dir.js';

/** Opens the configured backup location, unsealing its secrets only for this call. */
export async function openConfiguredTarget(home: string, config: BackupConfiguration): Promise<StorageTarget> {
  if (config.blobStorageUrl) {
    const key = await loadMachineKey(statePaths(home).machineKey);
    return openBlobTarget({
      url: config.blobStorageUrl,
      accountKey: config.blobStorageKey ? unseal(key, config.blobStorageKey) : null,
      sas: config.blobStorageSas ? unseal(key, config.blobStorageSas) : null,
    });
  }
  if (!config.path) {
    throw new AzsError('NotConfigured', 'No backup location is configured.', {
      target: 'Path',
      remediation:
        'Set the backup share with Set-AzsBackupConfiguration -Path \\\\server\\share\\folder -UserName DOMAIN\\user -Password <SecureString>, or a blob container with Update-AzsBackupConfiguration -BlobStorageUrl <container URL> -BlobStorageKey <account key>.',
    });
  }
  const password = config.password ? unseal(await loadMachineKey(statePaths(home).machineKey), config.password) : null;
  return openStorageTarget({ path: config.path, userName: config.userName, password, smbSigning: config.smbSigning });
}
