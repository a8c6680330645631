import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource } from '../settings/settings.js';
import { RUN_TOKEN_KEY } from '../shared/run-metadata-keys.js';
import { checkedRun } from './answer-shapes.js';
import { describeApiError, describeEndpoint, isTransient, retryDelayMs } from './api-errors.js';
import type { EvalsClient } from './client.js';
import { cursorItems } from './cursor-pages.js';
import { toRunSnapshot } from './records.js';
import type { RunSnapshot } from './run-types.js';

export interface StartRunRequest {
  evalId: string;
  name: string;
  dataSource: DataSource;
  metadata: Record<string, string>;
  /** The metadata value under RUN_TOKEN_KEY that marks this attempt's run. */
  attemptToken: string;
  baseURL: string;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

const CREATE_ATTEMPTS = 4;
/** How many of the newest runs are searched for one this attempt may already have made. */
const RECENT_RUNS_SEARCHED = 100;

/**
 * Starts one run. The SDK's own retries are off for the create call: it sends no idempotency key, so a
 * create whose answer was lost may have made a run already. Before every try after a lost answer, the
 * eval's newest runs are searched for this step's token, and a run found there is adopted instead of
 * making another.
 */
export async function startRun(client: EvalsClient, request: StartRunRequest): Promise<RunSnapshot> {
  const context = { doing: `starting a run of eval ${request.evalId}`, evalId: request.evalId, baseURL: request.baseURL };
  for (let attempt = 1; ; attempt++) {
    try {
      const run = await client.evals.runs.create(
        request.evalId,
        // The SDK's types narrow data_source to the three documented shapes; ours is validated by the server.
        { name: request.name, metadata: request.metadata, data_source: request.dataSource as never },
        { maxRetries: 0, signal: request.signal },
      );
      // A run without an id could not be followed or cancelled: an error (the gate then looks for the run by its token).
      return checkedRun(run, context.doing, describeEndpoint(request.baseURL));
    } catch (error) {
      if (!isTransient(error) || attempt >= CREATE_ATTEMPTS) throw describeApiError(error, context);
      const wait = retryDelayMs(error, attempt);
      request.log?.(`Starting the run failed (${describeApiError(error, context).message}); checking whether it was made, then trying again.`);
      await sleep(wait, undefined, { signal: request.signal });
      const made = await findRunByToken(client, request).catch(() => null);
      if (made) {
        request.log?.(`The run was made (${made.id}) although its answer was lost; following it.`);
        return made;
      }
    }
  }
}

/** The newest run of the eval carrying this attempt's token, if any. */
export async function findRunByToken(
  client: EvalsClient,
  request: Pick<StartRunRequest, 'evalId' | 'attemptToken' | 'baseURL' | 'signal'>,
): Promise<RunSnapshot | null> {
  let seen = 0;
  try {
    const runs = client.evals.runs.list(request.evalId, { order: 'desc', limit: 100 }, { signal: request.signal });
    for await (const run of cursorItems(runs, `looking for this attempt's run of eval ${request.evalId}`, describeEndpoint(request.baseURL))) {
      if (run.metadata?.[RUN_TOKEN_KEY] === request.attemptToken) return toRunSnapshot(run);
      if (++seen >= RECENT_RUNS_SEARCHED) break;
    }
  } catch (error) {
    throw describeApiError(error, {
      doing: `looking for this attempt's run of eval ${request.evalId}`,
      evalId: request.evalId,
      baseURL: request.baseURL,
    });
  }
  return null;
}
