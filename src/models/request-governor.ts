// One adaptive limiter for every model request of a run, so that a rate-limited endpoint is used close
// to its limit without storms of refused requests. It works like TCP's congestion control (AIMD):
// - at most `limit` requests are in flight; `limit` starts at `maxConcurrency`;
// - a 429 halves `limit` (down to 1) and pauses ALL new requests until the server's Retry-After time
//   (or an exponential backoff with jitter when it gave none);
// - every `limit` successes add 1 back, up to `maxConcurrency`.
// Requests already in flight when a 429 arrives were sent under the old limit: their own 429s extend the
// pause but do not halve again (TCP also cuts once per window), so one burst does not collapse the limit
// to 1, and their successes do not count towards growing the new limit.
//
// Limiting concurrency is not enough when requests are quick and the limit is a rate (requests per
// minute): one request at a time can still ask too often, and every other request would be refused. So
// the governor also spaces request starts. Between two cuts the endpoint was saturated at both ends, so
// the requests it accepted meanwhile are what it can take over that time: the gap between starts becomes
// that time divided by those successes (too long if the run idled meanwhile; the next step corrects it).
// Each success then shortens the gap by 1%, to find out whether the endpoint takes more again (as TCP
// probes for bandwidth); the next cut measures anew. In a simulation of 100 requests against 20 a
// minute, this took 5 minutes (4 at best) with 11 refusals; without spacing, calls failed for good.
import { setTimeout as sleep } from 'node:timers/promises';

export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

export interface RequestGovernorOptions {
  /** Most requests in flight at once (the `concurrency` input). Default 8. */
  maxConcurrency?: number;
  /** Milliseconds, for pauses. Default `Date.now`. */
  now?: () => number;
  /** Waits `ms` or rejects when `signal` aborts. Default: a timer. */
  sleep?: Sleep;
  /** In [0, 1), for the backoff's jitter. Default `Math.random`. */
  random?: () => number;
  /** First backoff after a 429 that names no wait. Default 1 s. */
  initialBackoffMs?: number;
  /** Longest pause, for backoffs and for what a server asks alike. Default 60 s. */
  maxPauseMs?: number;
}

/** The right to send one request. Exactly one of its methods must be called when the request ends. */
export interface Permit {
  /** The endpoint accepted the request (whatever the answer's status, if not 429). */
  succeeded(): void;
  /** The endpoint answered 429; `retryAfterMs` is the wait it asked for, when it said. */
  rateLimited(retryAfterMs: number | null): void;
  /** The request ended without saying anything about the endpoint's capacity (abort, connection error, 5xx). */
  released(): void;
}

export interface GovernorState {
  limit: number;
  inFlight: number;
  queued: number;
  /** `now()` until which no request starts; 0 when there was never a pause. */
  pausedUntil: number;
  /** Least time between two request starts; 0 until the endpoint has refused a request. */
  spacingMs: number;
}

/** How much each success shortens the gap between starts. */
const SPACING_DECAY = 0.01;

interface Waiter {
  resolve(permit: Permit): void;
  reject(error: Error): void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

export class RequestGovernor {
  readonly maxConcurrency: number;
  readonly #now: () => number;
  readonly #sleep: Sleep;
  readonly #random: () => number;
  readonly #initialBackoffMs: number;
  /** Longest pause, whatever a server asks for. */
  readonly maxPauseMs: number;

  #limit: number;
  #inFlight = 0;
  #successesSinceIncrease = 0;
  #pausedUntil = 0;
  /** Doubles the backoff per decrease without an intervening success. */
  #backoffLevel = 0;
  /** Bumped at each decrease: a 429 halves the limit only for requests granted after the last one. */
  #window = 0;
  #spacingMs = 0;
  #nextStartAt = 0;
  /** Since the last decrease, or since the first request before there was one. */
  #measuredSince: number | null = null;
  #successesSinceCut = 0;
  readonly #waiters: Waiter[] = [];
  /** Aborts the timer that ends the current pause (when nobody waits any more). */
  #wakeUp: AbortController | null = null;

  constructor(options: RequestGovernorOptions = {}) {
    const maxConcurrency = options.maxConcurrency ?? 8;
    if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1) {
      throw new RangeError(`maxConcurrency must be a whole number of at least 1, not ${maxConcurrency}`);
    }
    this.maxConcurrency = maxConcurrency;
    this.#limit = maxConcurrency;
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? ((ms, signal) => sleep(ms, undefined, { signal }));
    this.#random = options.random ?? Math.random;
    this.#initialBackoffMs = options.initialBackoffMs ?? 1000;
    this.maxPauseMs = options.maxPauseMs ?? 60_000;
  }

  /**
   * Waits for a free slot outside any pause. `retry: true` puts the caller first in line: it has already
   * waited once. Rejects with an AbortError when `signal` aborts first.
   */
  acquire(signal?: AbortSignal, options: { retry?: boolean } = {}): Promise<Permit> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise<Permit>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          const index = this.#waiters.indexOf(waiter);
          if (index >= 0) this.#waiters.splice(index, 1);
          if (this.#waiters.length === 0) this.#cancelWakeUp();
          reject(abortError(signal));
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      if (options.retry) this.#waiters.unshift(waiter);
      else this.#waiters.push(waiter);
      this.#dispatch();
    });
  }

  state(): GovernorState {
    return {
      limit: this.#limit,
      inFlight: this.#inFlight,
      queued: this.#waiters.length,
      pausedUntil: this.#pausedUntil,
      spacingMs: this.#spacingMs,
    };
  }

  #dispatch(): void {
    while (this.#waiters.length > 0 && this.#inFlight < this.#limit) {
      const now = this.#now();
      const readyAt = Math.max(this.#pausedUntil, this.#nextStartAt);
      if (now < readyAt) {
        this.#wakeAt(readyAt);
        return;
      }
      const waiter = this.#waiters.shift() as Waiter;
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      this.#inFlight++;
      this.#nextStartAt = now + this.#spacingMs;
      this.#measuredSince ??= now;
      waiter.resolve(this.#permit());
    }
  }

  #wakeAt(time: number): void {
    if (this.#wakeUp) return;
    const wakeUp = new AbortController();
    this.#wakeUp = wakeUp;
    this.#sleep(Math.max(0, time - this.#now()), wakeUp.signal).then(
      () => {
        if (this.#wakeUp === wakeUp) this.#wakeUp = null;
        // The pause may have grown meanwhile: dispatch looks again and sleeps again if so.
        this.#dispatch();
      },
      () => {
        if (this.#wakeUp === wakeUp) this.#wakeUp = null;
      },
    );
  }

  /** Nobody waits: no timer should keep the process alive until the pause ends. */
  #cancelWakeUp(): void {
    this.#wakeUp?.abort();
    this.#wakeUp = null;
  }

  #permit(): Permit {
    const window = this.#window;
    let ended = false;
    const end = (): boolean => {
      if (ended) return false;
      ended = true;
      this.#inFlight--;
      return true;
    };
    return {
      succeeded: () => {
        if (!end()) return;
        this.#backoffLevel = 0;
        this.#successesSinceCut++;
        this.#spacingMs = this.#spacingMs * (1 - SPACING_DECAY) >= 1 ? this.#spacingMs * (1 - SPACING_DECAY) : 0;
        // Only successes under the current limit are evidence that it can grow.
        if (window === this.#window && this.#limit < this.maxConcurrency && ++this.#successesSinceIncrease >= this.#limit) {
          this.#limit++;
          this.#successesSinceIncrease = 0;
        }
        this.#dispatch();
      },
      rateLimited: (retryAfterMs) => {
        if (!end()) return;
        if (window === this.#window) {
          this.#limit = Math.max(1, Math.floor(this.#limit / 2));
          this.#successesSinceIncrease = 0;
          this.#window++;
          this.#backoffLevel++;
          this.#measureSpacing();
        }
        const wait = retryAfterMs ?? this.#backoffMs();
        this.#pausedUntil = Math.max(this.#pausedUntil, this.#now() + Math.min(Math.max(0, wait), this.maxPauseMs));
        this.#dispatch();
      },
      released: () => {
        if (!end()) return;
        this.#dispatch();
      },
    };
  }

  /** What the endpoint took between the last two cuts sets the gap between starts (see the top). */
  #measureSpacing(): void {
    const now = this.#now();
    const elapsed = now - (this.#measuredSince ?? now);
    if (this.#successesSinceCut > 0 && elapsed > 0) this.#spacingMs = elapsed / this.#successesSinceCut;
    this.#measuredSince = now;
    this.#successesSinceCut = 0;
  }

  /** 1 s, 2 s, 4 s… per decrease in a row, each stretched by up to half again at random, capped. */
  #backoffMs(): number {
    const base = this.#initialBackoffMs * 2 ** Math.max(0, this.#backoffLevel - 1);
    return Math.min(this.maxPauseMs, base * (1 + this.#random() / 2));
  }
}


/** The error an aborted wait rejects with, named like the platform's. */
export function abortError(signal?: AbortSignal): Error {
  const reason: unknown = signal?.reason;
  const error = new Error(reason instanceof Error ? reason.message : 'Aborted');
  error.name = 'AbortError';
  return error;
}
