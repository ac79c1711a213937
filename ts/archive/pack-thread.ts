/**
 * packDirectory on a thread of its own. Walking, reading, hashing and tar encoding take most of
 * a backup's main thread (for 100 000 small files, one syscall after another); on their own
 * thread they run beside compression, encryption and the volume writes instead of before them.
 * Same stream, same summary, same onPacked calls as packDirectory.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { AzsError } from '../errors.js';
import { deferred } from '../util/deferred.js';
import { BufferPool } from '../util/lent-buffers.js';
import { decodeFiles, fromErrorRecord, type FromWorker, type PackWorkerData, type ToWorker } from './pack-protocol.js';
import { packDirectory, type PackOptions, type PackResult, type PackSummary } from './tar-writer.js';

/** Where the worker's bundled code is: an asset inside the engine binary, or a file. */
export type PackWorkerSource = { code: string } | { file: string };

export const PACK_WORKER_ASSET = 'pack-worker.cjs';

/**
 * The ring between the threads: 1 MiB, four of the packer's 256 KiB batches. It bounds what is
 * packed ahead of the consumer, whatever the data.
 */
const RING_SIZE = 1024 * 1024;

/**
 * What this thread copies out of the ring at a time, in buffers lent from a pool: a batch. A few
 * are in flight between here and the compressor (the stream's buffer, the byte counter, the
 * compressor's current write).
 */
const PIECE_SIZE = 256 * 1024;
const PIECES_KEPT = 4;

let located: PackWorkerSource | null | undefined;

/**
 * The engine binary carries the worker as a SEA asset; the bundle run by plain node finds it
 * beside itself. The TypeScript sources (unit tests) have neither and pack on the main thread.
 */
export async function packWorkerSource(): Promise<PackWorkerSource | null> {
  if (located !== undefined) return located;
  const sea = await import('node:sea').catch(() => null);
  if (sea?.isSea()) {
    located = { code: sea.getAsset(PACK_WORKER_ASSET, 'utf8') };
  } else {
    // Only the bundle is a .cjs file; under the test runner __filename is this .ts file.
    const beside = typeof __filename === 'string' && __filename.endsWith('.cjs') ? join(dirname(__filename), PACK_WORKER_ASSET) : null;
    located = beside !== null && existsSync(beside) ? { file: beside } : null;
  }
  return located;
}

export type ThreadPackOptions = Pick<PackOptions, 'maxAttempts' | 'readSize' | 'onPacked' | 'onData'>;

/**
 * Streams `root` as a tar archive packed by a worker thread (packDirectory on the main thread
 * when `source` is null). Files are never collected: `summary.files` is empty, and each file
 * reaches `onPacked` once its bytes were produced.
 */
export function packDirectoryOnThread(root: string, options: ThreadPackOptions, source: PackWorkerSource | null): PackResult {
  if (source === null) return packDirectory(root, { ...options, collectFiles: false });

  const ringBuffer = new SharedArrayBuffer(RING_SIZE);
  const pool = new BufferPool(PIECE_SIZE, PIECES_KEPT);
  const ring = new Uint8Array(ringBuffer);
  const workerData: PackWorkerData = { root, ring: ringBuffer };
  if (options.maxAttempts !== undefined) workerData.maxAttempts = options.maxAttempts;
  if (options.readSize !== undefined) workerData.readSize = options.readSize;
  const worker = 'code' in source ? new Worker(source.code, { eval: true, workerData }) : new Worker(source.file, { workerData });

  const { promise: done, resolve: resolveDone, reject: rejectDone } = deferred<PackSummary>();

  let settled = false;
  let exited = false;
  /** How far the worker has filled the ring, and how far this thread has copied out of it. */
  let filled = 0;
  let taken = 0;
  let summary: PackSummary | null = null;
  /** The consumer asked for more (push returned true, or _read was called since it returned false). */
  let wanted = false;
  const exit = new Promise<void>((resolve) => worker.once('exit', () => ((exited = true), resolve())));
  const tell = (m: ToWorker) => {
    if (!exited) worker.postMessage(m);
  };
  /** File data read so far, as last passed on to onData. */
  let read = 0;
  const report = (files: string, readNow: number) => {
    if (options.onPacked && files !== '') for (const f of decodeFiles(files)) options.onPacked(f);
    if (readNow > read) {
      options.onData?.(readNow - read);
      read = readNow;
    }
  };

  /**
   * Copies what the ring holds into buffers of this thread, frees it, and ends when all is out.
   * The buffers are lent: the compressor hands each back once it has copied it into its block.
   */
  const pump = () => {
    while (wanted && taken < filled) {
      const chunk = pool.lend(Math.min(filled - taken, PIECE_SIZE));
      for (let got = 0; got < chunk.length; ) {
        const at = (taken + got) % ring.length;
        const n = Math.min(chunk.length - got, ring.length - at);
        chunk.set(ring.subarray(at, at + n), got);
        got += n;
      }
      taken += chunk.length;
      tell({ t: 'consumed', upTo: taken });
      wanted = stream.push(chunk);
    }
    if (summary !== null && taken === filled && !settled) {
      settled = true;
      resolveDone(summary);
      stream.push(null);
    }
  };

  const stream = new Readable({
    highWaterMark: 64 * 1024,
    read() {
      wanted = true;
      pump();
    },
    destroy(err, callback) {
      if (!settled) {
        settled = true;
        rejectDone(err ?? new AzsError('Internal', `Archiving of ${root} stopped before the end of the archive.`, { target: root }));
        // Let the worker close its files; a worker that does not answer is stopped outright.
        tell({ t: 'stop' });
        const timer = setTimeout(() => void worker.terminate(), 5000);
        void exit.then(() => clearTimeout(timer));
      }
      callback(err);
    },
  });

  const fail = (err: Error) => {
    if (settled) return;
    settled = true;
    rejectDone(err);
    stream.destroy(err);
    void worker.terminate();
  };

  worker.on('message', (m: FromWorker) => {
    if (settled) return;
    try {
      if (m.t === 'data') {
        report(m.files, m.read);
        filled = m.end;
        pump();
      } else if (m.t === 'done') {
        report(m.files, m.read);
        filled = m.end;
        summary = m.summary;
        pump();
      } else if (m.t === 'error') {
        fail(fromErrorRecord(m.error));
      }
    } catch (err) {
      // onPacked threw (the manifest could not be written): the archive cannot be trusted.
      fail(err instanceof Error ? err : new Error(String(err)));
    }
  });
  worker.on('error', (err) => fail(new AzsError('Internal', `The packing thread for ${root} failed: ${err.message}`, { target: root, cause: err })));
  worker.on('exit', (code) => {
    // After 'done' the worker ends while the ring may still hold what the consumer has not read.
    if (!settled && summary === null) fail(new AzsError('Internal', `The packing thread for ${root} ended (exit code ${code}) before the end of the archive.`, { target: root }));
  });
  return { stream, done };
}
