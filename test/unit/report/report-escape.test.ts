import { describe, expect, it } from 'vitest';
import { escapeBlock, escapeInline } from '../../../src/report/escape.ts';
import { criterionLabels, formatCount, formatDuration, formatPercent, formatPercentPair, formatScore } from '../../../src/report/format.ts';
import { unescaped } from '../../support/report-fixtures.ts';

const ZWSP_ENTITY = '&#8203;';
const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/;
// eslint-disable-next-line no-control-regex -- the assertion is about control characters
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;

/** Pipes that would end a table cell: not preceded by an odd number of backslashes. */
const unescapedPipes = (text: string): number => unescaped(text, '|').length;

describe('escapeInline', () => {
  it('leaves no raw HTML, so nothing can close <details>, open a comment or run a script', () => {
    const out = escapeInline('</details><script>alert(1)</script><!-- evals-gate:comment key=x -->', 500);
    expect(out).not.toMatch(/[<>]/);
    expect(out).toContain('&lt;/details&gt;&lt;script&gt;');
    expect(out).toContain('&lt;!-- evals-gate:comment key=x --&gt;');
  });

  it('escapes & so entities in the text stay text', () => {
    expect(escapeInline('&lt;b&gt; &amp;', 100)).toBe('&amp;lt;b&amp;gt; &amp;amp;');
  });

  it('escapes every pipe, and a trailing backslash cannot escape the cell border', () => {
    expect(unescapedPipes(escapeInline('| a | b |', 100))).toBe(0);
    expect(unescapedPipes(escapeInline('a \\| b \\\\| c', 100))).toBe(0);
    const out = escapeInline('ends with \\', 100);
    expect(unescapedPipes(`| ${out} |`)).toBe(2);
  });

  it('puts everything on one line: line breaks and tabs become single spaces', () => {
    expect(escapeInline('one\ntwo\r\nthree\rfour\u2028five\tsix\n\n\nseven', 100)).toBe('one two three four five six seven');
    expect(escapeInline('  \n padded \n ', 100)).toBe('padded');
  });

  it('neutralises links, images, emphasis, code spans and fences', () => {
    const out = escapeInline('[link](javascript:alert(1)) ![img](http://x/y.png) *b* _i_ ~s~ `c` ``` $x$', 500);
    expect(unescaped(out, '[]`*_~$')).toEqual([]);
    expect(out).toContain('\\[link\\](javascript:alert(1))');
    expect(out).toContain('!\\[img\\]');
  });

  it('breaks autolinks of bare URLs and www. names', () => {
    const out = escapeInline('go to https://evil.example/x or WWW.evil.example now', 500);
    expect(out).not.toMatch(/https?:\/\//);
    expect(out).not.toMatch(/www\./i);
    expect(out).toContain(`https${ZWSP_ENTITY}://evil.example/x`);
  });

  it('escapes block syntax at the start, where the text may begin a list item or heading', () => {
    expect(escapeInline('# Heading', 100)).toBe('\\# Heading');
    expect(escapeInline('- item', 100)).toBe('\\- item');
    expect(escapeInline('+ item', 100)).toBe('\\+ item');
    expect(escapeInline('===', 100)).toBe('\\===');
    expect(escapeInline('12. item', 100)).toBe('12\\. item');
    expect(escapeInline('3) item', 100)).toBe('3\\) item');
    expect(escapeInline('> quote', 100)).toBe('&gt; quote');
  });

  it('defuses @user and @org/team mentions and issue references', () => {
    const out = escapeInline('cc @octocat and @github/security, see #123 and other/repo#4', 500);
    const rendered = out.replaceAll(ZWSP_ENTITY, '\u200B');
    expect(rendered).not.toMatch(/@[A-Za-z0-9]/);
    expect(rendered).not.toMatch(/#[0-9]/);
    expect(out).toContain(`@${ZWSP_ENTITY}octocat`);
    expect(out).toContain(`@${ZWSP_ENTITY}github/security`);
    expect(out).toContain(`#${ZWSP_ENTITY}123`);
  });

  it('defuses GH-123, the other way GitHub writes an issue reference, in any case', () => {
    const out = escapeInline('fixes GH-123, gh-7 and (GH-9)', 500);
    const rendered = out.replaceAll(ZWSP_ENTITY, '\u200B');
    expect(rendered).not.toMatch(/\bGH-[0-9]/i);
    expect(out).toContain(`GH-${ZWSP_ENTITY}123`);
    expect(out).toContain(`(GH-${ZWSP_ENTITY}9)`);
    // Only the reference form: other hyphens stay as written.
    expect(escapeInline('AGH-1 GH-x well-known 3-4', 100)).toBe('AGH-1 GH-x well-known 3-4');
  });

  it('drops control and bidi characters and repairs lone surrogates', () => {
    const out = escapeInline('safe\u202Etxt.exe\u2066x\u2069\u0000\u0007\u001B[31m\u009B\uD800!', 100);
    expect(out).not.toMatch(BIDI);
    expect(out).not.toMatch(CONTROL);
    expect(out).toBe('safetxt.exex\\[31m\uFFFD!');
  });

  it('cuts to maxChars with an ellipsis, never inside an entity, escape or surrogate pair', () => {
    expect(escapeInline('abcdefghij', 5)).toBe('abcd…');
    expect(escapeInline('abcdefghij', 10)).toBe('abcdefghij');
    for (let max = 2; max < 30; max++) {
      for (const text of ['&'.repeat(40), '|'.repeat(40), '😀'.repeat(40), '@a'.repeat(40)]) {
        const out = escapeInline(text, max);
        expect(out.length).toBeLessThanOrEqual(max);
        expect(out.endsWith('…')).toBe(true);
        expect(out.slice(0, -1)).not.toMatch(/&[a-z#0-9]*$/);
        expect(unescapedPipes(out)).toBe(0);
        expect(out).not.toMatch(/[\uD800-\uDBFF]…$/);
      }
    }
  });

  it('handles a 1 MB string quickly and within the cap', () => {
    const huge = '<x>|@y '.repeat(150_000);
    const started = performance.now();
    const out = escapeInline(huge, 300);
    // Linear, not quadratic: a quadratic escape of 1 MB would take minutes.
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(out.length).toBeLessThanOrEqual(300);
    expect(out.endsWith('…')).toBe(true);
    expect(unescapedPipes(out)).toBe(0);
  });

  it('marks a cut even when dropped characters made the visible text short', () => {
    const out = escapeInline(`${'\u0000'.repeat(100_000)}tail`, 50);
    expect(out).toBe('…');
  });
});

/** The fence lines of a block produced by escapeBlock, and whether any inner line could close it. */
function fenceOf(block: string): { fence: string; body: string[]; closedEarly: boolean } {
  const lines = block.split('\n');
  const fence = lines[0]!;
  expect(fence).toMatch(/^`{3,}$/);
  expect(lines.at(-1)).toBe(fence);
  const body = lines.slice(1, -1);
  const closedEarly = body.some((line) => {
    const run = /^ {0,3}(`+)\s*$/.exec(line);
    return run !== null && run[1]!.length >= fence.length;
  });
  return { fence, body, closedEarly };
}

describe('escapeBlock', () => {
  it('fences the text with more backticks than any run inside it', () => {
    const text = 'before\n```\ninside\n`````\n   ````\nafter ``````` inline';
    const out = escapeBlock(text, 1_000);
    const { fence, body, closedEarly } = fenceOf(out);
    expect(fence).toBe('````````');
    expect(closedEarly).toBe(false);
    expect(body.join('\n')).toBe(text);
  });

  it('uses a plain three-backtick fence for ordinary text', () => {
    expect(escapeBlock('hello\nworld', 100)).toBe('```\nhello\nworld\n```');
  });

  it('breaks </details>, <!-- and <? and defuses mentions even inside the fence', () => {
    const out = escapeBlock('</details>\n<!-- evals-gate:comment key=x -->\n<?xml?>\n</summary>\ncc @octocat @org/team', 1_000);
    expect(out).not.toContain('</details');
    expect(out).not.toContain('</summary');
    expect(out).not.toContain('<!--');
    expect(out).not.toContain('<?');
    expect(out).not.toMatch(/@[A-Za-z0-9]/);
    expect(out).toContain('@\u200Boctocat');
  });

  it('normalises line ends, drops control and bidi characters, trims blank edges', () => {
    const out = escapeBlock('\n\nline 1\r\nline\u202E 2\rline 3\u0000\u001B\n\n  \n', 100);
    expect(out).toBe('```\nline 1\nline 2\nline 3\n```');
  });

  it('keeps the whole block, fences included, within maxChars', () => {
    for (const max of [9, 10, 20, 50, 200]) {
      for (const text of ['x'.repeat(500), '`'.repeat(40) + 'y'.repeat(500), '😀'.repeat(300), 'a\n'.repeat(300)]) {
        const out = escapeBlock(text, max);
        expect(out.length).toBeLessThanOrEqual(max);
        expect(fenceOf(out).closedEarly).toBe(false);
        expect(out).toMatch(/…\n`+$/);
        expect(out).not.toMatch(/[\uD800-\uDBFF]…/);
      }
    }
  });

  it('handles a 1 MB string quickly and within the cap', () => {
    const huge = '```\n</details>@x\n'.repeat(70_000);
    const started = performance.now();
    const out = escapeBlock(huge, 2_000);
    // Linear, not quadratic: a quadratic escape of 1 MB would take minutes.
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(out.length).toBeLessThanOrEqual(2_000);
    expect(fenceOf(out).closedEarly).toBe(false);
    expect(out).not.toContain('</details');
  });
});

describe('format', () => {
  it('formats percentages with one decimal and a dash for none', () => {
    expect(formatPercent(0.925)).toBe('92.5%');
    expect(formatPercent(0.92)).toBe('92.0%');
    expect(formatPercent(1)).toBe('100.0%');
    expect(formatPercent(0)).toBe('0.0%');
    expect(formatPercent(null)).toBe('—');
    expect(formatPercent(Number.NaN)).toBe('—');
  });

  it('tells a score and its threshold apart', () => {
    expect(formatPercentPair(0.92, 0.9)).toEqual(['92.0%', '90.0%']);
    expect(formatPercentPair(0.8999, 0.9)).toEqual(['89.99%', '90.00%']);
    expect(formatPercentPair(0.9, 0.9)).toEqual(['90.0%', '90.0%']);
  });

  it('formats counts with thousands separators', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(999)).toBe('999');
    expect(formatCount(10_000)).toBe('10,000');
    expect(formatCount(1_234_567)).toBe('1,234,567');
    expect(formatCount(-1_000)).toBe('-1,000');
  });

  it('formats durations compactly', () => {
    expect(formatDuration(850)).toBe('850ms');
    expect(formatDuration(42_000)).toBe('42s');
    expect(formatDuration(130_000)).toBe('2m10s');
    expect(formatDuration(65_000)).toBe('1m05s');
    expect(formatDuration(3_900_000)).toBe('1h05m');
    expect(formatDuration(-1)).toBe('—');
  });

  it('formats grader scores with at most three decimals', () => {
    expect(formatScore(0.93333)).toBe('0.933');
    expect(formatScore(4)).toBe('4');
    expect(formatScore(null)).toBe('—');
  });

  it('labels criteria by name, by id where names repeat', () => {
    expect(
      criterionLabels([
        { id: 'Exact-1', name: 'Exact' },
        { id: 'Fuzzy-2', name: 'Fuzzy' },
        { id: 'Exact-3', name: 'Exact' },
      ]),
    ).toEqual(['Exact-1', 'Fuzzy', 'Exact-3']);
  });
});
