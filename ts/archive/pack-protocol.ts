/**
 * The messages between the backup's main thread and the thread that walks, reads, hashes and
 * packs a role (pack-thread.ts and pack-worker.ts).
 *
 * Archive bytes go through a ring in a SharedArrayBuffer: the worker copies them in, the main
 * thread copies them out into Buffers of its own. Handing ArrayBuffers over instead was measured
 * at 20 MB more peak RSS: memory that arrives from another thread is freed only by a full
 * collection of the receiving one, which comes late. Positions are byte counts since the start
 * of the archive; a message carries the position it was sent at, so no shared counters are needed.
 *
 * Only plain data crosses: structured clone keeps an Error's message but drops its code, so
 * errors travel as records and are rebuilt.
 */
import { AzsError, ERROR_CODES, type ErrorCode } from '../errors.js';
import type { PackedFile, PackSummary } from './tar-writer.js';

export interface PackWorkerData {
  root: string;
  maxAttempts?: number;
  readSize?: number;
  ring: SharedArrayBuffer;
}

export type ToWorker =
  /** The main thread has copied out everything before `upTo`: that part of the ring is free. */
  | { t: 'consumed'; upTo: number }
  | { t: 'stop' };

export type FromWorker =
  /**
   * The ring holds the archive up to `end`; the files settled since the last message, in order;
   * `read` bytes of file data read so far (PackOptions.onData, summed).
   */
  | { t: 'data'; end: number; files: string; read: number }
  | { t: 'done'; end: number; summary: PackSummary; files: string; read: number }
  | { t: 'error'; error: ErrorRecord }
  /** The worker closed everything it had open after a stop. */
  | { t: 'stopped' };

/**
 * Settled files as one string, four NUL-terminated fields each (a path never holds a NUL):
 * cloning a string costs a fraction of cloning an object per file, and 100 000 of them were
 * 5 % of the packing thread.
 */
export function encodeFiles(files: PackedFile[]): string {
  let text = '';
  for (const f of files) text += `${f.path}\0${f.size}\0${f.mtime}\0${f.sha256}\0`;
  return text;
}

export function decodeFiles(text: string): PackedFile[] {
  const fields = text.split('\0');
  const files: PackedFile[] = [];
  for (let i = 0; i + 4 < fields.length; i += 4) files.push({ path: fields[i]!, size: Number(fields[i + 1]), mtime: fields[i + 2]!, sha256: fields[i + 3]! });
  return files;
}

export interface ErrorRecord {
  azs: boolean;
  code?: string;
  message: string;
  target?: string;
  remediation?: string;
  /** errno-style fields of a Node error, so the main thread sees what the worker saw. */
  errno?: number;
  syscall?: string;
  path?: string;
}

export function toErrorRecord(err: unknown): ErrorRecord {
  if (err instanceof AzsError) {
    return { azs: true, code: err.code, message: err.message, ...(err.target !== undefined ? { target: err.target } : {}), ...(err.remediation !== undefined ? { remediation: err.remediation } : {}) };
  }
  const e = (typeof err === 'object' && err !== null ? err : {}) as Record<string, unknown>;
  const record: ErrorRecord = { azs: false, message: err instanceof Error ? err.message : String(err) };
  if (typeof e.code === 'string') record.code = e.code;
  if (typeof e.errno === 'number') record.errno = e.errno;
  if (typeof e.syscall === 'string') record.syscall = e.syscall;
  if (typeof e.path === 'string') record.path = e.path;
  return record;
}

export function fromErrorRecord(record: ErrorRecord): Error {
  if (record.azs && record.code !== undefined && record.code in ERROR_CODES) {
    return new AzsError(record.code as ErrorCode, record.message, {
      ...(record.target !== undefined ? { target: record.target } : {}),
      ...(record.remediation !== undefined ? { remediation: record.remediation } : {}),
    });
  }
  const err = new Error(record.message) as Error & Record<string, unknown>;
  for (const key of ['code', 'errno', 'syscall', 'path'] as const) if (record[key] !== undefined) err[key] = record[key];
  return err;
}
