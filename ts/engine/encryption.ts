import { createPublicKey } from 'node:crypto';
import { AzsError } from '../errors.js';
import type { BackupConfiguration } from '../config/types.js';
import { unseal } from '../config/seal.js';
import { legacyKeyRecipient, type Recipient } from '../crypto/recipients.js';

export interface EncryptionPlan {
  recipients: Recipient[];
  mode: 'certificate' | 'key';
  certificateThumbprints: string[];
  keyId: string | null;
}

/**
 * Who a new backup is encrypted to. Nothing leaves the machine unencrypted: with neither a
 * certificate nor a legacy key configured, a backup is refused outright.
 */
export function encryptionPlan(config: BackupConfiguration, machineKey: Buffer): EncryptionPlan {
  const { encryption } = config;
  if (encryption.mode === 'certificate') {
    const current = encryption.certificates[0];
    if (current) {
      return {
        recipients: [{ kind: 'certificate', thumbprint: current.thumbprint, publicKey: createPublicKey(current.pem) }],
        mode: 'certificate',
        certificateThumbprints: [current.thumbprint],
        keyId: null,
      };
    }
  }
  if (encryption.mode === 'key' && encryption.legacyKey) {
    const key = legacyKeyRecipient(unseal(machineKey, encryption.legacyKey));
    return { recipients: [key], mode: 'key', certificateThumbprints: [], keyId: key.keyId };
  }
  throw new AzsError('EncryptionNotConfigured', 'No encryption certificate is configured, so no backup can be made: backups never leave this machine unencrypted.', {
    target: 'EncryptionCertPath',
    remediation: 'Configure the public key certificate (.cer) with Set-AzsBackupConfiguration -EncryptionCertPath, then start the backup again.',
  });
}
