import { criterionName } from '../evals-api/records.js';
import type { ItemRecord, ResultCounts, RunSnapshot } from '../evals-api/run-types.js';
import type { CriterionThreshold } from '../settings/settings.js';
import { RUN_METADATA_KEYS } from '../shared/run-metadata-keys.js';
import { compareFailingItems, compareRuns, type FailingSide, type ItemOutcomeKey, type RunComparison } from './compare-runs.js';
import type { BaselineComparison, CriterionRate, GateResult, GateStatus, ScorePoint } from './gate-result.js';
import type { ItemTally } from './item-tally.js';
import { rate } from './rates.js';
import { judgeRegressions, type RegressionLimits } from './regression-verdict.js';
import { decideVerdict } from './verdict.js';

export interface AnalysisInput {
  evalId: string;
  run: RunSnapshot;
  status: GateStatus;
  /** The output items, when they were read (only for completed runs): every item, or the failing ones alone. */
  tally: ItemTally | null;
  threshold: number;
  criteriaThresholds: CriterionThreshold[];
  timeoutMs: number;
  durationMs: number;
  workflowRunUrl: string | null;
  /** The baseline run and its items, when one was found (and this run completed). */
  baseline?: BaselineInput | null;
  /** Why there is no baseline to compare with. */
  baselineNote?: string | null;
  limits?: RegressionLimits;
  /** Earlier runs of the branch, oldest first; this run is added last. */
  history?: ScorePoint[] | null;
}

export interface BaselineInput {
  run: RunSnapshot;
  branch: string | null;
  /** How reports name it: `vs main`, `vs the previous run`. */
  label: string;
  tally: ItemTally;
  /** Both runs evaluated the same rows (same dataset fingerprint): items pair by id. */
  sameDataset: boolean;
}

const NO_LIMITS: RegressionLimits = { maxRegressions: null, maxScoreDrop: null, minSignificance: null };

/** Turns what was read from the API into the gate's result: counts, rates, the verdict and its reasons. */
export function analyseRun(input: AnalysisInput): GateResult {
  const { run, tally } = input;
  const counts = countsOf(run, tally);
  const score = scoreOf(counts);
  const { criteria, unknownCriteria } = criterionRates(run, tally, input.criteriaThresholds);
  // A run that never completed has no criteria to match; its real failure is reason enough.
  const judged = input.status === 'completed' && counts.total - counts.skipped > 0;
  const baseline = judged && tally && input.baseline ? compareWithBaseline(input.baseline, tally, score, criteria, run) : null;
  const regression = baseline ? judgeRegressions(baseline.comparison, input.limits ?? NO_LIMITS, baseline.label) : null;
  const trend = input.history ? [...input.history, currentPoint(run, score, input.status, input.workflowRunUrl)] : null;
  const result: GateResult = {
    evalId: input.evalId,
    run,
    status: input.status,
    counts,
    score,
    threshold: input.threshold,
    criteria,
    failingItems: tally ? tally.failing : [],
    failingItemsOmitted: tally ? tally.failingOmitted : 0,
    countsNote: tally?.coverage === 'all' ? compareCounts(run.resultCounts, tally.counts) : null,
    verdict: decideVerdict({
      status: input.status,
      runError: run.error,
      counts,
      score,
      threshold: input.threshold,
      criteria,
      unknownCriteria: judged ? unknownCriteria : [],
      timeoutMs: input.timeoutMs,
      regression,
    }),
    durationMs: input.durationMs,
    baseline,
    baselineNote: baseline
      ? null
      : judged && tally && input.baseline
        ? unpairedNote(input.baseline)
        : (input.baselineNote ?? null),
    trend,
    links: { report: run.reportUrl, workflowRun: input.workflowRunUrl },
  };
  // The newest point of the trend is this run: it has the verdict only now.
  const last = result.trend?.[result.trend.length - 1];
  if (last) last.status = result.verdict.result;
  return result;
}

/** Why a baseline that was found is not compared with. */
function unpairedNote(baseline: BaselineInput): string {
  const name = baseline.label || `vs ${baseline.branch || baseline.run.name || baseline.run.id}`;
  if (baseline.tally.coverage === 'failing' && !baseline.sameDataset) {
    return `No comparison ${name}: only the baseline's failing items are known (a record keeps no others), and this run evaluated other rows, so items cannot be paired by content. The gate judged the run alone.`;
  }
  return `No comparison ${name}: its items could not be paired one by one with this run's from the items read, so the gate judged the run alone.`;
}

/** The counts the score is computed from: the items' when every item was read, else the run's own. */
function countsOf(run: RunSnapshot, tally: ItemTally | null): ResultCounts {
  return tally?.coverage === 'all' ? { ...tally.counts } : { ...run.resultCounts };
}

function compareWithBaseline(input: BaselineInput, tally: ItemTally, score: number, criteria: CriterionRate[], run: RunSnapshot): BaselineComparison | null {
  const label = input.label || `vs ${input.branch || input.run.name || input.run.id}`;
  const baselineCriteria = criterionRates(input.run, input.tally, []).criteria;
  const baselineScore = scoreOf(countsOf(input.run, input.tally));
  let comparison: RunComparison | null;
  if (tally.coverage === 'all' && input.tally.coverage === 'all') {
    comparison = compareRuns({
      baseline: { items: input.tally.keys, score: baselineScore, criteria: baselineCriteria },
      current: { items: tally.keys, score, criteria },
      sameDataset: input.sameDataset,
    });
  } else {
    // The failing lists alone: what pairing by id needs (the reader checked the rest).
    comparison = canPairFailingItems(run, tally, input.run, input.tally, input.sameDataset)
      ? compareFailingItems({
          baseline: failingSide(input.tally, countsOf(input.run, input.tally).total, baselineScore, baselineCriteria),
          current: failingSide(tally, countsOf(run, tally).total, score, criteria),
        })
      : null;
    if (!comparison) return null;
  }
  const regressed = keptRecords(tally, new Set(comparison.regressions.map((change) => change.currentIndex)));
  const fixed = keptRecords(input.tally, new Set(comparison.fixes.map((change) => change.baselineIndex)));
  return {
    baseline: { runId: input.run.id, name: input.run.name, branch: input.branch, reportUrl: input.run.reportUrl, createdAt: input.run.createdAt },
    label,
    comparison,
    regressed,
    fixed,
  };
}

/**
 * Whether two runs can be compared from their failing items alone: the same dataset (pairing by id),
 * no skipped items in either (those are in no list), and ids present once each among the failing
 * items. Whoever reads the items asks this first and reads every item when it says no.
 */
export function canPairFailingItems(run: RunSnapshot, tally: ItemTally, baselineRun: RunSnapshot, baselineTally: ItemTally, sameDataset: boolean): boolean {
  if (!sameDataset) return false;
  const current = countsOf(run, tally);
  const baseline = countsOf(baselineRun, baselineTally);
  if (current.skipped > 0 || baseline.skipped > 0 || current.total !== baseline.total) return false;
  const distinctIds = (side: ItemTally) => {
    const ids = new Set<string>();
    for (const { key } of failingEntries(side)) {
      if (key.id === null || ids.has(key.id)) return false;
      ids.add(key.id);
    }
    return true;
  };
  return distinctIds(tally) && distinctIds(baselineTally);
}

/** The failing items a tally saw, with their places among its keys. */
function* failingEntries(tally: ItemTally): Generator<{ key: ItemOutcomeKey; index: number }> {
  for (let index = 0; index < tally.keys.length; index++) {
    const key = tally.keys[index] as ItemOutcomeKey;
    if (key.outcome === 'fail' || key.outcome === 'error') yield { key, index };
  }
}

function failingSide(tally: ItemTally, total: number, score: number, criteria: CriterionRate[]): FailingSide {
  return { failing: failingEntries(tally), total, score, criteria };
}

/** The kept failing records at these item positions. */
function keptRecords(tally: ItemTally, indexes: Set<number>): ItemRecord[] {
  return tally.failing.filter((_, kept) => indexes.has(tally.failingIndexes[kept] ?? -1));
}

function currentPoint(run: RunSnapshot, score: number, status: GateStatus, workflowRunUrl: string | null): ScorePoint {
  return { runId: run.id, label: trendLabel(run), score, url: run.reportUrl ?? workflowRunUrl, status: status === 'completed' ? null : 'fail' };
}

/** A run's place on the trend's axis: its date (MM-DD) and commit, e.g. `11-22 1a2b3c4`; else its id. */
export function trendLabel(run: RunSnapshot): string {
  const sha = run.metadata[RUN_METADATA_KEYS.sha]?.slice(0, 7) ?? '';
  if (run.createdAt === null) return sha || run.id;
  const date = new Date(run.createdAt * 1000);
  const day = `${String(date.getUTCMonth() + 1).padStart(2, '0')}-${String(date.getUTCDate()).padStart(2, '0')}`;
  return sha ? `${day} ${sha}` : day;
}

/** passed / graded items, errored items counting as not passed; skipped items (Azure) were not graded. */
export function scoreOf(counts: ResultCounts): number {
  const graded = counts.total - counts.skipped;
  return graded > 0 ? counts.passed / graded : 0;
}

/**
 * Per-criterion rates: the run's own `per_testing_criteria_results` when it has them, else what the
 * items say; and what the items say when a grader reported several metrics (Azure), which the run's
 * per-grader counts cannot show. A threshold matches a criterion by name or full grader id, and a
 * grader's name matches each of its metrics.
 */
function criterionRates(
  run: RunSnapshot,
  tally: ItemTally | null,
  thresholds: CriterionThreshold[],
): { criteria: CriterionRate[]; unknownCriteria: string[] } {
  // A tally of the failing items alone cannot give rates: the reader read every item when the run's own were not enough.
  const fromItems = tally !== null && tally.coverage === 'all' && (tally.hasMetrics || run.perCriterion.length === 0);
  const base = fromItems
    ? [...tally.criteria.entries()].map(([key, entry]) => ({ id: key, name: key, grader: entry.grader, metric: entry.metric, passed: entry.passed, failed: entry.failed }))
    : run.perCriterion.map((entry) => ({ id: entry.id, name: entry.name, grader: entry.name, metric: null, passed: entry.passed, failed: entry.failed }));
  const used = new Set<string>();
  const criteria = base.map(({ grader, ...entry }) => {
    const match =
      thresholds.find((threshold) => threshold.name === entry.id || threshold.name === entry.name) ??
      thresholds.find((threshold) => threshold.name === grader) ??
      // A full grader id from the eval (`name-uuid`) where the run names criteria bare (Azure).
      thresholds.find((threshold) => criterionName(threshold.name) !== threshold.name && criterionName(threshold.name) === grader);
    if (match) used.add(match.name);
    return { ...entry, rate: rate(entry.passed, entry.passed + entry.failed), min: match ? match.min : null };
  });
  return { criteria, unknownCriteria: thresholds.filter((threshold) => !used.has(threshold.name)).map((threshold) => threshold.name) };
}

function compareCounts(reported: ResultCounts, read: ResultCounts): string | null {
  const same =
    reported.total === read.total &&
    reported.passed === read.passed &&
    reported.failed === read.failed &&
    reported.errored === read.errored &&
    reported.skipped === read.skipped;
  if (same) return null;
  const show = (counts: ResultCounts) =>
    `${counts.total} total (${counts.passed} passed, ${counts.failed} failed, ${counts.errored} errored${counts.skipped ? `, ${counts.skipped} skipped` : ''})`;
  return `The run's result_counts say ${show(reported)}, but its output items show ${show(read)}. The score is computed from the output items.`;
}
