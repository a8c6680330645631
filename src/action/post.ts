import * as core from '@actions/core';
import { cancelLeftoverRun } from '../gate/cancel-leftover.js';
import { connectEvalsApi } from '../gate/connect.js';
import { readEvalId } from '../settings/eval-choice.js';
import { readEndpointSettings } from '../settings/read-settings.js';
import { redactSecrets } from '../shared/redact.js';
import { Secrets } from '../shared/secrets.js';
import { actionInputs } from './action-inputs.js';
import { actionsRunner, type Runner } from './runner.js';
import { STATE } from './state.js';

/**
 * The post step: runs after the main step whatever became of it. If the main step was killed or could
 * not cancel, the run may still be active (and costing money): cancel it. Harmless when there is nothing
 * to do, and never fails the job: a post step's failure would hide the main step's real outcome.
 */
export async function runPost(runner: Runner = actionsRunner): Promise<void> {
  if (core.getState(STATE.finished) === 'true') return;
  const runId = core.getState(STATE.runId);
  const attemptToken = core.getState(STATE.attemptToken);
  if (!runId && !attemptToken) return;
  const secrets = new Secrets(core.setSecret);
  try {
    const inputs = actionInputs((secret) => secrets.add(secret));
    // An eval-file's eval was found or created by the main step, which saved its id.
    const evalId = core.getState(STATE.evalId) || readEvalId(inputs.read);
    const endpoint = readEndpointSettings(inputs);
    const client = connectEvalsApi(endpoint, secrets, runner);
    await cancelLeftoverRun(client, { evalId, runId, attemptToken, baseURL: endpoint.baseURL }, runner);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    runner.warning(redactSecrets(`The post step could not make sure the run was cancelled: ${message}`, secrets.list()));
  }
}
