import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeSignature, signatureOf } from '../../../scripts/lib/pe.mjs';
import { scratchDirSync } from '../../support/scratch.js';

// A minimal PE32+ image: DOS header, PE signature, COFF header, optional header with 16 data
// directories, a body, and (when signed) a certificate table at the end, as signing tools put it.
const PE = 0x40;
const OPTIONAL = PE + 24;
const DIRECTORIES = OPTIONAL + 112;
const SECURITY = DIRECTORIES + 4 * 8;

function image(table: Buffer | null, tail = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(DIRECTORIES + 16 * 8);
  head.write('MZ', 0, 'latin1');
  head.writeUInt32LE(PE, 0x3c);
  head.write('PE\0\0', PE, 'latin1');
  head.writeUInt16LE(240, PE + 4 + 16);
  head.writeUInt16LE(0x20b, OPTIONAL);
  head.writeUInt32LE(0x1234abcd, OPTIONAL + 64);
  head.writeUInt32LE(16, DIRECTORIES - 4);
  const body = Buffer.alloc(1000, 0x90);
  if (table !== null) {
    head.writeUInt32LE(head.length + body.length, SECURITY);
    head.writeUInt32LE(table.length, SECURITY + 4);
  }
  return Buffer.concat([head, body, table ?? Buffer.alloc(0), tail]);
}

function file(buf: Buffer): string {
  const path = join(scratchDirSync('azsb-pe-'), 'node.exe');
  writeFileSync(path, buf);
  return path;
}

describe('removing the Authenticode signature before injection', () => {
  it('cuts the certificate table off the end and clears its directory entry and the checksum', () => {
    const unsigned = image(null);
    const signed = image(Buffer.alloc(512, 0x30));
    expect(signatureOf(signed)).toEqual({ offset: unsigned.length, size: 512 });
    const path = file(signed);
    expect(removeSignature(path)).toBe(true);
    const out = readFileSync(path);
    expect(out.length).toBe(unsigned.length);
    expect(signatureOf(out)).toBeNull();
    expect(out.readUInt32LE(OPTIONAL + 64)).toBe(0);
    expect(out.subarray(0, SECURITY)).toEqual(unsigned.subarray(0, SECURITY).fill(0, OPTIONAL + 64, OPTIONAL + 68));
  });

  it('leaves an unsigned file alone', () => {
    const path = file(image(null));
    expect(removeSignature(path)).toBe(false);
    expect(readFileSync(path)).toEqual(image(null));
  });

  it('refuses a table that is not at the end, and a file that is not a PE image', () => {
    const path = file(image(Buffer.alloc(512, 0x30), Buffer.alloc(4096, 1)));
    expect(() => removeSignature(path)).toThrow(/not at the end of the file/);
    expect(() => removeSignature(file(Buffer.from('#!/bin/sh\n'.padEnd(200, ' '))))).toThrow(/not a PE file/);
  });
});
