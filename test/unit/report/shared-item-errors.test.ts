// Item errors that many items share (one typo in a template errors every item alike) are reported once
// with their count: grouped in analysis, shown once in the summary, the comment and the terminal report,
// and only referred to under each item. Errors of one item, hidden contents and the baseline's records
// are left as they were.
import { describe, expect, it } from 'vitest';
import { sharedItemErrors } from '../../../src/analysis/item-errors.ts';
import type { ItemRecord } from '../../../src/evals-api/run-types.ts';
import { renderComment, renderSummary } from '../../../src/report/markdown.ts';
import { renderTerminalReport } from '../../../src/report/terminal-report.ts';
import { makeItem, makeResult, makeRun, MARKER } from '../../support/report-fixtures.ts';

const TYPO = 'grader "Mentions": {{item.must_mentoin}}: the item has no "must_mentoin"';

function errored(n: number, error: string): ItemRecord {
  return makeItem(n, { outcome: 'error', error, grades: [] });
}

/** 12 items errored by the typo, one by its own error, and one that failed. */
function typoResult() {
  const failing = [...Array.from({ length: 12 }, (_, n) => errored(n, TYPO)), errored(12, 'grade() raised KeyError: 12'), makeItem(13)];
  const counts = { total: 20, passed: 6, failed: 1, errored: 13, skipped: 0 };
  return makeResult({ run: makeRun({ resultCounts: counts }), counts, score: 0.3, failingItems: failing, verdict: { result: 'fail', reasons: ['Score 30.0% is below the threshold 90.0%.'] } });
}

describe('sharedItemErrors', () => {
  it('counts each error several errored items share, most shared first, and leaves one-off errors out', () => {
    const items = [errored(1, 'b'), errored(2, 'a'), errored(3, 'b'), errored(4, 'c'), errored(5, 'a'), errored(6, 'b'), makeItem(7, { error: 'b' })];
    expect(sharedItemErrors(items)).toEqual([
      { message: 'b', count: 3 },
      { message: 'a', count: 2 },
    ]);
    expect(sharedItemErrors([errored(1, 'x'), errored(2, 'y')])).toEqual([]);
  });
});

describe('shared errors in the reports', () => {
  it('the summary says the shared error once, with its count, and refers to it under each item', () => {
    const summary = renderSummary(typoResult());
    expect(summary).toContain('**Errors shared by several items**, each shown once:\n- 12 items: grader "Mentions": {{item.must\\_mentoin}}: the item has no "must\\_mentoin"');
    expect(summary.split('must\\_mentoin}}').length - 1).toBe(1);
    expect(summary.split('*The error shared by 12 items, shown above.*').length - 1).toBe(12);
    // An error of one item stays under that item.
    expect(summary).toContain('grade() raised KeyError: 12');
    expect(summary).not.toContain('1 item:');
  });

  it('the comment does the same, and shows no error text when item contents are hidden', () => {
    const comment = renderComment(typoResult(), { marker: MARKER, maxItems: 20, showItemContent: true });
    expect(comment).toContain('- 12 items: grader "Mentions"');
    const hidden = renderComment(typoResult(), { marker: MARKER, maxItems: 20, showItemContent: false });
    expect(hidden).not.toContain('Errors shared');
    expect(hidden).not.toContain('must\\_mentoin');
  });

  it('the terminal report prints the shared error once, and each item points to it', () => {
    const text = renderTerminalReport(typoResult(), { title: 'Support', maxItems: 20, showItemContent: true, color: false });
    expect(text).toContain(`Errors shared by several items:\n  12 items: ${TYPO}\n`);
    expect(text.split(TYPO).length - 1).toBe(1);
    expect(text.split('error:    the one shared by 12 items, above').length - 1).toBe(12);
    expect(text).toContain('error:    grade() raised KeyError: 12');
  });
});
