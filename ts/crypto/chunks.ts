import { createCipheriv, createDecipheriv } from 'node:crypto';
import { AzsError } from '../errors.js';
import { FLAG_LAST, FLAG_MORE, NONCE_LENGTH, TAG_LENGTH } from './constants.js';

/** 2^48 chunks of 64 KiB is 16 EiB; the 11-byte counter field never needs its top bytes. */
const MAX_COUNTER = 2 ** 48 - 1;

/** 11-byte big-endian counter, then the flag byte that marks the final chunk. */
export function chunkNonce(counter: number, last: boolean): Buffer {
  if (!Number.isSafeInteger(counter) || counter < 0 || counter > MAX_COUNTER) {
    throw new RangeError(`chunk counter ${counter} out of range`);
  }
  const nonce = Buffer.alloc(NONCE_LENGTH);
  nonce.writeUIntBE(counter, 5, 6);
  nonce[NONCE_LENGTH - 1] = last ? FLAG_LAST : FLAG_MORE;
  return nonce;
}

/** Returns ciphertext || tag. */
export function sealChunk(payloadKey: Buffer, counter: number, last: boolean, plaintext: Buffer): Buffer {
  const cipher = createCipheriv('aes-256-gcm', payloadKey, chunkNonce(counter, last), {
    authTagLength: TAG_LENGTH,
  });
  const body = cipher.update(plaintext);
  const tail = cipher.final();
  return Buffer.concat([body, tail, cipher.getAuthTag()]);
}

export function openChunk(
  payloadKey: Buffer,
  counter: number,
  last: boolean,
  sealed: Buffer,
  target?: string,
): Buffer {
  if (sealed.length < TAG_LENGTH) throw integrityError(`chunk ${counter} is shorter than its tag`, target);
  const ciphertext = sealed.subarray(0, sealed.length - TAG_LENGTH);
  const decipher = createDecipheriv('aes-256-gcm', payloadKey, chunkNonce(counter, last), {
    authTagLength: TAG_LENGTH,
  });
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_LENGTH));
  const body = decipher.update(ciphertext);
  try {
    return Buffer.concat([body, decipher.final()]);
  } catch (cause) {
    // GCM cannot say which of tamper, truncation, reordering or trailing bytes it was.
    const where = last ? `final chunk ${counter}` : `chunk ${counter}`;
    throw integrityError(
      `${where} failed authentication: the file was modified, truncated, reordered or has bytes appended`,
      target,
      cause,
    );
  }
}

export function integrityError(message: string, target?: string, cause?: unknown): AzsError {
  return new AzsError('IntegrityFailed', `Encrypted backup file is not intact: ${message}.`, {
    target,
    cause,
    remediation:
      'Do not use this file. Copy it again from the backup share, or restore from another backup.',
  });
}
