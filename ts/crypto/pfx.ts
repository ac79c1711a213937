import { createHash, createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { AzsError } from '../errors.js';
import { children, classifyDer, is, oid, parseAsn1 } from './der.js';

/** A certificate identity ready for createDecryptStream. */
export interface DecryptionIdentity {
  kind: 'certificate';
  thumbprint: string;
  privateKey: KeyObject;
}

const OID_DATA = '1.2.840.113549.1.7.1';
const OID_CERT_BAG = '1.2.840.113549.1.12.10.1.3';
const OID_X509_CERT = '1.2.840.113549.1.9.22.1';

function invalid(problem: string): AzsError {
  return new AzsError('CertificateInvalid', `The decryption certificate file ${problem}. Expected a PKCS#12 (.pfx) file with the RSA private key of the backup encryption certificate.`, {
    target: 'DecryptionCertPath',
    remediation: 'Export the certificate with its private key (Export-PfxCertificate) and pass that .pfx.',
  });
}

function wrongPassword(): AzsError {
  return new AzsError('DecryptionPasswordWrong', 'The password does not open the decryption certificate file (.pfx).', {
    target: 'DecryptionCertPassword',
    remediation: 'Pass the password the .pfx was exported with.',
  });
}

function sha1Hex(der: Buffer): string {
  return createHash('sha1').update(der).digest('hex').toUpperCase();
}

function looksLikePasswordFailure(err: unknown): boolean {
  const message = err instanceof Error ? err.message : String(err);
  return /invalid password|wrong password|failed to decrypt/i.test(message);
}

/**
 * Opens a .pfx and returns its RSA private key with the thumbprint of the certificate that
 * belongs to it (a .pfx may also carry the issuing chain).
 */
export function loadDecryptionPfx(bytes: Buffer, password: string): DecryptionIdentity {
  const asn1 = parseAsn1(bytes);
  if (classifyDer(asn1) !== 'pkcs12') throw invalid('is not a PKCS#12 (.pfx) file');

  let p12: forge.pkcs12.Pkcs12Pfx | null = null;
  // An empty password has two encodings in PKCS#12 (empty BMPString or none at all); tools differ.
  const attempts: Array<string | null> = password === '' ? ['', null] : [password];
  let lastError: unknown;
  for (const attempt of attempts) {
    try {
      p12 = forge.pkcs12.pkcs12FromAsn1(asn1!, false, attempt as string);
      break;
    } catch (err) {
      lastError = err;
    }
  }
  if (p12 === null) {
    if (looksLikePasswordFailure(lastError)) throw wrongPassword();
    const reason = lastError instanceof Error ? lastError.message : String(lastError);
    throw invalid(`could not be read (${reason})`);
  }

  const keyBags = [
    ...(p12.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag! })[forge.pki.oids.pkcs8ShroudedKeyBag!] ?? []),
    ...(p12.getBags({ bagType: forge.pki.oids.keyBag! })[forge.pki.oids.keyBag!] ?? []),
  ];
  const certBags = p12.getBags({ bagType: forge.pki.oids.certBag! })[forge.pki.oids.certBag!] ?? [];
  if (keyBags.length === 0) throw invalid('has no private key');

  const certificates: X509Certificate[] = [];
  for (const bag of certBags) {
    const asn1Cert = bag.cert ? forge.pki.certificateToAsn1(bag.cert) : (bag as { asn1?: forge.asn1.Asn1 }).asn1;
    if (asn1Cert === undefined) continue;
    try {
      certificates.push(new X509Certificate(Buffer.from(forge.asn1.toDer(asn1Cert).getBytes(), 'binary')));
    } catch {
      // A bag we cannot parse cannot be the match either.
    }
  }

  for (const bag of keyBags) {
    if (!bag.key) continue; // forge leaves `key` null for non-RSA keys
    const privateKey = createPrivateKey(forge.pki.privateKeyToPem(bag.key));
    const cert = certificates.find((c) => c.checkPrivateKey(privateKey));
    if (cert !== undefined) return { kind: 'certificate', thumbprint: sha1Hex(cert.raw), privateKey };
  }
  if (keyBags.every((b) => !b.key)) throw invalid('holds a private key that is not RSA');
  throw invalid('has no certificate matching its private key');
}

/**
 * The certificate thumbprint of a .pfx without its password, possible only when the certificate
 * bag is stored unencrypted (e.g. `openssl pkcs12 -certpbe NONE`). Null when it is encrypted or
 * the file holds several candidate certificates. Unauthenticated: a hint for choosing a file
 * before asking for a password, never a substitute for loadDecryptionPfx.
 */
export function readPfxCertificateThumbprint(bytes: Buffer): string | null {
  const root = parseAsn1(bytes);
  if (classifyDer(root) !== 'pkcs12') return null;
  const thumbprints = new Set<string>();
  try {
    const authSafe = contentOctets(children(root!)[1]);
    if (authSafe === null) return null;
    for (const info of children(parseAsn1(authSafe) ?? undefined)) {
      const safeContents = contentOctets(info);
      if (safeContents === null) continue; // encryptedData: needs the password
      for (const bag of children(parseAsn1(safeContents) ?? undefined)) {
        const [bagId, bagValue] = children(bag);
        if (oid(bagId) !== OID_CERT_BAG) continue;
        const [certId, certValue] = children(children(bagValue)[0]);
        if (oid(certId) !== OID_X509_CERT) continue;
        const der = octets(children(certValue)[0]);
        if (der !== null) thumbprints.add(sha1Hex(der));
      }
    }
  } catch {
    return null;
  }
  return thumbprints.size === 1 ? [...thumbprints][0]! : null;
}

/** The bytes inside a ContentInfo of type `data` ([0] EXPLICIT OCTET STRING); null otherwise. */
function contentOctets(info: forge.asn1.Asn1 | undefined): Buffer | null {
  const [type, content] = children(info);
  if (oid(type) !== OID_DATA) return null;
  return octets(children(content)[0]);
}

/** OCTET STRING value, joining BER constructed pieces. */
function octets(node: forge.asn1.Asn1 | undefined): Buffer | null {
  if (!is(node, forge.asn1.Type.OCTETSTRING)) return null;
  if (typeof node!.value === 'string') return Buffer.from(node!.value, 'binary');
  const parts = children(node).map(octets);
  return parts.every((p) => p !== null) ? Buffer.concat(parts as Buffer[]) : null;
}
