/** Byte counts of a long copy, so a caller can show size, rate and time left. */
export interface ProgressDetail {
  bytesDone: number;
  bytesTotal: number;
  bytesPerSecond: number | null;
  secondsRemaining: number | null;
  role?: string;
  roleBytesDone?: number;
  roleBytesTotal?: number;
}

/**
 * Where long-running work reports to; the library never writes to stdout itself. The CLI's
 * JSON-lines output is one implementation (cli/output.ts).
 */
export interface Reporter {
  progress(activity: string, status: string, percent?: number, detail?: ProgressDetail): void;
  warning(message: string): void;
}

export const silentReporter: Reporter = { progress: () => {}, warning: () => {} };
