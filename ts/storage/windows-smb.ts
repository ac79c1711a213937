import { shareError, type ShareErrorCode } from './share-errors.js';
import { formatUnc, type UncLocation } from './unc.js';
import { loadSideBundle, SIDE_BUNDLES } from '../util/side-bundle.js';

/**
 * Connects this Windows logon session to an SMB share with the configured DOMAIN\user and
 * password, so the redirector then serves the UNC path like a local folder (LocalTarget).
 *
 * Node cannot call WNetAddConnection2 without a native addon, so the connection is made by the
 * SMB client's own CIM provider (New-SmbMapping) inside Windows PowerShell. The script is fixed
 * and travels as -EncodedCommand; the share, user and password travel as one JSON line on stdin,
 * so the password is on no command line (the process list shows only the fixed script). The
 * mapping has no drive letter and is not persistent: it lives as long as the logon session, and a
 * later run (or the scheduled task, which runs the same engine) connects the same way.
 *
 * Verified only at its boundary (what is spawned, with which argv and stdin, and how answers map
 * to errors: tests/unit/storage/windows-smb.test.ts) and, under Wine, that a missing answer is a
 * clear error. It has not run against a real Windows SMB client.
 */

export interface WindowsSmbRequest {
  file: string;
  args: string[];
  /** Written to stdin, then stdin is closed. Holds the password: never log it. */
  input: string;
}

export interface WindowsSmbResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** Set when the process could not be started at all (e.g. ENOENT). */
  spawnError: string | null;
}

export type WindowsSmbSpawn = (request: WindowsSmbRequest) => Promise<WindowsSmbResult>;

export const execaWindowsSmbSpawn: WindowsSmbSpawn = async (request) => {
  // Loaded here, not at start: only Windows connections with credentials need it.
  const { execa } = await loadSideBundle(SIDE_BUNDLES.execa, () => import('execa'));
  const result = await execa(request.file, request.args, {
    input: request.input,
    reject: false,
    windowsHide: true,
    // A share that does not answer makes New-SmbMapping wait for the SMB client's own timeouts.
    timeout: 180_000,
    encoding: 'utf8',
  });
  const spawnError = result.exitCode === undefined && result.signal === undefined ? String(result.code ?? 'spawn failed') : null;
  return { exitCode: result.exitCode ?? null, stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? ''), spawnError };
};

// Reads the request from stdin and answers with one JSON line. Errors of the SMB cmdlets carry
// the Win32 code in their FullyQualifiedErrorId ("Windows System Error 1326,New-SmbMapping").
const SCRIPT = `
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$request = [Console]::In.ReadLine() | ConvertFrom-Json
try {
    New-SmbMapping -RemotePath $request.remotePath -UserName $request.userName -Password $request.password -Persistent $false | Out-Null
    $answer = @{ ok = $true }
}
catch {
    $code = 0
    if ([string]$_.FullyQualifiedErrorId -match 'Windows System Error (\\d+)') { $code = [int]$Matches[1] }
    $answer = @{ ok = $false; win32Error = $code; message = [string]$_.Exception.Message }
}
$request = $null
[Console]::Out.WriteLine((ConvertTo-Json -InputObject $answer -Compress))
`;

/** Windows PowerShell by absolute path, so nothing earlier on PATH can stand in for it. */
export function windowsPowerShellPath(env: NodeJS.ProcessEnv = process.env): string {
  const systemRoot = env.SystemRoot ?? env.SYSTEMROOT ?? 'C:\\Windows';
  return `${systemRoot}\\System32\\WindowsPowerShell\\v1.0\\powershell.exe`;
}

/** The share root a mapping names: SMB connects to \\server\share, not to a folder inside. */
export function shareRoot(location: UncLocation): string {
  return formatUnc({ server: location.server, share: location.share, directory: '' });
}

export function smbMappingRequest(location: UncLocation, userName: string, password: string, env: NodeJS.ProcessEnv = process.env): WindowsSmbRequest {
  return {
    file: windowsPowerShellPath(env),
    args: ['-NoLogo', '-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand', Buffer.from(SCRIPT, 'utf16le').toString('base64')],
    input: `${JSON.stringify({ remotePath: shareRoot(location), userName, password })}\n`,
  };
}

const AUTHENTICATION = new Set([5, 86, 1219, 1244, 1311, 1326, 1327, 1328, 1329, 1330, 1331, 1385, 1907, 1909, 2202]);
const CONNECTIVITY = new Set([53, 59, 64, 121, 1222, 1231, 1232, 1236, 2250]);
const PATH = new Set([67]);

/** Maps the Win32 error of a failed connection to the Azure Stack alert class. */
export function classifyWin32Error(code: number): ShareErrorCode {
  if (AUTHENTICATION.has(code)) return 'ShareAuthentication';
  if (CONNECTIVITY.has(code)) return 'ShareConnectivity';
  if (PATH.has(code)) return 'SharePathFault';
  return 'ShareGeneralFault';
}

function parseAnswer(stdout: string): { ok: boolean; win32Error?: number; message?: string } | null {
  for (const line of stdout.split(/\r?\n/).reverse()) {
    const text = line.trim();
    if (!text.startsWith('{')) continue;
    try {
      const value = JSON.parse(text) as unknown;
      if (typeof value === 'object' && value !== null && typeof (value as { ok?: unknown }).ok === 'boolean') {
        return value as { ok: boolean; win32Error?: number; message?: string };
      }
    } catch {
      // Not our answer line.
    }
  }
  return null;
}

export interface ConnectOptions {
  userName: string;
  password: string | null;
  spawn?: WindowsSmbSpawn;
  env?: NodeJS.ProcessEnv;
}

/** Connects the session to the location's share; throws a share error naming what failed. */
export async function connectWindowsShare(location: UncLocation, options: ConnectOptions): Promise<void> {
  const spawn = options.spawn ?? execaWindowsSmbSpawn;
  const request = smbMappingRequest(location, options.userName, options.password ?? '', options.env);
  const root = shareRoot(location);
  const operation = `connecting to ${root} as ${options.userName}`;
  const result = await spawn(request);
  const scrub = (text: string): string => (options.password ? text.split(options.password).join('***') : text).trim();
  if (result.spawnError !== null) {
    throw shareError('ShareGeneralFault', {
      location: root,
      operation: `${operation} (starting ${request.file})`,
      status: result.spawnError,
      remediation: 'UNC backup paths on Windows are connected through Windows PowerShell and the SmbShare module (Windows 8 or Windows Server 2012 and later). Check that powershell.exe exists at that path, or map the share before running the engine and leave UserName empty.',
    });
  }
  const answer = parseAnswer(result.stdout);
  if (answer === null) {
    throw shareError('ShareGeneralFault', {
      location: root,
      operation: `${operation} (New-SmbMapping gave no answer; exit code ${String(result.exitCode)})`,
      ...(result.stderr.trim() === '' ? {} : { detail: scrub(result.stderr).slice(0, 2000) }),
      remediation: 'Check that Windows PowerShell can run New-SmbMapping on this host (the SmbShare module), or map the share before running the engine and leave UserName empty.',
    });
  }
  if (answer.ok) return;
  const code = typeof answer.win32Error === 'number' ? answer.win32Error : 0;
  const kind = classifyWin32Error(code);
  throw shareError(kind, {
    location: root,
    operation,
    ...(code === 0 ? {} : { status: `Windows error ${code}` }),
    detail: scrub(String(answer.message ?? '')),
    ...(code === 1219
      ? {
          remediation: `This Windows session is already connected to ${location.server} under another user name, and Windows allows one per server. Disconnect it (Remove-SmbMapping -RemotePath ${root}) or configure the user name it uses, then retry.`,
        }
      : {}),
  });
}
