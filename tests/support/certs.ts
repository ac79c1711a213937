/**
 * Real RSA certificates for tests: node:crypto makes the key (fast), node-forge builds and signs
 * the X.509 structure (so any validity window, version or EKU can be had), and the system openssl
 * writes the .pfx and reports the fingerprint, so neither depends on our own parsers.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';

export interface TestCertificateOptions {
  /** RSA modulus size; default 2048. */
  bits?: number;
  /** Lifetime from notBefore; default 365. */
  days?: number;
  /** Default: one hour ago, so clock skew never makes a fresh certificate "not yet valid". */
  notBefore?: Date;
  /** Extended key usages by forge name ('clientAuth', 'serverAuth', ...) or dotted OID; [] omits the extension. Default ['clientAuth']. */
  eku?: string[];
  /** Subject and issuer common name; default 'AzsBackup Test'. */
  name?: string;
  /** X.509 version; 1 has no extensions at all. Default 3. */
  version?: 1 | 3;
  /** Store the certificate bag unencrypted in the .pfx (openssl -certpbe NONE). */
  pfxPlainCertificate?: boolean;
  /** Default: random. */
  pfxPassword?: string;
}

export interface TestCertificate {
  /** DER .cer, as Windows' "DER encoded binary X.509". */
  cerPath: string;
  /** PEM ("Base-64 encoded X.509"). */
  pemPath: string;
  /** PKCS#12 with the private key, made by openssl. */
  pfxPath: string;
  pfxPassword: string;
  /** PKCS#8 PEM private key. */
  keyPath: string;
  /** `openssl x509 -fingerprint -sha1` without colons. */
  thumbprint: string;
  notBefore: Date;
  notAfter: Date;
}

function openssl(args: string[], env: Record<string, string> = {}): string {
  return execFileSync('openssl', args, {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function makeTestCertificate(dir: string, opts: TestCertificateOptions = {}): TestCertificate {
  const bits = opts.bits ?? 2048;
  const days = opts.days ?? 365;
  const notBefore = opts.notBefore ?? new Date(Date.now() - 3_600_000);
  const notAfter = new Date(notBefore.getTime() + days * 86_400_000);
  const name = opts.name ?? 'AzsBackup Test';
  const version = opts.version ?? 3;
  const eku = opts.eku ?? ['clientAuth'];
  const pfxPassword = opts.pfxPassword ?? randomBytes(12).toString('base64url');

  mkdirSync(dir, { recursive: true });
  const base = join(dir, `${name.replace(/[^A-Za-z0-9]+/g, '-')}-${randomBytes(4).toString('hex')}`);

  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: bits,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });

  const cert = forge.pki.createCertificate();
  cert.version = version - 1;
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  // Leading 01 keeps the DER INTEGER positive.
  cert.serialNumber = '01' + randomBytes(15).toString('hex');
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  const attrs = [{ name: 'commonName', value: name }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  if (version === 3) {
    const extensions: object[] = [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, dataEncipherment: true },
      { name: 'subjectKeyIdentifier' },
    ];
    if (eku.length > 0) {
      extensions.push({ name: 'extKeyUsage', ...Object.fromEntries(eku.map((e) => [e, true])) });
    }
    cert.setExtensions(extensions);
  }
  cert.sign(forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  const pem = forge.pki.certificateToPem(cert);
  const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');

  const paths = {
    cerPath: `${base}.cer`,
    pemPath: `${base}.pem`,
    pfxPath: `${base}.pfx`,
    keyPath: `${base}.key.pem`,
  };
  writeFileSync(paths.cerPath, der);
  writeFileSync(paths.pemPath, pem);
  writeFileSync(paths.keyPath, privateKey, { mode: 0o600 });

  // The password travels in the child's environment, never on its command line.
  const pfxArgs = ['pkcs12', '-export', '-in', paths.pemPath, '-inkey', paths.keyPath, '-out', paths.pfxPath];
  pfxArgs.push('-name', name, '-passout', 'env:AZS_TEST_PFX_PASSWORD');
  if (opts.pfxPlainCertificate) pfxArgs.push('-certpbe', 'NONE');
  openssl(pfxArgs, { AZS_TEST_PFX_PASSWORD: pfxPassword });

  const fingerprint = openssl(['x509', '-in', paths.pemPath, '-noout', '-fingerprint', '-sha1']);
  const match = /=\s*([0-9A-Fa-f:]+)\s*$/.exec(fingerprint);
  if (!match) throw new Error(`unexpected openssl fingerprint output: ${fingerprint}`);
  const thumbprint = match[1]!.replace(/:/g, '').toUpperCase();

  return { ...paths, pfxPassword, thumbprint, notBefore, notAfter };
}
