/**
 * Every fixed value of the encrypted file format, version 1. docs/FORMAT.md is the normative
 * description; a change here is a format change and needs a new version number there.
 */

/** "AZSBKUP" followed by a NUL, so a text tool shows a recognisable name and stops. */
export const MAGIC = Buffer.from([0x41, 0x5a, 0x53, 0x42, 0x4b, 0x55, 0x50, 0x00]);

export const FORMAT_VERSION = 1;

/** Plaintext bytes per chunk; every chunk but the last carries exactly this many. */
export const CHUNK_SIZE = 65536;
export const TAG_LENGTH = 16;
export const NONCE_LENGTH = 12;
/** Bytes of one full chunk on disk: ciphertext followed by its GCM tag. */
export const SEALED_CHUNK_SIZE = CHUNK_SIZE + TAG_LENGTH;

export const FILE_KEY_LENGTH = 32;
export const PAYLOAD_SALT_LENGTH = 16;
export const LEGACY_SALT_LENGTH = 16;
export const HMAC_LENGTH = 32;
export const LENGTH_FIELD_SIZE = 4;
/** Magic plus the big-endian length of the JSON body: what must be read before anything else. */
export const PREAMBLE_SIZE = MAGIC.length + LENGTH_FIELD_SIZE;

/**
 * Upper bound on the JSON body, so a corrupt length field cannot make a reader buffer gigabytes.
 * A header with dozens of 4096-bit recipients stays far below it.
 */
export const MAX_HEADER_BODY = 1024 * 1024;
/** The most bytes a reader ever needs to hold to parse a header. */
export const MAX_HEADER_SIZE = PREAMBLE_SIZE + MAX_HEADER_BODY + HMAC_LENGTH;

export const INFO_HEADER = 'AzsBackup v1 header';
export const INFO_PAYLOAD = 'AzsBackup v1 payload';
export const INFO_LEGACY_WRAP = 'AzsBackup v1 legacy key wrap';
export const INFO_LEGACY_KEY_ID = 'AzsBackup v1 legacy key id';

/** The legacy key wrap uses a fresh KEK per recipient, so a constant nonce is never reused. */
export const LEGACY_WRAP_NONCE = Buffer.alloc(NONCE_LENGTH);
export const KEY_ID_LENGTH = 8;

/** Flag byte ending each chunk nonce. */
export const FLAG_MORE = 0x00;
export const FLAG_LAST = 0x01;
