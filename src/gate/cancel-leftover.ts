import { cancelRun } from '../evals-api/cancel-run.js';
import type { EvalsClient } from '../evals-api/client.js';
import { readRun } from '../evals-api/read-run.js';
import { isTerminalStatus } from '../evals-api/records.js';
import { findRunByToken } from '../evals-api/start-run.js';
import type { Log } from '../shared/log.js';

const POST_CANCEL_MS = 20_000;

/**
 * What the post step does: cancel the run the main step left active (it was killed, or could not
 * cancel). The main step may have been stopped while its create request was in flight: then the run is
 * found by the attempt token in its metadata.
 */
export async function cancelLeftoverRun(
  client: EvalsClient,
  request: { evalId: string; runId: string; attemptToken: string; baseURL: string },
  log: Log,
): Promise<void> {
  const { evalId, baseURL } = request;
  const runId = request.runId || (await findRunByToken(client, { evalId, attemptToken: request.attemptToken, baseURL }))?.id;
  if (!runId) {
    log.info('No run of this step was started: nothing to cancel.');
    return;
  }
  const run = await readRun(client, { evalId, runId, baseURL, timeoutMs: POST_CANCEL_MS });
  if (isTerminalStatus(run.status)) {
    log.info(`Run ${runId} is ${run.status}: nothing to cancel.`);
    return;
  }
  const outcome = await cancelRun(client, { evalId, runId, baseURL, timeoutMs: POST_CANCEL_MS });
  if (outcome === 'canceled') log.warning(`Cancelled run ${runId}, which the main step left ${run.status}.`);
  else log.info(`Run ${runId} finished by itself.`);
}
