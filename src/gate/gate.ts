import { analyseRun } from '../analysis/analyse-run.js';
import type { GateResult, GateStatus } from '../analysis/gate-result.js';
import { describeUnknownThresholds, unknownThresholdNames } from '../analysis/threshold-names.js';
import { FILE_PATH_SOURCE } from '../engine/jsonl-row.js';
import { EvalsApiError } from '../evals-api/api-errors.js';
import { cancelRun } from '../evals-api/cancel-run.js';
import type { EvalsClient } from '../evals-api/client.js';
import { describeEval } from '../evals-api/describe-eval.js';
import { ensureEval } from '../evals-api/ensure-eval.js';
import { expectedItemCount } from '../evals-api/expected-items.js';
import type { GateRun } from '../evals-api/gate-runs.js';
import type { RunSnapshot } from '../evals-api/run-types.js';
import { findRunByToken, startRun } from '../evals-api/start-run.js';
import { waitForTerminalRun } from '../evals-api/wait-for-run.js';
import type { GitContext } from '../github/context.js';
import type { RecordSource } from '../history/find-records.js';
import { readRecordFile } from '../history/read-record-file.js';
import type { ResultsRecord } from '../history/record-format.js';
import { recordHeader } from '../history/write-record.js';
import { progressLine } from '../report/progress-line.js';
import { InputError } from '../settings/input-error.js';
import type { Settings } from '../settings/settings.js';
import type { Log } from '../shared/log.js';
import { RUN_METADATA_KEYS } from '../shared/run-metadata-keys.js';
import { type BaselineLookup, checkBaselineRun, lookUpBaseline } from './baseline-lookup.js';
import { type ItemsRead, type ReadBaselineItems, RunCollector } from './collect-run.js';
import type { FollowItems } from './connect.js';
import { describeAge, recordAsBaseline } from './record-baseline.js';
import { lookUpRecords } from './record-lookup.js';
import type { RecordedTally } from './recorded-tally.js';

/** Cancelling must finish inside the runner's 7.5 s between SIGINT and SIGTERM. */
const CANCEL_ON_SIGNAL_MS = 5000;
const CANCEL_AFTER_TIMEOUT_MS = 30_000;
const PROGRESS_EVERY_MS = 60_000;
/** The local engine's longest pause between polls. */
const LOCAL_POLL_MS = 250;

/** What the post step needs to cancel a run the main step could not: saved as soon as it is known. */
export interface SavedRun {
  evalId?: string;
  runId?: string;
  /** Finds the run by its metadata if the create's answer never came. */
  attemptToken?: string;
  /** The run reached a terminal status (or was cancelled): nothing is left to cancel. */
  finished?: true;
}

/** Where a gate reports as it goes: the runner (log, state, outputs, PR comment) or a terminal. */
export interface GateHost extends Log {
  /** Marks the step failed with this message (the run was cancelled by a signal). */
  fail(message: string): void;
  /** Kept for the post step, which cancels a run the main step could not (remote engine only). */
  remember(saved: SavedRun): void;
  /** The run exists: say so where the result will appear. True when the PR comment now says "evaluating…". */
  started(run: RunSnapshot, evalName: string): Promise<boolean>;
  /** Takes every secret known so far out of a text; item texts go through it before they are cut to size. */
  redact(text: string): string;
}

/** What a gate's run came to, with all the publishers need; the gate is not read again after it. */
export type GateOutcome =
  /** `record`: what later runs compare with and draw (completed runs only), for the action to keep. */
  | { kind: 'result'; result: GateResult; record: ResultsRecord | null; evalId: string; evalName: string; announced: boolean }
  /** The gate could not run (bad input found late, an API error, a run without items…); a run it started was cancelled. */
  | { kind: 'error'; error: unknown; evalId: string; evalName: string; announced: boolean }
  /** A signal stopped it: the termination handler has cancelled the run and reported. */
  | { kind: 'abandoned' };

/** The engine a gate talks to: the Evals API client, and the local engine's items in this process. */
export interface GateConnection {
  client: EvalsClient;
  followItems?: FollowItems;
}

const NO_BASELINE: BaselineLookup = { baseline: null, note: null, history: null };

/** One gate's run on the Evals API, from start to result, remembering enough to cancel it at any point. */
export class Gate {
  private readonly client: EvalsClient;
  private readonly followItems: FollowItems | undefined;
  /** The settings, with the eval's id once it is known (an eval-file's eval is found or created first). */
  private settings: Settings;
  private readonly git: GitContext;
  private readonly host: GateHost;
  private readonly controller = new AbortController();
  private runId: string | null = null;
  /** The eval's name, once read. */
  private evalName: string | null = null;
  /** The PR comment says "evaluating…": an error must replace it. */
  private saidEvaluating = false;
  private finished = false;
  /** The repository's kept records (artifacts), when the gate may read them (a token, a repository). */
  private readonly records: RecordSource | null;
  private record: ResultsRecord | null = null;
  /** A create was sent: a run may exist although its id never came back. */
  private mayHaveRun = false;

  constructor(connection: GateConnection, settings: Settings, git: GitContext, host: GateHost, records: RecordSource | null = null) {
    this.client = connection.client;
    this.followItems = connection.followItems;
    this.settings = settings;
    this.git = git;
    this.host = host;
    this.records = records;
  }

  /** Whether a run outlives this process: only on a remote endpoint, where the post step can cancel it. */
  private get remote(): boolean {
    return this.settings.engine === 'remote';
  }

  get abandoned(): boolean {
    return this.controller.signal.aborted;
  }

  /** Runs the gate to its outcome. Never throws: an error is an outcome, after the run was cancelled. */
  async run(): Promise<GateOutcome> {
    try {
      const result = await this.judge();
      return { kind: 'result', result, record: this.record, evalId: this.settings.evalId, evalName: this.evalName ?? evalLabel(this.settings), announced: this.saidEvaluating };
    } catch (error) {
      if (this.abandoned) return { kind: 'abandoned' };
      await this.cancelIfActive('the gate stopped on an error');
      return { kind: 'error', error, evalId: this.settings.evalId, evalName: this.evalName ?? evalLabel(this.settings), announced: this.saidEvaluating };
    }
  }

  private async judge(): Promise<GateResult> {
    // timeout-minutes bounds every wait until the run ends: reading the eval, starting the run (a
    // create that never answers included) and polling it. Reading a completed run's items is not cut short.
    const deadline = Date.now() + this.settings.timeoutMs;
    const signal = AbortSignal.any([this.controller.signal, AbortSignal.timeout(this.settings.timeoutMs)]);
    await this.beforeDeadline('finding the eval', signal, () => this.resolveEval(signal));
    const { settings, client } = this;
    const baseURL = settings.endpoint.baseURL;
    const evalInfo = await this.beforeDeadline(`reading eval ${settings.evalId}`, signal, () => describeEval(client, settings.evalId, baseURL, signal));
    this.evalName = evalInfo.name;
    // The eval's own criteria (an eval-file's were checked with the other inputs): a threshold for
    // another one is a typo, to be said before the run costs anything.
    if (settings.evalChoice.kind === 'id' && evalInfo.criteria) {
      const unknown = unknownThresholdNames(settings.criteriaThresholds, evalInfo.criteria);
      if (unknown.length > 0) throw new InputError('criteria-thresholds', describeUnknownThresholds(unknown, evalInfo.criteria, `eval ${settings.evalId}`));
    }
    // An explicit baseline is checked before a run costs anything.
    const baselineRunId = settings.baseline.kind === 'run' ? settings.baseline.runId : null;
    const explicitBaseline =
      baselineRunId === null
        ? null
        : await this.beforeDeadline('reading the baseline run', signal, () => checkBaselineRun(client, { evalId: settings.evalId, runId: baselineRunId, baseURL, signal }));
    const baselineFile = settings.baseline.kind === 'file' ? await readBaselineFile(settings.baseline) : null;
    const started = Date.now();
    // From here on a run may exist: the post step can find it by this token even if the answer never came.
    if (this.remote) this.host.remember({ attemptToken: settings.attemptToken });
    this.mayHaveRun = true;
    const created = await this.beforeDeadline('starting the run', signal, () => this.startRunOrExplain(client, {
      evalId: settings.evalId,
      name: settings.runName,
      dataSource: settings.dataSource,
      metadata: settings.metadata,
      attemptToken: settings.attemptToken,
      baseURL,
      signal,
      log: (line) => this.host.warning(line),
    }));
    this.runId = created.id;
    // Annotations are capped at 10 warnings a step: the first transient failure is one, the rest go to the log.
    let warned = false;
    const warnFirst = (message: string) => {
      if (warned) this.host.info(message);
      else this.host.warning(message);
      warned = true;
    };
    const collector = new RunCollector({
      client,
      settings,
      log: this.host,
      signal: this.controller.signal,
      abandoned: () => this.abandoned,
      onRetry: warnFirst,
    });
    // The local engine, in this process, hands its items over as it grades them: nothing is read back.
    const followed = !this.remote && this.followItems ? collector.follow(this.followItems, created.id) : null;
    if (this.remote) this.host.remember({ runId: created.id });
    this.host.info(`Started run ${created.id} ("${created.name}") of eval ${evalInfo.name} (${settings.evalId}).`);
    if (created.reportUrl) this.host.info(`Report: ${created.reportUrl}`);
    this.saidEvaluating = await this.host.started(created, evalInfo.name);

    const expected = expectedItemCount(settings.dataSource);
    let lastLine = '';
    let lastLogged = 0;
    const outcome = await waitForTerminalRun(client, {
      evalId: settings.evalId,
      runId: created.id,
      baseURL,
      timeoutMs: Math.max(0, deadline - Date.now()),
      // Polling the local engine costs nothing: the result is shown as soon as it is there.
      pollIntervalMs: this.remote ? settings.pollIntervalMs : Math.min(settings.pollIntervalMs, LOCAL_POLL_MS),
      // It keeps the deadline itself: on expiry it answers "timed out", and the run is cancelled.
      signal: this.controller.signal,
      onRetry: warnFirst,
      onProgress: (snapshot, elapsed) => {
        const line = progressLine(snapshot, elapsed, expected);
        // The line without its elapsed time: a line per change, and a heartbeat while nothing changes.
        const state = line.slice(0, line.lastIndexOf(' · '));
        const now = Date.now();
        if (state !== lastLine || now - lastLogged >= PROGRESS_EVERY_MS) {
          this.host.info(line);
          lastLine = state;
          lastLogged = now;
        }
      },
    }).finally(() => followed?.stop());

    let status: GateStatus;
    let final: RunSnapshot;
    if (outcome.timedOut) {
      status = 'timeout';
      final = outcome.run ?? created;
      this.host.warning(`Run ${created.id} did not finish within ${settings.timeoutMs / 60_000} minutes; cancelling it.`);
      await this.cancelIfActive('the timeout passed', CANCEL_AFTER_TIMEOUT_MS);
    } else {
      final = outcome.run;
      status = final.status as GateStatus;
      this.markFinished();
      this.host.info(`Run ${created.id} ended: ${final.status}.`);
    }

    let read: ItemsRead | null = null;
    if (status === 'completed') {
      if (this.remote) {
        const lookUp = settings.baseline.kind === 'file' ? null : (signal: AbortSignal, readItems: ReadBaselineItems) => this.lookUpBaseline(final, explicitBaseline, warnFirst, signal, readItems);
        read = await collector.remote(final, lookUp, (api) => this.findBaseline(api, baselineFile, this.sourceFingerprint()));
      } else {
        const tally = await collector.local(final, followed?.tally ?? null);
        read = { tally, lookup: await this.findBaseline(null, baselineFile, tally.recorded.datasetFingerprint()) };
      }
    }
    const tally = read?.tally ?? null;
    const lookup = read?.lookup ?? NO_BASELINE;
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
    if (tally) this.record = this.recordOf(result, evalInfo.name, tally);
    return result;
  }

  /**
   * The record this run leaves for later ones: its facts, and the keys and verdicts of the items the
   * gate read (every item, or the failing ones alone when the run object gave the rest).
   */
  private recordOf(result: GateResult, evalName: string, tally: RecordedTally): ResultsRecord {
    const items = tally.recorded;
    const { settings, git } = this;
    const header = recordHeader(
      {
        gateKey: settings.commentKey,
        repository: git.repository,
        event: git.eventName,
        ref: git.ref,
        branch: git.branch,
        sha: git.sha,
        pr: git.prNumber,
        workflowRunId: git.runId,
        workflowRunAttempt: git.runAttempt,
        createdAt: new Date(),
        engine: settings.engine,
        evalId: settings.evalId,
        evalName,
        definitionFingerprint: settings.evalChoice.kind === 'file' ? settings.evalChoice.fingerprint : null,
        runId: result.run.id,
        runName: result.run.name,
        datasetKind: settings.dataSource.type,
        // The remote engine pairs by the data source's fingerprint, as its baselines on the API do.
        datasetFingerprint: this.remote ? this.sourceFingerprint() : undefined,
        kept: tally.coverage,
        counts: result.counts,
        score: result.score,
        threshold: result.threshold,
        verdict: result.verdict.result,
        criteria: result.criteria,
      },
      items,
    );
    return { header, items: items.padded() };
  }

  /** The data source's fingerprint, as the run's metadata carries it: what remote runs pair by. */
  private sourceFingerprint(): string {
    return this.settings.metadata[RUN_METADATA_KEYS.dataset] ?? '';
  }

  /**
   * The baseline and the trend: a given file, the Evals API's runs (`remote`, the remote engine's lookup),
   * or the records earlier runs kept as artifacts (the local engine, and the remote one when the API
   * holds no usable run). Failing to read the records never fails the gate: the run is judged alone.
   */
  private async findBaseline(remote: BaselineLookup | null, file: ResultsRecord | null, currentDataset: string): Promise<BaselineLookup> {
    const { settings } = this;
    const fromFile =
      file && settings.baseline.kind === 'file'
        ? recordAsBaseline(file, currentDataset, { label: `vs ${settings.baseline.label}`, which: `from ${settings.baseline.label}`, age: describeAge(file.header.created_at, Date.now()), url: null })
        : null;
    const wantRecords = !this.remote || (settings.baseline.kind === 'auto' && remote?.baseline === null) || !remote?.history?.length;
    let kept: BaselineLookup | null = null;
    const report = (line: string) => (this.remote ? this.host.info(line) : this.host.warning(line));
    if (this.records && settings.resultsArtifact && wantRecords) {
      try {
        const found = await lookUpRecords({
          source: this.records,
          artifactName: settings.resultsArtifact,
          settings,
          git: this.git,
          wantBaseline: fromFile === null && (remote === null || remote.baseline === null),
          datasetKind: settings.dataSource.type,
          currentDataset,
          now: Date.now(),
          log: (line) => this.host.info(line),
        });
        // On the remote engine the records are only a fallback: what stops them is worth a line, not a warning.
        if (found.warning) report(found.warning);
        kept = found;
      } catch (error) {
        if (this.abandoned) throw error;
        const message = error instanceof Error ? error.message : String(error);
        report(`Could not read the records of earlier runs, so the gate judged the run without them: ${message}`);
        kept = { baseline: null, note: `Could not read the records of earlier runs: ${message}`, history: null };
      }
    }
    const baseline = fromFile ?? remote?.baseline ?? kept?.baseline ?? null;
    // The remote engine's own note comes first: the records were only its fallback.
    const note = baseline ? null : (remote ? remote.note : (kept?.note ?? this.noRecordsNote()));
    const history = remote?.history?.length ? remote.history : (kept?.history ?? remote?.history ?? null);
    return { baseline, note, history };
  }

  /** Why the local engine has no baseline when it cannot read records at all. */
  private noRecordsNote(): string | null {
    const { settings } = this;
    if (settings.baseline.kind === 'none') return 'Not compared with a baseline (baseline: none).';
    if (this.remote) return null;
    if (!settings.resultsArtifact) return 'No baseline: results-artifact is none, so no records of earlier runs are looked for. The gate judged the run alone.';
    return "No baseline: the records of earlier runs are read from the repository's workflow artifacts, which needs a github-token and a repository; elsewhere, give a results file of an earlier run as baseline. The gate judged the run alone.";
  }

  /**
   * Starts the run. The local engine checks the rows and builds the graders when a run is created: what it
   * refuses is a problem of the inputs, and is reported as one.
   */
  private async startRunOrExplain(client: EvalsClient, request: Parameters<typeof startRun>[1]): Promise<RunSnapshot> {
    try {
      return await startRun(client, request);
    } catch (error) {
      throw this.remote ? error : (localInputError(error, this.settings) ?? error);
    }
  }

  /** An eval-file sent to a remote endpoint: the eval made from it, found or created. */
  private async resolveEval(signal: AbortSignal): Promise<void> {
    const { settings } = this;
    const choice = settings.evalChoice;
    if (this.remote && choice.kind === 'file') {
      const found = await ensureEval(this.client, {
        definition: choice.definition,
        fingerprint: choice.fingerprint,
        evalFile: choice.path,
        baseURL: settings.endpoint.baseURL,
        signal,
        log: (line) => this.host.info(line),
      });
      this.host.info(
        found.created
          ? `Created eval ${found.id} from ${choice.path}: no eval at the endpoint had this definition.`
          : `Using eval ${found.id}, made from this version of ${choice.path}.`,
      );
      this.settings = { ...settings, evalId: found.id };
    } else if (choice.kind === 'file') {
      this.host.info(`Running ${choice.path} on the local engine (${settings.concurrency} items at a time).`);
    }
    if (this.remote) this.host.remember({ evalId: this.settings.evalId });
  }

  /** The baseline and the branch's history. Failing to read them never fails the gate: the run is judged alone. */
  private async lookUpBaseline(
    run: RunSnapshot,
    explicit: GateRun | null,
    onRetry: (message: string) => void,
    signal: AbortSignal,
    readItems: ReadBaselineItems,
  ): Promise<BaselineLookup> {
    try {
      return await lookUpBaseline(this.client, {
        settings: this.settings,
        git: this.git,
        run,
        explicit,
        baseURL: this.settings.endpoint.baseURL,
        signal,
        log: (line) => this.host.info(line),
        onRetry,
        readItems,
      });
    } catch (error) {
      // Stopped because the gate stops (a signal, or the run's own items could not be read).
      if (this.abandoned || signal.aborted) throw error;
      const message = error instanceof Error ? error.message : String(error);
      this.host.warning(`Could not read the baseline, so the gate judged the run alone: ${message}`);
      return { baseline: null, note: `Could not read the baseline, so the gate judged the run alone: ${message}`, history: null };
    }
  }

  /**
   * Runs `step` against the deadline of timeout-minutes: when the deadline (not a signal) stopped it,
   * the error says so, whatever the request made of its abort.
   */
  private async beforeDeadline<T>(doing: string, signal: AbortSignal, step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (error) {
      if (!signal.aborted || this.abandoned) throw error;
      const minutes = this.settings.timeoutMs / 60_000;
      throw new EvalsApiError(`Gave up ${doing}: timeout-minutes (${Number.isInteger(minutes) ? minutes : minutes.toFixed(2)} min) passed before ${this.where()} had answered.`, null, { cause: error });
    }
  }

  private where(): string {
    return this.remote ? `the Evals API at ${this.settings.endpoint.baseURL}` : 'the local engine';
  }

  /** Cancels the run if it may still be running. Never throws: it is called on the way out. */
  private async cancelIfActive(why: string, timeoutMs = CANCEL_ON_SIGNAL_MS): Promise<void> {
    if (!this.runId && this.mayHaveRun && this.remote) {
      // The create's answer never came: the run, if it was made, carries this attempt's token.
      const { evalId, attemptToken, endpoint } = this.settings;
      const made = await findRunByToken(this.client, { evalId, attemptToken, baseURL: endpoint.baseURL, signal: AbortSignal.timeout(timeoutMs) }).catch(() => null);
      if (made) this.runId = made.id;
    }
    if (!this.runId || this.finished) return;
    const runId = this.runId;
    try {
      const outcome = await cancelRun(this.client, { evalId: this.settings.evalId, runId, baseURL: this.settings.endpoint.baseURL, timeoutMs });
      this.markFinished();
      this.host.info(outcome === 'canceled' ? `Cancelled run ${runId} (${why}).` : `Run ${runId} had already finished.`);
    } catch (error) {
      const retry = this.remote ? ' The post step will try again.' : '';
      this.host.warning(`Could not cancel run ${runId} (${why}): ${error instanceof Error ? error.message : String(error)}${retry}`);
    }
  }

  /** The workflow was cancelled: stop every request, cancel the run, report, and let the process exit. */
  async abandon(signal: NodeJS.Signals): Promise<void> {
    this.controller.abort(new Error(`received ${signal}`));
    this.host.warning(`Received ${signal}: the workflow is being cancelled.`);
    await this.cancelIfActive(`received ${signal}`);
    const left = this.remote ? `; run ${this.runId} may still be running (the post step will cancel it)` : `; run ${this.runId} may still be running`;
    const run = !this.runId ? '' : this.finished ? `; run ${this.runId} is not running` : left;
    this.host.fail(`Cancelled by ${signal}${run}.`);
  }

  private markFinished(): void {
    this.finished = true;
    if (this.remote) this.host.remember({ finished: true });
  }
}

/** The local engine's 400 about the rows or the graders, as an error of the input that holds them. */
function localInputError(error: unknown, settings: Settings): InputError | null {
  const refusal = (error as { cause?: { status?: unknown; error?: { param?: unknown; message?: unknown } } } | null)?.cause;
  const message = refusal?.error?.message;
  if (refusal?.status !== 400 || typeof message !== 'string') return null;
  if (refusal.error?.param === 'testing_criteria' && settings.evalChoice.kind === 'file') return new InputError('eval-file', `${settings.evalChoice.path}: ${message}`);
  if (refusal.error?.param === 'data_source') {
    const fromFile = (settings.dataSource.source as { type?: unknown } | undefined)?.type === FILE_PATH_SOURCE;
    return new InputError(fromFile ? 'data-file' : 'data-source', message);
  }
  return null;
}

/**
 * The file named by `baseline: <path>`. It is the user's explicit choice, so a file that is not a
 * record fails the gate before its run starts, rather than silently turning off the regression limits.
 */
async function readBaselineFile(choice: { path: string; label: string }): Promise<ResultsRecord> {
  const read = await readRecordFile(choice.path, choice.label);
  if (read.kind === 'record') return read.record;
  throw new InputError('baseline', read.kind === 'skipped' ? read.note : `${choice.label} is not a results record.`);
}

/** The eval's name for reports when it could not be read: its id, or its file. */
export function evalLabel(settings: Settings): string {
  return settings.evalId || (settings.evalChoice.kind === 'file' ? settings.evalChoice.path : '');
}
