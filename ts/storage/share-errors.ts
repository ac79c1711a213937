import { AzsError } from '../errors.js';

/**
 * The backup-share failures, named after Azure Stack's infrastructure backup alert classes so an
 * operator meets the same vocabulary (and the same next step) as on a real stamp.
 */
export type ShareErrorCode =
  | 'ShareOutOfCapacity'
  | 'ShareConnectivity'
  | 'SharePathFault'
  | 'ShareAuthentication'
  | 'ShareGeneralFault';

const SUMMARY: Record<ShareErrorCode, string> = {
  ShareOutOfCapacity: 'The backup location is out of space',
  ShareConnectivity: 'The backup location could not be reached',
  SharePathFault: 'The backup location path was not found',
  ShareAuthentication: 'The backup location refused the credentials or the access',
  ShareGeneralFault: 'The backup location reported a failure',
};

export const SHARE_REMEDIATION: Record<ShareErrorCode, string> = {
  ShareOutOfCapacity:
    'Free space on the backup share (or lower the retention period), or move the backup location to a share with more capacity, then run the backup again.',
  ShareConnectivity:
    'Check that the file server is running and reachable from this host on the SMB port (445, or AZSBACKUP_SMB_PORT) and that no firewall blocks it, then retry.',
  SharePathFault:
    'Check that the share and the folder in the backup path exist on the file server, or correct the backup path.',
  ShareAuthentication:
    'Check the user name and password of the backup location, that the account is neither locked nor expired, and that it has read and write access to the share and folder.',
  ShareGeneralFault:
    "Check the file server's health and event log, then retry; if the failure persists, repair the share or choose another backup location.",
};

const AUTH_STATUSES = new Set([
  'NT_STATUS_LOGON_FAILURE',
  'NT_STATUS_ACCESS_DENIED',
  'NT_STATUS_WRONG_PASSWORD',
  'NT_STATUS_NO_SUCH_USER',
  'NT_STATUS_PASSWORD_EXPIRED',
  'NT_STATUS_PASSWORD_MUST_CHANGE',
  'NT_STATUS_INVALID_LOGON_HOURS',
  'NT_STATUS_INVALID_WORKSTATION',
  'NT_STATUS_LOGON_TYPE_NOT_GRANTED',
  'NT_STATUS_NETWORK_ACCESS_DENIED',
  'NT_STATUS_TRUSTED_RELATIONSHIP_FAILURE',
  'NT_STATUS_NO_LOGON_SERVERS',
  'NT_STATUS_PRIVILEGE_NOT_HELD',
]);

const CONNECTIVITY_STATUSES = new Set([
  'NT_STATUS_IO_TIMEOUT',
  'NT_STATUS_HOST_UNREACHABLE',
  'NT_STATUS_NETWORK_UNREACHABLE',
  'NT_STATUS_PORT_UNREACHABLE',
  'NT_STATUS_BAD_NETWORK_PATH',
  'NT_STATUS_NETWORK_NAME_DELETED',
  'NT_STATUS_INVALID_NETWORK_RESPONSE',
  'NT_STATUS_NOT_CONNECTED',
  'NT_STATUS_UNEXPECTED_NETWORK_ERROR',
  'NT_STATUS_PIPE_BROKEN',
]);

const PATH_STATUSES = new Set([
  'NT_STATUS_BAD_NETWORK_NAME',
  'NT_STATUS_OBJECT_PATH_NOT_FOUND',
  'NT_STATUS_OBJECT_NAME_NOT_FOUND',
  'NT_STATUS_OBJECT_PATH_INVALID',
  'NT_STATUS_OBJECT_PATH_SYNTAX_BAD',
  'NT_STATUS_OBJECT_NAME_INVALID',
  'NT_STATUS_NO_SUCH_FILE',
  'NT_STATUS_NOT_A_DIRECTORY',
  'NT_STATUS_DELETE_PENDING',
]);

const CAPACITY_STATUSES = new Set(['NT_STATUS_DISK_FULL', 'NT_STATUS_QUOTA_EXCEEDED', 'NT_STATUS_DISK_QUOTA_EXCEEDED']);

/** Maps an NT status name (as smbclient prints it) to the alert class. */
export function classifyNtStatus(status: string): ShareErrorCode {
  if (CAPACITY_STATUSES.has(status)) return 'ShareOutOfCapacity';
  if (AUTH_STATUSES.has(status) || status.startsWith('NT_STATUS_ACCOUNT_')) return 'ShareAuthentication';
  if (CONNECTIVITY_STATUSES.has(status) || status.startsWith('NT_STATUS_CONNECTION_')) return 'ShareConnectivity';
  if (PATH_STATUSES.has(status)) return 'SharePathFault';
  return 'ShareGeneralFault';
}

/**
 * Maps a Node errno code from a local or mounted folder. There are no credentials on this
 * path, so EACCES/EPERM are not ShareAuthentication: the fix is a permission on the folder (or a
 * read-only mount), which the general fault carries as its own remediation. Errors that only a
 * mounted network file system produces (stale handle, dead server) are connectivity.
 */
export function classifyErrno(code: string | undefined): { code: ShareErrorCode; remediation?: string } {
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return { code: 'ShareOutOfCapacity' };
    case 'ENOENT':
    case 'ENOTDIR':
      return { code: 'SharePathFault' };
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return {
        code: 'ShareGeneralFault',
        remediation:
          'Grant the account that runs the backup engine read and write permission on the backup folder, and check that its file system is not mounted read-only.',
      };
    case 'ESTALE':
    case 'ENOTCONN':
    case 'EHOSTDOWN':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ETIMEDOUT':
    case 'ECONNREFUSED':
    case 'ECONNRESET':
      return {
        code: 'ShareConnectivity',
        remediation:
          'The backup folder is on a mounted network file system that stopped answering: check the file server and remount it, then retry.',
      };
    default:
      return { code: 'ShareGeneralFault' };
  }
}

export interface ShareErrorDetails {
  /** The location as the admin knows it (UNC path or folder); becomes the error's target. */
  location: string;
  /** What was being done, e.g. "uploading 'x/y.bin'". */
  operation: string;
  /** NT_STATUS name or errno code, shown verbatim so it can be searched for. */
  status?: string;
  /** Extra diagnostic text (tool output); must already be free of secrets. */
  detail?: string;
  remediation?: string;
  cause?: unknown;
}

export function shareError(code: ShareErrorCode, details: ShareErrorDetails): AzsError {
  const parts = [`${SUMMARY[code]} (${details.location}) while ${details.operation}`];
  if (details.status !== undefined) parts.push(details.status);
  if (details.detail !== undefined && details.detail !== '' && details.detail !== details.status) {
    parts.push(details.detail);
  }
  return new AzsError(code, `${parts.join(': ')}.`, {
    target: details.location,
    remediation: details.remediation ?? SHARE_REMEDIATION[code],
    ...(details.cause === undefined ? {} : { cause: details.cause }),
  });
}
