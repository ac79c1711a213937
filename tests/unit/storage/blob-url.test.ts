import { describe, expect, it } from 'vitest';
import { AzsError } from '../../../ts/errors.js';
import { isLoopbackHost, parseBlobUrl } from '../../../ts/storage/blob-url.js';

function refusal(text: string): AzsError {
  try {
    parseBlobUrl(text);
  } catch (err) {
    expect(err).toBeInstanceOf(AzsError);
    return err as AzsError;
  }
  throw new Error(`${text} was accepted`);
}

describe('blob location URLs', () => {
  it('reads a host-style container URL, with and without a folder', () => {
    expect(parseBlobUrl('https://contosobackup.blob.core.windows.net/azsbackup')).toMatchObject({
      accountName: 'contosobackup',
      containerName: 'azsbackup',
      prefix: '',
      containerUrl: 'https://contosobackup.blob.core.windows.net/azsbackup',
      sas: null,
    });
    const nested = parseBlobUrl('https://contosobackup.blob.local.azurestack.external/azsbackup/nyc/stamp1/');
    expect(nested).toMatchObject({ accountName: 'contosobackup', prefix: 'nyc/stamp1', display: 'https://contosobackup.blob.local.azurestack.external/azsbackup/nyc/stamp1' });
  });

  it('reads a path-style URL (Azurite, endpoints by IP): the account is the first segment', () => {
    expect(parseBlobUrl('http://127.0.0.1:10000/devstoreaccount1/backups')).toMatchObject({
      accountName: 'devstoreaccount1',
      containerName: 'backups',
      containerUrl: 'http://127.0.0.1:10000/devstoreaccount1/backups',
    });
    expect(parseBlobUrl('https://10.0.0.5/acct01/backups/f').prefix).toBe('f');
  });

  it('splits a SAS off the URL and never shows it', () => {
    const parsed = parseBlobUrl('https://acct01.blob.core.windows.net/backups?sv=2021-08-06&sp=racwdl&sig=SECRETSIG%3D');
    expect(parsed.sas).toBe('sv=2021-08-06&sp=racwdl&sig=SECRETSIG%3D');
    expect(parsed.display).toBe('https://acct01.blob.core.windows.net/backups');
    const err = refusal('https://acct01.blob.core.windows.net/Bad_Container?sig=SECRETSIG');
    expect(JSON.stringify(err.toJSON())).not.toContain('SECRETSIG');
  });

  it('requires https except to a loopback address', () => {
    expect(refusal('http://acct01.blob.core.windows.net/backups').message).toMatch(/loopback/);
    expect(refusal('http://10.0.0.5/acct01/backups').target).toBe('BlobStorageUrl');
    expect(parseBlobUrl('http://localhost:10000/acct01/backups').accountName).toBe('acct01');
    expect(parseBlobUrl('http://[::1]:10000/acct01/backups').containerName).toBe('backups');
    expect(isLoopbackHost('127.5.6.7')).toBe(true);
    expect(isLoopbackHost('128.0.0.1')).toBe(false);
  });

  it('refuses what is not a container URL, saying what is expected', () => {
    for (const text of ['', 'backups', '\\\\server\\share', 'ftp://acct01/backups', 'https://acct01.blob.core.windows.net/', 'https://user:pw@acct01.blob.core.windows.net/backups', 'https://acct01.blob.core.windows.net/x']) {
      const err = refusal(text);
      expect(err.code).toBe('InvalidParameter');
      expect(err.remediation).toMatch(/container URL/);
    }
  });
});
