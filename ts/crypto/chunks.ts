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
  return Buffer.concat(sealChunkParts(payloadKey, counter, last, plaintext));
}

/**
 * The sealed chunk as pieces to write in order (ciphertext, tag): joining them would copy every
 * byte of the backup once more for nothing. The plaintext may come in pieces too (a chunk that
 * straddles two writes): each is encrypted where it lies rather than first copied into one.
 */
export function sealChunkParts(payloadKey: Buffer, counter: number, last: boolean, plaintext: Buffer | readonly Buffer[]): Buffer[] {
  const cipher = createCipheriv('aes-256-gcm', payloadKey, chunkNonce(counter, last), {
    authTagLength: TAG_LENGTH,
  });
  const out: Buffer[] = [];
  for (const piece of Buffer.isBuffer(plaintext) ? [plaintext] : plaintext) {
    const body = cipher.update(piece);
    if (body.length > 0) out.push(body);
  }
  const tail = cipher.final(); // always empty for GCM; kept so nothing is lost if that changed
  if (tail.length > 0) out.push(tail);
  out.push(cipher.getAuthTag());
  return out;
}

/**
 * Opens a sealed chunk given as consecutive pieces (as they came off the wire), so a chunk that
 * straddles two reads is not first copied into one buffer. Returns the plaintext as pieces,
 * released only after the tag checked.
 */
export function openChunkParts(payloadKey: Buffer, counter: number, last: boolean, sealed: Buffer[], target?: string): Buffer[] {
  let total = 0;
  for (const p of sealed) total += p.length;
  if (total < TAG_LENGTH) throw integrityError(`chunk ${counter} is shorter than its tag`, target);
  const decipher = createDecipheriv('aes-256-gcm', payloadKey, chunkNonce(counter, last), {
    authTagLength: TAG_LENGTH,
  });
  const out: Buffer[] = [];
  const tagParts: Buffer[] = [];
  let left = total - TAG_LENGTH;
  for (const p of sealed) {
    const body = Math.min(left, p.length);
    if (body > 0) {
      const plain = decipher.update(body === p.length ? p : p.subarray(0, body));
      if (plain.length > 0) out.push(plain);
      left -= body;
    }
    if (body < p.length) tagParts.push(p.subarray(body));
  }
  decipher.setAuthTag(tagParts.length === 1 ? tagParts[0]! : Buffer.concat(tagParts));
  try {
    const tail = decipher.final();
    if (tail.length > 0) out.push(tail);
    return out;
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
