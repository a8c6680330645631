import type { EvalDefinition } from '../engine/definition.js';
import { createGraders } from '../engine/graders/create-graders.js';
import { compileItemValidator } from '../engine/item-validator.js';
import { checkDataSourceTemplates, checkGraderTemplates, SAMPLED_FIELDS } from '../engine/template-fields.js';
import { ModelClient } from '../models/model-client.js';
import { asInputError, InputError } from './input-error.js';
import { OPENAI_BASE_URL, parseCount, readOpenAiEndpoint } from './input-parsers.js';
import type { DataSource, InputSource, ModelEndpointSettings } from './settings.js';

export const DEFAULT_CONCURRENCY = 8;
const MAX_CONCURRENCY = 256;

/**
 * `model-base-url`, `model-api-key` and `concurrency` for the local engine. The endpoint is required
 * only when the eval calls a model (a sampled data source, a judge grader, cosine similarity); every
 * grader is built once here so that a bad field is reported as an input error before anything runs.
 */
export function readLocalEngineSettings(
  source: InputSource,
  definition: EvalDefinition,
  dataSource: DataSource,
  where: string,
): { models: ModelEndpointSettings | null; concurrency: number } {
  const { read } = source;
  const concurrency = parseCount('concurrency', read('concurrency') || String(DEFAULT_CONCURRENCY));
  if (concurrency < 1 || concurrency > MAX_CONCURRENCY) throw new InputError('concurrency', `must be from 1 to ${MAX_CONCURRENCY}; got ${concurrency}.`);
  const endpoint = readOpenAiEndpoint(source, { url: 'model-base-url', key: 'model-api-key' });
  const { baseURL, query } = endpoint;
  const apiKey = endpoint.key();

  const uses = modelUses(definition, dataSource);
  try {
    const unused = new ModelClient({ baseURL, apiKey: apiKey || 'unused', query }, { maxConcurrency: concurrency });
    createGraders(definition, { models: () => unused }, `${where}: testing_criteria`);
    // The samples this engine makes have known fields; and the items will be checked against item_schema.
    if (dataSource.type !== 'jsonl') checkGraderTemplates(definition, { where: `${where}: testing_criteria`, sampleFields: SAMPLED_FIELDS });
    const { item_schema: itemSchema } = definition.data_source_config;
    if (itemSchema !== undefined) compileItemValidator(itemSchema, `${where}: data_source_config.item_schema`);
  } catch (error) {
    throw asInputError('eval-file', error);
  }
  if (uses.length === 0) return { models: null, concurrency };
  // Self-hosted endpoints (Ollama, vLLM) often take no key; OpenAI's always does.
  if (!apiKey && baseURL === OPENAI_BASE_URL) {
    throw new InputError('model-api-key', `the eval calls a model (${uses.join(', ')}): set "model-api-key" (from a secret) or OPENAI_API_KEY, or "model-base-url" for an endpoint that needs no key.`);
  }
  // An empty key sends no Authorization header at all.
  return { models: { baseURL, apiKey, query }, concurrency };
}

/** A data source whose `input_messages` name an item field the eval-file's item_schema does not define (either engine). */
export function checkDataSourceAgainstEval(definition: EvalDefinition, dataSource: DataSource): void {
  try {
    checkDataSourceTemplates(definition, dataSource, 'input_messages');
  } catch (error) {
    throw asInputError('data-source', error);
  }
}

/** What in the eval calls a model, for error messages; empty when nothing does. */
export function modelUses(definition: EvalDefinition, dataSource: DataSource): string[] {
  const uses: string[] = [];
  if (dataSource.type !== 'jsonl') uses.push(`a ${dataSource.type} data source`);
  for (const criterion of definition.testing_criteria) {
    if (criterion.type === 'label_model' || criterion.type === 'score_model') uses.push(`the ${criterion.type} grader "${criterion.name}"`);
    if (criterion.type === 'text_similarity' && criterion.evaluation_metric === 'cosine') uses.push(`the cosine text_similarity grader "${criterion.name}"`);
  }
  return uses;
}

