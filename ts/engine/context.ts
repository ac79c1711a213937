import { type Reporter, silentReporter } from './reporter.js';
import { stateDirectory } from '../util/state-dir.js';

/** What every library call needs: where state lives, where to report, and the clock. */
export interface EngineContext {
  home: string;
  reporter: Reporter;
  now: () => Date;
  /** Fires when the service is stopping: long work ends early and is recorded as Failed. */
  signal?: AbortSignal;
}

export function defaultContext(reporter: Reporter = silentReporter): EngineContext {
  return { home: stateDirectory(), reporter, now: () => new Date() };
}
