// Awaiting a promise that must reject.
import { expect } from 'vitest';

/** What `promise` rejects with; fails the test when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected a rejection'),
    (error: unknown) => error,
  );
}

/** The error `promise` rejects with, which must be a `type`. */
export async function expectRejection<T extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => T): Promise<T> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(type);
  return error as T;
}
