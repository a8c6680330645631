import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import type { GateResult } from '../../../src/analysis/gate-result.ts';
import { safeLinkUrl } from '../../../src/report/escape.ts';
import { COMMENT_MAX_CHARS, renderComment, renderReport, renderSummary, SUMMARY_MAX_BYTES } from '../../../src/report/markdown.ts';
import { expectWellFormed, HOSTILE, makeItem, makeResult, makeRun, MARKER } from '../../support/report-fixtures.ts';

const MIB = 1024 * 1024;

/** A failing result with hostile text in every untrusted field. */
function hostileResult(items: number): GateResult {
  const run = makeRun({
    id: `evalrun_${HOSTILE}`,
    name: HOSTILE,
    model: HOSTILE,
    resultCounts: { total: 100, passed: 50, failed: 40, errored: 10, skipped: 0 },
    usage: [{ model: HOSTILE, invocations: 1, promptTokens: 2, completionTokens: 3, totalTokens: 5, cachedTokens: 0 }],
    error: { code: HOSTILE, message: HOSTILE },
    reportUrl: 'javascript:alert(1)',
  });
  return makeResult({
    evalId: HOSTILE,
    run,
    status: 'failed',
    criteria: [
      { id: `${HOSTILE}-1`, name: HOSTILE, metric: null, passed: 5, failed: 5, rate: 0.5, min: 0.9 },
      { id: `${HOSTILE}-2`, name: HOSTILE, metric: null, passed: 9, failed: 1, rate: 0.9, min: null },
      { id: 'plain', name: 'plain', metric: null, passed: 0, failed: 0, rate: null, min: 0.5 },
    ],
    failingItems: Array.from({ length: items }, (_, n) =>
      makeItem(n, {
        id: HOSTILE,
        datasourceItemId: HOSTILE,
        outcome: n % 2 === 0 ? 'fail' : 'error',
        input: HOSTILE,
        expected: HOSTILE,
        output: HOSTILE,
        error: HOSTILE,
        grades: [{ name: HOSTILE, type: HOSTILE, passed: false, score: 0.5, metric: HOSTILE, threshold: 3, label: HOSTILE, reason: HOSTILE }],
      }),
    ),
    failingItemsOmitted: 7,
    countsNote: HOSTILE,
    verdict: { result: 'fail', reasons: [HOSTILE, `The run ended with status "failed": ${HOSTILE}`] },
    links: { report: 'javascript:alert(1)', workflowRun: HOSTILE },
  });
}

function notShownCount(doc: string): number | null {
  const match = /… and ([\d,]+) more failing items? not shown/.exec(doc);
  return match ? Number(match[1]!.replace(/,/g, '')) : null;
}

function shownItems(doc: string): number {
  return doc.split('\n').filter((line) => line.startsWith('#### ')).length;
}

describe('renderReport: hostile input', () => {
  it('keeps every untrusted text inside its cell or block, in the comment', () => {
    const doc = renderComment(hostileResult(5), { marker: MARKER, maxItems: 20, showItemContent: true, title: `evals-gate · ${HOSTILE}` });
    expectWellFormed(doc, MARKER);
    expect(shownItems(doc)).toBe(5);
    expect(doc).toContain('&lt;/details&gt;');
    expect(doc).toContain('<\u200B/details>');
  });

  it('keeps every untrusted text inside its cell or block, in the summary', () => {
    const doc = renderSummary(hostileResult(5), { title: HOSTILE });
    expectWellFormed(doc);
  });

  it('keeps the structure when item contents are hidden and when the report is cut hard', () => {
    expectWellFormed(renderComment(hostileResult(50), { marker: MARKER, maxItems: 50, showItemContent: false }), MARKER);
    for (const maxChars of [1_000, 3_000, 8_000, 20_000]) {
      const doc = renderReport(hostileResult(50), { title: HOSTILE, showItemContent: true, maxItems: 50, maxChars, marker: MARKER });
      expectWellFormed(doc, MARKER);
      expect(Buffer.byteLength(doc)).toBeLessThanOrEqual(maxChars);
    }
  });

  it('drops links that are not http(s) and encodes what could end a link', () => {
    expect(safeLinkUrl('javascript:alert(1)')).toBeNull();
    expect(safeLinkUrl('data:text/html,x')).toBeNull();
    expect(safeLinkUrl('/relative')).toBeNull();
    expect(safeLinkUrl(null)).toBeNull();
    expect(safeLinkUrl('https://x.example/a(b) c<d>')).toBe('https://x.example/a%28b%29%20c%3Cd%3E');
    const doc = renderSummary(makeResult({ links: { report: 'javascript:alert(1)', workflowRun: 'https://github.com/a/b/actions/runs/1' } }));
    expect(doc).not.toContain('javascript:');
    expect(doc).toContain('[Workflow run](https://github.com/a/b/actions/runs/1)');
    expect(doc).not.toContain('Eval run report');
  });
});

describe('renderReport: size limits', () => {
  const output = `${'model output with ünïcödé 日本語 and `code` '.repeat(120)}`.slice(0, 5_000);
  const many = makeResult({
    run: makeRun({ resultCounts: { total: 10_000, passed: 0, failed: 10_000, errored: 0, skipped: 0 } }),
    failingItems: Array.from({ length: 10_000 }, (_, n) => makeItem(n, { input: output, expected: output, output })),
    verdict: { result: 'fail', reasons: ['Score 0.0% is below the threshold 90.0%.'] },
  });

  it('keeps the comment under 60,000 characters and says how many items are not shown', () => {
    const doc = renderComment(many, { marker: MARKER, maxItems: 20, showItemContent: true });
    expect(doc.length).toBeLessThanOrEqual(COMMENT_MAX_CHARS);
    expect(Buffer.byteLength(doc)).toBeLessThanOrEqual(COMMENT_MAX_CHARS);
    expectWellFormed(doc, MARKER);
    const shown = shownItems(doc);
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThanOrEqual(20);
    expect(notShownCount(doc)).toBe(10_000 - shown);
    expect(doc).toContain('see the job summary and the results file');
    // The first items are kept: items are dropped from the end.
    expect(doc).toContain('item 0 · outputitem\\_0');
  });

  it('fits the comment even when asked for every item', () => {
    const doc = renderComment(many, { marker: MARKER, maxItems: 10_000, showItemContent: true });
    expect(Buffer.byteLength(doc)).toBeLessThanOrEqual(COMMENT_MAX_CHARS);
    expect(notShownCount(doc)).toBe(10_000 - shownItems(doc));
    expect(doc).toContain('not shown (report size limit)');
    expectWellFormed(doc, MARKER);
  });

  it('keeps the job summary under 1 MiB in UTF-8 bytes', () => {
    const doc = renderSummary(many);
    expect(Buffer.byteLength(doc)).toBeLessThanOrEqual(SUMMARY_MAX_BYTES);
    expect(Buffer.byteLength(doc)).toBeLessThan(MIB);
    expect(shownItems(doc)).toBeGreaterThan(20);
    expect(notShownCount(doc)).toBe(10_000 - shownItems(doc));
    expect(doc).toContain('see the results file.');
    expectWellFormed(doc);
  });

  it('lists at most maxItems without claiming a size limit', () => {
    const doc = renderSummary(many, { maxItems: 3 });
    expect(shownItems(doc)).toBe(3);
    expect(doc).toContain('… and 9,997 more failing items not shown; see the results file.');
  });

  it('shortens item texts when not even one item fits whole', () => {
    const huge = 'x'.repeat(20_000);
    const result = makeResult({ failingItems: [makeItem(1, { input: huge, expected: huge, output: huge })] });
    const doc = renderReport(result, { title: 't', showItemContent: true, maxItems: 5, maxChars: 6_000, itemTextChars: 5_000 });
    expect(Buffer.byteLength(doc)).toBeLessThanOrEqual(6_000);
    expect(shownItems(doc)).toBe(1);
    expect(doc).toContain('Item texts are shortened to fit the report size limit.');
    expectWellFormed(doc);
  });

  it('mentions failing items that were never collected', () => {
    const result = makeResult({ failingItems: [makeItem(1)], failingItemsOmitted: 4_000 });
    const doc = renderSummary(result);
    expect(doc).toContain('<summary>Failing items (4,001)</summary>');
    expect(doc).toContain('4,000 more failing items were not collected (collection limit)');
    expect(notShownCount(doc)).toBeNull();
  });
});

describe('renderReport: item content', () => {
  it('shows no item text at all with showItemContent: false', () => {
    const secret = 'sk-SECRET-0123456789';
    const result = makeResult({
      failingItems: [
        makeItem(1, { input: `input ${secret}`, expected: `expected ${secret}`, output: `output ${secret}` }),
        makeItem(2, { outcome: 'error', output: null, error: `error ${secret}` }),
      ],
    });
    for (const doc of [
      renderComment(result, { marker: MARKER, maxItems: 20, showItemContent: false }),
      renderSummary(result, { showItemContent: false }),
    ]) {
      expect(doc).not.toContain('SECRET');
      expect(doc).not.toContain('**Input**');
      expect(doc).toContain('Item contents are hidden');
      expect(doc).toContain('Exact match: ❌ fail (score 0)');
      expect(shownItems(doc)).toBe(2);
    }
  });

  it('shows the error of an errored item', () => {
    const doc = renderSummary(makeResult({ failingItems: [makeItem(1, { outcome: 'error', output: null, error: 'rate limited', grades: [] })] }));
    expect(doc).toContain('#### ⚠️ error · item 1 · outputitem\\_1');
    expect(doc).toContain('**Error**\n\n```\nrate limited\n```');
    expect(doc).not.toContain('**Output**');
  });
});

describe('renderReport: runs that did not complete', () => {
  it('renders a run with no items', () => {
    const result = makeResult({
      run: makeRun({ resultCounts: { total: 0, passed: 0, failed: 0, errored: 0, skipped: 0 }, usage: [] }),
      verdict: { result: 'fail', reasons: ['The run has no items: nothing was evaluated.'] },
    });
    const doc = renderSummary(result);
    expect(doc).toContain('**No items were evaluated** · threshold 90.0%');
    expect(doc).not.toContain('<details>');
    expect(doc).not.toContain('model | invocations');
    expectWellFormed(doc);
  });

  it('renders a failed run with its escaped error message', () => {
    const message = 'Quota exceeded <img src=x onerror=alert(1)> for @octocat';
    const result = makeResult({
      status: 'failed',
      run: makeRun({ status: 'failed', error: { code: 'quota', message } }),
      verdict: { result: 'fail', reasons: [`The run ended with status "failed": quota: ${message}`] },
    });
    const doc = renderSummary(result);
    expect(doc).toContain('the run failed');
    expect(doc).toContain('- The run ended with status "failed": quota: Quota exceeded &lt;img src=x onerror=alert(1)&gt; for @&#8203;octocat');
    expectWellFormed(doc);
  });

  it('renders a canceled run', () => {
    const result = makeResult({
      status: 'canceled',
      run: makeRun({ status: 'canceled' }),
      verdict: { result: 'fail', reasons: ['The run was canceled before it completed.'] },
    });
    const doc = renderComment(result, { marker: MARKER, maxItems: 20, showItemContent: true });
    expect(doc).toContain('### ❌ evals-gate: failed');
    expect(doc).toContain('the run was canceled');
    expectWellFormed(doc, MARKER);
  });
});

describe('renderReport: snapshots', () => {
  it('a passing report (job summary)', async () => {
    const result = makeResult({
      criteria: [
        { id: 'Exact match-0d3f', name: 'Exact match', metric: null, passed: 49, failed: 1, rate: 0.98, min: null },
        { id: 'Tone-9a1c', name: 'Tone', metric: null, passed: 50, failed: 0, rate: 1, min: null },
      ],
      failingItems: [makeItem(7)],
    });
    await expect(renderSummary(result, { title: 'evals-gate · Sample eval' })).toMatchFileSnapshot('./__snapshots__/report-passing.md');
  });

  it('a failing report with criteria thresholds and a few items (PR comment)', async () => {
    const result = makeResult({
      run: makeRun({
        name: 'PR #12 · 9f8e7d6',
        resultCounts: { total: 200, passed: 170, failed: 24, errored: 6, skipped: 0 },
        usage: [
          { model: 'gpt-4.1-mini', invocations: 200, promptTokens: 48_000, completionTokens: 12_500, totalTokens: 60_500, cachedTokens: 0 },
          { model: 'o4-mini', invocations: 194, promptTokens: 90_210, completionTokens: 20_004, totalTokens: 110_214, cachedTokens: 0 },
        ],
      }),
      threshold: 0.9,
      criteria: [
        { id: 'Exact match-0d3f', name: 'Exact match', metric: null, passed: 170, failed: 30, rate: 0.85, min: 0.9 },
        { id: 'Tone-9a1c', name: 'Tone', metric: null, passed: 188, failed: 6, rate: 188 / 194, min: 0.8 },
        { id: 'Length-77aa', name: 'Length', metric: null, passed: 194, failed: 0, rate: 1, min: null },
      ],
      failingItems: [
        makeItem(3, {
          input: 'Summarise: "The quarterly report shows | revenue up 4% and costs flat."',
          expected: 'Revenue rose 4%; costs were flat.',
          output: 'Revenue went up.\nCosts: ```unchanged```',
          grades: [
            { name: 'Exact match', type: 'string_check', passed: false, score: 0, metric: null, threshold: null, label: null, reason: null },
            { name: 'Tone', type: 'score_model', passed: true, score: 0.92, metric: null, threshold: null, label: null, reason: null },
          ],
        }),
        makeItem(11, { expected: null, output: '', grades: [{ name: 'Exact match', type: 'string_check', passed: false, score: 0, metric: null, threshold: null, label: null, reason: null }] }),
        makeItem(12, { outcome: 'error', output: null, error: 'Request timed out after 60s', grades: [] }),
      ],
      failingItemsOmitted: 27,
      verdict: {
        result: 'fail',
        reasons: ['Score 85.0% is below the threshold 90.0%.', 'Criterion "Exact match" passed 85.0%, below its minimum 90.0%.'],
      },
      durationMs: 754_000,
    });
    const doc = renderComment(result, { marker: MARKER, maxItems: 2, showItemContent: true, title: 'evals-gate · Sample eval' });
    expectWellFormed(doc, MARKER);
    await expect(doc).toMatchFileSnapshot('./__snapshots__/report-failing-comment.md');
  });

  it('a timeout report (job summary)', async () => {
    const result = makeResult({
      status: 'timeout',
      run: makeRun({ status: 'in_progress', resultCounts: { total: 120, passed: 101, failed: 14, errored: 5, skipped: 0 }, usage: [] }),
      verdict: { result: 'fail', reasons: ['The run did not finish within timeout-minutes (30 min); it was cancelled.'] },
      durationMs: 1_800_000,
    });
    const doc = renderSummary(result, { title: 'evals-gate · Sample eval', footer: '<sub>evals-gate v0.1.0</sub>' });
    await expect(doc).toMatchFileSnapshot('./__snapshots__/report-timeout.md');
  });
});

describe('Azure shapes', () => {
  const metricGrade = (metric: string, passed: boolean | null, score: number | null, reason: string | null) => ({
    name: 'qa',
    type: 'azure_ai_evaluator',
    metric,
    passed,
    score,
    threshold: 3,
    label: passed === null ? null : passed ? 'pass' : 'fail',
    reason,
  });

  it("shows each metric's verdict, score, threshold and reason, one grader per line", () => {
    const item = makeItem(1, {
      grades: [
        metricGrade('coherence', false, 2, 'The answer contradicts itself.'),
        metricGrade('fluency', true, 4, null),
        { ...metricGrade('relevance', false, 1, null), label: 'off-topic' },
      ],
    });
    const summary = renderSummary(makeResult({ failingItems: [item] }), { title: 'T', showItemContent: true, maxItems: 10 });
    expect(summary).toContain('Graders:\n- qa/coherence: ❌ fail (score 2, threshold 3): The answer contradicts itself.\n- qa/fluency: ✅ pass (score 4, threshold 3)\n');
    expect(summary).toContain('- qa/relevance: ❌ fail, label off-topic (score 1, threshold 3)');
  });

  it('shows a null verdict as no verdict, and skipped items in the verdict line and the counts table', () => {
    const counts = { total: 10, passed: 6, failed: 1, errored: 1, skipped: 2 };
    const item = makeItem(2, { outcome: 'error', grades: [{ ...metricGrade('coherence', null, null, null), threshold: null }] });
    const summary = renderSummary(makeResult({ counts, score: 0.75, failingItems: [item] }), { title: 'T', showItemContent: true, maxItems: 10 });
    expect(summary).toContain('**75.0%** passed (6/8) · threshold 90.0% · 2 skipped');
    expect(summary).toContain('| total | passed | failed | errored | skipped | status | duration |');
    expect(summary).toContain('| 10 | 6 | 1 | 1 | 2 | completed |');
    expect(summary).toContain('Graders: qa/coherence: ⚪ no verdict');
  });

  it('hides the reasons with the item texts (show-item-content: false): they quote the outputs', () => {
    const item = makeItem(3, { grades: [metricGrade('coherence', false, 2, 'It said SECRET-OUTPUT twice.')] });
    const hidden = renderSummary(makeResult({ failingItems: [item] }), { title: 'T', showItemContent: false, maxItems: 10 });
    expect(hidden).toContain('Graders: qa/coherence: ❌ fail (score 2, threshold 3)');
    expect(hidden).not.toContain('SECRET-OUTPUT');
  });

  it('leaves the skipped column out when nothing was skipped', () => {
    const summary = renderSummary(makeResult(), { title: 'T', showItemContent: true, maxItems: 10 });
    expect(summary).toContain('| total | passed | failed | errored | status | duration |');
  });
});
