import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import type { BaselineComparison, GateResult } from '../../../src/analysis/gate-result.ts';
import { mcnemarExactPValue } from '../../../src/analysis/mcnemar.ts';
import type { ItemRecord, RunSnapshot } from '../../../src/evals-api/run-types.ts';
import { renderComment, renderPendingComment, renderSummary } from '../../../src/report/markdown.ts';
import {
  expectWellFormed,
  HOSTILE,
  linesOutsideFences,
  makeItem,
  makeResult as baseResult,
  makeRun as baseRun,
  MARKER,
} from '../../support/report-fixtures.ts';

/** This file's run: a pull request's run of 200 items, 180 passing. */
function makeRun(overrides: Partial<RunSnapshot> = {}): RunSnapshot {
  return baseRun({ name: 'PR 12 · 9f8e7d6', resultCounts: { total: 200, passed: 180, failed: 15, errored: 5, skipped: 0 }, usage: [], ...overrides });
}

interface ComparedOptions {
  regressed?: ItemRecord[];
  fixed?: ItemRecord[];
  regressions?: number;
  fixes?: number;
  scoreDelta?: number;
  label?: string;
  name?: string;
  branch?: string | null;
  reportUrl?: string | null;
  pairedBy?: 'id' | 'content';
  paired?: number;
  added?: number;
  removed?: number;
  criteria?: BaselineComparison['comparison']['criteria'];
}

/** A comparison with the baseline; the McNemar counts follow the kept lists unless given. */
function makeCompared(options: ComparedOptions = {}): BaselineComparison {
  const regressed = options.regressed ?? [];
  const fixed = options.fixed ?? [];
  const regressions = options.regressions ?? regressed.length;
  const fixes = options.fixes ?? fixed.length;
  const scoreDelta = options.scoreDelta ?? 0.015;
  return {
    baseline: {
      runId: 'evalrun_5c3d',
      name: options.name ?? 'main · 1a2b3c4',
      branch: options.branch === undefined ? 'main' : options.branch,
      reportUrl: options.reportUrl === undefined ? 'https://platform.openai.com/evaluations/eval_67f0?run_id=evalrun_5c3d' : options.reportUrl,
      createdAt: 1_759_900_000,
    },
    label: options.label ?? 'vs main',
    comparison: {
      pairedBy: options.pairedBy ?? 'id',
      paired: options.paired ?? 200,
      skippedPairs: 0,
      added: options.added ?? 0,
      removed: options.removed ?? 0,
      regressions: regressed.map((item, index) => ({
        id: item.datasourceItemId,
        contentHash: item.contentHash,
        baseline: 'pass',
        current: item.outcome,
        currentIndex: index,
        baselineIndex: index,
      })),
      fixes: fixed.map((item, index) => ({ id: item.datasourceItemId, contentHash: item.contentHash, baseline: item.outcome, current: 'pass', currentIndex: index, baselineIndex: index })),
      baselineScore: 0.9 - scoreDelta,
      currentScore: 0.9,
      scoreDelta,
      mcnemar: { regressions, fixes, pValue: mcnemarExactPValue(regressions, fixes) },
      criteria: options.criteria ?? [],
    },
    regressed,
    fixed,
  };
}

/** A passing gate result (threshold 80%) of this file's `makeRun()`; counts follow the run's unless given. */
function makeResult(overrides: Partial<GateResult> = {}): GateResult {
  return baseResult({ run: makeRun(), threshold: 0.8, verdict: { result: 'pass', reasons: ['Score 90.0% meets the threshold 80.0%.'] }, ...overrides });
}

interface Section {
  summary: string;
  /** The `#### ` headings of the items shown. */
  items: string[];
  body: string;
}

/** The collapsed sections of a report, in order. Untrusted text cannot hold a raw `</details>`. */
function detailsSections(doc: string): Section[] {
  const sections: Section[] = [];
  const pattern = /<details><summary>(.*?)<\/summary>([\s\S]*?)<\/details>/g;
  for (const match of doc.matchAll(pattern)) {
    const body = match[2]!;
    sections.push({ summary: match[1]!, items: body.split('\n').filter((line) => line.startsWith('#### ')), body });
  }
  return sections;
}

function lineStarting(doc: string, prefix: string): string | undefined {
  return doc.split('\n').find((line) => line.startsWith(prefix));
}

/**
 * A run of 200 items compared with main: items 1 and 2 regressed (two more regressions were not
 * collected), item 3 was fixed (two more fixes not collected), item 4 failed but did not regress (one
 * more such item not collected).
 */
function comparedResult(overrides: Partial<GateResult> = {}): GateResult {
  const regressed = [makeItem(1), makeItem(2, { outcome: 'error', output: null, error: 'rate limited' })];
  const fixed = [makeItem(3, { id: 'outputitem_base_3', output: 'It was wrong then.' })];
  const other = makeItem(4);
  return makeResult({
    criteria: [
      { id: 'Exact match-0d3f', name: 'Exact match', metric: null, passed: 170, failed: 30, rate: 0.85, min: 0.9 },
      { id: 'Tone-9a1c', name: 'Tone', metric: null, passed: 188, failed: 6, rate: 188 / 194, min: null },
    ],
    // The order the API listed them in; the tally kept 3 of 6.
    failingItems: [regressed[0]!, other, regressed[1]!],
    failingItemsOmitted: 3,
    verdict: { result: 'fail', reasons: ['Criterion "Exact match" passed 85.0%, below its minimum 90.0%.'] },
    baseline: makeCompared({
      regressed,
      fixed,
      regressions: 4,
      fixes: 3,
      added: 3,
      removed: 1,
      criteria: [
        { name: 'Exact match', baseline: 0.9, current: 0.85, delta: 0.85 - 0.9 },
        { name: 'Tone', baseline: null, current: 188 / 194, delta: null },
        { name: 'Length', baseline: 1, current: null, delta: null },
      ],
    }),
    ...overrides,
  });
}

const commentOf = (result: GateResult, maxItems = 20) => renderComment(result, { marker: MARKER, maxItems, showItemContent: true });

describe('report with a baseline: the verdict line', () => {
  it('shows the score change and the regressions count', () => {
    for (const doc of [renderSummary(comparedResult()), commentOf(comparedResult())]) {
      expect(lineStarting(doc, '**')).toBe('**90.0%** passed (180/200) · +1.5 pts vs main · threshold 80.0% · 4 regressions');
    }
  });

  it('writes a drop with a real minus sign, no change as ±0.0, and one regression in the singular', () => {
    const drop = renderSummary(makeResult({ baseline: makeCompared({ scoreDelta: -0.065, regressions: 1, fixes: 0 }) }));
    expect(lineStarting(drop, '**')).toBe('**90.0%** passed (180/200) · \u22126.5 pts vs main · threshold 80.0% · 1 regression');
    expect(drop).not.toContain('-6.5');
    const same = renderSummary(makeResult({ baseline: makeCompared({ scoreDelta: 0.0004 }) }));
    expect(lineStarting(same, '**')).toBe('**90.0%** passed (180/200) · ±0.0 pts vs main · threshold 80.0%');
  });

  it('leaves the regressions out when none regressed, and keeps skipped items and the label', () => {
    const counts = { total: 210, passed: 180, failed: 15, errored: 5, skipped: 10 };
    const doc = renderSummary(makeResult({ counts, score: 0.9, baseline: makeCompared({ fixes: 2, label: 'vs release/2.0' }) }));
    expect(lineStarting(doc, '**')).toBe('**90.0%** passed (180/200) · +1.5 pts vs release/2.0 · threshold 80.0% · 10 skipped');
  });

  it('shows no delta without a baseline', () => {
    expect(lineStarting(renderSummary(makeResult()), '**')).toBe('**90.0%** passed (180/200) · threshold 80.0%');
  });
});

describe('report with a baseline: the comparison line', () => {
  it('links the baseline run and says how the items were paired', () => {
    const doc = renderSummary(comparedResult());
    expect(lineStarting(doc, 'Compared with ')).toBe(
      'Compared with [main · 1a2b3c4](https://platform.openai.com/evaluations/eval_67f0?run_id=evalrun_5c3d) · 200 items paired by id (same dataset) · 3 added, 1 removed · 4 regressions, 3 fixes (p = 1.000, exact McNemar test)',
    );
    // It comes after the run's own line and before the reasons.
    const lines = doc.split('\n');
    const at = lines.findIndex((line) => line.startsWith('Compared with '));
    expect(lines[at - 2]).toMatch(/^Run PR 12/);
    expect(lines[at + 2]).toBe('- Criterion "Exact match" passed 85.0%, below its minimum 90.0%.');
  });

  it('says when the items were paired by content, in the singular, without added or removed items', () => {
    // 1 regression, 1 fix: p = 1.
    const compared = makeCompared({ pairedBy: 'content', paired: 1, regressions: 1, fixes: 1, branch: null, label: 'vs main · 1a2b3c4' });
    const doc = renderSummary(makeResult({ baseline: compared }));
    expect(lineStarting(doc, 'Compared with ')).toBe(
      'Compared with [main · 1a2b3c4](https://platform.openai.com/evaluations/eval_67f0?run_id=evalrun_5c3d) · 1 item paired by content (the dataset changed) · 1 regression, 1 fix (p = 1.000, exact McNemar test)',
    );
  });

  it('shows a small p-value as p < 0.001 and counts with separators', () => {
    const doc = renderSummary(makeResult({ baseline: makeCompared({ paired: 12_345, regressions: 1_200, fixes: 3, added: 1_000 }) }));
    expect(lineStarting(doc, 'Compared with ')).toMatch(/ · 12,345 items paired by id \(same dataset\) · 1,000 added, 0 removed · 1,200 regressions, 3 fixes \(p &lt; 0\.001, exact McNemar test\)$/);
  });

  it('names the baseline by its id when it has no name, and links it only when its URL is http(s)', () => {
    const plain = renderSummary(makeResult({ baseline: makeCompared({ name: '', reportUrl: null }) }));
    expect(lineStarting(plain, 'Compared with ')).toMatch(/^Compared with evalrun\\_5c3d on main · /);

    const hostileUrl = renderSummary(makeResult({ baseline: makeCompared({ reportUrl: 'javascript:alert(document.cookie)' }) }));
    expect(lineStarting(hostileUrl, 'Compared with ')).toMatch(/^Compared with main · 1a2b3c4 · /);
    expect(hostileUrl).not.toContain('javascript:');
    expectWellFormed(hostileUrl);

    const parens = renderSummary(makeResult({ baseline: makeCompared({ reportUrl: 'https://x.example/runs/(1) a' }) }));
    expect(lineStarting(parens, 'Compared with ')).toMatch(/^Compared with \[main · 1a2b3c4\]\(https:\/\/x\.example\/runs\/%281%29%20a\) · /);
  });

  it('shows baselineNote as an italic line when there is no baseline', () => {
    const note = 'No baseline: no completed run of this gate on main. The gate judged the run alone.';
    const doc = renderSummary(makeResult({ baselineNote: note }));
    expect(doc).toContain(`\n\n*${note}*\n\n`);
    expect(doc).not.toContain('Compared with');
    const lines = doc.split('\n');
    expect(lines.indexOf(`*${note}*`)).toBe(lines.findIndex((line) => line.startsWith('Run PR 12')) + 2);
  });

  it('escapes the note', () => {
    const doc = renderComment(makeResult({ baselineNote: 'Could not read the baseline (<b>403</b> for @octocat | *x*).' }), {
      marker: MARKER,
      maxItems: 20,
      showItemContent: true,
    });
    expect(doc).toContain('*Could not read the baseline (&lt;b&gt;403&lt;/b&gt; for @&#8203;octocat \\| \\*x\\*).*');
    expectWellFormed(doc, MARKER);
  });

  it('shows no note line without a note or with a baseline', () => {
    const none = renderSummary(makeResult());
    expect(none.split('\n').filter((line) => line.startsWith('*') && !line.startsWith('**'))).toEqual([]);
    const both = renderSummary(makeResult({ baseline: makeCompared(), baselineNote: 'a stale note' }));
    expect(both).not.toContain('a stale note');
  });
});

describe('report with a baseline: the criteria table', () => {
  it('names the criteria only the baseline had, with their rate there', () => {
    const doc = renderSummary(comparedResult());
    expect(doc).toContain('\n\nOnly in the baseline: Length (100.0%).\n\n');
    expect(renderSummary(makeResult({ baseline: makeCompared({ criteria: [] }) }))).not.toContain('Only in the baseline');
  });

  it('adds the baseline and the change, before the minimum', () => {
    const doc = renderSummary(comparedResult());
    expect(doc).toContain(
      [
        '| criterion | passed | failed | pass rate | baseline | Δ vs main | minimum | met |',
        '| --- | ---: | ---: | ---: | ---: | ---: | ---: | :---: |',
        '| Exact match | 170 | 30 | 85.0% | 90.0% | \u22125.0 pts | 90.0% | ❌ |',
        '| Tone | 188 | 6 | 96.9% | — | — | — |  |',
        '',
      ].join('\n'),
    );
    expectWellFormed(doc);
  });

  it('has the two columns without minimums too, and a change for a rise', () => {
    const doc = renderSummary(
      makeResult({
        criteria: [{ id: 'Tone-9a1c', name: 'Tone', metric: null, passed: 95, failed: 5, rate: 0.95, min: null }],
        baseline: makeCompared({ criteria: [{ name: 'Tone', baseline: 0.9, current: 0.95, delta: 0.95 - 0.9 }] }),
      }),
    );
    expect(doc).toContain(
      ['| criterion | passed | failed | pass rate | baseline | Δ vs main |', '| --- | ---: | ---: | ---: | ---: | ---: |', '| Tone | 95 | 5 | 95.0% | 90.0% | +5.0 pts |'].join(
        '\n',
      ),
    );
  });

  it('has no baseline columns without a baseline', () => {
    const doc = renderSummary(makeResult({ criteria: [{ id: 'Tone-9a1c', name: 'Tone', metric: null, passed: 95, failed: 5, rate: 0.95, min: null }] }));
    expect(doc).toContain('| criterion | passed | failed | pass rate |\n');
    expect(doc).not.toContain('baseline');
  });
});

describe('report with a baseline: the item sections', () => {
  it('collapses regressions, fixes and other failing items, in that order, with the right items', () => {
    for (const doc of [renderSummary(comparedResult()), commentOf(comparedResult())]) {
      const sections = detailsSections(doc);
      expect(sections.map((section) => section.summary)).toEqual([
        'Regressions vs main: passed then, fail now (4)',
        'Fixes vs main: failed then, pass now, shown as they failed (3)',
        'Other failing items (2)',
      ]);
      expect(sections.map((section) => section.items)).toEqual([
        ['#### ❌ fail · item 1 · outputitem\\_1', '#### ⚠️ error · item 2 · outputitem\\_2'],
        ['#### ❌ fail · item 3 · outputitem\\_base\\_3'],
        ['#### ❌ fail · item 4 · outputitem\\_4'],
      ]);
      // The fix is shown as it was in the baseline.
      expect(sections[1]!.body).toContain('**Output**\n\n```\nIt was wrong then.\n```');
      expect(doc).not.toContain('<summary>Failing items');
      expectWellFormed(doc, doc.startsWith(MARKER) ? MARKER : undefined);
    }
  });

  it('counts the items that were not collected', () => {
    const [regressions, fixes, others] = detailsSections(renderSummary(comparedResult()));
    expect(regressions!.body).toContain("\n\n2 more regressions were not collected (collection limit); the run's report lists every item.\n\n");
    expect(fixes!.body).toContain("\n\n2 more fixes were not collected (collection limit); the baseline run's report lists every item.\n\n");
    expect(others!.body).toContain("\n\n1 more failing item was not collected (collection limit); the run's report lists every item.\n\n");
    for (const section of [regressions, fixes, others]) expect(section!.body).not.toContain('not shown');
  });

  it('says how many are not shown in each section when maxItems is reached, regressions first', () => {
    const doc = renderSummary(comparedResult(), { maxItems: 1 });
    const [regressions, fixes, others] = detailsSections(doc);
    expect(regressions!.items).toEqual(['#### ❌ fail · item 1 · outputitem\\_1']);
    expect(regressions!.body).toContain('… and 1 more regression not shown; see the results file.');
    expect(fixes!.items).toEqual([]);
    expect(fixes!.body).toContain('… and 1 more fix not shown; see the results file.');
    expect(others!.items).toEqual([]);
    expect(others!.body).toContain('… and 1 more failing item not shown; see the results file.');
  });

  it('leaves out the sections with nothing in them', () => {
    const fixesOnly = renderSummary(makeResult({ baseline: makeCompared({ fixed: [makeItem(9)] }) }));
    expect(detailsSections(fixesOnly).map((section) => section.summary)).toEqual(['Fixes vs main: failed then, pass now, shown as they failed (1)']);

    const nothing = renderSummary(makeResult({ baseline: makeCompared() }));
    expect(nothing).not.toContain('<details>');

    const othersOnly = renderSummary(makeResult({ failingItems: [makeItem(5)], baseline: makeCompared() }));
    expect(detailsSections(othersOnly).map((section) => [section.summary, section.items])).toEqual([
      ['Other failing items (1)', ['#### ❌ fail · item 5 · outputitem\\_5']],
    ]);
  });

  it('hides item contents in every section with show-item-content: false', () => {
    const doc = renderComment(comparedResult(), { marker: MARKER, maxItems: 20, showItemContent: false });
    const sections = detailsSections(doc);
    expect(sections).toHaveLength(3);
    for (const section of sections) {
      expect(section.body).toContain('Item contents are hidden (`show-item-content: false`).');
      expect(section.body).not.toContain('**Input**');
    }
    expect(doc).not.toContain('It was wrong then.');
  });
});

describe('report with a baseline: size limits with 10,000 regressions', () => {
  const text = 'model output with ünïcödé 日本語 and `code` '.repeat(120).slice(0, 5_000);
  const regressed = Array.from({ length: 10_000 }, (_, n) => makeItem(n, { input: text, expected: text, output: text }));
  const others = Array.from({ length: 5 }, (_, n) => makeItem(20_000 + n));
  const fixed = Array.from({ length: 3 }, (_, n) => makeItem(30_000 + n));
  const many = makeResult({
    run: makeRun({ resultCounts: { total: 12_000, passed: 1_995, failed: 10_005, errored: 0, skipped: 0 } }),
    failingItems: [...regressed, ...others],
    verdict: { result: 'fail', reasons: ['10000 items regressed vs main, more than max-regressions 0 allows (10000 regressed and 3 fixed, p < 0.001).'] },
    baseline: makeCompared({ regressed, fixed, scoreDelta: -0.83 }),
  });

  it('keeps the comment under 60,000 characters, every section closed', () => {
    for (const maxItems of [20, 10_000]) {
      const doc = commentOf(many, maxItems);
      expect(doc.length).toBeLessThanOrEqual(60_000);
      expect(Buffer.byteLength(doc)).toBeLessThanOrEqual(60_000);
      expectWellFormed(doc, MARKER);
      expect(lineStarting(doc, '**')).toBe('**16.6%** passed (1,995/12,000) · \u221283.0 pts vs main · threshold 80.0% · 10,000 regressions');
      const sections = detailsSections(doc);
      expect(sections.map((section) => section.summary)).toEqual([
        'Regressions vs main: passed then, fail now (10,000)',
        'Fixes vs main: failed then, pass now, shown as they failed (3)',
        'Other failing items (5)',
      ]);
      const shown = sections[0]!.items.length;
      expect(shown).toBeGreaterThan(0);
      expect(shown).toBeLessThanOrEqual(maxItems);
      // The first regressions are kept: items are dropped from the end.
      expect(sections[0]!.items[0]).toBe('#### ❌ fail · item 0 · outputitem\\_0');
      // Items 5,000 characters long: not even 20 fit, and every section says the size limit is why.
      expect(shown).toBeLessThan(20);
      const why = ' (report size limit)';
      expect(sections[0]!.body).toContain(`… and ${(10_000 - shown).toLocaleString('en-US')} more regressions not shown${why}; see the job summary and the results file.`);
      expect(sections[1]!.body).toContain(`… and 3 more fixes not shown${why}; see the job summary and the results file.`);
      expect(sections[2]!.body).toContain(`… and 5 more failing items not shown${why}; see the job summary and the results file.`);
    }
  });

  it('keeps the job summary under 900,000 bytes, every section closed', () => {
    const doc = renderSummary(many);
    expect(Buffer.byteLength(doc)).toBeLessThanOrEqual(900_000);
    expectWellFormed(doc);
    const sections = detailsSections(doc);
    expect(sections).toHaveLength(3);
    const shown = sections[0]!.items.length;
    expect(shown).toBeGreaterThan(20);
    expect(shown).toBeLessThanOrEqual(200);
    expect(sections[0]!.body).toMatch(/… and [\d,]+ more regressions not shown( \(report size limit\))?; see the results file\./);
  });
});

describe('report with a baseline: hostile text', () => {
  const hostileCompared = () =>
    makeCompared({
      name: HOSTILE,
      branch: HOSTILE,
      label: `vs ${HOSTILE}`,
      reportUrl: 'javascript:alert(1)',
      regressed: [makeItem(1, { id: HOSTILE, datasourceItemId: HOSTILE, input: HOSTILE, output: HOSTILE })],
      fixed: [makeItem(2, { output: HOSTILE })],
      criteria: [{ name: HOSTILE, baseline: 0.5, current: 0.4, delta: -0.1 }],
    });
  const hostile = () =>
    makeResult({
      criteria: [{ id: `${HOSTILE}-1`, name: HOSTILE, metric: null, passed: 4, failed: 6, rate: 0.4, min: 0.5 }],
      baseline: hostileCompared(),
      failingItems: hostileCompared().regressed,
      verdict: { result: 'fail', reasons: [`1 item regressed vs ${HOSTILE}, more than max-regressions 0 allows.`] },
      trend: [
        { runId: HOSTILE, label: HOSTILE, score: 0.5, url: 'javascript:alert(1)', status: 'pass' },
        { runId: 'evalrun_68a1', label: HOSTILE, score: 0.4, url: null, status: 'fail' },
      ],
      run: makeRun({ metadata: { branch: HOSTILE } }),
    });

  it('escapes the baseline name, the branch and the label everywhere, in the comment and the summary', () => {
    const comment = renderComment(hostile(), { marker: MARKER, maxItems: 20, showItemContent: true, title: `evals-gate · ${HOSTILE}` });
    const summary = renderSummary(hostile(), { title: HOSTILE });
    for (const [doc, marker] of [
      [comment, MARKER],
      [summary, undefined],
    ] as const) {
      expectWellFormed(doc, marker);
      expect(detailsSections(doc)).toHaveLength(2);
      expect(lineStarting(doc, '**')).toMatch(/^\*\*90\.0%\*\* passed \(180\/200\) · \+1\.5 pts vs &lt;\/details&gt;&lt;\/summary&gt;&lt;script&gt;/);
      expect(lineStarting(doc, 'Compared with ')).toMatch(/^Compared with &lt;\/details&gt;/);
      expect(doc).toContain('| criterion | passed | failed | pass rate | baseline | Δ vs &lt;/details&gt;');
      expect(doc).toContain('<details><summary>Regressions vs &lt;/details&gt;&lt;/summary&gt;&lt;script&gt;');
      // Only inside a code block (the item's output) does the tag stay as it was.
      expect(linesOutsideFences(doc).join('\n')).not.toContain('<script>');
    }
  });
});

describe('report: the trend', () => {
  const trend = [
    { runId: 'evalrun_a', label: '10-07', score: 0.8, url: 'https://x.example/a', status: 'pass' as const },
    { runId: 'evalrun_b', label: '10-08', score: 0.85, url: null, status: 'fail' as const },
    { runId: 'evalrun_68a1', label: '10-09', score: 0.9, url: null, status: 'pass' as const },
  ];

  it('draws a mermaid chart titled with the branch, and a table, after the criteria and before the items', () => {
    const doc = renderSummary(comparedResult({ trend, run: makeRun({ metadata: { branch: 'main' } }) }));
    expect(doc).toContain(
      [
        '```mermaid',
        'xychart-beta',
        '    title "Score of main, last 3 runs"',
        '    x-axis ["10-07", "10-08", "10-09"]',
        '    y-axis "score (%)" 75 --> 100',
        '    line [80.0, 85.0, 90.0]',
        '    line [80.0, 80.0, 80.0]',
        '```',
        '',
        'The flat line is the threshold, 80.0%.',
        '',
        '| run | score | Δ vs previous | verdict |',
        '| --- | ---: | ---: | :---: |',
        '| [10-07](https://x.example/a) | 80.0% | — | ✅ |',
        '| 10-08 | 85.0% | +5.0 pts | ❌ |',
        '| 10-09 | 90.0% | +5.0 pts | ✅ |',
      ].join('\n'),
    );
    const chart = doc.indexOf('```mermaid');
    expect(doc.indexOf('| Tone |')).toBeLessThan(chart);
    expect(chart).toBeLessThan(doc.indexOf('<details>'));
    expectWellFormed(doc);
  });

  it('says "Score" alone without a branch, and is in the comment too', () => {
    const doc = commentOf(makeResult({ trend }));
    expect(doc).toContain('    title "Score, last 3 runs"');
    expectWellFormed(doc, MARKER);
  });

  it('is a table alone for one run, and absent without a trend', () => {
    const one = renderSummary(makeResult({ trend: [trend[2]!] }));
    expect(one).not.toContain('```mermaid');
    expect(one).toContain('| run | score | Δ vs previous | verdict |\n| --- | ---: | ---: | :---: |\n| 10-09 | 90.0% | — | ✅ |');

    for (const value of [null, []]) {
      const doc = renderSummary(makeResult({ trend: value }));
      expect(doc).not.toContain('```mermaid');
      expect(doc).not.toContain('| run | score |');
    }
  });
});

describe('renderPendingComment', () => {
  const options = {
    marker: MARKER,
    title: 'evals-gate · Sample eval',
    runId: 'evalrun_68a1',
    runName: 'PR 12 · 9f8e7d6',
    reportUrl: 'https://platform.openai.com/evaluations/eval_67f0?run_id=evalrun_68a1',
    workflowRunUrl: 'https://github.com/acme/app/actions/runs/42',
  };

  it('starts with the marker and says the run is being evaluated, with its links', () => {
    expect(renderPendingComment(options)).toBe(
      [
        MARKER,
        '',
        '### ⏳ evals-gate · Sample eval: evaluating…',
        '',
        'The eval run PR 12 · 9f8e7d6 (evalrun\\_68a1) is in progress. This comment will show the result when it ends.',
        '',
        '[Eval run report](https://platform.openai.com/evaluations/eval_67f0?run_id=evalrun_68a1) · [Workflow run](https://github.com/acme/app/actions/runs/42)',
        '',
      ].join('\n'),
    );
  });

  it('names the run by its id when it has no name, and falls back to the default title', () => {
    const doc = renderPendingComment({ ...options, title: '', runName: '', reportUrl: null, workflowRunUrl: null });
    expect(doc).toBe(
      [MARKER, '', '### ⏳ evals-gate: evaluating…', '', 'The eval run evalrun\\_68a1 is in progress. This comment will show the result when it ends.', ''].join('\n'),
    );
  });

  it('escapes the run name and the title, and links only http(s) URLs', () => {
    const doc = renderPendingComment({
      ...options,
      title: `evals-gate · ${HOSTILE}`,
      runName: HOSTILE,
      runId: `evalrun_${HOSTILE}`,
      reportUrl: 'javascript:alert(1)',
      workflowRunUrl: 'data:text/html,<script>alert(1)</script>',
    });
    expectWellFormed(doc, MARKER);
    expect(doc.split('\n')[2]).toMatch(/^### ⏳ evals-gate · &lt;\/details&gt;&lt;\/summary&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt; /);
    expect(doc).toContain('The eval run &lt;/details&gt;&lt;/summary&gt;&lt;script&gt;');
    // The name is cut at 100 characters, in the middle of the first mention, which is defused all the same.
    expect(doc).toContain('cc @&#8203;oc…');
    expect(doc).not.toContain('Eval run report');
    expect(doc).not.toContain('Workflow run');
    expect(doc).not.toContain('](');

    const oneLink = renderPendingComment({ ...options, reportUrl: 'javascript:alert(1)' });
    expect(oneLink.trimEnd().split('\n').at(-1)).toBe('[Workflow run](https://github.com/acme/app/actions/runs/42)');
  });
});
