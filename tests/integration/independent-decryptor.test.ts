/**
 * Proof that docs/FORMAT.md is complete: files written by the TypeScript engine are decrypted by
 * tests/decryptor, a .NET program written from the document with only the .NET SDK's own crypto.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createEncryptStream,
  legacyKeyRecipient,
  newLegacyKey,
  readFileHeader,
  type FileContext,
  type Recipient,
} from '../../ts/crypto/index.js';
import { parseEncryptionCertificate } from '../../ts/crypto/certificate.js';
import { makeTestCertificate, type TestCertificate } from '../support/certs.js';
import { pseudoRandomBytes, run } from '../unit/crypto/helpers.js';

const ROOT = join(import.meta.dirname, '../..');
const PROJECT = join(ROOT, 'tests/decryptor/AzsDecrypt.csproj');
const DLL = join(ROOT, 'tests/decryptor/bin/Release/net10.0/AzsDecrypt.dll');
const VECTORS = join(ROOT, 'tests/vectors');
const DOTNET_ENV = { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1', DOTNET_SKIP_FIRST_TIME_EXPERIENCE: '1' };

let dir: string;
let cert: TestCertificate;
let recipient: Recipient;

interface Result {
  status: number | null;
  stderr: string;
}

/** Secrets go in the child's environment, as the decryptor's documentation asks of admins. */
function decrypt(input: string, output: string, secret: { pfx: string; password: string } | { key: string }): Result {
  const args = 'pfx' in secret ? [DLL, '--pfx', secret.pfx, input, output] : [DLL, '--key', input, output];
  const env = { ...DOTNET_ENV, ...('pfx' in secret ? { AZSDECRYPT_PFX_PASSWORD: secret.password } : { AZSDECRYPT_KEY: secret.key }) };
  const r = spawnSync('dotnet', args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return { status: r.status, stderr: r.stderr };
}

const context = (index: number): FileContext => ({ contentType: 'volume', backupId: 'c0ffee00-0000-4000-8000-000000000000', role: 'ECE', index });

beforeAll(() => {
  // Build once; output stays in tests/decryptor/bin and obj (git-ignored).
  execFileSync('dotnet', ['build', PROJECT, '-c', 'Release', '--nologo', '-v', 'quiet'], { env: DOTNET_ENV, stdio: 'pipe' });
  expect(existsSync(DLL)).toBe(true);
  dir = mkdtempSync(join(tmpdir(), 'azs-dotnet-'));
  cert = makeTestCertificate(dir, { name: 'Independent Decryptor' });
  const parsed = parseEncryptionCertificate(readFileSync(cert.cerPath));
  recipient = { kind: 'certificate', thumbprint: parsed.thumbprint, publicKey: parsed.publicKey };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('independent .NET decryptor', () => {
  const sizes = [0, 1, 65536, 65537, 300_000];
  for (const [i, size] of sizes.entries()) {
    it(`decrypts ${size} bytes written by the engine`, async () => {
      const plain = pseudoRandomBytes(`dotnet-${size}`, size);
      const input = join(dir, `ECE.${i}.azsb`);
      const output = join(dir, `ECE.${i}.out`);
      writeFileSync(input, await run(createEncryptStream([recipient], context(i)), plain));
      const r = decrypt(input, output, { pfx: cert.pfxPath, password: cert.pfxPassword });
      expect(r.stderr).toContain('"role":"ECE"');
      expect(r.status).toBe(0);
      expect(readFileSync(output).equals(plain)).toBe(true);
    });
  }

  it('decrypts legacy-key files and files with several recipients', async () => {
    const keyString = newLegacyKey();
    const plain = pseudoRandomBytes('dotnet-multi', 140_000);
    const input = join(dir, 'multi.azsb');
    writeFileSync(input, await run(createEncryptStream([legacyKeyRecipient(newLegacyKey()), recipient, legacyKeyRecipient(keyString)], context(9)), plain));
    const viaKey = decrypt(input, join(dir, 'multi.key.out'), { key: keyString });
    expect(viaKey.status, viaKey.stderr).toBe(0);
    expect(readFileSync(join(dir, 'multi.key.out')).equals(plain)).toBe(true);
    const viaCert = decrypt(input, join(dir, 'multi.cert.out'), { pfx: cert.pfxPath, password: cert.pfxPassword });
    expect(viaCert.status, viaCert.stderr).toBe(0);
    expect(readFileSync(join(dir, 'multi.cert.out')).equals(plain)).toBe(true);
  });

  it('decrypts the committed test vectors', () => {
    const set = JSON.parse(readFileSync(join(VECTORS, 'v1-vectors.json'), 'utf8'));
    for (const v of set.vectors) {
      const out = join(dir, `${v.name}.out`);
      const r = v.recipients.includes('certificate')
        ? decrypt(join(VECTORS, v.file), out, { pfx: join(VECTORS, set.certificate.pfx), password: set.certificate.pfxPassword })
        : decrypt(join(VECTORS, v.file), out, { key: set.legacyKey });
      expect(r.status, `${v.name}: ${r.stderr}`).toBe(0);
      const plain = readFileSync(out);
      expect(plain.length).toBe(v.plaintextLength);
      expect(plain.every((b, i) => b === i % 251)).toBe(true);
    }
  });

  it('rejects tampering, truncation and appended bytes, leaving no output behind', async () => {
    const plain = pseudoRandomBytes('dotnet-tamper', 150_000);
    const sealed = await run(createEncryptStream([recipient], context(1)), plain);
    const headerLength = readFileHeader(sealed).headerLength;
    const flipped = (at: number) => {
      const copy = Buffer.from(sealed);
      copy[at]! ^= 0x80;
      return copy;
    };
    const cases: Array<[string, Buffer]> = [
      ['payload byte', flipped(headerLength + 70_000)],
      ['last tag byte', flipped(sealed.length - 1)],
      ['header byte', flipped(40)],
      ['header MAC', flipped(headerLength - 1)],
      ['truncated at a chunk boundary', sealed.subarray(0, headerLength + 2 * (65536 + 16))],
      ['truncated mid-chunk', sealed.subarray(0, sealed.length - 100)],
      ['appended byte', Buffer.concat([sealed, Buffer.from([0])])],
    ];
    for (const [name, data] of cases) {
      const input = join(dir, 'tampered.azsb');
      const output = join(dir, 'tampered.out');
      writeFileSync(input, data);
      const r = decrypt(input, output, { pfx: cert.pfxPath, password: cert.pfxPassword });
      expect(r.status, `${name}: ${r.stderr}`).toBe(1);
      expect(r.stderr).toMatch(/integrity check failed/);
      expect(existsSync(output), name).toBe(false);
      expect(existsSync(`${output}.partial`), name).toBe(false);
    }
  });

  it('refuses the wrong certificate and a wrong password', async () => {
    const other = makeTestCertificate(dir);
    const input = join(dir, 'mismatch.azsb');
    writeFileSync(input, await run(createEncryptStream([recipient], context(2)), Buffer.from('data')));
    const wrongCert = decrypt(input, join(dir, 'mismatch.out'), { pfx: other.pfxPath, password: other.pfxPassword });
    expect(wrongCert.status).toBe(3);
    expect(wrongCert.stderr).toContain(cert.thumbprint);
    const wrongPassword = decrypt(input, join(dir, 'mismatch.out'), { pfx: cert.pfxPath, password: 'wrong' });
    expect(wrongPassword.status).toBe(3);
  });
});
