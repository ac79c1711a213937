import { AzsError, invalidParameter } from '../errors.js';

/** Option values arrive as text; turn them into numbers with the parameter's name in the error. */
export function parseInteger(parameter: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n)) throw invalidParameter(parameter, value, 'a whole number');
  return n;
}

export function parseBoolean(parameter: string, value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if (v === 'true' || v === '1' || v === '$true') return true;
  if (v === 'false' || v === '0' || v === '$false') return false;
  throw invalidParameter(parameter, value, 'true or false');
}

/**
 * The blob URL from argv or from stdin. A URL with a query carries a SAS, a secret, so argv
 * refuses it (process arguments are visible to every user of the machine) without echoing it.
 */
export function blobUrlArgument(fromArgv: string | undefined, fromStdin: string | undefined): string | undefined {
  if (fromArgv !== undefined && fromStdin !== undefined) {
    throw new AzsError('InvalidParameter', 'The blob URL was given twice, as --blob-storage-url and on standard input.', {
      target: 'BlobStorageUrl',
      remediation: 'Pass it once; a URL carrying a SAS only on standard input as blobStorageUrl.',
    });
  }
  if (fromArgv !== undefined && fromArgv.includes('?')) {
    throw new AzsError('InvalidParameter', 'A blob URL carrying a SAS (a query string) must not be passed as a command-line argument.', {
      target: 'BlobStorageUrl',
      remediation: 'Pass it on standard input as {"blobStorageUrl":"https://...?sv=..."} with --secrets-stdin, and revoke the SAS if it was exposed.',
    });
  }
  return fromArgv ?? fromStdin;
}
