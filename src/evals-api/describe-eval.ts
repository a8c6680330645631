import { describeApiError, describeEndpoint, EvalsApiError } from './api-errors.js';
import { describeShape } from './answer-shapes.js';
import type { EvalsClient } from './client.js';

export interface EvalSummary {
  id: string;
  name: string;
  /** Its testing criteria by name (and id, when the server gives one); null when the answer lists none. */
  criteria: { name: string; id: string | null }[] | null;
}

/** Reads the eval before starting a run: a wrong id or key fails here, clearly, and the report gets a name. */
export async function describeEval(client: EvalsClient, evalId: string, baseURL: string, signal?: AbortSignal): Promise<EvalSummary> {
  let found: unknown;
  try {
    found = await client.evals.retrieve(evalId, { signal });
  } catch (error) {
    throw describeApiError(error, { doing: `reading eval ${evalId}`, evalId, baseURL });
  }
  if (typeof found !== 'object' || found === null || Array.isArray(found)) {
    throw new EvalsApiError(`${describeEndpoint(baseURL)} answered ${describeShape(found)} while reading eval ${evalId}, not an eval.`, null);
  }
  const fields = found as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === 'string' && value ? value : null);
  const criteria = Array.isArray(fields.testing_criteria)
    ? fields.testing_criteria.flatMap((entry: unknown) => {
        const criterion = typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>) : {};
        const name = text(criterion.name);
        return name ? [{ name, id: text(criterion.id) }] : [];
      })
    : null;
  return { id: text(fields.id) ?? evalId, name: text(fields.name) ?? evalId, criteria: criteria && criteria.length > 0 ? criteria : null };
}
