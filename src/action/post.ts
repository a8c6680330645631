import * as core from '@actions/core';
import { cancelRun } from '../evals-api/cancel-run.js';
import { connectEvalsApi } from '../gate/connect.js';
import { isTerminalStatus, toRunSnapshot } from '../evals-api/records.js';
import { findRunByToken } from '../evals-api/start-run.js';
import { actionInputs, readEndpointSettings, readEvalId } from '../settings/read-settings.js';
import { redactSecrets } from '../shared/redact.js';
import { Secrets } from '../shared/secrets.js';
import { STATE } from './state.js';

const POST_CANCEL_MS = 20_000;

/**
 * The post step: runs after the main step whatever became of it. If the main step was killed or could
 * not cancel, the run may still be active (and costing money): cancel it. Harmless when there is nothing
 * to do, and never fails the job: a post step's failure would hide the main step's real outcome.
 */
export async function runPost(): Promise<void> {
  if (core.getState(STATE.finished) === 'true') return;
  const savedRunId = core.getState(STATE.runId);
  const attemptToken = core.getState(STATE.attemptToken);
  if (!savedRunId && !attemptToken) return;
  const secrets = new Secrets(core.setSecret);
  try {
    const inputs = actionInputs((secret) => secrets.add(secret));
    // An eval-file's eval was found or created by the main step, which saved its id.
    const evalId = core.getState(STATE.evalId) || readEvalId(inputs.read);
    const endpoint = readEndpointSettings(inputs);
    const client = connectEvalsApi(endpoint, secrets);
    // The main step may have been stopped while its create request was in flight: find the run by token.
    const runId = savedRunId || (await findRunByToken(client, { evalId, attemptToken, baseURL: endpoint.baseURL }))?.id;
    if (!runId) {
      core.info('No run of this step was started: nothing to cancel.');
      return;
    }
    const run = toRunSnapshot(await client.evals.runs.retrieve(runId, { eval_id: evalId }, { timeout: POST_CANCEL_MS }));
    if (isTerminalStatus(run.status)) {
      core.info(`Run ${runId} is ${run.status}: nothing to cancel.`);
      return;
    }
    const outcome = await cancelRun(client, { evalId, runId, baseURL: endpoint.baseURL, timeoutMs: POST_CANCEL_MS });
    if (outcome === 'canceled') core.warning(`Cancelled run ${runId}, which the main step left ${run.status}.`);
    else core.info(`Run ${runId} finished by itself.`);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    core.warning(redactSecrets(`The post step could not make sure the run was cancelled: ${message}`, secrets.list()));
  }
}
