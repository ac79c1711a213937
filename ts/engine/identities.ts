import { readFile } from 'node:fs/promises';
import { AzsError } from '../errors.js';
import type { BackupConfiguration } from '../config/types.js';
import { loadMachineKey, unseal } from '../config/seal.js';
import { legacyKeyRecipient, type Identity } from '../crypto/index.js';
import type { BackupInfo } from '../catalog/types.js';
import { statePaths } from '../util/state-dir.js';

export interface KeyMaterial {
  pfxPath?: string | undefined;
  pfxPassword?: string | undefined;
  encryptionKey?: string | undefined;
}

/**
 * Finds the key that opens a backup. For certificate backups the .pfx must be the one the backup
 * names, and that is checked before its password is tried, so a wrong file is reported as the
 * wrong certificate rather than as a wrong password. Key-mode backups open with the legacy key
 * given now, or the one still configured.
 */
export async function identitiesFor(home: string, config: BackupConfiguration, info: BackupInfo, keys: KeyMaterial): Promise<Identity[]> {
  if (info.encryption.mode === 'key') {
    const keyText = keys.encryptionKey ?? (config.encryption.legacyKey ? unseal(await loadMachineKey(statePaths(home).machineKey), config.encryption.legacyKey) : null);
    if (!keyText) {
      throw new AzsError('DecryptionCertMismatch', `Backup ${info.backupId} was encrypted with a legacy encryption key (key id ${info.encryption.keyId}) and no key is available.`, {
        target: 'EncryptionKey',
        remediation: 'Pass the encryption key the backup was made with.',
      });
    }
    const key = legacyKeyRecipient(keyText);
    if (info.encryption.keyId && key.keyId !== info.encryption.keyId) {
      throw new AzsError('DecryptionCertMismatch', `Backup ${info.backupId} was encrypted with the legacy key ${info.encryption.keyId}; the key available is ${key.keyId}.`, {
        target: 'EncryptionKey',
        remediation: 'Use the encryption key that was configured when this backup was made.',
      });
    }
    return [key];
  }

  const wanted = info.encryption.certificateThumbprints;
  if (!keys.pfxPath) {
    throw new AzsError('DecryptionCertMismatch', `Backup ${info.backupId} is encrypted to certificate ${wanted.join(', ')}; its .pfx is needed to open it.`, {
      target: 'DecryptionCertPath',
      remediation: 'Pass -DecryptionCertPath with the .pfx (private key) of that certificate and -DecryptionCertPassword.',
    });
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(keys.pfxPath);
  } catch (err) {
    throw new AzsError('CertificateInvalid', `The specified decryption cert ${keys.pfxPath} does not exist or cannot be read.`, {
      target: 'DecryptionCertPath',
      cause: err,
      remediation: 'Pass the path of the .pfx file exported with the private key.',
    });
  }
  const mismatch = (found: string) =>
    new AzsError('DecryptionCertMismatch', `The .pfx ${keys.pfxPath} holds certificate ${found}, but backup ${info.backupId} was encrypted to ${wanted.join(', ')}.`, {
      target: 'DecryptionCertPath',
      remediation: 'Use the .pfx of the certificate whose thumbprint Get-AzsBackup shows in EncryptionCertThumbprint for this backup.',
    });
  // Loaded on demand: .pfx parsing brings node-forge, which only restores and verifies need.
  const { loadDecryptionPfx, readPfxCertificateThumbprint } = await import('../crypto/certificate.js');
  const visible = readPfxCertificateThumbprint(bytes);
  if (visible && !wanted.includes(visible)) throw mismatch(visible);
  let identity;
  try {
    identity = loadDecryptionPfx(bytes, keys.pfxPassword ?? '');
  } catch (err) {
    // Most .pfx files (OpenSSL 3, Windows) encrypt their certificate too, so without the right
    // password we cannot tell a wrong password from a wrong file: say both.
    if (visible === null && err instanceof AzsError && err.code === 'DecryptionPasswordWrong') {
      throw new AzsError('DecryptionPasswordWrong', `The password does not open ${keys.pfxPath}. Check also that this .pfx is the one for certificate ${wanted.join(', ')}, which backup ${info.backupId} was encrypted to.`, {
        target: 'DecryptionCertPassword',
        cause: err,
        remediation: err.remediation ?? 'Pass the password the .pfx was exported with.',
      });
    }
    throw err;
  }
  if (!wanted.includes(identity.thumbprint)) throw mismatch(identity.thumbprint);
  return [{ kind: 'certificate', thumbprint: identity.thumbprint, privateKey: identity.privateKey }];
}
