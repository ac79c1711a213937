import { Transform, type TransformCallback } from 'node:stream';
import { AzsError } from '../errors.js';
import { ByteQueue } from './byte-queue.js';
import { sealChunkParts } from './chunks.js';
import { CHUNK_SIZE, FILE_KEY_LENGTH, FORMAT_VERSION, PAYLOAD_SALT_LENGTH } from './constants.js';
import { encodeHeader, validateContext, type FileContext } from './header.js';
import { deriveHeaderKey, derivePayloadKey } from './kdf.js';
import { secureRandom, type RandomSource } from './random.js';
import { normalizeThumbprint, wrapFileKey, type Recipient } from './recipients.js';

export interface EncryptOptions {
  /** Only for reproducible test vectors; defaults to the CSPRNG. */
  random?: RandomSource;
}

const MIN_RSA_BITS = 2048;

/**
 * Plaintext in, complete encrypted file out (header, then sealed chunks). Holds at most one
 * chunk plus the current write in memory. Randomness is drawn in a fixed order, which the test
 * vectors rely on: file key (32), payload salt (16), then 16 bytes of salt per legacy-key
 * recipient in recipient order.
 */
export function createEncryptStream(
  recipients: Recipient[],
  context: FileContext,
  options: EncryptOptions = {},
): Transform {
  const random = options.random ?? secureRandom;
  if (recipients.length === 0) {
    throw new AzsError('EncryptionNotConfigured', 'A backup file needs at least one recipient to encrypt to.', {
      remediation: 'Configure an encryption certificate with Set-AzsBackupConfiguration.',
    });
  }
  for (const r of recipients) checkRecipient(r);
  const ids = recipients.map((r) => (r.kind === 'key' ? r.keyId : normalizeThumbprint(r.thumbprint)));
  if (new Set(ids).size !== ids.length) throw new TypeError('the same recipient is listed twice');
  const fileContext = validateContext(context);

  // Copies, because the key is wiped below and the source may hand out views of its own memory.
  const fileKey = Buffer.from(random(FILE_KEY_LENGTH));
  const payloadSalt = Buffer.from(random(PAYLOAD_SALT_LENGTH));
  if (fileKey.length !== FILE_KEY_LENGTH || payloadSalt.length !== PAYLOAD_SALT_LENGTH) {
    throw new RangeError('random source returned the wrong number of bytes');
  }
  const header = encodeHeader(
    {
      version: FORMAT_VERSION,
      chunkSize: CHUNK_SIZE,
      payloadSalt,
      context: fileContext,
      recipients: recipients.map((r) => wrapFileKey(r, fileKey, random)),
    },
    deriveHeaderKey(fileKey),
  );
  const payloadKey = derivePayloadKey(fileKey, payloadSalt);
  fileKey.fill(0);

  const pending = new ByteQueue();
  let counter = 0;
  let headerSent = false;
  const sendHeader = (stream: Transform): void => {
    if (headerSent) return;
    headerSent = true;
    stream.push(header);
  };

  return new Transform({
    transform(this: Transform, data: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      try {
        sendHeader(this);
        pending.push(Buffer.isBuffer(data) ? data : Buffer.from(data));
        // Strictly more than a chunk: only then is it certain this chunk is not the last one.
        while (pending.length > CHUNK_SIZE) {
          for (const piece of sealChunkParts(payloadKey, counter++, false, pending.takeParts(CHUNK_SIZE))) this.push(piece);
        }
        callback();
      } catch (err) {
        callback(err as Error);
      }
    },
    flush(this: Transform, callback: TransformCallback) {
      try {
        sendHeader(this);
        for (const piece of sealChunkParts(payloadKey, counter++, true, pending.takeParts(pending.length))) this.push(piece);
        payloadKey.fill(0);
        callback();
      } catch (err) {
        callback(err as Error);
      }
    },
  });
}

function checkRecipient(r: Recipient): void {
  if (r.kind === 'key') {
    if (r.secret.length === 0 || !/^[0-9A-F]{16}$/.test(r.keyId)) {
      throw new TypeError('legacy key recipient must come from legacyKeyRecipient()');
    }
    return;
  }
  if (!/^[0-9A-Fa-f:\s]{40,}$/.test(r.thumbprint)) throw new TypeError('certificate recipient needs a thumbprint');
  const details = r.publicKey.asymmetricKeyDetails;
  if (r.publicKey.asymmetricKeyType !== 'rsa' || (details?.modulusLength ?? 0) < MIN_RSA_BITS) {
    // Readers refuse wrapped keys from smaller moduli, so such a file could never be restored.
    throw new AzsError('CertificateInvalid', `Certificate ${r.thumbprint} does not have an RSA key of at least ${MIN_RSA_BITS} bits.`, {
      target: 'EncryptionCertPath',
    });
  }
}
