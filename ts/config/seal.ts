import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AzsError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import type { SealedSecret } from './types.js';

/**
 * Secrets (the share password, a legacy encryption key) are kept sealed with a per-machine key
 * that lives in its own 0600 file, so config.json can be read, copied into a support ticket or
 * backed up without exposing them. On Windows the same role is played by DPAPI in spirit; the
 * key file keeps one code path for both.
 */
const AAD = Buffer.from('AzsBackup sealed secret v1');

export async function loadMachineKey(path: string): Promise<Buffer> {
  try {
    const key = await readFile(path);
    if (key.length !== 32) throw new AzsError('ConfigurationCorrupt', `The machine key ${path} is damaged.`, { target: path });
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await chmod(dirname(path), 0o700);
  const key = randomBytes(32);
  await writeFileAtomic(path, key, 0o600);
  return key;
}

export function seal(machineKey: Buffer, plain: string): SealedSecret {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', machineKey, iv);
  cipher.setAAD(AAD);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return { sealed: `v1:${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64')}` };
}

export function unseal(machineKey: Buffer, secret: SealedSecret): string {
  const raw = secret.sealed.startsWith('v1:') ? Buffer.from(secret.sealed.slice(3), 'base64') : Buffer.alloc(0);
  if (raw.length < 28) throw corrupt();
  try {
    const decipher = createDecipheriv('aes-256-gcm', machineKey, raw.subarray(0, 12));
    decipher.setAAD(AAD);
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString('utf8');
  } catch (err) {
    throw corrupt(err);
  }
}

function corrupt(cause?: unknown): AzsError {
  return new AzsError('ConfigurationCorrupt', 'A stored secret cannot be unsealed with this machine key.', {
    cause,
    remediation: 'The keys/ folder of the state directory was replaced or damaged: set the password (and legacy key) again with Set-AzsBackupConfiguration.',
  });
}
