import { AzsError } from '../errors.js';
import { shareError, type ShareErrorCode } from './share-errors.js';

/**
 * Storage-service failures in the share vocabulary (storage/share-errors.ts), so a blob location
 * raises the same alert classes as a file share. Messages are built from the status and the
 * service's error code only: the SDK's own messages and its request objects carry the URL, and a
 * URL may carry the SAS.
 */

const AUTH_CODES = new Set([
  'AuthenticationFailed',
  'AuthorizationFailure',
  'AuthorizationPermissionMismatch',
  'AuthorizationResourceTypeMismatch',
  'AuthorizationServiceMismatch',
  'AuthorizationProtocolMismatch',
  'AuthorizationSourceIPMismatch',
  'InsufficientAccountPermissions',
  'AccountIsDisabled',
  'InvalidAuthenticationInfo',
  'NoAuthenticationInformation',
]);

const CONNECTIVITY_CODES = new Set([
  'REQUEST_SEND_ERROR',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'UND_ERR_SOCKET',
  'ServerBusy',
  'OperationTimedOut',
  'InternalError',
]);

const PATH_CODES = new Set(['ContainerNotFound', 'BlobNotFound', 'ResourceNotFound', 'ContainerBeingDeleted', 'ContainerDisabled']);

const REMEDIATION: Partial<Record<ShareErrorCode, string>> = {
  ShareAuthentication:
    'Check the storage account key (-BlobStorageKey), or that the SAS in -BlobStorageUrl has not expired and grants read, write, delete, list, add and create permissions on the container; then set them again with Update-AzsBackupConfiguration.',
  ShareConnectivity:
    'Check that the storage endpoint in -BlobStorageUrl is reachable from this host (DNS, firewall, proxy) and that the storage service is running, then retry.',
  SharePathFault: 'Check the storage account and container in -BlobStorageUrl.',
  ShareOutOfCapacity: 'The storage account is over its capacity or quota: free space in it (or lower the retention period), then run the backup again.',
};

interface ErrorShape {
  statusCode?: number;
  code?: string;
  name?: string;
  cause?: unknown;
}

function shapeOf(err: unknown): ErrorShape {
  return typeof err === 'object' && err !== null ? (err as ErrorShape) : {};
}

/** The service or socket error code, looking through the SDK's wrapping. */
export function blobErrorCode(err: unknown): string | undefined {
  const shape = shapeOf(err);
  if (typeof shape.code === 'string') return shape.code;
  return typeof shapeOf(shape.cause).code === 'string' ? shapeOf(shape.cause).code : undefined;
}

export function classifyBlobError(err: unknown): ShareErrorCode {
  const { statusCode } = shapeOf(err);
  const code = blobErrorCode(err);
  if (code !== undefined && AUTH_CODES.has(code)) return 'ShareAuthentication';
  if (statusCode === 401 || statusCode === 403) return 'ShareAuthentication';
  if (code !== undefined && PATH_CODES.has(code)) return 'SharePathFault';
  if (statusCode === 404) return 'SharePathFault';
  if (code === 'AccountStorageQuotaExceeded' || code === 'BlockCountExceedsLimit' || statusCode === 507) return 'ShareOutOfCapacity';
  if (code !== undefined && CONNECTIVITY_CODES.has(code)) return 'ShareConnectivity';
  if (statusCode === undefined || statusCode === 408 || statusCode === 500 || statusCode === 503) return 'ShareConnectivity';
  return 'ShareGeneralFault';
}

/**
 * A typed error for a failed storage call. The SDK error is not kept as the cause: it holds the
 * request, whose URL carries the SAS. A stand-in with the status and code takes its place.
 */
export function blobError(err: unknown, location: string, operation: string): AzsError {
  if (err instanceof AzsError) return err;
  const code = classifyBlobError(err);
  const { statusCode } = shapeOf(err);
  const serviceCode = blobErrorCode(err);
  const status = [statusCode === undefined ? null : `HTTP ${statusCode}`, serviceCode ?? null].filter((s) => s !== null).join(' ');
  const remediation = REMEDIATION[code];
  return shareError(code, {
    location,
    operation,
    ...(status === '' ? {} : { status }),
    ...(remediation === undefined ? {} : { remediation }),
    cause: new Error(`storage service: ${status === '' ? 'no response' : status}`),
  });
}
