import { setTimeout as sleep } from 'node:timers/promises';
import { describeApiError, describeEndpoint, isTransient, retryDelayMs } from './api-errors.js';
import type { EvalsClient } from './client.js';
import { cursorItems } from './cursor-pages.js';

/** An eval definition in the create format of the Evals API (`POST /evals`), as read from `eval-file`. */
export interface RemoteEvalDefinition {
  name: string;
  data_source_config: Record<string, unknown>;
  testing_criteria: Record<string, unknown>[];
  metadata?: Record<string, string>;
}

export interface EnsureEvalRequest {
  definition: RemoteEvalDefinition;
  /** `evalDefinitionFingerprint(definition)`: kept in the eval's metadata to find it again. */
  fingerprint: string;
  baseURL: string;
  /** The eval file's path in the repository, for messages. Default "the eval file". */
  evalFile?: string;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export interface EnsuredEval {
  id: string;
  name: string;
  /** True when this call made the eval (including one whose create answer was lost and then found). */
  created: boolean;
}

/** The eval metadata key holding the fingerprint of the definition the eval was made from. */
export const EVAL_FINGERPRINT_KEY = 'evals_gate_definition';

/** How many of the project's newest evals are searched for the fingerprint before making a new one. */
export const EVALS_SEARCHED = 1000;

const CREATE_ATTEMPTS = 4;

/**
 * Finds the newest eval made from this definition (its fingerprint in the eval's metadata), or makes
 * it. As for runs (start-run.ts), the SDK's retries are off for the create: it sends no idempotency key,
 * so a create whose answer was lost may have made the eval already. Before every try after a transient
 * failure the evals are searched again, and an eval found there is adopted instead of making another.
 */
export async function ensureEval(client: EvalsClient, request: EnsureEvalRequest): Promise<EnsuredEval> {
  const file = request.evalFile ?? 'the eval file';
  // The definition's own metadata was checked against the API's limits when the inputs were read (checkEvalMetadata).
  const metadata = { ...request.definition.metadata, [EVAL_FINGERPRINT_KEY]: request.fingerprint };
  const found = await findEvalByFingerprint(client, request, file, request.log);
  if (found) return { ...found, created: false };

  const { definition } = request;
  const context = { doing: `creating the eval from ${file}`, evalId: JSON.stringify(definition.name), baseURL: request.baseURL };
  for (let attempt = 1; ; attempt++) {
    try {
      const made = await client.evals.create(
        // The SDK's types narrow the config and criteria to the documented shapes; ours are validated by the server.
        { name: definition.name, data_source_config: definition.data_source_config as never, testing_criteria: definition.testing_criteria as never, metadata },
        { maxRetries: 0, signal: request.signal },
      );
      return { id: made.id, name: made.name || definition.name, created: true };
    } catch (error) {
      if (!isTransient(error) || attempt >= CREATE_ATTEMPTS) throw describeApiError(error, context);
      const wait = retryDelayMs(error, attempt);
      request.log?.(`Creating the eval failed (${describeApiError(error, context).message}); checking whether it was made, then trying again.`);
      await sleep(wait, undefined, { signal: request.signal });
      const made = await findEvalByFingerprint(client, request, file).catch(() => null);
      if (made) {
        request.log?.(`The eval was made (${made.id}) although its answer was lost; using it.`);
        return { ...made, created: true };
      }
    }
  }
}

/** The newest of the project's newest `EVALS_SEARCHED` evals whose metadata carries the fingerprint. */
async function findEvalByFingerprint(
  client: EvalsClient,
  request: EnsureEvalRequest,
  file: string,
  log?: (line: string) => void,
): Promise<{ id: string; name: string } | null> {
  let seen = 0;
  try {
    const evals = client.evals.list({ order: 'desc', limit: 100 }, { signal: request.signal });
    for await (const found of cursorItems(evals, `looking for the eval made from ${file}`, describeEndpoint(request.baseURL))) {
      if (found.metadata?.[EVAL_FINGERPRINT_KEY] === request.fingerprint) return { id: found.id, name: found.name || request.definition.name };
      if (++seen >= EVALS_SEARCHED) {
        // A cap ends the search of a long list (a list whose cursor never advances ends in cursorItems).
        log?.(`Stopped looking for the eval made from ${file} after the project's newest ${EVALS_SEARCHED} evals; making a new one.`);
        break;
      }
    }
  } catch (error) {
    throw describeApiError(error, {
      doing: `looking for the eval made from ${file}`,
      evalId: JSON.stringify(request.definition.name),
      baseURL: request.baseURL,
    });
  }
  return null;
}

