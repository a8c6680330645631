import { basename } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { EvalDefinitionError } from './definition-error.js';

/** An eval in the Evals API's create format, as kept in a repository's `eval-file`. */
export interface EvalDefinition {
  name: string;
  data_source_config: Record<string, unknown> & { type: string };
  testing_criteria: (Record<string, unknown> & { type: string; name: string })[];
  metadata: Record<string, string>;
}

/** Grader types the local engine runs. */
export const LOCAL_GRADER_TYPES = ['string_check', 'text_similarity', 'label_model', 'score_model', 'python'] as const;
export type LocalGraderType = (typeof LOCAL_GRADER_TYPES)[number];

/**
 * Parses and checks an eval definition (JSON or YAML). `where` names the file in errors. Problems of the
 * shape are found here, before any item runs; each grader checks its own fields when it is built.
 */
export function parseEvalDefinition(text: string, where: string): EvalDefinition {
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    throw new EvalDefinitionError(where, `not valid JSON/YAML: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`);
  }
  if (!isObject(raw)) throw new EvalDefinitionError(where, 'an eval definition is an object with "data_source_config" and "testing_criteria".');
  const known = new Set(['name', 'data_source_config', 'testing_criteria', 'metadata']);
  const unknown = Object.keys(raw).filter((key) => !known.has(key));
  if (unknown.length > 0) {
    throw new EvalDefinitionError(where, `unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((key) => `"${key}"`).join(', ')} (an eval has ${[...known].join(', ')}).`);
  }

  const name = raw.name === undefined ? basename(where).replace(/\.(eval\.)?(json|ya?ml)$/i, '') : raw.name;
  if (typeof name !== 'string' || !name.trim()) throw new EvalDefinitionError(`${where}: name`, 'must be a non-empty string.');

  const config = raw.data_source_config;
  if (!isObject(config) || typeof config.type !== 'string') {
    throw new EvalDefinitionError(`${where}: data_source_config`, 'must be an object with a "type" (custom, logs or stored_completions).');
  }

  const criteria = raw.testing_criteria;
  if (!Array.isArray(criteria) || criteria.length === 0) {
    throw new EvalDefinitionError(`${where}: testing_criteria`, 'must be a non-empty list of graders.');
  }
  const names = new Set<string>();
  const testingCriteria = criteria.map((criterion, index) => {
    const at = `${where}: testing_criteria[${index}]`;
    if (!isObject(criterion) || typeof criterion.type !== 'string') throw new EvalDefinitionError(at, 'must be a grader object with a "type".');
    if (typeof criterion.name !== 'string' || !criterion.name.trim()) throw new EvalDefinitionError(at, `the ${criterion.type} grader needs a "name".`);
    // Reports, thresholds and baselines tell criteria apart by name.
    if (names.has(criterion.name)) throw new EvalDefinitionError(at, `a second grader is named "${criterion.name}"; names must be unique.`);
    names.add(criterion.name);
    return criterion as EvalDefinition['testing_criteria'][number];
  });

  const metadata = raw.metadata ?? {};
  if (!isObject(metadata) || Object.values(metadata).some((value) => typeof value !== 'string')) {
    throw new EvalDefinitionError(`${where}: metadata`, 'must map keys to string values.');
  }
  return { name: name.trim(), data_source_config: config as EvalDefinition['data_source_config'], testing_criteria: testingCriteria, metadata: metadata as Record<string, string> };
}

/**
 * What the local engine cannot run, found before anything runs: a data source config other than
 * `custom` (the others read OpenAI's stored logs), or a grader type it does not implement.
 */
export function checkRunsLocally(definition: EvalDefinition, where: string): void {
  const configType = definition.data_source_config.type;
  if (configType !== 'custom') {
    throw new EvalDefinitionError(
      `${where}: data_source_config`,
      `type "${configType}" reads logs stored by OpenAI, which only the remote engine has; the local engine runs "custom" (items from a file).`,
    );
  }
  checkGraderTypes(definition, `${where}: testing_criteria`);
}

/** An unsupported grader type, named with its place, before any grader is built. */
export function checkGraderTypes(definition: EvalDefinition, where: string): void {
  definition.testing_criteria.forEach((criterion, index) => {
    if (!(LOCAL_GRADER_TYPES as readonly string[]).includes(criterion.type)) {
      throw new EvalDefinitionError(
        `${where}[${index}] ("${criterion.name}")`,
        `grader type "${criterion.type}" is not supported by the local engine (it runs ${LOCAL_GRADER_TYPES.join(', ')}).`,
      );
    }
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
