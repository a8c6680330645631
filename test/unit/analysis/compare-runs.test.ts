import { describe, expect, it } from 'vitest';
import { compareRuns, type CompareRunsInput, describeScoreDelta, formatPValue, type ItemOutcomeKey } from '../../../src/analysis/compare-runs.ts';
import { mcnemarExactPValue } from '../../../src/analysis/mcnemar.ts';
import type { ItemOutcome } from '../../../src/evals-api/run-types.ts';

function item(id: string | null, contentHash: string, outcome: ItemOutcome): ItemOutcomeKey {
  return { id, contentHash, outcome };
}

/** Items `i1`, `i2`, … with content hashes `h1`, `h2`, … and the given outcomes. */
function items(outcomes: readonly ItemOutcome[]): ItemOutcomeKey[] {
  return outcomes.map((outcome, index) => item(`i${index + 1}`, `h${index + 1}`, outcome));
}

function input(baseline: ItemOutcomeKey[], current: ItemOutcomeKey[], overrides: Partial<CompareRunsInput> = {}): CompareRunsInput {
  return {
    baseline: { items: baseline, score: 0.5, criteria: [] },
    current: { items: current, score: 0.5, criteria: [] },
    sameDataset: true,
    ...overrides,
  };
}

describe('compareRuns: pairing', () => {
  it('pairs by data source item id when both runs evaluated the same dataset', () => {
    const baseline = items(['pass', 'pass', 'fail', 'fail', 'pass']);
    // Same ids, in another order; the content hashes changed, which must not matter here.
    const current = [
      item('i5', 'x5', 'pass'),
      item('i1', 'x1', 'fail'),
      item('i3', 'x3', 'pass'),
      item('i4', 'x4', 'fail'),
      item('i2', 'x2', 'pass'),
    ];
    const result = compareRuns(input(baseline, current));
    expect(result.pairedBy).toBe('id');
    expect(result).toMatchObject({ paired: 5, skippedPairs: 0, added: 0, removed: 0 });
    expect(result.regressions).toEqual([{ id: 'i1', contentHash: 'x1', baseline: 'pass', current: 'fail', currentIndex: 1, baselineIndex: 0 }]);
    expect(result.fixes).toEqual([{ id: 'i3', contentHash: 'x3', baseline: 'fail', current: 'pass', currentIndex: 2, baselineIndex: 2 }]);
    expect(result.mcnemar).toEqual({ regressions: 1, fixes: 1, pValue: 1 });
  });

  it('pairs by content hash when the dataset changed, and counts added and removed items', () => {
    const baseline = [item('1', 'hA', 'pass'), item('2', 'hB', 'pass'), item('3', 'hC', 'fail'), item('4', 'hGone', 'pass')];
    // Ids were renumbered: pairing by id would compare unrelated items.
    const current = [item('1', 'hNew', 'fail'), item('2', 'hC', 'pass'), item('3', 'hA', 'error'), item('4', 'hB', 'pass')];
    const result = compareRuns(input(baseline, current, { sameDataset: false }));
    expect(result.pairedBy).toBe('content');
    expect(result).toMatchObject({ paired: 3, added: 1, removed: 1 });
    expect(result.regressions).toEqual([{ id: '3', contentHash: 'hA', baseline: 'pass', current: 'error', currentIndex: 2, baselineIndex: 0 }]);
    expect(result.fixes).toEqual([{ id: '2', contentHash: 'hC', baseline: 'fail', current: 'pass', currentIndex: 1, baselineIndex: 2 }]);
  });

  it('falls back to the content hash for items without an id, even on the same dataset', () => {
    const baseline = [item(null, 'hA', 'pass'), item('k', 'hB', 'pass')];
    const current = [item(null, 'hA', 'fail'), item('k', 'hB-edited', 'pass')];
    const result = compareRuns(input(baseline, current));
    expect(result).toMatchObject({ paired: 2, added: 0, removed: 0 });
    expect(result.regressions).toEqual([{ id: null, contentHash: 'hA', baseline: 'pass', current: 'fail', currentIndex: 0, baselineIndex: 0 }]);
  });

  it('never pairs an id with a content hash that is spelt the same', () => {
    const result = compareRuns(input([item('same', 'h1', 'pass')], [item(null, 'same', 'fail')]));
    expect(result).toMatchObject({ paired: 0, added: 1, removed: 1 });
    expect(result.regressions).toEqual([]);
  });

  it('pairs duplicates in order of appearance, never collapsing them', () => {
    // The same question three times in each run: first with first, second with second, third with third.
    const baseline = [item(null, 'dup', 'pass'), item(null, 'dup', 'fail'), item(null, 'dup', 'pass'), item(null, 'other', 'pass')];
    const current = [item('a', 'dup', 'fail'), item('b', 'dup', 'pass'), item('c', 'dup', 'pass'), item('d', 'dup', 'fail')];
    const result = compareRuns(input(baseline, current, { sameDataset: false }));
    expect(result).toMatchObject({ paired: 3, added: 1, removed: 1 });
    expect(result.regressions).toEqual([{ id: 'a', contentHash: 'dup', baseline: 'pass', current: 'fail', currentIndex: 0, baselineIndex: 0 }]);
    expect(result.fixes).toEqual([{ id: 'b', contentHash: 'dup', baseline: 'fail', current: 'pass', currentIndex: 1, baselineIndex: 1 }]);
  });

  it('counts duplicates beyond the other run as added or removed', () => {
    const twice = [item(null, 'dup', 'pass'), item(null, 'dup', 'pass')];
    expect(compareRuns(input(twice, twice.slice(0, 1), { sameDataset: false }))).toMatchObject({ paired: 1, added: 0, removed: 1 });
    expect(compareRuns(input(twice.slice(0, 1), twice, { sameDataset: false }))).toMatchObject({ paired: 1, added: 1, removed: 0 });
  });

  it('reads the items from any iterable, once', () => {
    function* generate(outcomes: ItemOutcome[]): Generator<ItemOutcomeKey> {
      yield* items(outcomes);
    }
    const result = compareRuns(input([], [], {
      baseline: { items: generate(['pass', 'fail']), score: 0.5, criteria: [] },
      current: { items: generate(['fail', 'pass']), score: 0.5, criteria: [] },
    }));
    expect(result.mcnemar).toMatchObject({ regressions: 1, fixes: 1 });
  });
});

describe('compareRuns: outcomes', () => {
  it('counts an errored item as not passing, and fail ↔ error as no change', () => {
    const baseline = items(['pass', 'error', 'fail', 'error']);
    const current = items(['error', 'pass', 'error', 'fail']);
    const result = compareRuns(input(baseline, current));
    expect(result.paired).toBe(4);
    expect(result.regressions).toEqual([{ id: 'i1', contentHash: 'h1', baseline: 'pass', current: 'error', currentIndex: 0, baselineIndex: 0 }]);
    expect(result.fixes).toEqual([{ id: 'i2', contentHash: 'h2', baseline: 'error', current: 'pass', currentIndex: 1, baselineIndex: 1 }]);
  });

  it('leaves pairs with a skipped side out of the paired count, the regressions and the fixes', () => {
    const baseline = items(['pass', 'skipped', 'fail', 'skipped', 'pass']);
    const current = items(['skipped', 'fail', 'skipped', 'skipped', 'fail']);
    const result = compareRuns(input(baseline, current));
    // Matched (so neither added nor removed), but not graded on both sides.
    expect(result).toMatchObject({ paired: 1, skippedPairs: 4, added: 0, removed: 0 });
    expect(result.regressions.map((change) => change.id)).toEqual(['i5']);
    expect(result.fixes).toEqual([]);
    expect(result.mcnemar).toEqual({ regressions: 1, fixes: 0, pValue: 1 });
  });

  it('reports the scores and their difference as given', () => {
    const result = compareRuns(input([], [], {
      baseline: { items: [], score: 0.9, criteria: [] },
      current: { items: [], score: 0.825, criteria: [] },
    }));
    expect(result).toMatchObject({ baselineScore: 0.9, currentScore: 0.825, paired: 0 });
    expect(result.scoreDelta).toBeCloseTo(-0.075, 12);
    expect(result.mcnemar).toEqual({ regressions: 0, fixes: 0, pValue: 1 });
  });

  it('keeps at most `keep` changes of each kind, with exact counts and p-value', () => {
    const baseline = items([...Array<ItemOutcome>(30).fill('pass'), ...Array<ItemOutcome>(8).fill('fail')]);
    const current = items([...Array<ItemOutcome>(30).fill('fail'), ...Array<ItemOutcome>(8).fill('pass')]);
    const result = compareRuns(input(baseline, current, { keep: 5 }));
    expect(result.regressions.map((change) => change.id)).toEqual(['i1', 'i2', 'i3', 'i4', 'i5']);
    expect(result.fixes).toHaveLength(5);
    expect(result.mcnemar).toEqual({ regressions: 30, fixes: 8, pValue: mcnemarExactPValue(30, 8) });
    expect(result.mcnemar.pValue).toBeLessThan(0.01);
    expect(compareRuns(input(baseline, current, { keep: 0 })).regressions).toEqual([]);
  });
});

describe('compareRuns: criteria', () => {
  it('lists the current criteria in order, then those only the baseline has, with deltas where both rates exist', () => {
    const result = compareRuns(input([], [], {
      baseline: {
        items: [],
        score: 0,
        criteria: [
          { name: 'gone', rate: 0.4 },
          { name: 'accuracy', rate: 0.8 },
          { name: 'tone', rate: null },
          { name: 'also gone', rate: null },
        ],
      },
      current: {
        items: [],
        score: 0,
        criteria: [
          { name: 'tone', rate: 0.9 },
          { name: 'accuracy', rate: 0.7 },
          { name: 'new', rate: 0.5 },
          { name: 'empty', rate: null },
        ],
      },
    }));
    expect(result.criteria.map(({ delta, ...rest }) => ({ ...rest, delta: delta === null ? null : Number(delta.toFixed(10)) }))).toEqual([
      { name: 'tone', baseline: null, current: 0.9, delta: null },
      { name: 'accuracy', baseline: 0.8, current: 0.7, delta: -0.1 },
      { name: 'new', baseline: null, current: 0.5, delta: null },
      { name: 'empty', baseline: null, current: null, delta: null },
      { name: 'gone', baseline: 0.4, current: null, delta: null },
      { name: 'also gone', baseline: null, current: null, delta: null },
    ]);
  });

  it('pairs criteria named alike in order of appearance', () => {
    const result = compareRuns(input([], [], {
      baseline: { items: [], score: 0, criteria: [{ name: 'judge', rate: 0.5 }, { name: 'judge', rate: 0.6 }, { name: 'judge', rate: 0.7 }] },
      current: { items: [], score: 0, criteria: [{ name: 'judge', rate: 0.5 }, { name: 'judge', rate: 0.8 }] },
    }));
    expect(result.criteria.map((criterion) => [criterion.baseline, criterion.current])).toEqual([
      [0.5, 0.5],
      [0.6, 0.8],
      [0.7, null],
    ]);
  });
});

describe('compareRuns: large runs', () => {
  it('compares 100,000 items per side correctly', () => {
    const size = 100_000;
    const outcomeOf = (index: number, shift: number): ItemOutcome => {
      const value = (index * 7 + shift) % 10;
      return value < 7 ? 'pass' : value < 9 ? 'fail' : value === 9 && index % 2 === 0 ? 'error' : 'skipped';
    };
    const baseline = Array.from({ length: size }, (_, index) => item(`item-${index}`, `hash-${index % 50_000}`, outcomeOf(index, 0)));
    // The current run lists the items newest first, drops the first 1,000 and adds 1,000 new ones.
    const current: ItemOutcomeKey[] = [];
    for (let index = size - 1; index >= 1_000; index--) current.push(item(`item-${index}`, `hash-${index % 50_000}`, outcomeOf(index, 3)));
    for (let index = size; index < size + 1_000; index++) current.push(item(`item-${index}`, `hash-new-${index}`, 'pass'));

    let regressions = 0;
    let fixes = 0;
    let paired = 0;
    let skippedPairs = 0;
    const firstRegressions: string[] = [];
    // In the current run's order, which is the order the kept changes are listed in.
    for (let index = size - 1; index >= 1_000; index--) {
      const before = outcomeOf(index, 0);
      const after = outcomeOf(index, 3);
      if (before === 'skipped' || after === 'skipped') {
        skippedPairs++;
        continue;
      }
      paired++;
      if (before === 'pass' && after !== 'pass' && regressions++ < 100) firstRegressions.push(`item-${index}`);
      if (before !== 'pass' && after === 'pass') fixes++;
    }

    const result = compareRuns(input(baseline, current, { keep: 100 }));
    expect(result).toMatchObject({ pairedBy: 'id', paired, skippedPairs, added: 1_000, removed: 1_000 });
    expect(result.mcnemar.regressions).toBe(regressions);
    expect(result.mcnemar.fixes).toBe(fixes);
    expect(regressions).toBeGreaterThan(10_000);
    expect(Number.isNaN(result.mcnemar.pValue)).toBe(false);
    expect(result.regressions).toHaveLength(100);
    expect(result.fixes).toHaveLength(100);
    expect(result.regressions.map((change) => change.id)).toEqual(firstRegressions);
    expect(result.regressions.every((change) => change.baseline === 'pass' && change.current !== 'pass')).toBe(true);

    // By content, every hash occurs twice per run: duplicates pair in order, so the counts still add up.
    const byContent = compareRuns(input(baseline, current, { sameDataset: false, keep: 10 }));
    expect(byContent.paired + byContent.skippedPairs + byContent.added).toBe(current.length);
    expect(byContent.paired + byContent.skippedPairs + byContent.removed).toBe(baseline.length);
    expect(byContent.added).toBe(1_000);
    expect(byContent.removed).toBe(1_000);
  });
});

describe('describeScoreDelta', () => {
  it('shows signed points with one decimal and a real minus sign', () => {
    expect(describeScoreDelta(0.015)).toBe('+1.5 pts');
    expect(describeScoreDelta(-0.065)).toBe('\u22126.5 pts');
    expect(describeScoreDelta(1)).toBe('+100.0 pts');
    expect(describeScoreDelta(-1)).toBe('\u2212100.0 pts');
  });

  it('shows ±0.0 for a change that rounds to zero', () => {
    expect(describeScoreDelta(0)).toBe('±0.0 pts');
    expect(describeScoreDelta(0.0004)).toBe('±0.0 pts');
    expect(describeScoreDelta(-0.0004)).toBe('±0.0 pts');
    expect(describeScoreDelta(0.0006)).toBe('+0.1 pts');
    expect(describeScoreDelta(-0.0006)).toBe('\u22120.1 pts');
  });

  it('shows a dash for a missing value', () => {
    expect(describeScoreDelta(Number.NaN)).toBe('—');
  });
});

describe('formatPValue', () => {
  it('shows three decimals, cut rather than rounded', () => {
    expect(formatPValue(0.03125)).toBe('p = 0.031');
    expect(formatPValue(0.0703125)).toBe('p = 0.070');
    expect(formatPValue(0.029)).toBe('p = 0.029');
    expect(formatPValue(0.0499)).toBe('p = 0.049');
    expect(formatPValue(0.05)).toBe('p = 0.050');
    expect(formatPValue(0.001)).toBe('p = 0.001');
    expect(formatPValue(0.9999)).toBe('p = 0.999');
    expect(formatPValue(1)).toBe('p = 1.000');
  });

  it('shows p < 0.001 below a thousandth', () => {
    expect(formatPValue(0.000999)).toBe('p < 0.001');
    expect(formatPValue(2.5e-10)).toBe('p < 0.001');
    expect(formatPValue(0)).toBe('p < 0.001');
  });

  it('shows a dash for a value that is no p-value', () => {
    expect(formatPValue(Number.NaN)).toBe('p = —');
    expect(formatPValue(-1)).toBe('p = —');
  });
});
