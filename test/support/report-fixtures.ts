// Builders and checks shared by the report tests (test/unit/report-*.test.ts, results-file.test.ts).
import { expect } from 'vitest';
import type { GateResult } from '../../src/analysis/gate-result.ts';
import type { ItemRecord, RunSnapshot } from '../../src/evals-api/run-types.ts';

export const MARKER = '<!-- evals-gate:comment key=x -->';

/** Text that tries every way out of a cell or block: HTML, the marker, pipes, mentions, fences, links, headings, bidi. */
export const HOSTILE = [
  '</details></summary><script>alert(1)</script>',
  MARKER,
  '| a | b |',
  'cc @octocat and @org/team',
  '```',
  '[link](javascript:alert(1)) ![img](http://x/y.png)',
  '# heading',
  'gnp.exe\u202Etxt',
].join('\n');

/** A completed run of 50 items on main, 49 passing. */
export function makeRun(overrides: Partial<RunSnapshot> = {}): RunSnapshot {
  return {
    id: 'evalrun_68a1',
    evalId: 'eval_67f0',
    name: 'main · 1a2b3c4',
    status: 'completed',
    model: 'gpt-4.1-mini',
    reportUrl: 'https://platform.openai.com/evaluations/eval_67f0?run_id=evalrun_68a1',
    createdAt: 1_760_000_000,
    resultCounts: { total: 50, passed: 49, failed: 1, errored: 0, skipped: 0 },
    perCriterion: [],
    usage: [
      { model: 'gpt-4.1-mini', invocations: 50, promptTokens: 12_400, completionTokens: 3_150, totalTokens: 15_550, cachedTokens: 0 },
    ],
    error: null,
    metadata: {},
    ...overrides,
  };
}

/** Item `n`, failing "Exact match": asked `n + n`, it answered one too many. */
export function makeItem(n: number, overrides: Partial<ItemRecord> = {}): ItemRecord {
  return {
    id: `outputitem_${n}`,
    datasourceItemId: String(n),
    contentHash: `hash${n}`,
    outcome: 'fail',
    input: `What is ${n} + ${n}?`,
    expected: String(2 * n),
    output: `It is ${2 * n + 1}.`,
    error: null,
    grades: [{ name: 'Exact match', type: 'string_check', passed: false, score: 0, metric: null, threshold: null, label: null, reason: null }],
    ...overrides,
  };
}

/** A passing gate result (threshold 90%) of `makeRun()`; counts and score follow the run's unless given. */
export function makeResult(overrides: Partial<GateResult> = {}): GateResult {
  const run = overrides.run ?? makeRun();
  const counts = overrides.counts ?? run.resultCounts;
  return {
    evalId: run.evalId,
    run,
    status: 'completed',
    counts,
    score: counts.total > 0 ? counts.passed / counts.total : 0,
    threshold: 0.9,
    criteria: [],
    failingItems: [],
    failingItemsOmitted: 0,
    countsNote: null,
    verdict: { result: 'pass', reasons: ['Score 98.0% meets the threshold 90.0%.'] },
    durationMs: 130_000,
    baseline: null,
    baselineNote: null,
    trend: null,
    links: { report: run.reportUrl, workflowRun: 'https://github.com/acme/app/actions/runs/42' },
    ...overrides,
  };
}

/** The characters of `set` in `text` that no backslash escapes (an odd number of backslashes before it). */
export function unescaped(text: string, set: string): string[] {
  const found: string[] = [];
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (!set.includes(char)) continue;
    let backslashes = 0;
    while (index - 1 - backslashes >= 0 && text[index - 1 - backslashes] === '\\') backslashes++;
    if (backslashes % 2 === 0) found.push(char);
  }
  return found;
}

/** Cells of a table row: pipes not escaped by an odd number of backslashes split it. */
export function cellCount(row: string): number {
  return unescaped(row, '|').length - 1;
}

/** Lines outside fenced code blocks; fails when a fence is left open. */
export function linesOutsideFences(doc: string): string[] {
  const outside: string[] = [];
  let fence: string | null = null;
  for (const line of doc.split('\n')) {
    const run = /^ {0,3}(`{3,})(.*)$/.exec(line);
    if (fence === null) {
      if (run) fence = run[1]!;
      else outside.push(line);
    } else if (run && run[1]!.length >= fence.length && run[2]!.trim() === '') {
      fence = null;
    }
  }
  expect(fence, 'every code fence is closed').toBeNull();
  return outside;
}

/** The structural promises every report keeps, however hostile its input. */
export function expectWellFormed(doc: string, marker?: string): void {
  const count = (needle: string) => doc.split(needle).length - 1;
  expect(count('<details>')).toBe(count('</details>'));
  expect(count('<summary>')).toBe(count('</summary>'));
  expect(count('<!--')).toBe(marker ? 1 : 0);
  if (marker) {
    expect(doc.split('\n')[0]).toBe(marker);
    expect(count(marker)).toBe(1);
  }
  // GitHub decodes the entity to this character, which keeps mentions, references and autolinks apart.
  const rendered = doc.replaceAll('&#8203;', '\u200B');
  expect(rendered).not.toMatch(/@[A-Za-z0-9]/);
  expect(doc).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/);

  const outside = linesOutsideFences(doc);
  for (const line of outside) {
    // A link to anything but http(s) is the report's bug (escaped, or inside a code block, it is inert text).
    expect(line).not.toMatch(/(?<!\\)\]\(\s*javascript:/i);
    // Raw HTML outside code blocks is only the report's own: every `<` there opens one of its tags.
    for (const tag of line.match(/<[^>]*>?/g) ?? []) {
      expect(['<details>', '</details>', '<summary>', '</summary>', marker]).toContain(tag);
    }
    // Every `[` is escaped, or opens a callout or one of the report's own http(s) links (whose text is
    // escaped); never an image.
    const bare = line
      .replace(/\\\\/g, '')
      .replace(/\\[[\]]/g, '')
      .replace(/(?<!!)\[[^[\]]*\]\(https?:\/\/[^)\s]*\)/g, '')
      .replace(/^> \[![A-Z]+\]$/, '');
    expect(bare, line).not.toContain('[');
  }
  // Table rows keep their header's column count.
  let columns: number | null = null;
  for (const line of outside) {
    if (!line.startsWith('|')) {
      columns = null;
      continue;
    }
    if (columns === null) columns = cellCount(line);
    else expect(cellCount(line), line).toBe(columns);
  }
}
