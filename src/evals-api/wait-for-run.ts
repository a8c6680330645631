import { setTimeout as sleep } from 'node:timers/promises';
import OpenAI from 'openai';
import { retryAfterMs } from '../shared/retry-after.js';
import { checkedRun } from './answer-shapes.js';
import { describeApiError, describeEndpoint, isTransient } from './api-errors.js';
import { type EvalsClient, REQUEST_TIMEOUT_MS } from './client.js';
import { isTerminalStatus } from './records.js';
import type { RunSnapshot } from './run-types.js';

export interface WaitOptions {
  evalId: string;
  runId: string;
  baseURL: string;
  timeoutMs: number;
  /** The longest pause between two polls; polling starts faster and backs off to it. */
  pollIntervalMs: number;
  signal?: AbortSignal;
  onProgress?: (run: RunSnapshot, elapsedMs: number) => void;
  /** A transient failure that did not end the wait. */
  onRetry?: (message: string) => void;
  now?: () => number;
  /** How to pause between polls; tests pass a virtual one. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export type WaitOutcome = { timedOut: false; run: RunSnapshot } | { timedOut: true; run: RunSnapshot | null };

const FIRST_POLL_MS = 1000;
const BACKOFF = 1.5;

/**
 * Polls the run until its status is terminal or the time is up. Transient failures (429, 5xx, lost
 * connections, slow answers) are logged and waited out; only a refusal (401, 404, …) ends the wait early.
 * The last poll falls on the deadline itself, so a run that finished in the last pause is not cancelled.
 */
export async function waitForTerminalRun(client: EvalsClient, options: WaitOptions): Promise<WaitOutcome> {
  const now = options.now ?? Date.now;
  const pauseFor = options.sleep ?? ((ms: number, signal?: AbortSignal) => sleep(ms, undefined, { signal }));
  const started = now();
  const deadline = started + options.timeoutMs;
  let pause = Math.min(FIRST_POLL_MS, options.pollIntervalMs);
  let last: RunSnapshot | null = null;
  const context = {
    doing: `waiting for run ${options.runId}`,
    evalId: options.evalId,
    runId: options.runId,
    baseURL: options.baseURL,
  };

  for (;;) {
    const remaining = deadline - now();
    try {
      const raw = await client.evals.runs.retrieve(
        options.runId,
        { eval_id: options.evalId },
        // This loop retries transient failures itself, within the deadline; the SDK's retries would overrun it.
        { signal: options.signal, timeout: Math.max(1000, Math.min(REQUEST_TIMEOUT_MS, remaining)), maxRetries: 0 },
      );
      // A page that is not a run (a proxy's HTML) is an error now, not a status "unknown" until the timeout.
      last = checkedRun(raw, context.doing, describeEndpoint(options.baseURL));
      options.onProgress?.(last, now() - started);
      if (isTerminalStatus(last.status)) return { timedOut: false, run: last };
    } catch (error) {
      if (options.signal?.aborted || !isTransient(error)) throw describeApiError(error, context);
      options.onRetry?.(`${describeApiError(error, context).message} Still waiting.`);
      pause = Math.max(pause, (error instanceof OpenAI.APIError ? retryAfterMs(error.headers) : null) ?? 0);
    }
    const left = deadline - now();
    if (left <= 0) return { timedOut: true, run: last };
    await pauseFor(Math.min(pause, left), options.signal);
    pause = Math.min(options.pollIntervalMs, pause * BACKOFF);
  }
}
