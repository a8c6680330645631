import type { BaselineInput } from './analysis/analyse-run.js';
import { trendLabel } from './analysis/analyse-run.js';
import type { ScorePoint } from './analysis/gate-result.js';
import { ItemTally } from './analysis/item-tally.js';
import { scoreOf } from './analysis/analyse-run.js';
import type { EvalsClient } from './evals/client.js';
import { collectOutputItems } from './evals/collect-items.js';
import { type GateRun, listGateRuns, readBaselineRun, RUNS_SEARCHED } from './evals/gate-runs.js';
import { RUN_METADATA_KEYS } from './evals/run-metadata.js';
import type { RunSnapshot } from './evals/run-types.js';
import type { GitContext } from './github/context.js';
import type { Settings } from './inputs.js';

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
  baseURL: string;
  signal?: AbortSignal;
  log: (line: string) => void;
  onRetry?: (message: string) => void;
}

/**
 * Finds what the run is compared with and reads its items; on push and schedule runs also the
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
  const tally = new ItemTally();
  const stats = await collectOutputItems(
    client,
    { evalId: settings.evalId, runId: found.run.id, baseURL: request.baseURL, expectedTotal: found.run.resultCounts.total, signal: request.signal, onRetry: request.onRetry },
    (record) => tally.add(record),
  );
  request.log(`Read ${stats.items} output items of baseline run ${found.run.id} in ${stats.pages} pages.`);
  const dataset = settings.metadata[RUN_METADATA_KEYS.dataset] ?? null;
  const branch = found.run.metadata[RUN_METADATA_KEYS.branch] ?? null;
  return { baseline: { run: found.run, branch, tally, sameDataset: dataset !== null && found.dataset === dataset }, note: null, history };
}

async function chooseBaseline(
  client: EvalsClient,
  request: LookupRequest,
  earlier: GateRun[],
  filterFor: (branch: string) => Parameters<typeof listGateRuns>[1]['filter'],
  context: { evalId: string; baseURL: string; signal?: AbortSignal },
): Promise<GateRun | { note: string }> {
  const { settings, git, run } = request;
  const choice = settings.baseline;
  if (choice.kind === 'none') return { note: 'Not compared with a baseline (baseline: none).' };
  if (choice.kind === 'run') {
    if (choice.runId === run.id) return { note: `Not compared: the baseline run ${choice.runId} is this run.` };
    const given = await readBaselineRun(client, { ...context, runId: choice.runId });
    if (given.run.status !== 'completed') return { note: `Not compared: baseline run ${choice.runId} is ${given.run.status}, not completed.` };
    return given;
  }
  const ref = settings.baselineRef;
  if (!ref) return { note: 'No baseline: this run is not on a branch and baseline-ref is empty. The gate judged the run alone.' };
  const candidates = !git.isPullRequest && ref === git.branch ? earlier : await listGateRuns(client, { ...context, filter: filterFor(ref), want: 1 });
  const newest = candidates[0];
  if (newest) return newest;
  return {
    note: `No baseline: no completed run of this gate (comment key "${settings.commentKey}", ${settings.dataSource.type} data) on ${ref} among the eval's last ${RUNS_SEARCHED.toLocaleString('en-US')} runs. The gate judged the run alone.`,
  };
}

/** A run of the trend; ✅/❌ say whether it meets today's threshold (past verdicts are not stored). */
function pointOf(run: RunSnapshot, threshold: number): ScorePoint {
  const score = scoreOf(run.resultCounts);
  return { runId: run.id, label: trendLabel(run), score, url: run.reportUrl, status: score >= threshold ? 'pass' : 'fail' };
}
