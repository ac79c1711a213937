import { isIP } from 'node:net';
import { AzsError } from '../errors.js';

/**
 * An Azure Blob Storage backup location: a container URL, optionally with a folder inside the
 * container, in either of the two URL styles the storage service answers to:
 *   host-style  https://<account>.blob.core.windows.net/<container>[/<folder>]
 *   path-style  http://127.0.0.1:10000/<account>/<container>[/<folder>]   (Azurite, Azure Stack
 *               endpoints reached by IP)
 * A query string is a shared access signature: a secret, kept apart from the URL everywhere.
 */
export interface BlobLocation {
  /** scheme://host[:port] */
  origin: string;
  accountName: string;
  containerName: string;
  /** Folder inside the container, '' or 'a/b' (no leading or trailing '/'). */
  prefix: string;
  /** Container URL without the query: safe to show, log and store in plain text. */
  containerUrl: string;
  /** The location as shown to people: containerUrl plus the folder, never the SAS. */
  display: string;
  /** The SAS query string without '?', or null. */
  sas: string | null;
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

export function isLoopbackHost(hostname: string): boolean {
  const bare = hostname.replace(/^\[|\]$/g, '');
  if (LOOPBACK_NAMES.has(bare.toLowerCase())) return true;
  return isIP(bare) === 4 && bare.startsWith('127.');
}

/** True when the text names a blob location rather than a share or folder. */
export function isBlobUrl(text: string): boolean {
  return /^https?:\/\//i.test(text.trim());
}

function bad(reason: string): AzsError {
  // The given text is never echoed: it may carry a SAS.
  return new AzsError('InvalidParameter', `BlobStorageUrl is not valid: ${reason}.`, {
    target: 'BlobStorageUrl',
    remediation:
      'Pass the container URL, https://<account>.blob.core.windows.net/<container> (or http://127.0.0.1:<port>/<account>/<container> for a local emulator), optionally followed by ?<SAS token>.',
  });
}

const CONTAINER = /^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/;
const ACCOUNT = /^[a-z0-9]{3,24}$/;

export function parseBlobUrl(text: string): BlobLocation {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw bad('it is not an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw bad(`the scheme must be https (it is ${url.protocol.replace(':', '')})`);
  if (url.username !== '' || url.password !== '') throw bad('it must not carry a user name or password; pass the account key with -BlobStorageKey');
  if (url.hash !== '') throw bad('it must not carry a #fragment');
  const hostname = url.hostname;
  // Keys and SAS tokens are bearer secrets: they only travel in clear to this machine itself.
  if (url.protocol === 'http:' && !isLoopbackHost(hostname)) {
    throw bad(`plain http is only allowed to a loopback address (127.0.0.1, ::1, localhost); use https for ${hostname}`);
  }
  const segments = url.pathname.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s));
  const pathStyle = isIP(hostname.replace(/^\[|\]$/g, '')) !== 0 || hostname.toLowerCase() === 'localhost';
  let accountName: string;
  if (pathStyle) {
    const first = segments.shift();
    if (first === undefined) throw bad('a path-style URL names the account first: http://127.0.0.1:<port>/<account>/<container>');
    accountName = first;
  } else {
    accountName = hostname.split('.')[0] ?? '';
  }
  if (!ACCOUNT.test(accountName)) throw bad(`the storage account name '${accountName}' must be 3 to 24 lower-case letters and digits`);
  const containerName = segments.shift();
  if (containerName === undefined) throw bad('it names no container (…/<container>)');
  if (!CONTAINER.test(containerName)) {
    throw bad(`the container name '${containerName}' must be 3 to 63 lower-case letters, digits and single hyphens`);
  }
  if (segments.some((s) => s === '.' || s === '..')) throw bad("the folder inside the container must not contain '.' or '..'");
  const prefix = segments.join('/');
  const origin = `${url.protocol}//${url.host}`;
  const containerUrl = pathStyle ? `${origin}/${accountName}/${containerName}` : `${origin}/${containerName}`;
  const query = url.search.replace(/^\?/, '');
  return {
    origin,
    accountName,
    containerName,
    prefix,
    containerUrl,
    display: prefix === '' ? containerUrl : `${containerUrl}/${prefix}`,
    sas: query === '' ? null : query,
  };
}

/** The URL as it may be shown and stored: the query (a SAS) removed. */
export function blobUrlWithoutSas(text: string): string {
  return parseBlobUrl(text).display;
}
