import { describe, expect, it } from 'vitest';
import { analyseRun, type BaselineInput } from '../../../src/analysis/analyse-run.ts';
import type { ItemTally } from '../../../src/analysis/item-tally.ts';
import type { RunSnapshot } from '../../../src/evals-api/run-types.ts';
import { describeAge, recordAsBaseline } from '../../../src/gate/record-baseline.ts';
import { snapshot, tallyOf } from '../../support/analysis-fixtures.ts';
import { item, record } from '../../support/history-fixtures.ts';

const naming = { label: 'vs main', which: "the pull request's base commit", age: '2 days old', url: 'https://github.com/o/r/actions/runs/100' };

/** The analysis of `run`'s items in `tally` against `baseline`, at a 50% threshold. */
function analyse(tally: ItemTally, run: RunSnapshot, baseline: BaselineInput) {
  return analyseRun({ evalId: run.evalId, run, status: 'completed', tally, threshold: 0.5, criteriaThresholds: [], timeoutMs: 60_000, durationMs: 1, workflowRunUrl: null, baseline });
}

describe('recordAsBaseline', () => {
  // Then: 0-7 pass, 8 and 9 fail. Now: 8 is fixed, 2 and 5 regress.
  const then = record([...Array.from({ length: 8 }, (_, i) => item(i)), item(8, 'fail'), item(9, 'error')]);
  const nowItems = Array.from({ length: 10 }, (_, i) => item(i, i === 2 || i === 5 ? 'fail' : i === 9 ? 'fail' : 'pass'));

  it('compares a run with a record as with a run: regressions, fixes, score and criteria', () => {
    const baseline = recordAsBaseline({ header: then.header, items: then.items }, then.header.dataset.fingerprint, naming);
    const tally = tallyOf(nowItems);
    const result = analyse(tally, snapshot({ resultCounts: tally.counts }), baseline);
    const compared = result.baseline!;
    expect(compared.comparison).toMatchObject({ pairedBy: 'id', paired: 10, baselineScore: 0.8, currentScore: 0.7, mcnemar: { regressions: 2, fixes: 1 } });
    expect(compared.regressed.map((entry) => entry.datasourceItemId)).toEqual(['2', '5']);
    // Fixed items come from the record: ids and verdicts, no texts.
    expect(compared.fixed).toEqual([expect.objectContaining({ datasourceItemId: '8', input: null, outcome: 'fail', grades: [expect.objectContaining({ name: 'Exact answer', passed: false }), expect.objectContaining({ name: 'Mentions', passed: false })] })]);
    expect(compared.comparison.criteria.find((entry) => entry.name === 'Exact answer')).toMatchObject({ baseline: 8 / 9, current: 0.7 }); // the errored item has no verdict: counted in neither column
    expect(compared.baseline).toMatchObject({ name: "main · aaaaaaa, the pull request's base commit, 2 days old", reportUrl: naming.url, branch: 'main' });
  });

  it('pairs a record of failing items alone with a run read failing-only, as every item of both would', () => {
    const failingThen = [item(8, 'fail'), item(9, 'error')];
    const partial = record(failingThen, { kept: 'failing', counts: then.header.counts, criteria: then.header.criteria, datasetFingerprint: 'rows-1' });
    const baseline = recordAsBaseline({ header: partial.header, items: partial.items }, 'rows-1', naming);
    expect(baseline).toMatchObject({ sameDataset: true, tally: { coverage: 'failing' } });
    const full = tallyOf(nowItems);
    const failingNow = tallyOf(nowItems.filter((entry) => entry.outcome !== 'pass'));
    failingNow.coverage = 'failing';
    const run = snapshot({ resultCounts: full.counts, perCriterion: [{ id: 'Exact answer', name: 'Exact answer', passed: 7, failed: 3 }] });
    const fromFailing = analyse(failingNow, run, baseline).baseline!;
    const fromEvery = analyse(full, run, recordAsBaseline({ header: then.header, items: then.items }, then.header.dataset.fingerprint, naming)).baseline!;
    expect(fromFailing.comparison).toMatchObject({ pairedBy: 'id', paired: 10, baselineScore: 0.8, currentScore: 0.7, mcnemar: { regressions: 2, fixes: 1 } });
    expect(fromFailing.comparison.mcnemar).toEqual(fromEvery.comparison.mcnemar);
    expect(fromFailing.regressed.map((entry) => entry.datasourceItemId)).toEqual(['2', '5']);
    expect(fromFailing.fixed.map((entry) => entry.datasourceItemId)).toEqual(['8']);
  });

  it('does not compare a record of failing items alone with a run of other rows, and says why', () => {
    const partial = record([item(8, 'fail'), item(9, 'error')], { kept: 'failing', counts: then.header.counts, datasetFingerprint: 'rows-1' });
    const baseline = recordAsBaseline({ header: partial.header, items: partial.items }, 'rows-2', naming);
    const tally = tallyOf(nowItems);
    const result = analyse(tally, snapshot({ resultCounts: tally.counts }), baseline);
    expect(result.baseline).toBeNull();
    expect(result.baselineNote).toBe("No comparison vs main: only the baseline's failing items are known (a record keeps no others), and this run evaluated other rows, so items cannot be paired by content. The gate judged the run alone.");
  });

  it('pairs by content when the dataset changed', () => {
    const baseline = recordAsBaseline({ header: then.header, items: then.items }, 'another-dataset', naming);
    expect(baseline.sameDataset).toBe(false);
  });
});

describe('describeAge', () => {
  const now = Date.parse('2026-12-10T12:00:00Z');
  it('says hours, then days', () => {
    expect(describeAge('2026-12-10T11:30:00Z', now)).toBe('less than an hour old');
    expect(describeAge('2026-12-10T11:00:00Z', now)).toBe('1 hour old');
    expect(describeAge('2026-12-09T00:00:00Z', now)).toBe('36 hours old');
    expect(describeAge('2026-12-01T12:00:00Z', now)).toBe('9 days old');
    expect(describeAge('someday', now)).toBeNull();
  });
});
