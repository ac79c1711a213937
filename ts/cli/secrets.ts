import { AzsError } from '../errors.js';

/** The secrets a command may receive; they only ever arrive on stdin (docs/CLI.md). */
export interface Secrets {
  password?: string;
  encryptionKey?: string;
  pfxPassword?: string;
  /** Storage account key of a blob location. */
  blobStorageKey?: string;
  /** A blob container URL: it may carry a SAS, so it travels as a secret. */
  blobStorageUrl?: string;
}

const KNOWN = new Set(['password', 'encryptionKey', 'pfxPassword', 'blobStorageKey', 'blobStorageUrl']);

export async function readSecretsFromStdin(stream: NodeJS.ReadableStream = process.stdin): Promise<Secrets> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Never echo the text: it is a secret.
    throw new AzsError('InvalidParameter', 'The secrets on standard input are not a JSON object.', {
      target: 'stdin',
      remediation: 'Write one JSON object such as {"password":"..."} to standard input.',
    });
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new AzsError('InvalidParameter', 'The secrets on standard input must be one JSON object.', { target: 'stdin' });
  }
  const out: Secrets = {};
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (!KNOWN.has(key)) throw new AzsError('InvalidParameter', `Unknown secret '${key}' on standard input.`, { target: 'stdin' });
    if (typeof value !== 'string') throw new AzsError('InvalidParameter', `Secret '${key}' must be a string.`, { target: key });
    (out as Record<string, string>)[key] = value;
  }
  return out;
}
