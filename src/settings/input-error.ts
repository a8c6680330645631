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
