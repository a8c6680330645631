import { EvalDefinitionError } from '../definition-error.js';
import { compileTemplate } from '../template.js';
import type { Grader } from './grader.js';

const OPERATIONS = ['eq', 'ne', 'like', 'ilike'] as const;
type Operation = (typeof OPERATIONS)[number];
/** Other spellings the API accepts: OpenAI's graders guide writes `neq`. */
const ALIASES: Readonly<Record<string, Operation>> = { neq: 'ne' };

/**
 * The `string_check` grader: `input` and `reference` are templates; `eq`/`ne` (or `neq`) compare exactly,
 * `like` passes when the input contains the reference, `ilike` does so ignoring case. Score 1 or 0.
 */
export function createStringCheckGrader(config: Record<string, unknown>, id: string, where: string): Grader {
  const name = String(config.name);
  for (const field of ['input', 'reference'] as const) {
    if (typeof config[field] !== 'string') throw new EvalDefinitionError(where, `the string_check grader needs "${field}" (a template such as "{{sample.output_text}}").`);
  }
  const given = config.operation;
  const operation = typeof given === 'string' && Object.hasOwn(ALIASES, given) ? ALIASES[given] : given;
  if (!OPERATIONS.includes(operation as Operation)) {
    throw new EvalDefinitionError(where, `"operation" must be one of eq, ne (or neq), like, ilike; got ${JSON.stringify(given)}.`);
  }
  const input = compileTemplate(config.input as string);
  const reference = compileTemplate(config.reference as string);
  return {
    id,
    name,
    type: 'string_check',
    async grade(scope) {
      const passed = check(operation as Operation, input(scope), reference(scope));
      return { score: passed ? 1 : 0, passed };
    },
  };
}

export function check(operation: Operation, input: string, reference: string): boolean {
  switch (operation) {
    case 'eq':
      return input === reference;
    case 'ne':
      return input !== reference;
    case 'like':
      return input.includes(reference);
    case 'ilike':
      return input.toLowerCase().includes(reference.toLowerCase());
  }
}
