// The check shared by the input tests (test/unit/input*.test.ts, data-source.test.ts).
import { expect } from 'vitest';
import { InputError } from '../../src/settings/input-error.ts';

/** Runs `fn`, expects an InputError for `input` whose message names it, and returns its message. */
export function expectInputError(input: string, fn: () => unknown): string {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(InputError);
  const error = caught as InputError;
  expect(error.input).toBe(input);
  expect(error.message.startsWith(`Input "${input}": `)).toBe(true);
  return error.message;
}
