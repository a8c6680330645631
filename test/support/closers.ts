// Closing what a test started (fake servers), after each test of the file.
import { afterEach } from 'vitest';

/**
 * Registers an afterEach hook, in the calling test file (call it at its top level), that calls every
 * close function tracked during the test, and returns `track` to add one.
 */
export function useClosers(): (close: () => Promise<void>) => void {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
  });
  return (close) => {
    closers.push(close);
  };
}
