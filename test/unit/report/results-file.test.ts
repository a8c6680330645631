import { describe, expect, it } from 'vitest';
import type { GateResult } from '../../../src/analysis/gate-result.ts';
import type { ItemRecord } from '../../../src/evals-api/run-types.ts';
import { resultsDocument } from '../../../src/report/results-document.ts';
import { makeItem, makeResult, makeRun } from '../../support/report-fixtures.ts';

const ITEM: ItemRecord = makeItem(1, {
  contentHash: '0123456789abcdef',
  input: 'the prompt',
  expected: 'the reference',
  output: 'the output',
  grades: [{ name: 'qa', type: 'azure_ai_evaluator', metric: 'coherence', passed: false, score: 2, threshold: 3, label: 'fail', reason: 'It said the output.' }],
});

/** A failed gate result of one failing item, `ITEM`. */
function result(): GateResult {
  const counts = { total: 1, passed: 0, failed: 1, errored: 0, skipped: 0 };
  return makeResult({
    run: makeRun({ id: 'evalrun_1', evalId: 'eval_1', name: 'r', model: null, reportUrl: null, createdAt: null, resultCounts: counts, usage: [] }),
    score: 0,
    threshold: 1,
    failingItems: [ITEM],
    verdict: { result: 'fail', reasons: ['Score 0.0% is below the threshold 100%.'] },
    durationMs: 1,
    links: { report: null, workflowRun: null },
  });
}

describe('resultsDocument', () => {
  it('keeps every field of the failing items with show-item-content', () => {
    const document = resultsDocument(result(), { showItemContent: true }) as { failing_items: ItemRecord[] };
    expect(document.failing_items).toEqual([ITEM]);
  });

  it('keeps only ids and grades without show-item-content, and drops the judges\' reasons', () => {
    const document = resultsDocument(result(), { showItemContent: false }) as { failing_items: unknown[] };
    expect(document.failing_items).toEqual([
      { id: 'outputitem_1', datasourceItemId: '1', outcome: 'fail', grades: [{ ...ITEM.grades[0], reason: null }] },
    ]);
    expect(JSON.stringify(document)).not.toContain('the output');
  });

  it('carries the comparison with the baseline: its numbers and the changed items', () => {
    const withBaseline: GateResult = {
      ...result(),
      baseline: {
        baseline: { runId: 'evalrun_0', name: 'main · 1a2b3c4', branch: 'main', reportUrl: null, createdAt: 1 },
        label: 'vs main',
        regressed: [ITEM],
        fixed: [],
        comparison: {
          pairedBy: 'id',
          paired: 1,
          skippedPairs: 0,
          added: 0,
          removed: 0,
          regressions: [{ id: '1', contentHash: ITEM.contentHash, baseline: 'pass', current: 'fail', currentIndex: 0, baselineIndex: 0 }],
          fixes: [],
          baselineScore: 1,
          currentScore: 0,
          scoreDelta: -1,
          mcnemar: { regressions: 1, fixes: 0, pValue: 1 },
          criteria: [{ name: 'qa', baseline: 1, current: 0, delta: -1 }],
        },
      },
      trend: [{ runId: 'evalrun_1', label: '11-22', score: 0, url: null, status: 'fail' }],
    };
    const document = resultsDocument(withBaseline, { showItemContent: true }) as Record<string, unknown>;
    expect(document.baseline).toEqual({
      run_id: 'evalrun_0',
      name: 'main · 1a2b3c4',
      branch: 'main',
      report_url: null,
      label: 'vs main',
      paired_by: 'id',
      paired: 1,
      skipped_pairs: 0,
      added: 0,
      removed: 0,
      baseline_score: 1,
      score_delta: -1,
      regressions: 1,
      fixes: 0,
      p_value: 1,
      criteria: [{ name: 'qa', baseline: 1, current: 0, delta: -1 }],
      regressed_items: [{ datasource_item_id: '1', content_hash: ITEM.contentHash, baseline: 'pass', current: 'fail' }],
      fixed_items: [],
    });
    expect(document.trend).toEqual(withBaseline.trend);
    expect((resultsDocument(result(), { showItemContent: true }) as Record<string, unknown>).baseline).toBeNull();
  });
});
