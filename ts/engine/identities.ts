import { readFile } from 'node:fs/promises';
import { AzsError } from '../errors.js';
import type { BackupConfiguration } from '../config/types.js';
import { loadMachineKey, unseal } from '../config/seal.js';
import { legacyKeyRecipient, type Identity } from '../crypto/index.js';
import type { DecryptionIdentity } from '../crypto/certificate.js';
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
 * given now, or the one still configured. `pfx` is the .pfx opened ahead (openPfxAhead), used
 * when it is the file asked for.
 */
export async function identitiesFor(home: string, config: BackupConfiguration, info: BackupInfo, keys: KeyMaterial, pfx?: PfxAhead): Promise<Identity[]> {
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
  const mismatch = (found: string) =>
    new AzsError('DecryptionCertMismatch', `The .pfx ${keys.pfxPath} holds certificate ${found}, but backup ${info.backupId} was encrypted to ${wanted.join(', ')}.`, {
      target: 'DecryptionCertPath',
      remediation: 'Use the .pfx of the certificate whose thumbprint Get-AzsBackup shows in EncryptionCertThumbprint for this backup.',
    });
  const opened = await (pfx?.path === keys.pfxPath ? pfx.opened : openPfx(keys.pfxPath, keys.pfxPassword ?? ''));
  // The certificate is checked before the password's outcome, so a wrong file is reported as
  // the wrong certificate rather than as a wrong password.
  if (opened.visible && !wanted.includes(opened.visible)) throw mismatch(opened.visible);
  if (!('identity' in opened)) {
    const err = opened.failure;
    // Most .pfx files (OpenSSL 3, Windows) encrypt their certificate too, so without the right
    // password we cannot tell a wrong password from a wrong file: say both.
    if (opened.visible === null && err instanceof AzsError && err.code === 'DecryptionPasswordWrong') {
      throw new AzsError('DecryptionPasswordWrong', `The password does not open ${keys.pfxPath}. Check also that this .pfx is the one for certificate ${wanted.join(', ')}, which backup ${info.backupId} was encrypted to.`, {
        target: 'DecryptionCertPassword',
        cause: err,
        remediation: err.remediation ?? 'Pass the password the .pfx was exported with.',
      });
    }
    throw err;
  }
  const { identity } = opened;
  if (!wanted.includes(identity.thumbprint)) throw mismatch(identity.thumbprint);
  return [{ kind: 'certificate', thumbprint: identity.thumbprint, privateKey: identity.privateKey }];
}

type OpenedPfx = { visible: string | null } & ({ identity: DecryptionIdentity } | { failure: unknown });

/** A .pfx being read and opened with its password while the restore looks for its backup. */
export interface PfxAhead {
  path: string;
  opened: Promise<OpenedPfx>;
}

/**
 * Starts reading and opening the .pfx now. node-forge's key derivation takes a restore's main
 * thread some 70 ms, which it otherwise waits out on the share's listing; `after` lets what must
 * start first (the manifest's copy) start before that. Nothing is reported from here:
 * identitiesFor reports what it found, in its own order, once the backup is known.
 */
export function openPfxAhead(keys: KeyMaterial, after: Promise<unknown> = Promise.resolve()): PfxAhead | undefined {
  const path = keys.pfxPath;
  if (!path) return undefined;
  const opened = after.then(() => openPfx(path, keys.pfxPassword ?? ''));
  opened.catch(() => undefined); // reported when identitiesFor awaits it, if it ever does
  return { path, opened };
}

/** Reads a .pfx and tries its password; only an unreadable file throws. */
async function openPfx(pfxPath: string, password: string): Promise<OpenedPfx> {
  let bytes: Buffer;
  try {
    bytes = await readFile(pfxPath);
  } catch (err) {
    throw new AzsError('CertificateInvalid', `The specified decryption cert ${pfxPath} does not exist or cannot be read.`, {
      target: 'DecryptionCertPath',
      cause: err,
      remediation: 'Pass the path of the .pfx file exported with the private key.',
    });
  }
  // Loaded on demand: .pfx parsing brings node-forge, which only restores and verifies need.
  const { loadDecryptionPfx, readPfxCertificateThumbprint } = await import('../crypto/certificate.js');
  const visible = readPfxCertificateThumbprint(bytes);
  try {
    return { visible, identity: loadDecryptionPfx(bytes, password) };
  } catch (failure) {
    return { visible, failure };
  }
}
