import { describe, expect, it } from 'vitest';
import { type Permit, RequestGovernor } from '../../../src/models/request-governor.ts';

/** A clock that moves only when the test says so; `sleep` resolves as the clock passes its time. */
function virtualClock() {
  let time = 0;
  const timers: Array<{ at: number; resolve: () => void }> = [];
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
  return {
    now: () => time,
    sleep(ms: number, signal: AbortSignal): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        const timer = { at: time + ms, resolve };
        timers.push(timer);
        signal.addEventListener('abort', () => {
          timers.splice(timers.indexOf(timer), 1);
          reject(new Error('aborted'));
        });
      });
    },
    pendingTimers: () => timers.length,
    /** Moves the clock to `time + ms`, firing timers in order and letting their effects run. */
    async advance(ms: number): Promise<void> {
      const target = time + ms;
      await settle();
      for (;;) {
        timers.sort((a, b) => a.at - b.at);
        const next = timers[0];
        if (!next || next.at > target) break;
        timers.shift();
        time = next.at;
        next.resolve();
        await settle();
      }
      time = target;
      await settle();
    },
    settle,
  };
}

/** Acquires in the background and records when each permit was granted. */
function request(governor: RequestGovernor, clock: { now(): number }, signal?: AbortSignal) {
  const state: { permit: Permit | null; grantedAt: number | null; error: unknown } = { permit: null, grantedAt: null, error: null };
  governor.acquire(signal).then(
    (permit) => {
      state.permit = permit;
      state.grantedAt = clock.now();
    },
    (error: unknown) => {
      state.error = error;
    },
  );
  return state;
}

function setup(options: { maxConcurrency?: number; random?: () => number } = {}) {
  const clock = virtualClock();
  const governor = new RequestGovernor({ maxConcurrency: options.maxConcurrency ?? 8, now: clock.now, sleep: clock.sleep, random: options.random ?? (() => 0) });
  return { clock, governor };
}

describe('RequestGovernor', () => {
  it('lets at most maxConcurrency requests run at once, in arrival order', async () => {
    const { clock, governor } = setup({ maxConcurrency: 3 });
    const requests = Array.from({ length: 5 }, () => request(governor, clock));
    await clock.settle();
    expect(requests.map((r) => r.permit !== null)).toEqual([true, true, true, false, false]);
    expect(governor.state()).toMatchObject({ inFlight: 3, queued: 2 });

    requests[1]?.permit?.succeeded();
    await clock.settle();
    expect(requests.map((r) => r.permit !== null)).toEqual([true, true, true, true, false]);
  });

  it('halves the limit on a 429 and grows it back by one per "limit" successes, up to the maximum', async () => {
    const { clock, governor } = setup({ maxConcurrency: 8 });
    (await governor.acquire()).rateLimited(0);
    expect(governor.state().limit).toBe(4);

    const limits: number[] = [];
    for (let i = 0; i < 4 + 5 + 6 + 7 + 10; i++) {
      (await governor.acquire()).succeeded();
      limits.push(governor.state().limit);
    }
    await clock.settle();
    expect(limits.indexOf(5)).toBe(3); // 4 successes at limit 4
    expect(limits.indexOf(6)).toBe(3 + 5);
    expect(limits.indexOf(7)).toBe(3 + 5 + 6);
    expect(limits.indexOf(8)).toBe(3 + 5 + 6 + 7);
    expect(Math.max(...limits)).toBe(8);
  });

  it('never goes below one request at a time', async () => {
    const { governor } = setup({ maxConcurrency: 2 });
    for (let i = 0; i < 4; i++) (await governor.acquire()).rateLimited(0);
    expect(governor.state().limit).toBe(1);
  });

  it('halves once for a burst of 429s from requests sent under the same limit', async () => {
    const { clock, governor } = setup({ maxConcurrency: 8 });
    const permits = await Promise.all(Array.from({ length: 8 }, () => governor.acquire()));
    for (const permit of permits) permit.rateLimited(1000);
    expect(governor.state().limit).toBe(4);

    await clock.advance(1000);
    // A request sent after the decrease that is refused again halves again.
    (await governor.acquire()).rateLimited(1000);
    expect(governor.state().limit).toBe(2);
  });

  it('holds every waiter until the Retry-After time, even with free slots', async () => {
    const { clock, governor } = setup({ maxConcurrency: 4 });
    const first = await Promise.all(Array.from({ length: 4 }, () => governor.acquire()));
    first[0]?.rateLimited(5000);
    const waiting = Array.from({ length: 3 }, () => request(governor, clock));
    for (const permit of first.slice(1)) permit.succeeded();
    await clock.settle();
    expect(governor.state()).toMatchObject({ inFlight: 0, queued: 3, limit: 2, pausedUntil: 5000 });

    await clock.advance(4999);
    expect(waiting.every((w) => w.permit === null)).toBe(true);

    await clock.advance(1);
    expect(waiting.map((w) => w.grantedAt)).toEqual([5000, 5000, null]);
  });

  it('starts no request before the longest pause asked for ends', async () => {
    const { clock, governor } = setup({ maxConcurrency: 4 });
    const permits = await Promise.all(Array.from({ length: 3 }, () => governor.acquire()));
    permits[0]?.rateLimited(1000);
    const early = request(governor, clock);
    await clock.advance(500);
    // A request of the same window is refused later, with a longer wait: the pause grows.
    permits[1]?.rateLimited(3000);
    permits[2]?.succeeded();
    const late = request(governor, clock);
    await clock.advance(2000);
    expect(early.permit).toBeNull();
    expect(late.permit).toBeNull();
    await clock.advance(1000);
    expect(early.grantedAt).toBe(3500);
    expect(late.grantedAt).toBe(3500);
  });

  it('backs off 1 s, 2 s, 4 s… with jitter when no Retry-After is given, capped at 60 s', async () => {
    const { clock, governor } = setup({ maxConcurrency: 1, random: () => 0.5 });
    const pauses: number[] = [];
    for (let i = 0; i < 9; i++) {
      const permit = await governor.acquire();
      const start = clock.now();
      permit.rateLimited(null);
      pauses.push(governor.state().pausedUntil - start);
      await clock.advance(pauses[i] ?? 0);
    }
    expect(pauses).toEqual([1250, 2500, 5000, 10_000, 20_000, 40_000, 60_000, 60_000, 60_000]);

    (await governor.acquire()).succeeded();
    const permit = await governor.acquire();
    const start = clock.now();
    permit.rateLimited(null);
    expect(governor.state().pausedUntil - start).toBe(1250);
  });

  it('caps a Retry-After that asks for more than the longest pause', async () => {
    const { clock, governor } = setup();
    (await governor.acquire()).rateLimited(3_600_000);
    expect(governor.state().pausedUntil - clock.now()).toBe(60_000);
  });

  it('puts a retry first in line', async () => {
    const { clock, governor } = setup({ maxConcurrency: 1 });
    const busy = await governor.acquire();
    const order: string[] = [];
    void governor.acquire().then((p) => {
      order.push('new');
      p.succeeded();
    });
    void governor.acquire(undefined, { retry: true }).then((p) => {
      order.push('retry');
      p.succeeded();
    });
    busy.succeeded();
    await clock.settle();
    expect(order).toEqual(['retry', 'new']);
  });

  it('counts a permit once, however often it is ended', async () => {
    const { governor } = setup({ maxConcurrency: 2 });
    const permit = await governor.acquire();
    await governor.acquire();
    permit.succeeded();
    permit.succeeded();
    permit.released();
    permit.rateLimited(0);
    expect(governor.state()).toMatchObject({ inFlight: 1, limit: 2 });
  });

  it('rejects a waiter whose signal aborts, and never grants it a slot', async () => {
    const { clock, governor } = setup({ maxConcurrency: 1 });
    const busy = await governor.acquire();
    const controller = new AbortController();
    const aborted = request(governor, clock, controller.signal);
    const next = request(governor, clock);
    await clock.settle();
    controller.abort();
    await clock.settle();
    expect((aborted.error as Error).name).toBe('AbortError');
    expect(governor.state().queued).toBe(1);

    busy.succeeded();
    await clock.settle();
    expect(aborted.permit).toBeNull();
    expect(next.permit).not.toBeNull();
  });

  it('rejects at once when the signal has already aborted', async () => {
    const { governor } = setup();
    await expect(governor.acquire(AbortSignal.abort())).rejects.toMatchObject({ name: 'AbortError' });
    expect(governor.state()).toMatchObject({ inFlight: 0, queued: 0 });
  });

  it('drops its pause timer when every waiter has given up, and sets one again for a new waiter', async () => {
    const { clock, governor } = setup();
    (await governor.acquire()).rateLimited(10_000);
    const controller = new AbortController();
    request(governor, clock, controller.signal);
    await clock.settle();
    expect(clock.pendingTimers()).toBe(1);
    controller.abort();
    await clock.settle();
    expect(clock.pendingTimers()).toBe(0);

    const later = request(governor, clock);
    await clock.advance(9_999);
    expect(later.permit).toBeNull();
    await clock.advance(1);
    expect(later.grantedAt).toBe(10_000);
  });

  it('spaces request starts by what the endpoint took between two cuts', async () => {
    const { clock, governor } = setup({ maxConcurrency: 4 });
    (await governor.acquire()).rateLimited(1000);
    expect(governor.state().spacingMs).toBe(0);
    await clock.advance(1000);
    // 4 successes, then a cut 4 s after the first one: the endpoint takes one request per second.
    for (let i = 0; i < 4; i++) (await governor.acquire()).succeeded();
    await clock.advance(3000);
    (await governor.acquire()).rateLimited(0);
    expect(governor.state().spacingMs).toBe(1000);

    const starts: number[] = [];
    for (let i = 0; i < 3; i++) {
      void governor.acquire().then((permit) => {
        starts.push(clock.now());
        permit.released();
      });
    }
    await clock.advance(0);
    expect(starts).toEqual([4000]);
    await clock.advance(2000);
    expect(starts).toEqual([4000, 5000, 6000]);
  });

  it('shortens the spacing by 1% per success, to find out whether the endpoint takes more', async () => {
    const { clock, governor } = setup({ maxConcurrency: 1 });
    (await governor.acquire()).rateLimited(0);
    (await governor.acquire()).succeeded();
    await clock.advance(2000);
    (await governor.acquire()).rateLimited(0);
    expect(governor.state().spacingMs).toBe(2000);
    const permit = await governor.acquire();
    permit.succeeded();
    expect(governor.state().spacingMs).toBeCloseTo(1980);
  });

  it('refuses a maxConcurrency that is not a whole number of at least 1', () => {
    expect(() => new RequestGovernor({ maxConcurrency: 0 })).toThrow(/maxConcurrency/);
    expect(() => new RequestGovernor({ maxConcurrency: 2.5 })).toThrow(/maxConcurrency/);
  });
});
