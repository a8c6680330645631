import { type EvalDefinition, parseEvalDefinition, checkRunsLocally } from '../engine/definition.js';
import { EvalDefinitionError } from '../engine/definition-error.js';
import { createGraders } from '../engine/graders/create-graders.js';
import type { DataSource } from './data-source.js';
import { evalDefinitionFingerprint } from '../evals-api/eval-definition-fingerprint.js';
import { InputError } from './input-error.js';
import { parseBaseUrl, parseChoice, parseCount } from './input-parsers.js';
import { type InputSource, readEvalId } from './read-settings.js';
import { ModelClient } from '../models/model-client.js';
import { readWorkspaceFile } from './workspace-files.js';

/** The eval to run: one on the server, or a definition in the repository. */
export type EvalChoice =
  | { kind: 'id'; evalId: string }
  | { kind: 'file'; path: string; definition: EvalDefinition; fingerprint: string };

export type EngineKind = 'remote' | 'local';

/** The OpenAI-compatible endpoint the local engine samples and judges with. */
export interface ModelEndpointSettings {
  baseURL: string;
  apiKey: string;
}

export const DEFAULT_MODEL_BASE_URL = 'https://api.openai.com/v1';
export const DEFAULT_CONCURRENCY = 8;
const MAX_CONCURRENCY = 256;

/** `eval-id`, `eval-file` and `engine`, checked together. */
export function readEvalChoice(source: InputSource, workspace: string): { engine: EngineKind; eval: EvalChoice } {
  const { read } = source;
  const evalId = read('eval-id').trim();
  const evalFile = read('eval-file').trim();
  if (evalId && evalFile) {
    throw new InputError('eval-file', 'set either "eval-id" (an eval on the Evals API) or "eval-file" (an eval definition in the repository), not both.');
  }
  if (!evalId && !evalFile) {
    throw new InputError('eval-id', 'required: "eval-id" (an eval on the Evals API, eval_…) or "eval-file" (an eval definition in the repository).');
  }
  const engine = parseChoice('engine', read('engine') || (evalId ? 'remote' : 'local'), ['remote', 'local'] as const);
  if (evalId) {
    readEvalId(read);
    if (engine === 'local') {
      throw new InputError(
        'engine',
        `the local engine runs an "eval-file", not an eval on a server. Write ${evalId} into the repository first: npx evals-gate export --eval-id ${evalId} --out evals/`,
      );
    }
    return { engine, eval: { kind: 'id', evalId } };
  }
  const file = readWorkspaceFile('eval-file', workspace, evalFile);
  let definition: EvalDefinition;
  try {
    definition = parseEvalDefinition(file.text, evalFile);
    if (engine === 'local') checkRunsLocally(definition, evalFile);
  } catch (error) {
    throw asInputError('eval-file', error);
  }
  return { engine, eval: { kind: 'file', path: evalFile, definition, fingerprint: evalDefinitionFingerprint(definition) } };
}

/** The id the local engine gives an eval: the same definition has the same id in every job. */
export function localEvalId(choice: Extract<EvalChoice, { kind: 'file' }>): string {
  return `eval_local_${choice.fingerprint}`;
}

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
  const baseURL = baseUrlInput
    ? parseBaseUrl('model-base-url', baseUrlInput)
    : parseBaseUrl('model-base-url (from OPENAI_BASE_URL)', env.OPENAI_BASE_URL?.trim() || DEFAULT_MODEL_BASE_URL);
  const apiKey = apiKeyInput || env.OPENAI_API_KEY?.trim() || '';
  if (apiKey && apiKey !== apiKeyInput) source.mask(apiKey);

  const uses = modelUses(definition, dataSource);
  try {
    const unused = new ModelClient({ baseURL, apiKey: apiKey || 'unused' }, { maxConcurrency: concurrency });
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
  return { models: { baseURL, apiKey }, concurrency };
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

function asInputError(input: string, error: unknown): Error {
  if (error instanceof InputError) return error;
  if (error instanceof EvalDefinitionError) return new InputError(input, error.message);
  return error instanceof Error ? error : new Error(String(error));
}
