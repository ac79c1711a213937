import forge from 'node-forge';

/**
 * Just enough ASN.1 shape-sniffing to tell certificates, private keys and PKCS#12 files apart,
 * so a wrong file gets a message about what it is instead of a parser error.
 */
export type DerKind = 'certificate' | 'pkcs12' | 'private-key' | 'unknown';

const PKCS7_PREFIX = '1.2.840.113549.1.7.';

// The typings only declare the boolean form; the library also takes this options object.
const fromDer = forge.asn1.fromDer as unknown as (
  bytes: forge.util.ByteBuffer,
  options: { strict: boolean; parseAllBytes: boolean; decodeBitStrings: boolean },
) => forge.asn1.Asn1;

/** Lenient parse (BER, trailing bytes allowed): for recognising shapes, not for trusting content. */
export function parseAsn1(bytes: Buffer): forge.asn1.Asn1 | null {
  try {
    return fromDer(forge.util.createBuffer(bytes.toString('binary')), {
      strict: false,
      parseAllBytes: false,
      decodeBitStrings: false,
    });
  } catch {
    return null;
  }
}

function children(node: forge.asn1.Asn1 | undefined): forge.asn1.Asn1[] {
  return node !== undefined && Array.isArray(node.value) ? node.value : [];
}

function is(node: forge.asn1.Asn1 | undefined, type: number): boolean {
  return node !== undefined && node.tagClass === forge.asn1.Class.UNIVERSAL && node.type === type;
}

function smallInt(node: forge.asn1.Asn1 | undefined): number | null {
  if (!is(node, forge.asn1.Type.INTEGER) || typeof node!.value !== 'string') return null;
  const raw = node!.value;
  return raw.length > 0 && raw.length <= 2 ? forge.asn1.derToInteger(raw) : null;
}

function oid(node: forge.asn1.Asn1 | undefined): string | null {
  return is(node, forge.asn1.Type.OID) && typeof node!.value === 'string'
    ? forge.asn1.derToOid(node!.value)
    : null;
}

export function classifyDer(root: forge.asn1.Asn1 | null): DerKind {
  if (root === null || !is(root, forge.asn1.Type.SEQUENCE)) return 'unknown';
  const [a, b, c] = children(root);
  // PFX ::= SEQUENCE { version INTEGER (3), authSafe ContentInfo, macData OPTIONAL }
  if (smallInt(a) === 3 && is(b, forge.asn1.Type.SEQUENCE) && oid(children(b)[0])?.startsWith(PKCS7_PREFIX)) {
    return 'pkcs12';
  }
  // PrivateKeyInfo (PKCS#8) ::= SEQUENCE { INTEGER 0|1, AlgorithmIdentifier, OCTET STRING, ... }
  if ((smallInt(a) === 0 || smallInt(a) === 1) && is(b, forge.asn1.Type.SEQUENCE) && is(c, forge.asn1.Type.OCTETSTRING)) {
    return 'private-key';
  }
  // RSAPrivateKey (PKCS#1) ::= SEQUENCE { version, n, e, d, p, q, dp, dq, qinv }
  if (smallInt(a) === 0 && children(root).length >= 9 && children(root).every((n) => is(n, forge.asn1.Type.INTEGER))) {
    return 'private-key';
  }
  // EncryptedPrivateKeyInfo ::= SEQUENCE { AlgorithmIdentifier, OCTET STRING }
  if (children(root).length === 2 && is(a, forge.asn1.Type.SEQUENCE) && oid(children(a)[0]) !== null && is(b, forge.asn1.Type.OCTETSTRING)) {
    return 'private-key';
  }
  // Certificate ::= SEQUENCE { TBSCertificate SEQUENCE, AlgorithmIdentifier, BIT STRING }
  if (is(a, forge.asn1.Type.SEQUENCE) && is(b, forge.asn1.Type.SEQUENCE) && is(c, forge.asn1.Type.BITSTRING)) {
    return 'certificate';
  }
  return 'unknown';
}

/** X.509 version (1, 2 or 3) from the optional [0] field of TBSCertificate. */
export function certificateVersion(root: forge.asn1.Asn1 | null): number | null {
  const tbs = children(root ?? undefined)[0];
  const first = children(tbs)[0];
  if (first === undefined) return null;
  if (first.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && first.type === 0) {
    const v = smallInt(children(first)[0]);
    return v === null ? null : v + 1;
  }
  return 1;
}

export { children, is, oid };
