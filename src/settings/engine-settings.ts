import { type EvalDefinition } from '../engine/definition.js';
import { createGraders } from '../engine/graders/create-graders.js';
import { ModelClient } from '../models/model-client.js';
import { asInputError, InputError } from './input-error.js';
import { isSecretQueryParameter, parseCount, parseEndpointUrl } from './input-parsers.js';
import type { DataSource, InputSource, ModelEndpointSettings } from './settings.js';





export const DEFAULT_MODEL_BASE_URL = 'https://api.openai.com/v1';
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
  const { read, env } = source;
  const concurrency = parseCount('concurrency', read('concurrency') || String(DEFAULT_CONCURRENCY));
  if (concurrency < 1 || concurrency > MAX_CONCURRENCY) throw new InputError('concurrency', `must be from 1 to ${MAX_CONCURRENCY}; got ${concurrency}.`);
  const apiKeyInput = read('model-api-key').trim();
  if (apiKeyInput) source.mask(apiKeyInput);
  const baseUrlInput = read('model-base-url').trim();
  const endpoint = baseUrlInput
    ? parseEndpointUrl('model-base-url', baseUrlInput)
    : parseEndpointUrl('model-base-url (from OPENAI_BASE_URL)', env.OPENAI_BASE_URL?.trim() || DEFAULT_MODEL_BASE_URL);
  for (const [name, value] of Object.entries(endpoint.query)) {
    if (value && isSecretQueryParameter(name)) source.mask(value);
  }
  const { url: baseURL, query } = endpoint;
  const apiKey = apiKeyInput || env.OPENAI_API_KEY?.trim() || '';
  if (apiKey && apiKey !== apiKeyInput) source.mask(apiKey);

  const uses = modelUses(definition, dataSource);
  try {
    const unused = new ModelClient({ baseURL, apiKey: apiKey || 'unused', query }, { maxConcurrency: concurrency });
    createGraders(definition, { models: () => unused }, `${where}: testing_criteria`);
  } catch (error) {
    throw asInputError('eval-file', error);
  }
  if (uses.length === 0) return { models: null, concurrency };
  // Self-hosted endpoints (Ollama, vLLM) often take no key; OpenAI's always does.
  if (!apiKey && baseURL === DEFAULT_MODEL_BASE_URL) {
    throw new InputError('model-api-key', `the eval calls a model (${uses.join(', ')}): set "model-api-key" (from a secret) or OPENAI_API_KEY, or "model-base-url" for an endpoint that needs no key.`);
  }
  // An empty key sends no Authorization header at all.
  return { models: { baseURL, apiKey, query }, concurrency };
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

