/**
 * The one error vocabulary of the engine. Every failure a user can meet is an AzsError with a
 * stable code; the CLI prints it as JSON and the PowerShell module turns it into an ErrorRecord.
 * The category names are PowerShell's ErrorCategory values so the module can map them 1:1.
 */

export type ErrorCategory =
  | 'InvalidArgument'
  | 'InvalidData'
  | 'InvalidOperation'
  | 'ObjectNotFound'
  | 'ResourceUnavailable'
  | 'ResourceBusy'
  | 'ConnectionError'
  | 'AuthenticationError'
  | 'PermissionDenied'
  | 'SecurityError'
  | 'WriteError'
  | 'NotSpecified';

interface CodeInfo {
  category: ErrorCategory;
  exitCode: number;
}

/** Stable codes. Never renumber an exit code; scripts depend on them (docs/CLI.md). */
export const ERROR_CODES = {
  InvalidParameter: { category: 'InvalidArgument', exitCode: 2 },
  NotConfigured: { category: 'InvalidOperation', exitCode: 3 },
  ConfigurationCorrupt: { category: 'InvalidData', exitCode: 3 },
  CertificateInvalid: { category: 'InvalidData', exitCode: 3 },
  CertificateHasPrivateKey: { category: 'SecurityError', exitCode: 3 },
  EncryptionNotConfigured: { category: 'InvalidOperation', exitCode: 3 },
  EncryptionKeyModeClosed: { category: 'InvalidOperation', exitCode: 3 },
  StateDirectoryUnprotected: { category: 'PermissionDenied', exitCode: 3 },
  SourceRejected: { category: 'InvalidArgument', exitCode: 4 },
  StagingSpaceLow: { category: 'ResourceUnavailable', exitCode: 4 },
  RestoreSpaceLow: { category: 'ResourceUnavailable', exitCode: 4 },
  ShareOutOfCapacity: { category: 'ResourceUnavailable', exitCode: 5 },
  ShareConnectivity: { category: 'ConnectionError', exitCode: 5 },
  SharePathFault: { category: 'ObjectNotFound', exitCode: 5 },
  ShareAuthentication: { category: 'AuthenticationError', exitCode: 5 },
  ShareGeneralFault: { category: 'WriteError', exitCode: 5 },
  BackupNotFound: { category: 'ObjectNotFound', exitCode: 6 },
  RoleNotFound: { category: 'ObjectNotFound', exitCode: 6 },
  DecryptionCertMismatch: { category: 'SecurityError', exitCode: 7 },
  DecryptionPasswordWrong: { category: 'AuthenticationError', exitCode: 7 },
  IntegrityFailed: { category: 'InvalidData', exitCode: 7 },
  BackupInProgress: { category: 'ResourceBusy', exitCode: 8 },
  ClockSkew: { category: 'InvalidOperation', exitCode: 9 },
  NameNotRestorable: { category: 'InvalidOperation', exitCode: 10 },
  Internal: { category: 'NotSpecified', exitCode: 1 },
} as const satisfies Record<string, CodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface AzsErrorOptions {
  /** The parameter, path, backup id or role the error is about. */
  target?: string;
  /** What the admin should do next, one or two sentences. */
  remediation?: string;
  cause?: unknown;
}

export class AzsError extends Error {
  readonly code: ErrorCode;
  readonly target: string | undefined;
  readonly remediation: string | undefined;

  constructor(code: ErrorCode, message: string, options: AzsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AzsError';
    this.code = code;
    this.target = options.target;
    this.remediation = options.remediation;
  }

  get category(): ErrorCategory {
    return ERROR_CODES[this.code].category;
  }

  get exitCode(): number {
    return ERROR_CODES[this.code].exitCode;
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      category: this.category,
      message: this.message,
      target: this.target ?? null,
      remediation: this.remediation ?? null,
    };
  }
}

/** Wraps anything thrown into an AzsError, keeping the original as `cause`. */
export function toAzsError(err: unknown): AzsError {
  if (err instanceof AzsError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new AzsError('Internal', `Unexpected engine failure: ${message}`, {
    cause: err,
    remediation: 'Check the engine log in the state directory and report the problem with it.',
  });
}

/** ENOSPC or EDQUOT: a local disk or the user's quota filled up. */
export function isOutOfSpace(err: unknown): boolean {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

export function invalidParameter(parameter: string, value: unknown, allowed: string): AzsError {
  const shown = typeof value === 'string' ? `'${value}'` : String(value);
  return new AzsError('InvalidParameter', `${parameter} ${shown} is not valid: ${allowed}.`, {
    target: parameter,
    remediation: `Pass ${parameter} with ${allowed}.`,
  });
}
