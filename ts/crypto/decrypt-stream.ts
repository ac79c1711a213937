import { Transform, type TransformCallback } from 'node:stream';
import { AzsError } from '../errors.js';
import { ByteQueue } from './byte-queue.js';
import { integrityError, openChunkParts } from './chunks.js';
import { PREAMBLE_SIZE, SEALED_CHUNK_SIZE, TAG_LENGTH } from './constants.js';
import {
  headerLengthFromPreamble,
  parseHeader,
  readFileHeader,
  verifyHeaderMac,
  type FileContext,
  type FileHeader,
  type FileHeaderInfo,
} from './header.js';
import { deriveHeaderKey, derivePayloadKey } from './kdf.js';
import { identityMatches, unwrapFileKey, type HeaderRecipient, type Identity } from './recipients.js';

export { readFileHeader };

export interface DecryptOptions {
  /**
   * Fields the authenticated header must carry. Catches a genuine file put in another's place
   * (say volume 3 renamed to volume 2), which the cryptography alone cannot notice.
   */
  expectedContext?: Partial<FileContext>;
  /** File name or path used as the `target` of errors. */
  target?: string;
}

/**
 * Encrypted file in, plaintext out. The header is authenticated before any payload is touched,
 * and each chunk is released only after its tag checks. Truncation can only be seen at the end,
 * so output is trustworthy only once the stream finishes without an error: consumers must write
 * to a temporary place and discard it on error. Emits 'header' (FileHeaderInfo) after the header
 * authenticates.
 */
export function createDecryptStream(identities: Identity[], options: DecryptOptions = {}): Transform {
  const target = options.target;
  const pending = new ByteQueue();
  let headerLength: number | null = null;
  let payloadKey: Buffer | null = null;
  let counter = 0;

  const readHeader = (stream: Transform): boolean => {
    if (headerLength === null) {
      headerLength = headerLengthFromPreamble(pending.peek(Math.min(pending.length, PREAMBLE_SIZE)), target);
      if (headerLength === null) return false;
    }
    if (pending.length < headerLength) return false;
    const bytes = pending.take(headerLength);
    const parsed = parseHeader(bytes, target);
    payloadKey = openHeader(parsed.header, parsed.signed, parsed.mac, identities, target);
    checkContext(parsed.header.context, options.expectedContext, target);
    stream.emit('header', readFileHeader(bytes) satisfies FileHeaderInfo);
    return true;
  };

  return new Transform({
    // Plaintext leaves in the pieces each chunk opened into. A byte-mode readable read by an
    // async iterator (a restore reads volumes that way) would join all it holds into a new
    // buffer on every read: a copy of every byte, and garbage the collector lets pile up.
    readableObjectMode: true,
    readableHighWaterMark: 1,
    transform(this: Transform, data: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      try {
        pending.push(Buffer.isBuffer(data) ? data : Buffer.from(data));
        if (payloadKey === null && !readHeader(this)) return callback();
        // A chunk is known not to be the last only when more bytes follow it.
        while (pending.length > SEALED_CHUNK_SIZE) {
          for (const plain of openChunkParts(payloadKey!, counter++, false, pending.takeParts(SEALED_CHUNK_SIZE), target)) this.push(plain);
        }
        callback();
      } catch (err) {
        callback(err as Error);
      }
    },
    flush(this: Transform, callback: TransformCallback) {
      try {
        if (payloadKey === null && !readHeader(this)) {
          throw integrityError('the file ends inside its header', target);
        }
        const rest = pending.length;
        if (rest < TAG_LENGTH) {
          throw integrityError(
            rest === 0 ? 'the final chunk is missing (file truncated)' : 'the file ends inside a chunk tag',
            target,
          );
        }
        if (rest === TAG_LENGTH && counter > 0) {
          // Writers never emit an empty final chunk after data; its presence means a forged layout.
          throw integrityError('an empty final chunk follows data chunks', target);
        }
        for (const plain of openChunkParts(payloadKey!, counter++, true, pending.takeParts(rest), target)) this.push(plain);
        callback();
      } catch (err) {
        callback(err as Error);
      }
    },
  });
}

function describe(entry: HeaderRecipient | Identity): string {
  return entry.kind === 'certificate' ? `certificate ${entry.thumbprint}` : `legacy key ${entry.keyId}`;
}

/** Picks the recipient entry our identities open, unwraps the file key and checks the HMAC. */
function openHeader(
  header: FileHeader,
  signed: Buffer,
  mac: Buffer,
  identities: Identity[],
  target?: string,
): Buffer {
  let matched = false;
  for (const identity of identities) {
    for (const entry of header.recipients) {
      if (!identityMatches(entry, identity)) continue;
      matched = true;
      const fileKey = unwrapFileKey(entry, identity);
      if (fileKey === null) continue;
      const ok = verifyHeaderMac(deriveHeaderKey(fileKey), signed, mac);
      const payloadKey = ok ? derivePayloadKey(fileKey, header.payloadSalt) : null;
      fileKey.fill(0);
      if (payloadKey !== null) return payloadKey;
    }
  }
  if (matched) {
    throw integrityError('its header failed authentication (the header or a wrapped key was modified)', target);
  }
  const wanted = header.recipients.map(describe).join(', ');
  const offered = identities.length === 0 ? 'nothing' : identities.map(describe).join(', ');
  const certs = header.recipients.filter((r) => r.kind === 'certificate');
  throw new AzsError(
    'DecryptionCertMismatch',
    `This backup file was encrypted for ${wanted}, but ${offered} was offered.`,
    {
      // The parameter to change, not the file: the file is fine, the offered key is not.
      target: identities.some((i) => i.kind === 'certificate') ? 'DecryptionCertPath' : 'EncryptionKey',
      remediation:
        certs.length > 0
          ? `Use the .pfx of the certificate with thumbprint ${certs.map((c) => c.thumbprint).join(' or ')}.`
          : 'Use the encryption key the backup was taken with.',
    },
  );
}

function checkContext(actual: FileContext, expected: Partial<FileContext> | undefined, target?: string): void {
  if (expected === undefined) return;
  for (const field of ['contentType', 'backupId', 'role', 'index'] as const) {
    if (expected[field] !== undefined && expected[field] !== actual[field]) {
      throw integrityError(
        `its authenticated header says ${field} is ${JSON.stringify(actual[field])}, expected ${JSON.stringify(expected[field])} (a file was substituted)`,
        target,
      );
    }
  }
}
