import { describeApiError } from './api-errors.js';
import type { EvalsClient } from './client.js';

export interface EvalSummary {
  id: string;
  name: string;
}

/** Reads the eval before starting a run: a wrong id or key fails here, clearly, and the report gets a name. */
export async function describeEval(client: EvalsClient, evalId: string, baseURL: string, signal?: AbortSignal): Promise<EvalSummary> {
  try {
    const found = await client.evals.retrieve(evalId, { signal });
    return { id: found.id || evalId, name: found.name || evalId };
  } catch (error) {
    throw describeApiError(error, { doing: `reading eval ${evalId}`, evalId, baseURL });
  }
}
