import { describeApiError } from './api-errors.js';
import type { EvalsClient } from './client.js';
import { toRunSnapshot } from './records.js';
import type { RunSnapshot } from './run-types.js';

/** One run as it is now. A failure is an EvalsApiError saying what was being read. */
export async function readRun(client: EvalsClient, request: { evalId: string; runId: string; baseURL: string; timeoutMs?: number }): Promise<RunSnapshot> {
  try {
    return toRunSnapshot(await client.evals.runs.retrieve(request.runId, { eval_id: request.evalId }, { timeout: request.timeoutMs }));
  } catch (error) {
    throw describeApiError(error, { doing: `reading run ${request.runId}`, evalId: request.evalId, baseURL: request.baseURL });
  }
}
