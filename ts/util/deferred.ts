/**
 * A promise settled from outside, for results that arrive through events and callbacks. Its
 * rejection is marked handled: callers that only watch the stream it belongs to must not get an
 * unhandled rejection from it.
 */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (reason: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}
