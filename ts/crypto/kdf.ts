import { hkdfSync } from 'node:crypto';
import {
  FILE_KEY_LENGTH,
  INFO_HEADER,
  INFO_LEGACY_KEY_ID,
  INFO_LEGACY_WRAP,
  INFO_PAYLOAD,
  KEY_ID_LENGTH,
} from './constants.js';

const EMPTY = Buffer.alloc(0);

function hkdf(ikm: Buffer, salt: Buffer, info: string, length: number): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from(info, 'utf8'), length));
}

/** The HMAC key for the header. No salt: the file key is already uniform and single-use. */
export function deriveHeaderKey(fileKey: Buffer): Buffer {
  return hkdf(fileKey, EMPTY, INFO_HEADER, 32);
}

export function derivePayloadKey(fileKey: Buffer, payloadSalt: Buffer): Buffer {
  return hkdf(fileKey, payloadSalt, INFO_PAYLOAD, FILE_KEY_LENGTH);
}

export function deriveLegacyKek(keyBytes: Buffer, salt: Buffer): Buffer {
  return hkdf(keyBytes, salt, INFO_LEGACY_WRAP, 32);
}

/**
 * Eight bytes are plenty to tell a handful of keys apart, and a one-way function of a key with
 * ~365 bits of entropy reveals nothing usable about it.
 */
export function deriveLegacyKeyId(keyBytes: Buffer): string {
  return hkdf(keyBytes, EMPTY, INFO_LEGACY_KEY_ID, KEY_ID_LENGTH).toString('hex').toUpperCase();
}
