// Items checked against the eval's `item_schema` before any item runs, with ajv (a JSON Schema
// validator that compiles the schema once; hand-written checks would cover a fraction of JSON Schema).
import { Ajv } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { EvalDefinitionError } from './definition-error.js';

/** What is wrong with an item (`item.expected must be string`), or null when it matches. */
export type ItemValidator = (item: Record<string, unknown>) => string | null;

const MESSAGE_CHARS = 300;

/**
 * Compiles `item_schema`. Draft 2020-12 unless its `$schema` names another draft (2019-09, or 07 and
 * older, which the draft-07 validator reads); a schema only an older draft accepts (`items` as a list)
 * is tried there too. `format` is not checked (no format is built into ajv without another package).
 * Throws an EvalDefinitionError naming `where` when the schema cannot be compiled.
 */
export function compileItemValidator(schema: unknown, where: string): ItemValidator {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    if (schema === true) return () => null;
    throw new EvalDefinitionError(where, `must be a JSON Schema object, not ${JSON.stringify(schema)}.`);
  }
  const { $schema: declared, ...rest } = schema as Record<string, unknown>;
  const draft = typeof declared === 'string' ? declared : '';
  const order = /2019-09/.test(draft) ? [Ajv2019] : /draft-0[3-7]/.test(draft) ? [Ajv] : [Ajv2020, Ajv];
  let validate: ValidateFunction | null = null;
  let problem = '';
  for (const Validator of order) {
    try {
      validate = new Validator({ strict: false, allErrors: false, validateFormats: false, logger: false, allowUnionTypes: true }).compile(rest);
      break;
    } catch (error) {
      problem ||= error instanceof Error ? error.message : String(error);
    }
  }
  if (!validate) throw new EvalDefinitionError(where, `is not a JSON Schema the engine can use: ${problem}`);
  const compiled = validate;
  return (item) => (compiled(item) ? null : describe(compiled.errors?.[0]));
}

function describe(error: ErrorObject | undefined): string {
  if (!error) return 'it does not match';
  const path = error.instancePath
    .split('/')
    .slice(1)
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
  const where = path.length === 0 ? 'the item' : `item.${path.join('.')}`;
  const params = error.params as Record<string, unknown>;
  let detail = '';
  if (error.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') detail = ` ("${params.additionalProperty}")`;
  if (error.keyword === 'enum' && Array.isArray(params.allowedValues)) detail = `: ${JSON.stringify(params.allowedValues)}`;
  const text = `${where} ${error.message ?? 'does not match'}${detail}`;
  return text.length > MESSAGE_CHARS ? `${text.slice(0, MESSAGE_CHARS - 1)}…` : text;
}
