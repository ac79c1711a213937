/** The encryption layer's public surface; docs/FORMAT.md describes the bytes it produces. */
export {
  parseEncryptionCertificate,
  loadDecryptionPfx,
  readPfxCertificateThumbprint,
  type EncryptionCertificate,
  type DecryptionIdentity,
} from './certificate.js';
export {
  legacyKeyRecipient,
  legacyKeyId,
  newLegacyKey,
  parseLegacyKey,
  isValidLegacyKey,
  normalizeThumbprint,
  type Recipient,
  type Identity,
  type LegacyKey,
} from './recipients.js';
export { createEncryptStream, type EncryptOptions } from './encrypt-stream.js';
export { createDecryptStream, readFileHeader, type DecryptOptions } from './decrypt-stream.js';
export type { FileContext, FileHeaderInfo } from './header.js';
export { MAX_HEADER_SIZE, CHUNK_SIZE } from './constants.js';
export type { RandomSource } from './random.js';
