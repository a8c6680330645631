import * as core from '@actions/core';
import type { GateResult } from '../analysis/gate-result.js';
import { EvalsApiError } from '../evals-api/api-errors.js';
import { authHint } from '../evals-api/auth-hints.js';
import { readGitContext } from '../github/context.js';
import { InputError } from '../settings/input-error.js';
import { connectEvals } from '../gate/connect.js';
import { Gate, type GateHost } from '../gate/gate.js';
import { actionInputs, readSettings, type Settings } from '../settings/read-settings.js';
import { Secrets } from '../shared/secrets.js';
import { redactDeep, redactSecrets } from '../shared/redact.js';
import { publishErrorComment, publishErrorToTrackingIssue, publishPending, publishResult } from './publish.js';
import { onTermination } from '../shared/termination.js';

/** The action's main step: the one place that wires the modules together and decides the exit status. */
export async function run(): Promise<void> {
  const git = readGitContext();
  const secrets = new Secrets(core.setSecret);
  let settings: Settings;
  try {
    settings = readSettings(git, actionInputs((secret) => secrets.add(secret)));
  } catch (error) {
    core.setFailed(error instanceof InputError ? error.message : `Could not read the inputs: ${String(error)}`);
    return;
  }
  const connection = connectEvals(settings, secrets, (line) => core.warning(line));
  const host: GateHost = {
    info: (line) => core.info(line),
    warning: (line) => core.warning(line),
    fail: (message) => core.setFailed(message),
    saveState: (name, value) => core.saveState(name, value),
    setOutput: (name, value) => core.setOutput(name, value),
    announce: (created, evalName, current) => publishPending(created, evalName, current, git),
  };
  const gate = new Gate(connection.client, settings, git, host);
  const uninstall = onTermination((signal) => gate.abandon(signal));
  try {
    // Everything published comes from this redacted copy: no secret the server echoed can reach a report.
    const { result, evalName } = redactDeep(await gate.run(), secrets.list());
    await publishResult(result, evalName, gate.settings, git, secrets.list());
    if (result.verdict.result === 'fail') core.setFailed(failureMessage(result));
    else core.info(`Gate passed: ${result.verdict.reasons.join(' ')}`);
  } catch (error) {
    // On SIGINT/SIGTERM the termination handler cancels, reports and exits; nothing to add here.
    if (gate.abandoned) return;
    await gate.cancelIfActive('the gate stopped on an error');
    const message =
      error instanceof EvalsApiError
        ? [error.message, authHint(settings.endpoint.auth, error.status)].filter(Boolean).join(' ')
        : error instanceof InputError
          ? error.message
          : String(error);
    const shown = redactSecrets(message, secrets.list());
    core.setFailed(shown);
    const evalName = gate.evalName ?? evalLabel(gate.settings);
    if (gate.saidEvaluating) await publishErrorComment(shown, evalName, gate.settings, git, secrets.list());
    await publishErrorToTrackingIssue(shown, evalName, gate.settings, git, secrets.list());
  } finally {
    uninstall();
    await connection.close();
  }
}

/** The eval's name for reports when it could not be read: its id, or its file. */
export function evalLabel(settings: Settings): string {
  return settings.evalId || (settings.evalChoice.kind === 'file' ? settings.evalChoice.path : '');
}

function failureMessage(result: GateResult): string {
  return `Gate failed: ${result.verdict.reasons.join(' ')}`;
}
