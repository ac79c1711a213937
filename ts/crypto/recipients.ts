import {
  constants,
  createCipheriv,
  createDecipheriv,
  privateDecrypt,
  publicEncrypt,
  type KeyObject,
} from 'node:crypto';
import { AzsError } from '../errors.js';
import {
  FILE_KEY_LENGTH,
  LEGACY_SALT_LENGTH,
  LEGACY_WRAP_NONCE,
  TAG_LENGTH,
} from './constants.js';
import { deriveLegacyKek, deriveLegacyKeyId } from './kdf.js';
import { secureRandom, type RandomSource } from './random.js';

/** Who a file is encrypted to. */
export type Recipient =
  | { kind: 'certificate'; thumbprint: string; publicKey: KeyObject }
  | { kind: 'key'; keyId: string; secret: Buffer };

/** What a reader holds to decrypt. A legacy key is both, since it is symmetric. */
export type Identity =
  | { kind: 'certificate'; thumbprint: string; privateKey: KeyObject }
  | { kind: 'key'; keyId: string; secret: Buffer };

export type LegacyKey = { kind: 'key'; keyId: string; secret: Buffer };

/** A recipient as written into the header JSON. Binary values are standard Base64 with padding. */
export type HeaderRecipient =
  | { kind: 'certificate'; thumbprint: string; wrappedKey: string }
  | { kind: 'key'; keyId: string; salt: string; wrappedKey: string };

const LEGACY_KEY_LETTERS = 64;
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const LEGACY_KEY_PATTERN = /^[A-Za-z0-9+/]{86}==$/;
const OAEP = { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' } as const;

function legacyKeyError(problem: string): AzsError {
  // Never echo the value: it is a secret even when it is malformed (often a typo of the real one).
  return new AzsError(
    'InvalidParameter',
    `EncryptionKey is not valid: ${problem}. It must be the 88-character Base64 string that ` +
      'New-AzsEncryptionKeyBase64 (or `azsbackup key new`) prints, encoding 64 letters A-Z and a-z.',
    {
      target: 'EncryptionKey',
      remediation:
        'Pass the key exactly as it was generated, or create a new one with New-AzsEncryptionKeyBase64.',
    },
  );
}

/** Checks a legacy key string and returns the 64 bytes it encodes (the HKDF input). */
export function parseLegacyKey(keyBase64: string): Buffer {
  if (typeof keyBase64 !== 'string') throw legacyKeyError('it is not a string');
  // Keys are pasted from consoles and files; surrounding whitespace is never part of one.
  const text = keyBase64.trim();
  if (text.length !== 88) throw legacyKeyError(`it has ${text.length} characters instead of 88`);
  if (!LEGACY_KEY_PATTERN.test(text)) throw legacyKeyError('it is not Base64 of 64 bytes');
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== LEGACY_KEY_LETTERS || bytes.toString('base64') !== text) {
    throw legacyKeyError('it is not canonical Base64');
  }
  for (const b of bytes) {
    const isLetter = (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
    if (!isLetter) throw legacyKeyError('the decoded key contains characters other than letters');
  }
  return bytes;
}

export function isValidLegacyKey(keyBase64: string): boolean {
  try {
    parseLegacyKey(keyBase64);
    return true;
  } catch {
    return false;
  }
}

/** The non-secret identifier stored in headers and configuration to tell keys apart. */
export function legacyKeyId(keyBase64: string): string {
  return deriveLegacyKeyId(parseLegacyKey(keyBase64));
}

/** A legacy key usable both to encrypt (as a Recipient) and to decrypt (as an Identity). */
export function legacyKeyRecipient(keyBase64: string): LegacyKey {
  const secret = parseLegacyKey(keyBase64);
  return { kind: 'key', keyId: deriveLegacyKeyId(secret), secret };
}

/** Same shape as New-AzsEncryptionKeyBase64: 64 uniformly random letters, UTF-8, Base64. */
export function newLegacyKey(random: RandomSource = secureRandom): string {
  const letters = Buffer.alloc(LEGACY_KEY_LETTERS);
  let filled = 0;
  while (filled < LEGACY_KEY_LETTERS) {
    for (const b of random(LEGACY_KEY_LETTERS)) {
      // 208 = 4 * 52: rejecting the rest keeps every letter equally likely.
      if (b >= 208) continue;
      letters[filled++] = LETTERS.charCodeAt(b % 52);
      if (filled === LEGACY_KEY_LETTERS) break;
    }
  }
  return letters.toString('base64');
}

export function normalizeThumbprint(thumbprint: string): string {
  return thumbprint.replace(/[\s:]/g, '').toUpperCase();
}

export function wrapFileKey(recipient: Recipient, fileKey: Buffer, random: RandomSource): HeaderRecipient {
  if (recipient.kind === 'certificate') {
    const wrapped = publicEncrypt({ key: recipient.publicKey, ...OAEP }, fileKey);
    return {
      kind: 'certificate',
      thumbprint: normalizeThumbprint(recipient.thumbprint),
      wrappedKey: wrapped.toString('base64'),
    };
  }
  const salt = random(LEGACY_SALT_LENGTH);
  const kek = deriveLegacyKek(recipient.secret, salt);
  const cipher = createCipheriv('aes-256-gcm', kek, LEGACY_WRAP_NONCE, { authTagLength: TAG_LENGTH });
  const wrapped = Buffer.concat([cipher.update(fileKey), cipher.final(), cipher.getAuthTag()]);
  return {
    kind: 'key',
    keyId: recipient.keyId,
    salt: salt.toString('base64'),
    wrappedKey: wrapped.toString('base64'),
  };
}

/** True when this identity is the one the header entry was written for. */
export function identityMatches(entry: HeaderRecipient, identity: Identity): boolean {
  if (entry.kind === 'certificate' && identity.kind === 'certificate') {
    return normalizeThumbprint(identity.thumbprint) === entry.thumbprint;
  }
  if (entry.kind === 'key' && identity.kind === 'key') return identity.keyId === entry.keyId;
  return false;
}

/** The file key, or null when the entry does not open with this identity. */
export function unwrapFileKey(entry: HeaderRecipient, identity: Identity): Buffer | null {
  try {
    const wrapped = Buffer.from(entry.wrappedKey, 'base64');
    if (entry.kind === 'certificate' && identity.kind === 'certificate') {
      const key = privateDecrypt({ key: identity.privateKey, ...OAEP }, wrapped);
      return key.length === FILE_KEY_LENGTH ? key : null;
    }
    if (entry.kind === 'key' && identity.kind === 'key') {
      if (wrapped.length !== FILE_KEY_LENGTH + TAG_LENGTH) return null;
      const kek = deriveLegacyKek(identity.secret, Buffer.from(entry.salt, 'base64'));
      const decipher = createDecipheriv('aes-256-gcm', kek, LEGACY_WRAP_NONCE, {
        authTagLength: TAG_LENGTH,
      });
      decipher.setAuthTag(wrapped.subarray(FILE_KEY_LENGTH));
      return Buffer.concat([decipher.update(wrapped.subarray(0, FILE_KEY_LENGTH)), decipher.final()]);
    }
  } catch {
    // A failed OAEP decode or GCM tag is reported by the caller, which knows which file it is.
  }
  return null;
}
