/**
 * Entry point of the packing thread (bundled on its own, see scripts/build.mjs). It runs
 * packArchive and copies the archive into the shared ring, never overwriting what the main
 * thread has not copied out yet, so memory stays bounded by the ring whatever the data.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { encodeFiles, toErrorRecord, type FromWorker, type PackWorkerData, type ToWorker } from './pack-protocol.js';
import { packArchive, type PackedFile } from './tar-writer.js';

const port = parentPort!;
const data = workerData as PackWorkerData;
const ring = new Uint8Array(data.ring);
let written = 0;
let consumed = 0;
let stopped = false;
let wake: (() => void) | null = null;
let files: PackedFile[] = [];
let read = 0;

// The ring copy is done before the next chunk is asked for, so the packer may reuse its
// memory: a thread that allocates little else collects rarely, and fresh buffers piled up to
// 32 MB here before a collection freed them.
const packed = packArchive(data.root, {
  collectFiles: false,
  reuseBuffers: true,
  onPacked: (f) => files.push(f),
  onData: (n) => (read += n),
  ...(data.maxAttempts !== undefined ? { maxAttempts: data.maxAttempts } : {}),
  ...(data.readSize !== undefined ? { readSize: data.readSize } : {}),
});

port.on('message', (m: ToWorker) => {
  if (m.t === 'consumed') consumed = Math.max(consumed, m.upTo);
  else stopped = true;
  wake?.();
});

function send(message: FromWorker): void {
  port.postMessage(message);
}

/** Tells the main thread how far the ring is filled, with the files settled since last time. */
function announce(): void {
  const settled = encodeFiles(files);
  files = [];
  send({ t: 'data', end: written, files: settled, read });
}

/** Copies one chunk into the ring, waiting for room as often as it takes; false once stopped. */
async function put(chunk: Buffer): Promise<boolean> {
  let off = 0;
  while (off < chunk.length) {
    // Waits for a quarter of the ring (or room for the rest of the chunk), not for any room: a
    // consumer that frees a few KiB at a time would otherwise get a message per few KiB (a
    // million files: 12 s of both threads' time in messages).
    const enough = Math.min(chunk.length - off, ring.length / 4);
    while (ring.length - (written - consumed) < enough && !stopped) await new Promise<void>((resolve) => (wake = resolve));
    wake = null;
    if (stopped) return false;
    const at = written % ring.length;
    const n = Math.min(ring.length - (written - consumed), ring.length - at, chunk.length - off);
    ring.set(chunk.subarray(off, off + n), at);
    written += n;
    off += n;
    // Announced piece by piece: a chunk larger than the free room must not wait for a reader
    // that has not been told there is something to read.
    if (off < chunk.length) announce();
  }
  announce();
  return true;
}

async function run(): Promise<void> {
  try {
    let complete = true;
    for await (const chunk of packed.chunks) {
      if (!(await put(chunk))) {
        complete = false;
        // Leaving the loop ends the generator, which closes what it had open.
        break;
      }
    }
    send(complete ? { t: 'done', end: written, summary: packed.summary, files: encodeFiles(files), read } : { t: 'stopped' });
  } catch (err) {
    send({ t: 'error', error: toErrorRecord(err) });
  } finally {
    port.close();
  }
}

void run();
