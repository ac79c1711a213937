import type { ProgressDetail, Reporter } from './reporter.js';

/** How often byte progress is reported while data flows: under the once-a-second promise. */
export const PROGRESS_INTERVAL_MS = 500;

/**
 * Counts the bytes of a backup or a restore, overall and for the role at hand, and reports them
 * on a timer rather than per chunk: the data path only adds to two numbers, and the reporter (a
 * JSON line on stdout) runs at most twice a second however fast the data moves.
 */
export class ProgressMeter {
  #done = 0;
  #roleDone = 0;
  #role: string | undefined;
  #roleTotal = 0;
  #status = '';
  #reported = -1;
  #started: number;
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly reporter: Reporter,
    private readonly activity: string,
    private readonly total: number,
    private readonly now: () => number = Date.now,
  ) {
    this.#started = now();
  }

  /** Called on the data path: must stay cheap. */
  add(bytes: number): void {
    this.#done += bytes;
    this.#roleDone += bytes;
  }

  get done(): number {
    return this.#done;
  }

  start(): void {
    this.#started = this.now();
    this.#timer = setInterval(() => {
      if (this.#done !== this.#reported) this.report();
    }, PROGRESS_INTERVAL_MS);
    // Never the reason the process stays alive.
    this.#timer.unref();
  }

  beginRole(role: string, roleTotal: number, status = `Backing up role ${role}`): void {
    this.#role = role;
    this.#roleTotal = roleTotal;
    this.#roleDone = 0;
    this.report(status);
  }

  endRole(): void {
    this.report();
    this.#role = undefined;
  }

  report(status?: string): void {
    if (status !== undefined) this.#status = status;
    this.#reported = this.#done;
    const percent = this.total > 0 ? Math.min(99, Math.floor((this.#done / this.total) * 100)) : undefined;
    this.reporter.progress(this.activity, this.#status, percent, this.detail());
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  detail(): ProgressDetail {
    const seconds = (this.now() - this.#started) / 1000;
    // The average since the start: steadier than the last interval, and honest about stalls.
    const rate = seconds >= 0.25 && this.#done > 0 ? this.#done / seconds : null;
    const left = Math.max(0, this.total - this.#done);
    return {
      bytesDone: this.#done,
      bytesTotal: this.total,
      bytesPerSecond: rate === null ? null : Math.round(rate),
      secondsRemaining: rate === null ? null : Math.ceil(left / rate),
      ...(this.#role === undefined ? {} : { role: this.#role, roleBytesDone: Math.min(this.#roleDone, this.#roleTotal), roleBytesTotal: this.#roleTotal }),
    };
  }
}
