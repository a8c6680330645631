import { type BaselineInput, scoreOf, trendLabel } from '../analysis/analyse-run.js';
import type { ScorePoint } from '../analysis/gate-result.js';
import type { ItemTally } from '../analysis/item-tally.js';
import { EvalsApiError } from '../evals-api/api-errors.js';
import type { EvalsClient } from '../evals-api/client.js';
import { type GateRun, listGateRuns, readBaselineRun, RUNS_SEARCHED } from '../evals-api/gate-runs.js';
import type { RunSnapshot } from '../evals-api/run-types.js';
import type { GitContext } from '../github/context.js';
import { InputError } from '../settings/input-error.js';
import type { Settings } from '../settings/settings.js';
import { RUN_METADATA_KEYS } from '../shared/run-metadata-keys.js';

export interface BaselineLookup {
  baseline: BaselineInput | null;
  /** Why there is no baseline, for the reports. */
  note: string | null;
  /** Earlier runs of the branch, oldest first, on push and schedule runs. */
  history: ScorePoint[] | null;
}

export interface LookupRequest {
  settings: Settings;
  git: GitContext;
  /** The current run, completed. */
  run: RunSnapshot;
  /** The run named by `baseline: <id>`, read (and checked) before the gate's own run started. */
  explicit: GateRun | null;
  baseURL: string;
  signal?: AbortSignal;
  log: (line: string) => void;
  onRetry?: (message: string) => void;
  /**
   * Reads what the comparison needs of the chosen baseline's items (the gate reads the current run's
   * at the same time): only the failing ones when both runs evaluated the same rows.
   */
  readItems: (baseline: GateRun, sameDataset: boolean) => Promise<ItemTally>;
}

/**
 * Finds what the run is compared with and reads its items (through `readItems`); on push and schedule runs also the
 * branch's recent runs for the trend. A baseline that cannot be found or read is not an error: the
 * report says why, and the gate judges the run alone.
 */
export async function lookUpBaseline(client: EvalsClient, request: LookupRequest): Promise<BaselineLookup> {
  const { settings, git, run } = request;
  const branchRun = !git.isPullRequest && git.branch !== null;
  const filterFor = (branch: string) => ({
    repository: git.repository || null,
    branch,
    gateKey: settings.commentKey,
    dataSourceType: settings.dataSource.type,
    excludeRunId: run.id,
  });
  const context = { evalId: settings.evalId, baseURL: request.baseURL, signal: request.signal };

  // The branch's own earlier runs: the trend, and on push/schedule the previous run is the baseline.
  let earlier: GateRun[] = [];
  if (branchRun && git.branch !== null && (settings.history > 1 || settings.baselineRef === git.branch)) {
    earlier = await listGateRuns(client, { ...context, filter: filterFor(git.branch), want: Math.max(1, settings.history - 1) });
  }
  const history = branchRun && settings.history > 0 ? earlier.slice(0, settings.history - 1).reverse().map((entry) => pointOf(entry.run, settings.threshold)) : null;

  const found = await chooseBaseline(client, request, earlier, filterFor, context);
  if ('note' in found) return { baseline: null, note: found.note, history };
  const label =
    settings.baseline.kind === 'run'
      ? `vs ${found.run.name || found.run.id}`
      : branchRun && settings.baselineRef === git.branch
        ? 'vs the previous run'
        : `vs ${settings.baselineRef}`;
  const dataset = settings.metadata[RUN_METADATA_KEYS.dataset] ?? null;
  const sameDataset = dataset !== null && found.dataset === dataset;
  const tally = await request.readItems(found, sameDataset);
  const branch = found.run.metadata[RUN_METADATA_KEYS.branch] ?? null;
  return { baseline: { run: found.run, branch, label, tally, sameDataset }, note: null, history };
}

async function chooseBaseline(
  client: EvalsClient,
  request: LookupRequest,
  earlier: GateRun[],
  filterFor: (branch: string) => Parameters<typeof listGateRuns>[1]['filter'],
  context: { evalId: string; baseURL: string; signal?: AbortSignal },
): Promise<GateRun | { note: string }> {
  const { settings, git } = request;
  const choice = settings.baseline;
  if (choice.kind === 'none') return { note: 'Not compared with a baseline (baseline: none).' };
  if (choice.kind === 'run') return request.explicit ?? (await checkBaselineRun(client, { ...context, runId: choice.runId }));
  const ref = settings.baselineRef;
  if (!ref) return { note: 'No baseline: this run is not on a branch and baseline-ref is empty. The gate judged the run alone.' };
  const candidates = !git.isPullRequest && ref === git.branch ? earlier : await listGateRuns(client, { ...context, filter: filterFor(ref), want: 1 });
  const newest = candidates[0];
  if (newest) return newest;
  return {
    note: `No baseline: no completed run of this gate (comment key "${settings.commentKey}", ${settings.dataSource.type} data) on ${ref} among the eval's most recent runs (up to ${RUNS_SEARCHED.toLocaleString('en-US')} are searched). The gate judged the run alone.`,
  };
}

/**
 * The run named by `baseline: <id>`. It is the user's explicit choice, so a run that does not exist or
 * has not completed fails the gate, before its own run is started, rather than silently turning off
 * max-regressions and max-score-drop.
 */
export async function checkBaselineRun(
  client: EvalsClient,
  request: { evalId: string; runId: string; baseURL: string; signal?: AbortSignal },
): Promise<GateRun> {
  let given: GateRun;
  try {
    given = await readBaselineRun(client, request);
  } catch (error) {
    if (error instanceof EvalsApiError && error.status === 404) {
      throw new InputError('baseline', `run ${request.runId} was not found in eval ${request.evalId} at ${request.baseURL}.`);
    }
    throw error;
  }
  if (given.run.status !== 'completed') {
    throw new InputError('baseline', `run ${request.runId} is ${given.run.status}: a baseline must be a completed run.`);
  }
  return given;
}

/** A run of the trend; ✅/❌ say whether it meets today's threshold (past verdicts are not stored). */
function pointOf(run: RunSnapshot, threshold: number): ScorePoint {
  const score = scoreOf(run.resultCounts);
  return { runId: run.id, label: trendLabel(run), score, url: run.reportUrl, status: score >= threshold ? 'pass' : 'fail' };
}
