/** The encryption layer's public surface; docs/FORMAT.md describes the bytes it produces. */
// Certificate and .pfx parsing (./certificate.js) is not re-exported: it needs node-forge, which
// callers load on demand (await import) so that a backup or a listing never carries it.
export type { EncryptionCertificate, DecryptionIdentity } from './certificate.js';
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
