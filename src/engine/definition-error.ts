/** An eval definition the local engine cannot run, found before any item runs or any model is called. */
export class EvalDefinitionError extends Error {
  /** Where in the definition, e.g. `testing_criteria[2] ("Tone")`. */
  readonly where: string;

  constructor(where: string, message: string) {
    super(`${where}: ${message}`);
    this.name = 'EvalDefinitionError';
    this.where = where;
  }
}
