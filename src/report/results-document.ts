import type { ItemChange } from '../analysis/compare-runs.js';
import type { GateResult } from '../analysis/gate-result.js';

export const RESULTS_FILE_VERSION = 1;

/**
 * The machine-readable result: the run, counts, per-criterion rates, failing items, verdict and reasons.
 * Without item content, failing items keep their ids and grades only, as the reports do, and the
 * grades lose the judges' reasons, which quote the outputs.
 */
export function resultsDocument(result: GateResult, options: { showItemContent: boolean }): unknown {
  const failingItems = options.showItemContent
    ? result.failingItems
    : result.failingItems.map(({ id, datasourceItemId, outcome, grades }) => ({
        id,
        datasourceItemId,
        outcome,
        grades: grades.map((grade) => ({ ...grade, reason: null })),
      }));
  return {
    version: RESULTS_FILE_VERSION,
    eval_id: result.evalId,
    run: {
      id: result.run.id,
      name: result.run.name,
      status: result.run.status,
      model: result.run.model,
      report_url: result.run.reportUrl,
      created_at: result.run.createdAt,
      error: result.run.error,
      metadata: result.run.metadata,
      result_counts: result.run.resultCounts,
      usage: result.run.usage,
    },
    status: result.status,
    counts: result.counts,
    score: result.score,
    threshold: result.threshold,
    criteria: result.criteria,
    failing_items: failingItems,
    failing_items_omitted: result.failingItemsOmitted,
    counts_note: result.countsNote,
    verdict: result.verdict,
    baseline: baselineDocument(result),
    baseline_note: result.baselineNote,
    trend: result.trend,
    duration_ms: result.durationMs,
    links: result.links,
  };
}

/** The comparison with the baseline: the numbers behind the outputs, and which items changed. */
function baselineDocument(result: GateResult): unknown {
  if (!result.baseline) return null;
  const { baseline, label, comparison } = result.baseline;
  const change = ({ id, contentHash, baseline: before, current }: ItemChange) => ({ datasource_item_id: id, content_hash: contentHash, baseline: before, current });
  return {
    run_id: baseline.runId,
    name: baseline.name,
    branch: baseline.branch,
    report_url: baseline.reportUrl,
    label,
    paired_by: comparison.pairedBy,
    paired: comparison.paired,
    skipped_pairs: comparison.skippedPairs,
    added: comparison.added,
    removed: comparison.removed,
    baseline_score: comparison.baselineScore,
    score_delta: comparison.scoreDelta,
    regressions: comparison.mcnemar.regressions,
    fixes: comparison.mcnemar.fixes,
    p_value: comparison.mcnemar.pValue,
    criteria: comparison.criteria,
    regressed_items: comparison.regressions.map(change),
    fixed_items: comparison.fixes.map(change),
  };
}
