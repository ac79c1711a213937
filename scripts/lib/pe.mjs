// Just enough of the PE/COFF format to take the Authenticode signature off node.exe before the
// SEA blob goes in. Injection rewrites the file, which leaves a signature that no longer matches
// (postject: "The signature seems corrupted!"), and tools refuse to strip it afterwards because
// the PE checksum is stale by then. Doing it here keeps the build free of a signing tool.
import { readFileSync, writeFileSync } from 'node:fs';

const PE32 = 0x10b;
const PE32_PLUS = 0x20b;
// The certificate table is data directory 4 (IMAGE_DIRECTORY_ENTRY_SECURITY).
const SECURITY_DIRECTORY = 4;

function locate(buf) {
  if (buf.length < 0x40 || buf.toString('latin1', 0, 2) !== 'MZ') throw new Error('not a PE file (no MZ header)');
  const pe = buf.readUInt32LE(0x3c);
  if (pe + 24 > buf.length || buf.toString('latin1', pe, pe + 4) !== 'PE\0\0') throw new Error('not a PE file (no PE signature)');
  const optional = pe + 24;
  const magic = buf.readUInt16LE(optional);
  if (magic !== PE32 && magic !== PE32_PLUS) throw new Error(`unknown optional header magic 0x${magic.toString(16)}`);
  const directories = optional + (magic === PE32_PLUS ? 112 : 96);
  const count = buf.readUInt32LE(directories - 4);
  if (count <= SECURITY_DIRECTORY) return { checksum: optional + 64, security: null };
  return { checksum: optional + 64, security: directories + SECURITY_DIRECTORY * 8 };
}

/** The certificate table's file offset and size, or null when the file is not signed. */
export function signatureOf(buf) {
  const { security } = locate(buf);
  if (security === null) return null;
  const offset = buf.readUInt32LE(security);
  const size = buf.readUInt32LE(security + 4);
  return size === 0 ? null : { offset, size };
}

/**
 * Writes `file` without its Authenticode signature. The table must be the file's tail (where
 * signing tools put it); anything else means a layout this code does not understand, so it stops.
 * The checksum is zeroed: Windows checks it only for drivers and boot images.
 */
export function removeSignature(file) {
  const buf = readFileSync(file);
  const sig = signatureOf(buf);
  if (sig === null) return false;
  // Signers pad the table to 8 bytes; the padding is part of what is removed.
  if (sig.offset + sig.size > buf.length || buf.length - (sig.offset + sig.size) > 7) {
    throw new Error(`${file}: the certificate table (offset ${sig.offset}, ${sig.size} bytes) is not at the end of the file`);
  }
  const { checksum, security } = locate(buf);
  const out = Buffer.from(buf.subarray(0, sig.offset));
  out.writeUInt32LE(0, security);
  out.writeUInt32LE(0, security + 4);
  out.writeUInt32LE(0, checksum);
  writeFileSync(file, out);
  return true;
}
