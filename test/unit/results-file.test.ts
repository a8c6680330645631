import { describe, expect, it } from 'vitest';
import type { GateResult } from '../../src/analysis/gate-result.ts';
import type { ItemRecord } from '../../src/evals/run-types.ts';
import { resultsDocument } from '../../src/report/write-results-file.ts';

const ITEM: ItemRecord = {
  id: 'outputitem_1',
  datasourceItemId: '1',
  contentHash: '0123456789abcdef',
  outcome: 'fail',
  input: 'the prompt',
  expected: 'the reference',
  output: 'the output',
  error: null,
  grades: [{ name: 'qa', type: 'azure_ai_evaluator', metric: 'coherence', passed: false, score: 2, threshold: 3, label: 'fail', reason: 'It said the output.' }],
};

function result(): GateResult {
  const counts = { total: 1, passed: 0, failed: 1, errored: 0, skipped: 0 };
  return {
    evalId: 'eval_1',
    run: {
      id: 'evalrun_1',
      evalId: 'eval_1',
      name: 'r',
      status: 'completed',
      model: null,
      reportUrl: null,
      createdAt: null,
      resultCounts: counts,
      perCriterion: [],
      usage: [],
      error: null,
      metadata: {},
    },
    status: 'completed',
    counts,
    score: 0,
    threshold: 1,
    criteria: [],
    failingItems: [ITEM],
    failingItemsOmitted: 0,
    countsNote: null,
    verdict: { result: 'fail', reasons: ['Score 0.0% is below the threshold 100%.'] },
    durationMs: 1,
    baseline: null,
    baselineNote: null,
    trend: null,
    links: { report: null, workflowRun: null },
  };
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
});
