/**
 * Known-answer tests for format v1. The expected bytes live in tests/vectors/ and are checked
 * three ways: this file recomputes every step with bare node:crypto calls and literal constants
 * from docs/FORMAT.md (not the module's helpers), the module must reproduce the files byte for
 * byte, and tests/integration/independent-decryptor.test.ts decrypts them with .NET.
 *
 * Regenerate (only after a deliberate format change): UPDATE_VECTORS=1 npx vitest run tests/unit/crypto/vectors.test.ts
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { constants, createCipheriv, createHash, createHmac, hkdfSync, privateDecrypt } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createDecryptStream,
  createEncryptStream,
  legacyKeyRecipient,
  type FileContext,
  type Recipient,
} from '../../../ts/crypto/index.js';
import { loadDecryptionPfx, parseEncryptionCertificate } from '../../../ts/crypto/certificate.js';
import { makeTestCertificate } from '../../support/certs.js';
import { replayRandom, run } from './helpers.js';

const VECTORS = join(import.meta.dirname, '../../vectors');
const UPDATE = process.env.UPDATE_VECTORS === '1';

interface Vector {
  name: string;
  file: string;
  plaintextLength: number;
  recipients: Array<'key' | 'certificate'>;
  fileSha256?: string;
  plaintextSha256?: string;
  intermediates?: Record<string, string | string[]>;
}

interface VectorSet {
  note: string;
  plaintextRule: string;
  legacyKey: string;
  random: { fileKey: string; payloadSalt: string; legacyWrapSalt: string };
  context: FileContext;
  certificate: { pfx: string; pfxPassword: string; pem: string; thumbprint: string };
  vectors: Vector[];
}

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyzABCDEFGHIJKL';
const seq = (from: number, n: number) => Buffer.from(Array.from({ length: n }, (_, i) => from + i));
const plaintext = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => i % 251));
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const hkdf = (ikm: Buffer, salt: Buffer, info: string, n: number) =>
  Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from(info, 'utf8'), n));
const gcm = (key: Buffer, nonce: Buffer, data: Buffer) => {
  const c = createCipheriv('aes-256-gcm', key, nonce);
  return Buffer.concat([c.update(data), c.final(), c.getAuthTag()]);
};
const nonce = (counter: number, last: boolean) => {
  const n = Buffer.alloc(12);
  n.writeUIntBE(counter, 5, 6);
  n[11] = last ? 1 : 0;
  return n;
};

const setPath = join(VECTORS, 'v1-vectors.json');
const set: VectorSet = UPDATE && !existsSync(setPath) ? freshSet() : JSON.parse(readFileSync(setPath, 'utf8'));

function freshSet(): VectorSet {
  const dir = mkdtempSync(join(tmpdir(), 'azs-vectors-'));
  try {
    const cert = makeTestCertificate(dir, { name: 'AzsBackup Test Vectors', days: 3650, pfxPassword: 'test-vectors-only' });
    copyFileSync(cert.pfxPath, join(VECTORS, 'v1-cert.pfx'));
    copyFileSync(cert.pemPath, join(VECTORS, 'v1-cert.pem'));
    return {
      note: 'Format v1 known-answer vectors; see docs/FORMAT.md. All binary values are hex unless named *Base64.',
      plaintextRule: 'byte i of the plaintext is i mod 251',
      legacyKey: Buffer.from(LETTERS, 'utf8').toString('base64'),
      random: { fileKey: seq(0x00, 32).toString('hex'), payloadSalt: seq(0x20, 16).toString('hex'), legacyWrapSalt: seq(0x30, 16).toString('hex') },
      context: { contentType: 'volume', backupId: '00000000-0000-4000-8000-000000000001', role: 'KeyVault', index: 0 },
      certificate: { pfx: 'v1-cert.pfx', pfxPassword: 'test-vectors-only', pem: 'v1-cert.pem', thumbprint: cert.thumbprint },
      vectors: [
        { name: 'key-empty', file: 'v1-key-empty.azsb', plaintextLength: 0, recipients: ['key'] },
        { name: 'key-3chunks', file: 'v1-key-3chunks.azsb', plaintextLength: 2 * 65536 + 1000, recipients: ['key'] },
        { name: 'cert-and-key-1chunk', file: 'v1-cert-and-key.azsb', plaintextLength: 65536, recipients: ['certificate', 'key'] },
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const fileKey = Buffer.from(set.random.fileKey, 'hex');
const payloadSalt = Buffer.from(set.random.payloadSalt, 'hex');
const wrapSalt = Buffer.from(set.random.legacyWrapSalt, 'hex');
const keyBytes = Buffer.from(set.legacyKey, 'base64');

function recipientsFor(v: Vector): Recipient[] {
  const cert = parseEncryptionCertificate(readFileSync(join(VECTORS, set.certificate.pem)), new Date('2030-01-01T00:00:00Z'));
  return v.recipients.map((kind) =>
    kind === 'key' ? legacyKeyRecipient(set.legacyKey) : { kind: 'certificate', thumbprint: cert.thumbprint, publicKey: cert.publicKey },
  );
}

/** Recomputes the file from FORMAT.md alone; the RSA-OAEP wrapped key (randomised) is taken from `actual`. */
function independentEncoding(v: Vector, actual: Buffer) {
  const keyId = hkdf(keyBytes, Buffer.alloc(0), 'AzsBackup v1 legacy key id', 8).toString('hex').toUpperCase();
  const kek = hkdf(keyBytes, wrapSalt, 'AzsBackup v1 legacy key wrap', 32);
  const legacyWrapped = gcm(kek, Buffer.alloc(12), fileKey);
  const headerKey = hkdf(fileKey, Buffer.alloc(0), 'AzsBackup v1 header', 32);
  const payloadKey = hkdf(fileKey, payloadSalt, 'AzsBackup v1 payload', 32);

  const actualJson = JSON.parse(actual.subarray(12, 12 + actual.readUInt32BE(8)).toString('utf8'));
  const recipients = v.recipients.map((kind, i) =>
    kind === 'key'
      ? { kind: 'key', keyId, salt: wrapSalt.toString('base64'), wrappedKey: legacyWrapped.toString('base64') }
      : { kind: 'certificate', thumbprint: set.certificate.thumbprint, wrappedKey: actualJson.recipients[i].wrappedKey as string },
  );
  const json = JSON.stringify({ version: 1, chunkSize: 65536, payloadSalt: payloadSalt.toString('base64'), context: set.context, recipients });
  const body = Buffer.from(json, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  const signed = Buffer.concat([Buffer.from('AZSBKUP\0', 'latin1'), length, body]);
  const mac = createHmac('sha256', headerKey).update(signed).digest();

  const plain = plaintext(v.plaintextLength);
  const chunks: Buffer[] = [];
  const count = Math.max(1, Math.ceil(plain.length / 65536));
  for (let i = 0; i < count; i++) {
    chunks.push(gcm(payloadKey, nonce(i, i === count - 1), plain.subarray(i * 65536, (i + 1) * 65536)));
  }
  const file = Buffer.concat([signed, mac, ...chunks]);
  const intermediates: Record<string, string | string[]> = {
    keyId,
    legacyKek: kek.toString('hex'),
    legacyWrappedKey: legacyWrapped.toString('hex'),
    headerKey: headerKey.toString('hex'),
    payloadKey: payloadKey.toString('hex'),
    headerJson: json,
    headerMac: mac.toString('hex'),
    chunkNonces: chunks.map((_, i) => nonce(i, i === count - 1).toString('hex')),
    chunkTags: chunks.map((c) => c.subarray(c.length - 16).toString('hex')),
  };
  return { file, intermediates, plain };
}

describe('format v1 test vectors', () => {
  if (UPDATE) {
    it('regenerates the vector files', async () => {
      for (const v of set.vectors) {
        const random = replayRandom(fileKey, payloadSalt, wrapSalt);
        const actual = await run(createEncryptStream(recipientsFor(v), set.context, { random }), plaintext(v.plaintextLength));
        const { intermediates, plain } = independentEncoding(v, actual);
        writeFileSync(join(VECTORS, v.file), actual);
        v.fileSha256 = sha256(actual);
        v.plaintextSha256 = sha256(plain);
        v.intermediates = intermediates;
      }
      writeFileSync(setPath, JSON.stringify(set, null, 2) + '\n');
    });
    return;
  }

  for (const v of set.vectors) {
    describe(v.name, () => {
      const stored = readFileSync(join(VECTORS, v.file));

      it('matches an independent recomputation from the spec', () => {
        const { file, intermediates } = independentEncoding(v, stored);
        expect(intermediates).toEqual(v.intermediates);
        expect(file.equals(stored)).toBe(true);
        expect(sha256(stored)).toBe(v.fileSha256);
      });

      it('is what the module writes given the same randomness', async () => {
        const random = replayRandom(fileKey, payloadSalt, wrapSalt);
        const actual = await run(createEncryptStream(recipientsFor(v), set.context, { random }), plaintext(v.plaintextLength));
        if (v.recipients.includes('certificate')) {
          // RSA-OAEP draws its own randomness, so only its wrapped key may differ.
          const { file } = independentEncoding(v, actual);
          expect(file.equals(actual)).toBe(true);
          expect(actual.length).toBe(stored.length);
        } else {
          expect(actual.equals(stored)).toBe(true);
        }
      });

      it('decrypts with every recipient', async () => {
        const identities = v.recipients.map((kind) =>
          kind === 'key'
            ? legacyKeyRecipient(set.legacyKey)
            : loadDecryptionPfx(readFileSync(join(VECTORS, set.certificate.pfx)), set.certificate.pfxPassword),
        );
        for (const identity of identities) {
          const plain = await run(createDecryptStream([identity], { expectedContext: set.context }), stored);
          expect(sha256(plain)).toBe(v.plaintextSha256);
        }
        if (v.recipients.includes('certificate')) {
          const id = loadDecryptionPfx(readFileSync(join(VECTORS, set.certificate.pfx)), set.certificate.pfxPassword);
          const json = JSON.parse(stored.subarray(12, 12 + stored.readUInt32BE(8)).toString('utf8'));
          const wrapped = Buffer.from(json.recipients[0].wrappedKey, 'base64');
          const unwrapped = privateDecrypt({ key: id.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, wrapped);
          expect(unwrapped.equals(fileKey)).toBe(true);
        }
      });
    });
  }
});
