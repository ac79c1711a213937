import { describe, expect, it } from 'vitest';
import {
  createDecryptStream,
  createEncryptStream,
  legacyKeyRecipient,
  newLegacyKey,
  readFileHeader,
  type FileContext,
} from '../../../ts/crypto/index.js';
import { sealChunk } from '../../../ts/crypto/chunks.js';
import { encodeHeader } from '../../../ts/crypto/header.js';
import { deriveHeaderKey, derivePayloadKey } from '../../../ts/crypto/kdf.js';
import { wrapFileKey } from '../../../ts/crypto/recipients.js';
import { errorCode, pseudoRandomBytes, replayRandom, run } from './helpers.js';

const SEALED = 65536 + 16;
const context: FileContext = { contentType: 'volume', backupId: 'b1', role: 'Storage', index: 0 };
const key = legacyKeyRecipient(newLegacyKey());
// Three chunks: two full, one of 1000 bytes.
const plain = pseudoRandomBytes('tamper', 2 * 65536 + 1000);
const sealedP = run(createEncryptStream([key], context), plain);

async function fixture() {
  const sealed = await sealedP;
  const headerLength = readFileHeader(sealed).headerLength;
  const chunk = (i: number) => sealed.subarray(headerLength + i * SEALED, Math.min(sealed.length, headerLength + (i + 1) * SEALED));
  return { sealed, headerLength, chunk };
}

const decrypt = (data: Buffer) => run(createDecryptStream([key]), data);
const flip = (data: Buffer, at: number) => {
  const copy = Buffer.from(data);
  copy[at]! ^= 0x01;
  return copy;
};

describe('tamper detection', () => {
  it('the untouched fixture decrypts', async () => {
    const { sealed } = await fixture();
    expect((await decrypt(sealed)).equals(plain)).toBe(true);
  });

  it('rejects a flip of every single header byte', async () => {
    const { sealed, headerLength } = await fixture();
    const text = sealed.subarray(0, headerLength).toString('latin1');
    const keyIdAt = text.indexOf(key.keyId);
    for (let at = 0; at < headerLength; at++) {
      const code = await errorCode(decrypt(flip(sealed, at)));
      // Changing the keyId makes the file look addressed to another key: that is all we can say
      // before a key is found, since the HMAC needs the file key.
      const inKeyId = at >= keyIdAt && at < keyIdAt + key.keyId.length;
      const allowed = inKeyId ? ['DecryptionCertMismatch', 'IntegrityFailed'] : ['IntegrityFailed'];
      expect(allowed, `flip at header byte ${at} gave ${code}`).toContain(code);
    }
  });

  it('rejects flips in ciphertext and in every tag byte of every chunk', async () => {
    const { sealed, headerLength, chunk } = await fixture();
    const positions: number[] = [];
    for (let i = 0; i < 3; i++) {
      const start = headerLength + i * SEALED;
      const len = chunk(i).length;
      positions.push(start, start + 1, start + Math.floor(len / 2), start + len - 17);
      for (let t = len - 16; t < len; t++) positions.push(start + t);
    }
    for (const at of positions) {
      expect(await errorCode(decrypt(flip(sealed, at))), `flip at ${at}`).toBe('IntegrityFailed');
    }
  });

  it('rejects truncation at chunk boundaries, inside chunks and inside the header', async () => {
    const { sealed, headerLength } = await fixture();
    const cuts = [
      0, 5, 11, 12, headerLength - 1, headerLength, headerLength + 10, headerLength + SEALED - 1,
      headerLength + SEALED, headerLength + 2 * SEALED, headerLength + 2 * SEALED + 15, sealed.length - 1,
    ];
    for (const cut of cuts) {
      expect(await errorCode(decrypt(sealed.subarray(0, cut))), `cut at ${cut}`).toBe('IntegrityFailed');
    }
  });

  it('rejects appended bytes of any length', async () => {
    const { sealed, chunk } = await fixture();
    for (const extra of [Buffer.from([0]), Buffer.alloc(16), Buffer.alloc(SEALED), Buffer.alloc(SEALED + 1), chunk(2)]) {
      expect(await errorCode(decrypt(Buffer.concat([sealed, extra])))).toBe('IntegrityFailed');
    }
  });

  it('rejects reordered, repeated and dropped chunks', async () => {
    const { sealed, headerLength, chunk } = await fixture();
    const header = sealed.subarray(0, headerLength);
    const layouts = [
      [1, 0, 2],
      [0, 0, 2],
      [0, 2],
      [1, 2],
      [0, 1, 1, 2],
    ];
    for (const layout of layouts) {
      const data = Buffer.concat([header, ...layout.map(chunk)]);
      expect(await errorCode(decrypt(data)), `layout ${layout.join(',')}`).toBe('IntegrityFailed');
    }
  });

  it('rejects the chunks of one file behind the header of another', async () => {
    const { sealed, headerLength } = await fixture();
    const other = await run(createEncryptStream([key], context), plain);
    const otherHeaderLength = readFileHeader(other).headerLength;
    const spliced = Buffer.concat([other.subarray(0, otherHeaderLength), sealed.subarray(headerLength)]);
    expect(await errorCode(decrypt(spliced))).toBe('IntegrityFailed');
  });

  it('rejects a genuine file that is not the one expected', async () => {
    const { sealed } = await fixture();
    const wrongIndex = run(createDecryptStream([key], { expectedContext: { role: 'Storage', index: 1 } }), sealed);
    expect(await errorCode(wrongIndex)).toBe('IntegrityFailed');
    const right = await run(createDecryptStream([key], { expectedContext: { backupId: 'b1', index: 0 } }), sealed);
    expect(right.equals(plain)).toBe(true);
  });

  it('rejects an empty final chunk after full chunks, even when correctly sealed', async () => {
    // Built by hand with the real keys: only a key holder could make this, but readers still
    // insist on the one canonical layout.
    const fileKey = Buffer.alloc(32, 7);
    const salt = Buffer.alloc(16, 9);
    const header = encodeHeader(
      {
        version: 1,
        chunkSize: 65536,
        payloadSalt: salt,
        context,
        recipients: [wrapFileKey(key, fileKey, replayRandom(Buffer.alloc(16, 1)))],
      },
      deriveHeaderKey(fileKey),
    );
    const payloadKey = derivePayloadKey(fileKey, salt);
    const full = pseudoRandomBytes('full', 65536);
    const good = Buffer.concat([header, sealChunk(payloadKey, 0, true, full)]);
    expect((await decrypt(good)).equals(full)).toBe(true);
    const forged = Buffer.concat([header, sealChunk(payloadKey, 0, false, full), sealChunk(payloadKey, 1, true, Buffer.alloc(0))]);
    expect(await errorCode(decrypt(forged))).toBe('IntegrityFailed');
    // A short chunk that claims not to be last is out of place too.
    const short = Buffer.concat([header, sealChunk(payloadKey, 0, false, full.subarray(0, 100))]);
    expect(await errorCode(decrypt(short))).toBe('IntegrityFailed');
  });

  it('says what it found when the input is not an encrypted backup', async () => {
    const err = await decrypt(Buffer.from('PK\u0003\u0004 this is a zip file, not a backup')).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'IntegrityFailed' });
    expect(String((err as Error).message)).toMatch(/not an AzsBackup encrypted file/);
  });
});

describe('header parsing', () => {
  it('reads the header without keys and skips recipient kinds it does not know', async () => {
    const sealed = await sealedP;
    const info = readFileHeader(sealed);
    expect(info).toMatchObject({ version: 1, chunkSize: 65536, context, recipients: [{ kind: 'key', keyId: key.keyId }] });
    expect(info.headerLength).toBe(sealed.length - (2 * 65536 + 1000) - 3 * 16);

    // Re-sign a header with an extra recipient of a future kind: a v1 reader must still open it.
    const fileKey = Buffer.alloc(32, 3);
    const salt = Buffer.alloc(16, 4);
    const wrapped = wrapFileKey(key, fileKey, replayRandom(Buffer.alloc(16, 5)));
    const header = encodeHeader(
      {
        version: 1,
        chunkSize: 65536,
        payloadSalt: salt,
        context,
        recipients: [{ kind: 'future', blob: 'x' } as never, wrapped],
      },
      deriveHeaderKey(fileKey),
    );
    const file = Buffer.concat([header, sealChunk(derivePayloadKey(fileKey, salt), 0, true, Buffer.from('hi'))]);
    expect((await decrypt(file)).toString()).toBe('hi');
    expect(readFileHeader(file).recipients).toEqual([{ kind: 'key', keyId: key.keyId }]);
  });

  it('refuses a header that is incomplete or oversized', async () => {
    const sealed = await sealedP;
    expect(() => readFileHeader(sealed.subarray(0, 30))).toThrow(expect.objectContaining({ code: 'IntegrityFailed' }));
    const huge = Buffer.from(sealed);
    huge.writeUInt32BE(2 * 1024 * 1024, 8);
    expect(await errorCode(decrypt(huge))).toBe('IntegrityFailed');
  });

  it('refuses to list the same recipient twice', () => {
    expect(() => createEncryptStream([key, key], context)).toThrow(/twice/);
  });
});
