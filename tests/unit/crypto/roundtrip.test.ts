import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDecryptStream,
  createEncryptStream,
  legacyKeyRecipient,
  newLegacyKey,
  type DecryptionIdentity,
  type FileContext,
  type FileHeaderInfo,
  type Recipient,
} from '../../../ts/crypto/index.js';
import { loadDecryptionPfx, parseEncryptionCertificate } from '../../../ts/crypto/certificate.js';
import { makeTestCertificate } from '../../support/certs.js';
import { pseudoRandomBytes, replayRandom, run } from './helpers.js';

const context: FileContext = { contentType: 'volume', backupId: '7d1a0c1e-5a4f-4b0e-9c55-3f2b8e1d2a10', role: 'KeyVault', index: 3 };
const HEADER_MAX = 2000;

let dir: string;
let certA: { recipient: Recipient; identity: DecryptionIdentity };
let certB: { recipient: Recipient; identity: DecryptionIdentity };

function loadCert(bits?: number) {
  const made = makeTestCertificate(dir, bits === undefined ? {} : { bits });
  const parsed = parseEncryptionCertificate(readFileSync(made.cerPath));
  return {
    recipient: { kind: 'certificate', thumbprint: parsed.thumbprint, publicKey: parsed.publicKey } as Recipient,
    identity: loadDecryptionPfx(readFileSync(made.pfxPath), made.pfxPassword),
  };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'azs-crypto-rt-'));
  certA = loadCert();
  certB = loadCert(3072);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('round trip', () => {
  const sizes = [0, 1, 65535, 65536, 65537, 5 * 1024 * 1024];
  for (const size of sizes) {
    it(`restores ${size} bytes exactly (certificate)`, async () => {
      const plain = pseudoRandomBytes(`rt${size}`, size);
      const sealed = await run(createEncryptStream([certA.recipient], context), plain);
      const chunks = Math.max(1, Math.ceil(size / 65536));
      const headerLength = sealed.length - size - chunks * 16;
      expect(headerLength).toBeGreaterThan(44);
      expect(headerLength).toBeLessThan(HEADER_MAX);
      const restored = await run(createDecryptStream([certA.identity]), sealed, 7919);
      expect(restored.equals(plain)).toBe(true);
    });
  }

  it('produces different ciphertext for the same input every time', async () => {
    const plain = pseudoRandomBytes('same', 1000);
    const a = await run(createEncryptStream([certA.recipient], context), plain);
    const b = await run(createEncryptStream([certA.recipient], context), plain);
    expect(a.equals(b)).toBe(false);
  });

  it('works with tiny writes on both sides', async () => {
    const plain = pseudoRandomBytes('tiny', 70_000);
    const sealed = await run(createEncryptStream([certA.recipient], context), plain, 1);
    expect((await run(createDecryptStream([certA.identity]), sealed, 3)).equals(plain)).toBe(true);
  });

  it('writes the same file, byte for byte, however the plaintext was cut into writes', async () => {
    // A chunk that straddles writes is sealed from the pieces where they lie, never joined first.
    const key = legacyKeyRecipient(newLegacyKey());
    const plain = pseudoRandomBytes('cuts', 3 * 65536 + 777);
    const seeds = pseudoRandomBytes('seeds', 64);
    const sealedWith = (piece: number) => run(createEncryptStream([key], context, { random: replayRandom(seeds) }), plain, piece);
    const whole = await sealedWith(plain.length);
    for (const piece of [1, 1000, 65535, 65537, 100_000]) expect((await sealedWith(piece)).equals(whole)).toBe(true);
    expect((await run(createDecryptStream([key], { expectedContext: context }), whole)).equals(plain)).toBe(true);
  });

  it('hands plaintext to an async iterator chunk by chunk as each authenticates, never joined', async () => {
    const plain = pseudoRandomBytes('pieces', 10 * 65536 + 5);
    const sealed = await run(createEncryptStream([certA.recipient], context), plain);
    const pieces: Buffer[] = [];
    await pipeline(Readable.from([sealed]), createDecryptStream([certA.identity]), async (source: AsyncIterable<Buffer>) => {
      for await (const piece of source) pieces.push(piece);
    });
    expect(Buffer.concat(pieces).equals(plain)).toBe(true);
    // The whole file arrived in one write: a byte-mode stream would have given it back in one read.
    expect(pieces.length).toBe(11);
    expect(Math.max(...pieces.map((p) => p.length))).toBe(65536);
  });

  it('lets every one of several recipients decrypt alone', async () => {
    const key = legacyKeyRecipient(newLegacyKey());
    const plain = pseudoRandomBytes('multi', 200_000);
    const headers: FileHeaderInfo[] = [];
    const sealed = await run(createEncryptStream([certA.recipient, certB.recipient, key], context), plain);
    for (const identity of [certA.identity, certB.identity, key]) {
      const stream = createDecryptStream([identity]);
      stream.on('header', (h: FileHeaderInfo) => headers.push(h));
      expect((await run(stream, sealed)).equals(plain)).toBe(true);
    }
    expect(headers).toHaveLength(3);
    expect(headers[0]!.context).toEqual(context);
    expect(headers[0]!.recipients).toEqual([
      { kind: 'certificate', thumbprint: certA.identity.thumbprint },
      { kind: 'certificate', thumbprint: certB.identity.thumbprint },
      { kind: 'key', keyId: key.keyId },
    ]);
  });

  it('round-trips in legacy key mode and accepts a manifest context', async () => {
    const key = legacyKeyRecipient(newLegacyKey());
    const manifest: FileContext = { contentType: 'manifest', backupId: context.backupId, role: null, index: null };
    const plain = pseudoRandomBytes('legacy', 131_072);
    const sealed = await run(createEncryptStream([key], manifest), plain);
    const again = legacyKeyRecipient(key.secret.toString('base64'));
    const restored = await run(createDecryptStream([again], { expectedContext: manifest }), sealed);
    expect(restored.equals(plain)).toBe(true);
  });

  it('refuses to encrypt to nobody, to a bad context or to a small RSA key', () => {
    expect(() => createEncryptStream([], context)).toThrow(expect.objectContaining({ code: 'EncryptionNotConfigured' }));
    expect(() => createEncryptStream([certA.recipient], { ...context, role: null })).toThrow(TypeError);
    expect(() => createEncryptStream([certA.recipient], { ...context, index: -1 })).toThrow(TypeError);
    const small = makeTestCertificate(dir, { bits: 1024 });
    const publicKey = new X509Certificate(readFileSync(small.pemPath)).publicKey;
    expect(() =>
      createEncryptStream([{ kind: 'certificate', thumbprint: small.thumbprint, publicKey }], context),
    ).toThrow(expect.objectContaining({ code: 'CertificateInvalid' }));
  });
});
