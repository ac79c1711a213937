import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDecryptStream,
  createEncryptStream,
  isValidLegacyKey,
  legacyKeyId,
  legacyKeyRecipient,
  newLegacyKey,
  type FileContext,
} from '../../../ts/crypto/index.js';
import { loadDecryptionPfx, parseEncryptionCertificate } from '../../../ts/crypto/certificate.js';
import { AzsError } from '../../../ts/errors.js';
import { makeTestCertificate } from '../../support/certs.js';
import { errorCode, pseudoRandomBytes, replayRandom, run } from './helpers.js';

const context: FileContext = { contentType: 'manifest', backupId: 'b2', role: null, index: null };

describe('legacy keys', () => {
  it('makes keys shaped like New-AzsEncryptionKeyBase64', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const key = newLegacyKey();
      expect(key).toHaveLength(88);
      expect(Buffer.from(key, 'base64').toString('utf8')).toMatch(/^[A-Za-z]{64}$/);
      expect(isValidLegacyKey(key)).toBe(true);
      seen.add(key);
    }
    expect(seen.size).toBe(50);
  });

  it('draws letters without bias (rejects bytes >= 208)', () => {
    // 255 and 208 must be skipped; 0 -> 'A', 51 -> 'z', 52 -> 'A', 207 -> 'z'.
    const source = replayRandom(Buffer.from([255, 208, 0, 51, 52, 207, ...Array(60).fill(1)]), Buffer.alloc(64, 1));
    const letters = Buffer.from(newLegacyKey(source), 'base64').toString('utf8');
    expect(letters.startsWith('AzAzBBBB')).toBe(true);
  });

  it('rejects malformed keys without echoing them', () => {
    const good = newLegacyKey();
    const digits = Buffer.from('1'.repeat(64)).toString('base64');
    const cases = [
      '',
      good.slice(0, 87),
      good + 'A',
      good.slice(0, 86) + '=A',
      Buffer.from('A'.repeat(63)).toString('base64'),
      digits,
      good.replace(/.$/, '!'),
    ];
    for (const bad of cases) {
      let caught: unknown;
      try {
        legacyKeyRecipient(bad);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(AzsError);
      expect(caught).toMatchObject({ code: 'InvalidParameter', target: 'EncryptionKey' });
      if (bad.length > 8) expect((caught as Error).message).not.toContain(bad);
    }
    expect(isValidLegacyKey(` ${good}\n`)).toBe(true);
  });

  it('gives each key a stable, distinct, non-secret id', () => {
    const a = newLegacyKey();
    const b = newLegacyKey();
    expect(legacyKeyId(a)).toMatch(/^[0-9A-F]{16}$/);
    expect(legacyKeyId(a)).toBe(legacyKeyRecipient(a).keyId);
    expect(legacyKeyId(a)).not.toBe(legacyKeyId(b));
  });
});

describe('recipient matching', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'azs-crypto-rcpt-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function certPair() {
    const made = makeTestCertificate(dir);
    const cert = parseEncryptionCertificate(readFileSync(made.cerPath));
    return {
      thumbprint: made.thumbprint,
      recipient: { kind: 'certificate' as const, thumbprint: cert.thumbprint, publicKey: cert.publicKey },
      identity: loadDecryptionPfx(readFileSync(made.pfxPath), made.pfxPassword),
    };
  }

  it('refuses a certificate the file was not encrypted for, naming both sides', async () => {
    const right = certPair();
    const wrong = certPair();
    const sealed = await run(createEncryptStream([right.recipient], context), pseudoRandomBytes('m', 10));
    const err = await run(createDecryptStream([wrong.identity]), sealed).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DecryptionCertMismatch', target: 'DecryptionCertPath' });
    expect((err as Error).message).toContain(right.thumbprint);
    expect((err as Error).message).toContain(wrong.thumbprint);
    expect((err as AzsError).remediation).toContain(right.thumbprint);
  });

  it('refuses a legacy key the file was not encrypted for, naming key ids only', async () => {
    const right = legacyKeyRecipient(newLegacyKey());
    const wrongKey = newLegacyKey();
    const wrong = legacyKeyRecipient(wrongKey);
    const sealed = await run(createEncryptStream([right], context), pseudoRandomBytes('k', 10));
    const err = await run(createDecryptStream([wrong]), sealed).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DecryptionCertMismatch', target: 'EncryptionKey' });
    expect((err as Error).message).toContain(right.keyId);
    expect((err as Error).message).toContain(wrong.keyId);
    expect((err as Error).message).not.toContain(wrongKey);
  });

  it('refuses a certificate when the file is in key mode, and the other way round', async () => {
    const cert = certPair();
    const key = legacyKeyRecipient(newLegacyKey());
    const keyFile = await run(createEncryptStream([key], context), Buffer.from('x'));
    const certFile = await run(createEncryptStream([cert.recipient], context), Buffer.from('x'));
    expect(await errorCode(run(createDecryptStream([cert.identity]), keyFile))).toBe('DecryptionCertMismatch');
    expect(await errorCode(run(createDecryptStream([key]), certFile))).toBe('DecryptionCertMismatch');
    expect(await errorCode(run(createDecryptStream([]), certFile))).toBe('DecryptionCertMismatch');
  });

  it('finds the matching identity among several offered', async () => {
    const a = certPair();
    const b = certPair();
    const plain = pseudoRandomBytes('several', 100_000);
    const sealed = await run(createEncryptStream([b.recipient], context), plain);
    expect((await run(createDecryptStream([a.identity, b.identity]), sealed)).equals(plain)).toBe(true);
  });

  it('treats a right thumbprint with the wrong private key as tampering, not a mismatch', async () => {
    const a = certPair();
    const sealed = await run(createEncryptStream([a.recipient], context), Buffer.from('secret'));
    const impostor = { ...a.identity, privateKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey };
    expect(await errorCode(run(createDecryptStream([impostor]), sealed))).toBe('IntegrityFailed');
  });
});
