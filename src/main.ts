import * as core from '@actions/core';
import type { GateResult, GateStatus } from './analysis/gate-result.js';
import { analyseRun } from './analysis/analyse-run.js';
import { ItemTally } from './analysis/item-tally.js';
import { EvalsApiError } from './evals/api-errors.js';
import { cancelRun } from './evals/cancel-run.js';
import { authHint } from './evals/auth-hints.js';
import type { EvalsClient } from './evals/client.js';
import { collectOutputItems } from './evals/collect-items.js';
import { describeEval } from './evals/describe-eval.js';
import { expectedItemCount } from './evals/expected-items.js';
import type { RunSnapshot } from './evals/run-types.js';
import { startRun } from './evals/start-run.js';
import { waitForTerminalRun } from './evals/wait-for-run.js';
import { type GitContext, readGitContext } from './github/context.js';
import { InputError } from './input-error.js';
import { connectEvalsApi } from './connect-evals-api.js';
import { actionInputs, readSettings, type Settings } from './inputs.js';
import { Secrets } from './secrets.js';
import { redactDeep, redactSecrets } from './redact.js';
import { progressLine } from './report/progress-line.js';
import { publishErrorComment, publishErrorToTrackingIssue, publishPending, publishResult } from './publish.js';
import { type BaselineLookup, checkBaselineRun, lookUpBaseline } from './baseline-lookup.js';
import type { GateRun } from './evals/gate-runs.js';
import { STATE } from './state.js';
import { onTermination } from './termination.js';

/** Cancelling must finish inside the runner's 7.5 s between SIGINT and SIGTERM. */
const CANCEL_ON_SIGNAL_MS = 5000;
const CANCEL_AFTER_TIMEOUT_MS = 30_000;
const PROGRESS_EVERY_MS = 60_000;

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
  const client = connectEvalsApi(settings.endpoint, secrets);
  const gate = new Gate(client, settings, git);
  const uninstall = onTermination((signal) => gate.abandon(signal));
  try {
    // Everything published comes from this redacted copy: no secret the server echoed can reach a report.
    const { result, evalName } = redactDeep(await gate.run(), secrets.list());
    await publishResult(result, evalName, settings, git, secrets.list());
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
    const evalName = gate.evalName ?? settings.evalId;
    if (gate.saidEvaluating) await publishErrorComment(shown, evalName, settings, git, secrets.list());
    await publishErrorToTrackingIssue(shown, evalName, settings, git, secrets.list());
  } finally {
    uninstall();
  }
}

/** One gate's run on the Evals API, from start to result, remembering enough to cancel it at any point. */
class Gate {
  private readonly client: EvalsClient;
  private readonly settings: Settings;
  private readonly git: GitContext;
  private readonly controller = new AbortController();
  private runId: string | null = null;
  /** The eval's name, once read. */
  evalName: string | null = null;
  /** The PR comment says "evaluating…": an error must replace it. */
  saidEvaluating = false;
  private finished = false;

  constructor(client: EvalsClient, settings: Settings, git: GitContext) {
    this.client = client;
    this.settings = settings;
    this.git = git;
  }

  get abandoned(): boolean {
    return this.controller.signal.aborted;
  }

  async run(): Promise<{ result: GateResult; evalName: string }> {
    const { settings, client } = this;
    const signal = this.controller.signal;
    const baseURL = settings.endpoint.baseURL;
    const evalInfo = await describeEval(client, settings.evalId, baseURL, signal);
    this.evalName = evalInfo.name;
    // An explicit baseline is checked before a run costs anything.
    const explicitBaseline =
      settings.baseline.kind === 'run' ? await checkBaselineRun(client, { evalId: settings.evalId, runId: settings.baseline.runId, baseURL, signal }) : null;
    const started = Date.now();
    // From here on a run may exist: the post step can find it by this token even if the answer never came.
    core.saveState(STATE.attemptToken, settings.attemptToken);
    const created = await startRun(client, {
      evalId: settings.evalId,
      name: settings.runName,
      dataSource: settings.dataSource,
      metadata: settings.metadata,
      attemptToken: settings.attemptToken,
      baseURL,
      signal,
      log: (line) => core.warning(line),
    });
    this.runId = created.id;
    core.saveState(STATE.runId, created.id);
    core.setOutput('run-id', created.id);
    if (created.reportUrl) core.setOutput('report-url', created.reportUrl);
    core.info(`Started run ${created.id} ("${created.name}") of eval ${evalInfo.name} (${settings.evalId}).`);
    if (created.reportUrl) core.info(`Report: ${created.reportUrl}`);
    this.saidEvaluating = await publishPending(created, evalInfo.name, settings, this.git);

    const expected = expectedItemCount(settings.dataSource);
    // Annotations are capped at 10 warnings a step: the first transient failure is one, the rest go to the log.
    let warned = false;
    const warnFirst = (message: string) => {
      if (warned) core.info(message);
      else core.warning(message);
      warned = true;
    };
    let lastLine = '';
    let lastLogged = 0;
    const outcome = await waitForTerminalRun(client, {
      evalId: settings.evalId,
      runId: created.id,
      baseURL,
      timeoutMs: settings.timeoutMs,
      pollIntervalMs: settings.pollIntervalMs,
      signal,
      onRetry: warnFirst,
      onProgress: (snapshot, elapsed) => {
        const line = progressLine(snapshot, elapsed, expected);
        // The line without its elapsed time: a line per change, and a heartbeat while nothing changes.
        const state = line.slice(0, line.lastIndexOf(' · '));
        const now = Date.now();
        if (state !== lastLine || now - lastLogged >= PROGRESS_EVERY_MS) {
          core.info(line);
          lastLine = state;
          lastLogged = now;
        }
      },
    });

    let status: GateStatus;
    let final: RunSnapshot;
    if (outcome.timedOut) {
      status = 'timeout';
      final = outcome.run ?? created;
      core.warning(`Run ${created.id} did not finish within ${settings.timeoutMs / 60_000} minutes; cancelling it.`);
      await this.cancelIfActive('the timeout passed', CANCEL_AFTER_TIMEOUT_MS);
    } else {
      final = outcome.run;
      status = final.status as GateStatus;
      this.markFinished();
      core.info(`Run ${created.id} ended: ${final.status}.`);
    }

    let tally: ItemTally | null = null;
    if (status === 'completed') {
      tally = new ItemTally();
      const items = tally;
      const stats = await collectOutputItems(
        client,
        { evalId: settings.evalId, runId: created.id, baseURL, expectedTotal: final.resultCounts.total, signal, onRetry: warnFirst },
        (record) => items.add(record),
      );
      core.info(`Read ${stats.items} output items in ${stats.pages} pages.`);
    }
    const lookup = status === 'completed' ? await this.lookUpBaseline(final, explicitBaseline, warnFirst) : { baseline: null, note: null, history: null };
    const result = analyseRun({
      evalId: settings.evalId,
      run: final,
      status,
      tally,
      threshold: settings.threshold,
      criteriaThresholds: settings.criteriaThresholds,
      timeoutMs: settings.timeoutMs,
      durationMs: Date.now() - started,
      workflowRunUrl: this.git.workflowRunUrl,
      baseline: lookup.baseline,
      baselineNote: lookup.note,
      limits: settings,
      history: lookup.history,
    });
    return { result, evalName: evalInfo.name };
  }

  /** The baseline and the branch's history. Failing to read them never fails the gate: the run is judged alone. */
  private async lookUpBaseline(run: RunSnapshot, explicit: GateRun | null, onRetry: (message: string) => void): Promise<BaselineLookup> {
    try {
      return await lookUpBaseline(this.client, {
        settings: this.settings,
        git: this.git,
        run,
        explicit,
        baseURL: this.settings.endpoint.baseURL,
        signal: this.controller.signal,
        log: (line) => core.info(line),
        onRetry,
      });
    } catch (error) {
      if (this.abandoned) throw error;
      const message = error instanceof Error ? error.message : String(error);
      core.warning(`Could not read the baseline, so the gate judged the run alone: ${message}`);
      return { baseline: null, note: `Could not read the baseline, so the gate judged the run alone: ${message}`, history: null };
    }
  }

  /** Cancels the run if it may still be running. Never throws: it is called on the way out. */
  async cancelIfActive(why: string, timeoutMs = CANCEL_ON_SIGNAL_MS): Promise<void> {
    if (!this.runId || this.finished) return;
    const runId = this.runId;
    try {
      const outcome = await cancelRun(this.client, { evalId: this.settings.evalId, runId, baseURL: this.settings.endpoint.baseURL, timeoutMs });
      this.markFinished();
      core.info(outcome === 'canceled' ? `Cancelled run ${runId} (${why}).` : `Run ${runId} had already finished.`);
    } catch (error) {
      core.warning(`Could not cancel run ${runId} (${why}): ${error instanceof Error ? error.message : String(error)} The post step will try again.`);
    }
  }

  /** The workflow was cancelled: stop every request, cancel the run, report, and let the process exit. */
  async abandon(signal: NodeJS.Signals): Promise<void> {
    this.controller.abort(new Error(`received ${signal}`));
    core.warning(`Received ${signal}: the workflow is being cancelled.`);
    await this.cancelIfActive(`received ${signal}`);
    const run = !this.runId ? '' : this.finished ? `; run ${this.runId} is not running` : `; run ${this.runId} may still be running (the post step will cancel it)`;
    core.setFailed(`Cancelled by ${signal}${run}.`);
  }

  private markFinished(): void {
    this.finished = true;
    core.saveState(STATE.finished, 'true');
  }
}

function failureMessage(result: GateResult): string {
  return `Gate failed: ${result.verdict.reasons.join(' ')}`;
}
