import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  CHUNK_SIZE,
  FILE_KEY_LENGTH,
  FORMAT_VERSION,
  HMAC_LENGTH,
  LEGACY_SALT_LENGTH,
  MAGIC,
  MAX_HEADER_BODY,
  PAYLOAD_SALT_LENGTH,
  PREAMBLE_SIZE,
  TAG_LENGTH,
} from './constants.js';
import { integrityError } from './chunks.js';
import type { HeaderRecipient } from './recipients.js';

/** What a file is, bound into its authenticated header so files cannot be swapped unnoticed. */
export interface FileContext {
  contentType: 'volume' | 'manifest';
  backupId: string;
  /** Role the volume belongs to; null for a manifest that spans roles. */
  role: string | null;
  /** Volume number within the role; null for a manifest. */
  index: number | null;
}

export interface FileHeader {
  version: typeof FORMAT_VERSION;
  chunkSize: number;
  payloadSalt: Buffer;
  context: FileContext;
  recipients: HeaderRecipient[];
}

/** What can be learnt from a header without any key; nothing in it is secret. */
export interface FileHeaderInfo {
  version: number;
  chunkSize: number;
  context: FileContext;
  recipients: Array<{ kind: 'certificate'; thumbprint: string } | { kind: 'key'; keyId: string }>;
  /** Bytes from the start of the file to the first payload chunk. */
  headerLength: number;
}

export function validateContext(context: FileContext): FileContext {
  const bad = (why: string): never => {
    throw new TypeError(`invalid file context: ${why}`);
  };
  if (context === null || typeof context !== 'object') bad('not an object');
  if (context.contentType !== 'volume' && context.contentType !== 'manifest') {
    bad(`contentType ${String(context.contentType)}`);
  }
  if (typeof context.backupId !== 'string' || context.backupId.length === 0) bad('backupId');
  const role = context.role ?? null;
  const index = context.index ?? null;
  if (role !== null && (typeof role !== 'string' || role.length === 0)) bad('role');
  if (index !== null && !(Number.isSafeInteger(index) && index >= 0)) bad('index');
  if (context.contentType === 'volume' && (role === null || index === null)) {
    bad('a volume needs a role and an index');
  }
  return { contentType: context.contentType, backupId: context.backupId, role, index };
}

/** Serialises magic, length, JSON body and the HMAC, in that order. */
export function encodeHeader(header: FileHeader, headerKey: Buffer): Buffer {
  // Fixed member order keeps the bytes reproducible for the test vectors.
  const json = {
    version: header.version,
    chunkSize: header.chunkSize,
    payloadSalt: header.payloadSalt.toString('base64'),
    context: {
      contentType: header.context.contentType,
      backupId: header.context.backupId,
      role: header.context.role,
      index: header.context.index,
    },
    recipients: header.recipients,
  };
  const body = Buffer.from(JSON.stringify(json), 'utf8');
  if (body.length > MAX_HEADER_BODY) throw new RangeError('header too large (too many recipients)');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  const signed = Buffer.concat([MAGIC, length, body]);
  return Buffer.concat([signed, headerMac(headerKey, signed)]);
}

export function headerMac(headerKey: Buffer, signed: Buffer): Buffer {
  return createHmac('sha256', headerKey).update(signed).digest();
}

export function verifyHeaderMac(headerKey: Buffer, signed: Buffer, mac: Buffer): boolean {
  return mac.length === HMAC_LENGTH && timingSafeEqual(headerMac(headerKey, signed), mac);
}

export interface ParsedHeader {
  header: FileHeader;
  /** Magic, length and body: the bytes the HMAC covers. */
  signed: Buffer;
  mac: Buffer;
  headerLength: number;
}

/**
 * How many bytes the whole header takes, once the preamble is available; null before that.
 * Throws when the bytes so far cannot start a valid header.
 */
export function headerLengthFromPreamble(prefix: Buffer, target?: string): number | null {
  const magicPart = prefix.subarray(0, MAGIC.length);
  if (!magicPart.equals(MAGIC.subarray(0, magicPart.length))) {
    throw integrityError('it does not start with the AzsBackup magic bytes (not an AzsBackup encrypted file)', target);
  }
  if (prefix.length < PREAMBLE_SIZE) return null;
  const bodyLength = prefix.readUInt32BE(MAGIC.length);
  if (bodyLength === 0 || bodyLength > MAX_HEADER_BODY) {
    throw integrityError(`header length ${bodyLength} is outside 1..${MAX_HEADER_BODY}`, target);
  }
  return PREAMBLE_SIZE + bodyLength + HMAC_LENGTH;
}

/** Parses (but does not authenticate) a header from a buffer that holds at least all of it. */
export function parseHeader(bytes: Buffer, target?: string): ParsedHeader {
  const headerLength = headerLengthFromPreamble(bytes, target);
  if (headerLength === null || bytes.length < headerLength) {
    throw integrityError('the file ends inside its header', target);
  }
  const signed = bytes.subarray(0, headerLength - HMAC_LENGTH);
  const mac = bytes.subarray(headerLength - HMAC_LENGTH, headerLength);
  const header = decodeBody(signed.subarray(PREAMBLE_SIZE), target);
  return { header, signed, mac, headerLength };
}

/** Header fields for inspection, without any key. Nothing here is authenticated yet. */
export function readFileHeader(buf: Buffer): FileHeaderInfo {
  const { header, headerLength } = parseHeader(buf);
  return {
    version: header.version,
    chunkSize: header.chunkSize,
    context: header.context,
    recipients: header.recipients.map((r) =>
      r.kind === 'certificate'
        ? { kind: 'certificate' as const, thumbprint: r.thumbprint }
        : { kind: 'key' as const, keyId: r.keyId },
    ),
    headerLength,
  };
}

function decodeBody(body: Buffer, target?: string): FileHeader {
  const fail = (why: string): never => {
    throw integrityError(`its header is malformed (${why})`, target);
  };
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    return fail('not UTF-8 JSON');
  }
  if (!isObject(json)) return fail('not a JSON object');
  if (json.version !== FORMAT_VERSION) {
    return fail(`format version ${String(json.version)}; this software reads version ${FORMAT_VERSION}`);
  }
  if (json.chunkSize !== CHUNK_SIZE) return fail(`chunk size ${String(json.chunkSize)}`);
  const payloadSalt = base64Field(json.payloadSalt, PAYLOAD_SALT_LENGTH) ?? fail('payloadSalt');
  let context: FileContext;
  try {
    if (!isObject(json.context)) throw new TypeError('context');
    context = validateContext(json.context as unknown as FileContext);
  } catch {
    return fail('context');
  }
  if (!Array.isArray(json.recipients) || json.recipients.length === 0) return fail('no recipients');
  const recipients: HeaderRecipient[] = [];
  json.recipients.forEach((r: unknown, i: number) => {
    // Kinds from a later revision are skipped, not fatal: another recipient may still be ours.
    if (isObject(r) && r.kind !== 'certificate' && r.kind !== 'key' && typeof r.kind === 'string') return;
    recipients.push(decodeRecipient(r) ?? fail(`recipient ${i}`));
  });
  if (recipients.length === 0) return fail('no recipient of a known kind');
  return { version: FORMAT_VERSION, chunkSize: CHUNK_SIZE, payloadSalt, context, recipients };
}

function decodeRecipient(r: unknown): HeaderRecipient | null {
  if (!isObject(r)) return null;
  if (r.kind === 'certificate') {
    if (typeof r.thumbprint !== 'string' || !/^[0-9A-F]{40}$/.test(r.thumbprint)) return null;
    // RSA moduli from 2048 to 16384 bits.
    const wrapped = base64Field(r.wrappedKey);
    if (wrapped === null || wrapped.length < 256 || wrapped.length > 2048) return null;
    return { kind: 'certificate', thumbprint: r.thumbprint, wrappedKey: r.wrappedKey as string };
  }
  if (r.kind === 'key') {
    if (typeof r.keyId !== 'string' || !/^[0-9A-F]{16}$/.test(r.keyId)) return null;
    if (base64Field(r.salt, LEGACY_SALT_LENGTH) === null) return null;
    if (base64Field(r.wrappedKey, FILE_KEY_LENGTH + TAG_LENGTH) === null) return null;
    return { kind: 'key', keyId: r.keyId, salt: r.salt as string, wrappedKey: r.wrappedKey as string };
  }
  return null;
}

/** Decodes canonical padded Base64 only, so one header has exactly one byte representation. */
function base64Field(value: unknown, length?: number): Buffer | null {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) return null;
  const bytes = Buffer.from(value, 'base64');
  if (bytes.toString('base64') !== value) return null;
  if (length !== undefined && bytes.length !== length) return null;
  return bytes;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
