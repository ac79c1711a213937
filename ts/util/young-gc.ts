import { getHeapStatistics } from 'node:v8';

/**
 * Collects the young generation every so many bytes of data handled, and the whole heap when the
 * memory outside it has grown by a set amount from its lowest point since the last full collection.
 *
 * A data path allocates Buffers V8 cannot reuse (the cipher's output, zlib's). They are freed
 * when a scavenge finds their wrappers dead, and V8 paces scavenges by JavaScript allocation, not
 * by the Buffers' size. So the leaner a path is in JavaScript objects, the more dead megabytes
 * wait: batching the staging writes cut a backup's time by about a tenth and raised its peak
 * RSS by 16 MB, all of it dead Buffers. A scavenge every few megabytes keeps that bounded whatever
 * the code around it allocates; each costs well under a millisecond, as the young generation holds
 * little that is alive.
 *
 * Wrappers that were still in use at a scavenge move to the old generation, and their Buffers
 * wait for a full collection. V8 starts one when its old generation fills, or when the memory
 * outside the heap has grown by 64 MB. How soon the first happens depended on the rest of the
 * heap: when the Azure SDK's source left the engine's bundle (2.3 MB less heap), a 1 GiB backup
 * ran 12 full collections instead of 31 and peaked 40 MB higher, Buffers that a full collection
 * frees (docs/BENCHMARK.md). Counting the outside memory here makes that a property of the data path.
 *
 * The collector is V8's `gc`, exposed by --expose-gc in the executable's flags. Where it is not
 * exposed (the test runner, plain node) this does nothing.
 */
type Collect = (options: { type: 'minor' | 'major' }) => void;

export const YOUNG_GC_EVERY = 4 * 1024 * 1024;
/** Growth of the memory outside the heap, from its lowest point since the last full collection, that starts one. */
export const FULL_GC_AFTER = 16 * 1024 * 1024;

const outsideHeap = (): number => getHeapStatistics().external_memory;

export class YoungCollector {
  #since = 0;
  #outsideAfterFull: number | null = null;

  constructor(
    private readonly every = YOUNG_GC_EVERY,
    private readonly collect: Collect | undefined = (globalThis as { gc?: Collect }).gc,
    private readonly outside: () => number = outsideHeap,
    private readonly fullAfter = FULL_GC_AFTER,
  ) {}

  /** Counts `bytes` more; collects once `every` have passed since the last collection. */
  add(bytes: number): void {
    if (this.collect === undefined) return;
    this.#since += bytes;
    if (this.#since < this.every) return;
    this.#since = 0;
    this.collect({ type: 'minor' });
    const now = this.outside();
    // From the lowest point seen: V8's own full collections lower it too.
    if (this.#outsideAfterFull === null || now < this.#outsideAfterFull) this.#outsideAfterFull = now;
    if (now - this.#outsideAfterFull < this.fullAfter) return;
    this.collect({ type: 'major' });
    this.#outsideAfterFull = this.outside();
  }
}
