import OpenAI from 'openai';
import { describeApiError } from './api-errors.js';
import type { EvalsClient } from './client.js';
import { isTerminalStatus, toRunSnapshot } from './records.js';

export interface CancelRequest {
  evalId: string;
  runId: string;
  baseURL: string;
  /** One deadline for the whole cancellation, both paths included (the runner kills the process 10 s after a cancel). */
  timeoutMs: number;
}

export type CancelOutcome = 'canceled' | 'already-finished';

/**
 * Cancels a run so it stops costing money. Tries `POST …/runs/{r}/cancel`, then the older
 * `POST …/runs/{r}` that some servers still serve. A run that already ended is left alone.
 */
export async function cancelRun(client: EvalsClient, request: CancelRequest): Promise<CancelOutcome> {
  const context = { doing: `cancelling run ${request.runId}`, evalId: request.evalId, runId: request.runId, baseURL: request.baseURL };
  const deadline = Date.now() + request.timeoutMs;
  const signal = AbortSignal.timeout(request.timeoutMs);
  // Each call gets only the time that is left; the signal ends everything at the deadline.
  const options = () => ({ signal, maxRetries: 1, timeout: Math.max(1, deadline - Date.now()) });
  try {
    const run = await client.evals.runs.cancel(request.runId, { eval_id: request.evalId }, options());
    return outcomeOf(run);
  } catch (error) {
    if (!(error instanceof OpenAI.NotFoundError || (error instanceof OpenAI.APIError && error.status === 405))) {
      if (error instanceof OpenAI.APIError && (error.status === 400 || error.status === 409)) {
        return (await alreadyFinished(client, request, options())) ? 'already-finished' : Promise.reject(describeApiError(error, context));
      }
      throw describeApiError(error, context);
    }
  }
  try {
    const run = await client.post(`/evals/${encodeURIComponent(request.evalId)}/runs/${encodeURIComponent(request.runId)}`, options());
    return outcomeOf(run);
  } catch (error) {
    throw describeApiError(error, context);
  }
}

function outcomeOf(raw: unknown): CancelOutcome {
  const status = toRunSnapshot(raw).status;
  return status === 'completed' || status === 'failed' ? 'already-finished' : 'canceled';
}

async function alreadyFinished(
  client: EvalsClient,
  request: CancelRequest,
  options: { timeout: number; maxRetries: number; signal: AbortSignal },
): Promise<boolean> {
  const run = await client.evals.runs.retrieve(request.runId, { eval_id: request.evalId }, options).catch(() => null);
  return run !== null && isTerminalStatus(toRunSnapshot(run).status);
}
