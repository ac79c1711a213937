import type { BlobTargetOptions } from './blob.js';
import { parseBlobUrl } from './blob-url.js';
import { LocalTarget } from './local.js';
import { RedirectorTarget } from './redirector.js';
import { SmbClientTarget, type SmbSigningPolicy } from './smbclient.js';
import type { StorageTarget } from './target.js';
import { formatUnc, parseBackupPath } from './unc.js';
import type { WindowsSmbSpawn } from './windows-smb.js';

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
  /** How the Windows SMB connection is started; a parameter so its boundary can be recorded. */
  windowsSpawn?: WindowsSmbSpawn;
}

/**
 * Opens the backup location. On Windows a UNC path is an ordinary path through the SMB
 * redirector, served like a local folder: with a configured user name the session is first
 * connected to the share with those credentials (RedirectorTarget); without one, the redirector
 * uses the account the engine runs as, or a connection the operator made. Elsewhere UNC paths go
 * through smbclient with the given credentials.
 */
export function openStorageTarget(opts: OpenStorageTargetOptions): StorageTarget {
  const platform = opts.platform ?? process.platform;
  const parsed = parseBackupPath(opts.path, platform);
  if (parsed.kind === 'local') return new LocalTarget(parsed.path);
  if (platform === 'win32') {
    // The canonical spelling: '/' separators and the \\?\UNC\ form become \\server\share\....
    const path = formatUnc(parsed);
    if (!opts.userName) return new LocalTarget(path);
    return new RedirectorTarget(parsed, path, {
      userName: opts.userName,
      password: opts.password ?? null,
      ...(opts.windowsSpawn === undefined ? {} : { spawn: opts.windowsSpawn }),
      ...(opts.env === undefined ? {} : { env: opts.env }),
    });
  }
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

/**
 * Opens an Azure Blob Storage container as the backup location. The Azure SDK is loaded here,
 * not at startup: initialising it costs every engine run ~6 MB and its start-up work, and most
 * installations never use a blob location. It is not even in the main bundle (util/side-bundle.ts).
 */
export async function openBlobTarget(opts: OpenBlobTargetOptions): Promise<StorageTarget> {
  const location = parseBlobUrl(opts.url);
  const { BlobTarget, loadAzureStorageBlob } = await import('./blob.js');
  return new BlobTarget(
    await loadAzureStorageBlob(),
    location,
    { accountKey: opts.accountKey ?? null, sas: opts.sas ?? location.sas },
    opts.retry === undefined ? {} : { retry: opts.retry },
  );
}
