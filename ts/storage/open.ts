import { BlobTarget, type BlobTargetOptions } from './blob.js';
import { parseBlobUrl } from './blob-url.js';
import { LocalTarget } from './local.js';
import { SmbClientTarget, type SmbSigningPolicy } from './smbclient.js';
import type { StorageTarget } from './target.js';
import { parseBackupPath } from './unc.js';

export interface OpenStorageTargetOptions {
  path: string;
  userName?: string | null;
  password?: string | null;
  /** SMB signing for UNC paths reached through smbclient; default 'Required'. */
  smbSigning?: SmbSigningPolicy;
  /** Environment to read AZSBACKUP_SMB_PORT from (and to start smbclient with); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Defaults to the running platform; a parameter so both branches can be tested anywhere. */
  platform?: NodeJS.Platform;
}

/**
 * Opens the backup location. On Windows a UNC path is an ordinary path through the SMB
 * redirector, so it is served like a local folder; the redirector authenticates with the
 * service account or a session the PowerShell module established (userName/password are not
 * used here). Elsewhere UNC paths go through smbclient with the given credentials.
 */
export function openStorageTarget(opts: OpenStorageTargetOptions): StorageTarget {
  const platform = opts.platform ?? process.platform;
  const parsed = parseBackupPath(opts.path, platform);
  if (parsed.kind === 'local') return new LocalTarget(parsed.path);
  if (platform === 'win32') return new LocalTarget(opts.path);
  return new SmbClientTarget(parsed, {
    userName: opts.userName ?? null,
    password: opts.password ?? null,
    signing: opts.smbSigning ?? 'Required',
    ...(opts.env === undefined ? {} : { env: opts.env }),
  });
}

export interface OpenBlobTargetOptions extends BlobTargetOptions {
  /** Container URL, without or with a SAS query. */
  url: string;
  accountKey?: string | null;
  /** A SAS query kept apart from the URL (the stored form); wins over one in `url`. */
  sas?: string | null;
}

/** Opens an Azure Blob Storage container as the backup location. */
export function openBlobTarget(opts: OpenBlobTargetOptions): StorageTarget {
  const location = parseBlobUrl(opts.url);
  return new BlobTarget(
    location,
    { accountKey: opts.accountKey ?? null, sas: opts.sas ?? location.sas },
    opts.retry === undefined ? {} : { retry: opts.retry },
  );
}
