import * as core from '@actions/core';
import type { GateResult } from '../analysis/gate-result.js';
import { connectEvals } from '../gate/connect.js';
import { describeGateError } from '../gate/error-message.js';
import { Gate, type GateHost, type GateOutcome, type SavedRun } from '../gate/gate.js';
import { type GitContext, readGitContext } from '../github/context.js';
import { InputError } from '../settings/input-error.js';
import { readSettings } from '../settings/read-settings.js';
import type { Settings } from '../settings/settings.js';
import { redactDeep, redactSecrets } from '../shared/redact.js';
import { Secrets } from '../shared/secrets.js';
import { onTermination } from '../shared/termination.js';
import { RepositoryArtifacts } from '../github/artifacts.js';
import type { ResultsRecord } from '../history/record-format.js';
import { recordLines } from '../history/write-record.js';
import { actionInputs } from './action-inputs.js';
import { uploadRecord } from './upload-record.js';
import { Publisher } from './publish.js';
import { actionsRunner, type Runner } from './runner.js';
import { STATE } from './state.js';

/** The action's main step: inputs → gate → publish → exit status. */
export async function run(runner: Runner = actionsRunner, git: GitContext = readGitContext()): Promise<void> {
  const secrets = new Secrets(core.setSecret);
  let settings: Settings;
  try {
    settings = readSettings(git, actionInputs((secret) => secrets.add(secret)));
  } catch (error) {
    runner.setFailed(error instanceof InputError ? error.message : `Could not read the inputs: ${describeGateError(error, null)}`);
    return;
  }
  const publisher = new Publisher({ settings, git, runner, secrets: () => secrets.list() });
  const outcome = await runGate(settings, git, secrets, runner, publisher);

  if (outcome.kind === 'result') {
    // Everything published comes from this redacted copy: no secret the server echoed can reach a report.
    const result = redactDeep(outcome.result, secrets.list());
    const record = outcome.record ? redactDeep(outcome.record, secrets.list()) : null;
    await publisher.result(result, redactSecrets(outcome.evalName, secrets.list()), record);
    if (record && settings.resultsArtifact) await keepRecord(runner, settings.resultsArtifact, record, secrets);
    if (result.verdict.result === 'fail') runner.setFailed(failureMessage(result));
    else runner.info(`Gate passed: ${result.verdict.reasons.join(' ')}`);
  } else if (outcome.kind === 'error') {
    const message = redactSecrets(describeGateError(outcome.error, settings.endpoint), secrets.list());
    runner.setFailed(message);
    await publisher.error(message, redactSecrets(outcome.evalName, secrets.list()), outcome.announced);
  }
  // 'abandoned': the termination handler cancelled the run and failed the step.
}

/** One gate on the settings' engine, reporting to the runner; the post step is told what to cancel. */
async function runGate(settings: Settings, git: GitContext, secrets: Secrets, runner: Runner, publisher: Publisher): Promise<GateOutcome> {
  const connection = connectEvals(settings, secrets, runner);
  const host: GateHost = {
    info: (line) => runner.info(line),
    warning: (line) => runner.warning(line),
    fail: (message) => runner.setFailed(message),
    remember: (saved) => rememberForPost(runner, saved),
    started: (created, evalName) => publisher.started(created, evalName),
    redact: (text) => redactSecrets(text, secrets.list()),
  };
  const gate = new Gate(connection, settings, git, host, recordSource(settings, git));
  const uninstall = onTermination((signal) => gate.abandon(signal));
  try {
    return await gate.run();
  } finally {
    uninstall();
    await connection.close();
  }
}

/** The repository's artifacts, where earlier runs kept their records; null without a token or repository. */
function recordSource(settings: Settings, git: GitContext): RepositoryArtifacts | null {
  if (!settings.githubToken || !git.owner || !git.repo || !settings.resultsArtifact) return null;
  return new RepositoryArtifacts({ token: settings.githubToken, apiUrl: git.apiUrl, owner: git.owner, repo: git.repo });
}

/** Keeps the record as an artifact; a failure is one warning, and the verdict stays what it was. */
async function keepRecord(runner: Runner, name: string, record: ResultsRecord, secrets: Secrets): Promise<void> {
  const kept = await uploadRecord(name, recordLines(record.header, record.items));
  if (kept.kind === 'failed') {
    runner.warning(redactSecrets(kept.warning, secrets.list()));
    return;
  }
  runner.setOutput('results-artifact-id', String(kept.id));
  runner.info(`Kept this run's results record as artifact ${name} (id ${kept.id}, ${kept.size} bytes).`);
}

function rememberForPost(runner: Runner, saved: SavedRun): void {
  if (saved.evalId !== undefined) runner.saveState(STATE.evalId, saved.evalId);
  if (saved.runId !== undefined) runner.saveState(STATE.runId, saved.runId);
  if (saved.attemptToken !== undefined) runner.saveState(STATE.attemptToken, saved.attemptToken);
  if (saved.finished) runner.saveState(STATE.finished, 'true');
}

function failureMessage(result: GateResult): string {
  return `Gate failed: ${result.verdict.reasons.join(' ')}`;
}
