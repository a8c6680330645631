import type { ItemRecord, ResultCounts, RunSnapshot } from '../evals-api/run-types.js';
import type { RunComparison } from './compare-runs.js';

/** How the wait ended: the run's terminal status, or our own timeout. */
export type GateStatus = 'completed' | 'failed' | 'canceled' | 'timeout';

export interface CriterionRate {
  id: string;
  /** The grader's name, or `grader/metric` for one metric of a grader with several (Azure). */
  name: string;
  metric: string | null;
  passed: number;
  failed: number;
  /** passed / (passed + failed); null when the criterion graded nothing. */
  rate: number | null;
  /** The minimum from `criteria-thresholds`, when one applies to this criterion. */
  min: number | null;
}

export interface Verdict {
  result: 'pass' | 'fail';
  /** Every reason that decided the verdict, in order of importance. Never empty. */
  reasons: string[];
}

/** The run compared against. */
export interface BaselineRun {
  runId: string;
  name: string;
  branch: string | null;
  reportUrl: string | null;
  createdAt: number | null;
}

/** The comparison with the baseline, and the items it is about. */
export interface BaselineComparison {
  baseline: BaselineRun;
  /** How reports name the baseline, e.g. `vs main`. */
  label: string;
  comparison: RunComparison;
  /** The current records of the regressed items (failing now, passing in the baseline), as far as kept. */
  regressed: ItemRecord[];
  /** The baseline's records of the fixed items (failing then, passing now), as far as kept. */
  fixed: ItemRecord[];
}

/** One run of a branch in the score trend, oldest first. */
export interface ScorePoint {
  runId: string;
  /** e.g. '11-21' or a short sha */
  label: string;
  /** [0,1] */
  score: number;
  url: string | null;
  /** Whether the run met the gate's threshold; null when unknown. */
  status: 'pass' | 'fail' | null;
}

/** Everything the gate learned: the input to every report and the body of the results file. */
export interface GateResult {
  evalId: string;
  run: RunSnapshot;
  status: GateStatus;
  counts: ResultCounts;
  /** passed / (total − skipped), errored counting as not passed; 0 when nothing was graded. */
  score: number;
  threshold: number;
  criteria: CriterionRate[];
  /** Failing and errored items, in the order the API listed them, up to the collection cap. */
  failingItems: ItemRecord[];
  /** Failing items beyond the collection cap: counted, not kept. */
  failingItemsOmitted: number;
  /** Set when the output items disagree with the run's `result_counts`. */
  countsNote: string | null;
  verdict: Verdict;
  /** Wall time from the run's start to the end of collection. */
  durationMs: number;
  /** The comparison with the baseline, when one was found and the run completed. */
  baseline: BaselineComparison | null;
  /** Why there is no comparison (none found, `baseline: none`…), when there is none. */
  baselineNote: string | null;
  /** The branch's recent scores, oldest first (push and schedule runs), this run last. */
  trend: ScorePoint[] | null;
  links: {
    report: string | null;
    workflowRun: string | null;
  };
}
