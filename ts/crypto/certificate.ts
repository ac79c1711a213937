import { createHash, X509Certificate, type KeyObject } from 'node:crypto';
import { AzsError } from '../errors.js';
import { certificateVersion, classifyDer, parseAsn1 } from './der.js';

export { loadDecryptionPfx, readPfxCertificateThumbprint, type DecryptionIdentity } from './pfx.js';

export interface EncryptionCertificate {
  /** Upper-case hex SHA-1 of the DER, as Windows shows it. */
  thumbprint: string;
  subject: string;
  notBefore: Date;
  notAfter: Date;
  pem: string;
  publicKey: KeyObject;
  warnings: string[];
}

const MIN_RSA_BITS = 2048;
const DAY_MS = 86_400_000;
const EXPIRY_WARNING_DAYS = 30;
const MAX_RECOMMENDED_YEARS = 3;
const CLIENT_AUTH_OID = '1.3.6.1.5.5.7.3.2';
const ANY_EKU_OID = '2.5.29.37.0';
const ALLOWED =
  'a public-key certificate (.cer, DER or Base64/PEM) with an RSA key of at least 2048 bits that is currently valid';

function invalid(problem: string): AzsError {
  return new AzsError('CertificateInvalid', `The encryption certificate ${problem}. Expected ${ALLOWED}.`, {
    target: 'EncryptionCertPath',
    remediation:
      'Create or export a suitable certificate, for example with New-SelfSignedCertificate -KeyAlgorithm RSA ' +
      '-KeyLength 2048 -KeyUsage DataEncipherment, and export only its public part as .cer.',
  });
}

function hasPrivateKey(what: string): AzsError {
  return new AzsError(
    'CertificateHasPrivateKey',
    `The encryption certificate file ${what}. Backups only need the public certificate; the private ` +
      'key must stay off this system so that a compromised host cannot decrypt its own backups.',
    {
      target: 'EncryptionCertPath',
      remediation:
        'Export the certificate without its private key (.cer, "No, do not export the private key" / ' +
        'Export-Certificate -Type CERT) and keep the .pfx in a safe place for restores.',
    },
  );
}

/**
 * Reads an encryption certificate given as DER or PEM and checks it is fit to encrypt to.
 * `now` is injectable so validity checks are testable.
 */
export function parseEncryptionCertificate(bytes: Buffer, now: Date = new Date()): EncryptionCertificate {
  const der = extractDer(bytes);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(der);
  } catch {
    throw invalid('could not be parsed as an X.509 certificate');
  }

  const key = cert.publicKey;
  if (key.asymmetricKeyType !== 'rsa') {
    throw invalid(`has a ${key.asymmetricKeyType ?? 'unknown'} key, not RSA`);
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_BITS) throw invalid(`has a ${bits}-bit RSA key, which is too small`);

  const notBefore = cert.validFromDate;
  const notAfter = cert.validToDate;
  if (now.getTime() > notAfter.getTime()) throw invalid(`expired on ${notAfter.toISOString()}`);
  if (now.getTime() < notBefore.getTime()) throw invalid(`is not valid until ${notBefore.toISOString()}`);

  const thumbprint = createHash('sha1').update(cert.raw).digest('hex').toUpperCase();
  const warnings: string[] = [];
  const daysLeft = Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS);
  if (daysLeft < EXPIRY_WARNING_DAYS) {
    warnings.push(
      `The encryption certificate ${thumbprint} expires on ${notAfter.toISOString()} (in ${daysLeft} days); ` +
        'backups will fail after that. Configure a new certificate before then.',
    );
  }
  const recommendedEnd = new Date(notBefore.getTime());
  recommendedEnd.setUTCFullYear(recommendedEnd.getUTCFullYear() + MAX_RECOMMENDED_YEARS);
  // A day of slack so "-days 1096" style certificates that span a leap day are not flagged.
  if (notAfter.getTime() > recommendedEnd.getTime() + DAY_MS) {
    warnings.push(
      `The encryption certificate ${thumbprint} is valid for more than ${MAX_RECOMMENDED_YEARS} years ` +
        `(${notBefore.toISOString()} to ${notAfter.toISOString()}); a shorter lifetime limits the damage ` +
        'if its private key leaks.',
    );
  }
  const eku = extendedKeyUsage(cert);
  if (eku === undefined || !(eku.includes(CLIENT_AUTH_OID) || eku.includes(ANY_EKU_OID))) {
    warnings.push(
      `The encryption certificate ${thumbprint} does not list the Client Authentication enhanced key usage ` +
        `(${CLIENT_AUTH_OID}), which Azure Stack's backup agent expects; this engine can use it anyway.`,
    );
  }
  const version = certificateVersion(parseAsn1(der));
  if (version !== 3) {
    warnings.push(`The encryption certificate ${thumbprint} is an X.509 version ${version ?? 'unknown'} certificate, not version 3.`);
  }

  return {
    thumbprint,
    subject: windowsStyleName(cert.subject),
    notBefore,
    notAfter,
    pem: cert.toString(),
    publicKey: key,
    warnings,
  };
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/** Finds the one certificate's DER in what the admin gave us, refusing anything with a key. */
function extractDer(bytes: Buffer): Buffer {
  if (bytes.length === 0) throw invalid('file is empty');
  const text = bytes.toString('latin1');
  if (text.includes('-----BEGIN ')) {
    const blocks = [...text.matchAll(PEM_BLOCK)];
    if (blocks.some((b) => b[1]!.includes('PRIVATE KEY')) || /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(text)) {
      throw hasPrivateKey('contains a PEM private key block');
    }
    if (blocks.some((b) => b[1] === 'PKCS12')) throw hasPrivateKey('contains a PKCS#12 (.pfx) block');
    const certs = blocks.filter((b) => b[1] === 'CERTIFICATE');
    if (certs.length === 0) throw invalid('is PEM text without a CERTIFICATE block');
    if (certs.length > 1) {
      throw invalid(`holds ${certs.length} certificates (a chain?); give only the encryption certificate itself`);
    }
    return checkShape(Buffer.from(certs[0]![2]!.replace(/\s+/g, ''), 'base64'));
  }
  // Base64 of the DER without PEM armour, as in Azure Stack's EncryptionCertBase64.
  const compact = text.replace(/\s+/g, '');
  if (compact.length >= 64 && /^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
    return checkShape(Buffer.from(compact, 'base64'));
  }
  return checkShape(bytes);
}

function checkShape(der: Buffer): Buffer {
  switch (classifyDer(parseAsn1(der))) {
    case 'pkcs12':
      throw hasPrivateKey('is a PKCS#12 (.pfx/.p12) file, which carries the private key');
    case 'private-key':
      throw hasPrivateKey('is a private key');
    case 'certificate':
      return der;
    default:
      throw invalid('is not an X.509 certificate');
  }
}

function extendedKeyUsage(cert: X509Certificate): string[] | undefined {
  // Node reports the EKU extension as `keyUsage`; undefined when the extension is absent.
  const eku = (cert as { keyUsage?: string[] }).keyUsage;
  return Array.isArray(eku) ? eku : undefined;
}

/** Node lists RDNs most-general first, one per line; Windows shows them CN-first, comma-separated. */
function windowsStyleName(name: string): string {
  return name
    .split('\n')
    .filter((part) => part.length > 0)
    .reverse()
    .join(', ');
}
