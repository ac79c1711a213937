// Header fields and chunking as the reader meets them in archives it did not write: numbers in
// the other encodings tar allows, and input cut at every possible place.
import { describe, expect, it } from 'vitest';
import { BLOCK, F, TYPE, headerChecksum } from '../../../ts/archive/tar-format.js';
import { listTar } from '../../../ts/archive/tar-reader.js';
import { expectIntegrityFailed, fromBuffer, sha256 } from './helpers.js';

/** A ustar header; `fields` are raw bytes placed over a blank header before the checksum. */
function header(name: string, size: number, fields: Partial<Record<keyof typeof F, Buffer>> = {}, typeflag: string = TYPE.file): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name, F.name[0], 'utf8');
  h.write('0000644\0', F.mode[0], 'latin1');
  h.write(`${size.toString(8).padStart(11, '0')}\0`, F.size[0], 'latin1');
  h.write('14000000000\0', F.mtime[0], 'latin1');
  h.write(typeflag, F.typeflag[0], 'latin1');
  h.write('ustar\0', F.magic[0], 'latin1');
  h.write('00', F.version[0], 'latin1');
  for (const [key, bytes] of Object.entries(fields)) {
    const [start, len] = F[key as keyof typeof F];
    Buffer.alloc(len).copy(h, start);
    bytes!.copy(h, start);
  }
  h.write(`${headerChecksum(h).toString(8).padStart(6, '0')}\0 `, F.chksum[0], 'latin1');
  return h;
}

function entry(name: string, data: Buffer, fields: Partial<Record<keyof typeof F, Buffer>> = {}): Buffer {
  const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
  return Buffer.concat([header(name, data.length, fields), data, Buffer.alloc(pad)]);
}

function pax(records: Record<string, string>): Buffer {
  const body = Buffer.concat(
    Object.entries(records).map(([k, v]) => {
      const rest = ` ${k}=${v}\n`;
      let len = rest.length + 1;
      while (`${len}${rest}`.length !== len) len++;
      return Buffer.from(`${len}${rest}`, 'utf8');
    }),
  );
  const pad = (BLOCK - (body.length % BLOCK)) % BLOCK;
  return Buffer.concat([header('PaxHeader', body.length, {}, TYPE.paxExtended), body, Buffer.alloc(pad)]);
}

const END = Buffer.alloc(2 * BLOCK);

function base256(value: number, len: number): Buffer {
  const out = Buffer.alloc(len);
  let v = value;
  for (let i = len - 1; i > 0; i--) {
    out[i] = v % 256;
    v = Math.floor(v / 256);
  }
  out[0] = 0x80;
  return out;
}

describe('tar header numbers', () => {
  const data = Buffer.from('numbers in other encodings\n'.repeat(40));

  it('reads GNU base-256 sizes and times', async () => {
    const mtime = 1_700_000_000;
    const tar = Buffer.concat([entry('b256.txt', data, { size: base256(data.length, 12), mtime: base256(mtime, 12) }), END]);
    const listed = await listTar(fromBuffer(tar));
    expect(listed.files).toEqual([{ path: 'b256.txt', size: data.length, mtime: new Date(mtime * 1000).toISOString(), sha256: sha256(data) }]);
  });

  it('reads octal with leading spaces and a space or NUL terminator, as old writers made it', async () => {
    const size = Buffer.from(` ${data.length.toString(8)} `, 'latin1');
    const mode = Buffer.from('   640 \0', 'latin1');
    const tar = Buffer.concat([entry('old.txt', data, { size, mode }), END]);
    const listed = await listTar(fromBuffer(tar));
    expect(listed.entries[0]).toMatchObject({ path: 'old.txt', size: data.length, mode: 0o640 });
    expect(listed.files[0]!.sha256).toBe(sha256(data));
  });

  it('refuses an octal field with a non-octal digit', async () => {
    const tar = Buffer.concat([entry('bad.txt', data, { mode: Buffer.from('0000694\0', 'latin1') }), END]);
    const err = await expectIntegrityFailed(listTar(fromBuffer(tar)));
    expect(err.message).toMatch(/malformed mode/);
  });

  it('refuses a negative base-256 number', async () => {
    const size = base256(data.length, 12);
    size[0] = 0xff;
    const tar = Buffer.concat([entry('neg.txt', data, { size }), END]);
    expect((await expectIntegrityFailed(listTar(fromBuffer(tar)))).message).toMatch(/negative size/);
  });

  it('takes the size from a pax record over the header field, and refuses a malformed one', async () => {
    const good = Buffer.concat([pax({ size: String(data.length) }), entry('p.txt', data, { size: Buffer.from('00000000000\0', 'latin1') }).subarray(0, BLOCK), data, Buffer.alloc((BLOCK - (data.length % BLOCK)) % BLOCK), END]);
    expect((await listTar(fromBuffer(good))).files[0]).toMatchObject({ path: 'p.txt', size: data.length, sha256: sha256(data) });
    const bad = Buffer.concat([pax({ size: '12e3' }), entry('p.txt', data), END]);
    expect((await expectIntegrityFailed(listTar(fromBuffer(bad)))).message).toMatch(/pax size/);
  });
});

describe('tar input chunking', () => {
  const files = Array.from({ length: 12 }, (_, i) => ({ name: `dir/f${i}.txt`, data: Buffer.alloc(i * 211 + (i % 3 === 0 ? 0 : 700), 65 + i) }));
  // One entry carries a pax header, so extended headers straddle chunk boundaries too.
  const tar = Buffer.concat([...files.flatMap((f, i) => (i === 3 ? [pax({ mtime: '1700000000.25' }), entry(f.name, f.data)] : [entry(f.name, f.data)])), END]);

  it('lists the same entries whatever the chunk size, including one byte at a time', async () => {
    const whole = await listTar(fromBuffer(tar, tar.length));
    expect(whole.files.map((f) => [f.path, f.size, f.sha256])).toEqual(files.map((f) => [f.name, f.data.length, sha256(f.data)]));
    expect(whole.files[3]!.mtime).toBe('2023-11-14T22:13:20.250Z');
    for (const chunk of [1, 7, 511, 512, 513, 4096]) {
      const listed = await listTar(fromBuffer(tar, chunk));
      expect(listed.files).toEqual(whole.files);
    }
  });

  it('detects truncation at every block boundary and inside padding, also when hashing is off', async () => {
    for (let cut = BLOCK; cut < tar.length - END.length; cut += 256) {
      await expectIntegrityFailed(listTar(fromBuffer(tar.subarray(0, cut), 300)));
      await expectIntegrityFailed(listTar(fromBuffer(tar.subarray(0, cut), 300), { hash: false }));
    }
  });
});
