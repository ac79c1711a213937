import { execFileSync } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
} from '../../../ts/crypto/index.js';
import { loadDecryptionPfx, parseEncryptionCertificate, readPfxCertificateThumbprint } from '../../../ts/crypto/certificate.js';
import { AzsError } from '../../../ts/errors.js';
import { makeTestCertificate, type TestCertificate } from '../../support/certs.js';

const DAY = 86_400_000;
let dir: string;
let good: TestCertificate;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'azs-crypto-cert-'));
  good = makeTestCertificate(dir, { name: 'Backup Encryption' });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function failure(fn: () => unknown): AzsError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AzsError) return err;
    throw err;
  }
  throw new Error('expected an AzsError');
}

describe('parseEncryptionCertificate', () => {
  it('reads DER and PEM alike, with the thumbprint openssl reports', () => {
    const der = parseEncryptionCertificate(readFileSync(good.cerPath));
    const pem = parseEncryptionCertificate(readFileSync(good.pemPath));
    const opensslFingerprint = execFileSync('openssl', ['x509', '-in', good.pemPath, '-noout', '-fingerprint', '-sha1'], {
      encoding: 'utf8',
    });
    const expected = opensslFingerprint.split('=')[1]!.trim().replace(/:/g, '');
    expect(der.thumbprint).toBe(expected);
    expect(pem.thumbprint).toBe(expected);
    expect(der.subject).toBe('CN=Backup Encryption');
    expect(der.warnings).toEqual([]);
    expect(der.publicKey.asymmetricKeyType).toBe('rsa');
    expect(der.pem).toContain('-----BEGIN CERTIFICATE-----');
    expect(Math.abs(der.notBefore.getTime() - good.notBefore.getTime())).toBeLessThan(1000);
    expect(Math.abs(der.notAfter.getTime() - good.notAfter.getTime())).toBeLessThan(1000);
  });

  it('accepts the Base64 DER without PEM armour (EncryptionCertBase64)', () => {
    const b64 = readFileSync(good.cerPath).toString('base64');
    expect(parseEncryptionCertificate(Buffer.from(b64)).thumbprint).toBe(good.thumbprint);
  });

  it('refuses RSA keys under 2048 bits', () => {
    const small = makeTestCertificate(dir, { bits: 1024 });
    const err = failure(() => parseEncryptionCertificate(readFileSync(small.cerPath)));
    expect(err).toMatchObject({ code: 'CertificateInvalid', target: 'EncryptionCertPath' });
    expect(err.message).toMatch(/1024-bit/);
    expect(err.message).toMatch(/at least 2048/);
  });

  it('refuses expired and not-yet-valid certificates', () => {
    const expired = makeTestCertificate(dir, { notBefore: new Date(Date.now() - 400 * DAY), days: 30 });
    expect(failure(() => parseEncryptionCertificate(readFileSync(expired.cerPath))).message).toMatch(/expired/);
    const future = makeTestCertificate(dir, { notBefore: new Date(Date.now() + 10 * DAY) });
    const err = failure(() => parseEncryptionCertificate(readFileSync(future.cerPath)));
    expect(err).toMatchObject({ code: 'CertificateInvalid' });
    expect(err.message).toMatch(/not valid until/);
    // The clock is injectable, so the same certificate is fine later on.
    expect(parseEncryptionCertificate(readFileSync(future.cerPath), new Date(Date.now() + 20 * DAY)).warnings).toEqual([]);
  });

  it('refuses non-RSA keys', () => {
    const keyPath = join(dir, 'ec.key');
    const certPath = join(dir, 'ec.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyPath, '-out', certPath, '-subj', '/CN=ec', '-days', '30'], { stdio: 'ignore' });
    const err = failure(() => parseEncryptionCertificate(readFileSync(certPath)));
    expect(err).toMatchObject({ code: 'CertificateInvalid' });
    expect(err.message).toMatch(/ec key, not RSA/);
  });

  it('refuses garbage, empty files and PEM without a certificate', () => {
    for (const bytes of [Buffer.alloc(0), Buffer.from('hello world'), Buffer.alloc(300, 0x30), Buffer.from('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n')]) {
      expect(failure(() => parseEncryptionCertificate(bytes))).toMatchObject({ code: 'CertificateInvalid', target: 'EncryptionCertPath' });
    }
  });

  it('refuses a chain of several certificates', () => {
    const other = makeTestCertificate(dir);
    const both = Buffer.concat([readFileSync(good.pemPath), readFileSync(other.pemPath)]);
    expect(failure(() => parseEncryptionCertificate(both)).message).toMatch(/2 certificates/);
  });

  it('refuses files that carry a private key', () => {
    const pfx = failure(() => parseEncryptionCertificate(readFileSync(good.pfxPath)));
    expect(pfx).toMatchObject({ code: 'CertificateHasPrivateKey', target: 'EncryptionCertPath' });
    expect(pfx.message).toMatch(/PKCS#12/);
    expect(pfx.remediation).toMatch(/\.cer/);

    const pemWithKey = Buffer.concat([readFileSync(good.pemPath), readFileSync(good.keyPath)]);
    expect(failure(() => parseEncryptionCertificate(pemWithKey)).code).toBe('CertificateHasPrivateKey');
    expect(failure(() => parseEncryptionCertificate(readFileSync(good.keyPath))).code).toBe('CertificateHasPrivateKey');

    const derKey = execFileSync('openssl', ['pkcs8', '-topk8', '-nocrypt', '-in', good.keyPath, '-outform', 'DER']);
    expect(failure(() => parseEncryptionCertificate(derKey)).code).toBe('CertificateHasPrivateKey');
    const rsaDer = execFileSync('openssl', ['rsa', '-in', good.keyPath, '-outform', 'DER', '-traditional'], { stdio: ['ignore', 'pipe', 'ignore'] });
    expect(failure(() => parseEncryptionCertificate(rsaDer)).code).toBe('CertificateHasPrivateKey');
  });

  it('warns about long lifetimes, near expiry, missing client authentication and old versions', () => {
    const long = makeTestCertificate(dir, { days: 5 * 365 });
    expect(parseEncryptionCertificate(readFileSync(long.cerPath)).warnings.join('\n')).toMatch(/more than 3 years/);
    const threeYears = makeTestCertificate(dir, { days: 3 * 365 + 1 });
    expect(parseEncryptionCertificate(readFileSync(threeYears.cerPath)).warnings).toEqual([]);

    const soon = makeTestCertificate(dir, { notBefore: new Date(Date.now() - 300 * DAY), days: 310 });
    const soonWarnings = parseEncryptionCertificate(readFileSync(soon.cerPath)).warnings;
    expect(soonWarnings).toHaveLength(1);
    expect(soonWarnings[0]).toMatch(/expires on .* \(in 9 days\)/);

    const serverOnly = makeTestCertificate(dir, { eku: ['serverAuth'] });
    expect(parseEncryptionCertificate(readFileSync(serverOnly.cerPath)).warnings.join('\n')).toMatch(/Client Authentication/);
    const noEku = makeTestCertificate(dir, { eku: [] });
    expect(parseEncryptionCertificate(readFileSync(noEku.cerPath)).warnings).toHaveLength(1);

    const v1 = makeTestCertificate(dir, { version: 1 });
    const v1Warnings = parseEncryptionCertificate(readFileSync(v1.cerPath)).warnings;
    expect(v1Warnings.join('\n')).toMatch(/version 1 certificate, not version 3/);
  });
});

describe('loadDecryptionPfx', () => {
  it('returns the private key and the thumbprint of its certificate', () => {
    const id = loadDecryptionPfx(readFileSync(good.pfxPath), good.pfxPassword);
    expect(id.kind).toBe('certificate');
    expect(id.thumbprint).toBe(good.thumbprint);
    expect(id.privateKey.asymmetricKeyType).toBe('rsa');
  });

  it('reports a wrong password as such', () => {
    const err = failure(() => loadDecryptionPfx(readFileSync(good.pfxPath), 'not the password'));
    expect(err).toMatchObject({ code: 'DecryptionPasswordWrong', target: 'DecryptionCertPassword' });
  });

  it('opens a .pfx exported with an empty password', () => {
    const empty = makeTestCertificate(dir, { pfxPassword: '' });
    expect(loadDecryptionPfx(readFileSync(empty.pfxPath), '').thumbprint).toBe(empty.thumbprint);
  });

  it('refuses a .cer, garbage and a .pfx without a key', () => {
    expect(failure(() => loadDecryptionPfx(readFileSync(good.cerPath), 'x'))).toMatchObject({ code: 'CertificateInvalid', target: 'DecryptionCertPath' });
    expect(failure(() => loadDecryptionPfx(Buffer.from('nope'), 'x')).code).toBe('CertificateInvalid');
    const keyless = join(dir, 'keyless.pfx');
    execFileSync('openssl', ['pkcs12', '-export', '-nokeys', '-in', good.pemPath, '-out', keyless, '-passout', 'env:P'], {
      env: { ...process.env, P: 'pw' },
    });
    const err = failure(() => loadDecryptionPfx(readFileSync(keyless), 'pw'));
    expect(err).toMatchObject({ code: 'CertificateInvalid' });
    expect(err.message).toMatch(/no private key/);
  });

  it('picks the certificate that belongs to the key when the .pfx carries a chain', () => {
    const other = makeTestCertificate(dir);
    const chained = join(dir, 'chain.pfx');
    execFileSync('openssl', ['pkcs12', '-export', '-in', good.pemPath, '-inkey', good.keyPath, '-certfile', other.pemPath, '-out', chained, '-passout', 'env:P'], {
      env: { ...process.env, P: 'pw' },
    });
    expect(loadDecryptionPfx(readFileSync(chained), 'pw').thumbprint).toBe(good.thumbprint);
  });
});

describe('readPfxCertificateThumbprint', () => {
  it('reads the thumbprint without a password when the certificate bag is not encrypted', () => {
    const plain = makeTestCertificate(dir, { pfxPlainCertificate: true });
    expect(readPfxCertificateThumbprint(readFileSync(plain.pfxPath))).toBe(plain.thumbprint);
  });

  it('returns null when it cannot know', () => {
    expect(readPfxCertificateThumbprint(readFileSync(good.pfxPath))).toBeNull();
    expect(readPfxCertificateThumbprint(readFileSync(good.cerPath))).toBeNull();
    expect(readPfxCertificateThumbprint(Buffer.from('garbage'))).toBeNull();
  });
});
