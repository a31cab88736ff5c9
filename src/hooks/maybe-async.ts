// Continue with a value now when it is plain, or after it settles when a hook returned a Promise.

/** A value, or a Promise of it. */
export type MaybePromise<T> = T | Promise<T>;

/** True when `v` is a thenable (what an async hook returned). */
export function isPromise<T>(v: MaybePromise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}

/** Calls `next(value)` synchronously for plain values; chains it for promises (no Promise cost on the sync path). */
export function andThen<T, R>(value: MaybePromise<T>, next: (v: T) => MaybePromise<R>): MaybePromise<R> {
  return isPromise(value) ? value.then(next) : next(value);
}
