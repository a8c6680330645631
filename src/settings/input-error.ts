import { EvalDefinitionError } from '../engine/definition-error.js';

/** A problem with one of the action's inputs, found before anything is sent. */
export class InputError extends Error {
  readonly input: string;
  readonly problem: string;

  constructor(input: string, problem: string) {
    super(`Input "${input}": ${problem}`);
    this.name = 'InputError';
    this.input = input;
    this.problem = problem;
  }
}

/** An error met while reading an input's content, as an error of that input. */
export function asInputError(input: string, error: unknown): Error {
  if (error instanceof InputError) return error;
  if (error instanceof EvalDefinitionError) return new InputError(input, error.message);
  return error instanceof Error ? error : new Error(String(error));
}
