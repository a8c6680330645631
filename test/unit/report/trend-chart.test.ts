import { describe, expect, it } from 'vitest';
import type { ScorePoint } from '../../../src/analysis/gate-result.ts';
import { mermaidText, renderTrend, TREND_MAX_CHARS } from '../../../src/report/trend-chart.ts';

function point(index: number, overrides: Partial<ScorePoint> = {}): ScorePoint {
  return {
    runId: `evalrun_${index}`,
    label: `11-${String(index).padStart(2, '0')}`,
    score: 0.8,
    url: `https://github.com/acme/widgets/actions/runs/${1_000_000 + index}`,
    status: 'pass',
    ...overrides,
  };
}

/** The lines of the mermaid block, fences excluded. */
function mermaidLines(markdown: string): string[] {
  const match = /^```mermaid\n([\s\S]*?)\n```$/m.exec(markdown);
  expect(match).not.toBeNull();
  return match![1]!.split('\n');
}

/** The x-axis labels, checking that the line is a well-formed list of quoted strings. */
function axisLabels(markdown: string): string[] {
  const axis = mermaidLines(markdown).find((line) => line.startsWith('    x-axis '));
  expect(axis).toMatch(/^ {4}x-axis \[("[^"]*"(, "[^"]*")*)\]$/);
  return [...axis!.matchAll(/"([^"]*)"/g)].map((match) => match[1]!);
}

function tableRows(markdown: string): string[] {
  return markdown.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| run |') && !line.startsWith('| ---'));
}

describe('renderTrend', () => {
  it('renders a chart with the threshold and a table for three points', () => {
    const points: ScorePoint[] = [
      point(19, { score: 0.82, status: 'fail' }),
      point(20, { score: 0.875, status: 'pass' }),
      point(21, { score: 0.86, status: 'pass', url: null }),
    ];
    expect(renderTrend(points, { title: 'Nightly: main', threshold: 0.85 })).toBe(
      [
        '```mermaid',
        'xychart-beta',
        '    title "Nightly: main"',
        '    x-axis ["11-19", "11-20", "11-21"]',
        '    y-axis "score (%)" 75 --> 100',
        '    line [82.0, 87.5, 86.0]',
        '    line [85.0, 85.0, 85.0]',
        '```',
        '',
        'The flat line is the threshold, 85.0%.',
        '',
        '| run | score | Δ vs previous | verdict |',
        '| --- | ---: | ---: | :---: |',
        '| [11-19](https://github.com/acme/widgets/actions/runs/1000019) | 82.0% | — | ❌ |',
        '| [11-20](https://github.com/acme/widgets/actions/runs/1000020) | 87.5% | +5.5 pts | ✅ |',
        '| 11-21 | 86.0% | \u22121.5 pts | ✅ |',
        '',
      ].join('\n'),
    );
  });

  it('draws no threshold line without a threshold, and starts the axis below the lowest score', () => {
    const markdown = renderTrend([point(1, { score: 0.42 }), point(2, { score: 1, status: null })], { title: 'PR trend', threshold: null });
    expect(mermaidLines(markdown)).toEqual([
      'xychart-beta',
      '    title "PR trend"',
      '    x-axis ["11-01", "11-02"]',
      '    y-axis "score (%)" 35 --> 100',
      '    line [42.0, 100.0]',
    ]);
    expect(markdown).not.toContain('threshold');
    expect(tableRows(markdown)[1]).toBe('| [11-02](https://github.com/acme/widgets/actions/runs/1000002) | 100.0% | +58.0 pts | — |');
  });

  it('keeps the threshold line on the chart when it is below every score, and clamps the axis at 0', () => {
    const low = renderTrend([point(1, { score: 0.9 }), point(2, { score: 0.95 })], { title: 't', threshold: 0.5 });
    expect(mermaidLines(low)).toContain('    y-axis "score (%)" 45 --> 100');
    const zero = renderTrend([point(1, { score: 0.02 }), point(2, { score: 0 })], { title: 't', threshold: null });
    expect(mermaidLines(zero)).toContain('    y-axis "score (%)" 0 --> 100');
    const perfect = renderTrend([point(1, { score: 1 }), point(2, { score: 1 })], { title: 't', threshold: 1 });
    expect(mermaidLines(perfect)).toContain('    y-axis "score (%)" 95 --> 100');
  });

  it('gives a one-line note for no points, and the title and table alone for one', () => {
    expect(renderTrend([], { title: 'Nightly: main', threshold: 0.9 })).toBe('Nightly: main — no runs to show yet.\n');
    expect(renderTrend([], { title: '<b>@octocat</b>', threshold: null })).toBe('&lt;b&gt;@&#8203;octocat&lt;/b&gt; — no runs to show yet.\n');
    const one = renderTrend([point(5, { score: 0.9 })], { title: 'Nightly', threshold: 0.8 });
    expect(one).toBe(
      [
        '**Nightly**',
        '',
        '| run | score | Δ vs previous | verdict |',
        '| --- | ---: | ---: | :---: |',
        '| [11-05](https://github.com/acme/widgets/actions/runs/1000005) | 90.0% | — | ✅ |',
        '',
      ].join('\n'),
    );
    expect(one).not.toContain('mermaid');
  });

  it('tells apart points labelled alike, which mermaid would otherwise draw on one spot', () => {
    const markdown = renderTrend([point(1, { label: '11-21' }), point(2, { label: '11-21' }), point(3, { label: '11-21 (2)' }), point(4, { label: '' })], {
      title: 't',
      threshold: null,
    });
    expect(axisLabels(markdown)).toEqual(['11-21', '11-21 (2)', '11-21 (2) (2)', 'evalrun_4']);
  });

  it('contains hostile labels and titles in the chart and in the table', () => {
    const hostile = [
      '```',
      'say "hi"',
      'x"]\n    line [1, 2',
      'two\nlines\r\nhere',
      '%%{init: {"theme": "dark"}}%%',
      '<script>alert(1)</script>',
      'cc @octocat and @org/team',
      'a; b #quot; &amp; c',
      'back`tick [x] {y}',
      'rtl\u202Eevil\u0000',
    ];
    const points = hostile.map((label, index) => point(index, { label, url: index % 2 ? 'javascript:alert(1)' : 'https://example.com/run?q=(1)' }));
    const markdown = renderTrend(points, { title: 'evil "title"]\n%% `x` ;', threshold: 0.5 });

    // The block is exactly the statements we wrote: nothing closed a string, a list or a line.
    const lines = mermaidLines(markdown);
    expect(lines).toHaveLength(6);
    expect(lines[0]).toBe('xychart-beta');
    expect(lines[1]).toMatch(/^ {4}title "[^"]*"$/);
    expect(lines.slice(4).every((line) => /^ {4}line \[[0-9., ]+\]$/.test(line))).toBe(true);
    const labels = axisLabels(markdown);
    expect(labels).toHaveLength(hostile.length);
    for (const text of [...labels, lines[1]!.slice('    title '.length)]) {
      // eslint-disable-next-line no-control-regex -- the assertion is about control characters
      expect(text).not.toMatch(/[`;%#&<>[\]{}\n\r\u202E\u0000]/);
    }
    expect(markdown.match(/^```/gm)).toHaveLength(2);
    expect(labels[1]).toBe("say 'hi'");
    expect(labels[5]).toBe('(script)alert(1…');
    expect(labels[6]).toBe('cc @\u200Boctocat and…');

    // The table: escaped cells, no HTML, no live mention, one line per row, links only to http(s).
    const rows = tableRows(markdown);
    expect(rows).toHaveLength(hostile.length);
    expect(markdown).not.toMatch(/<script|@[A-Za-z0-9]/);
    expect(markdown).toContain('@&#8203;octocat');
    expect(markdown).not.toContain('javascript:');
    expect(markdown).toContain('](https://example.com/run?q=%281%29)');
    for (const row of rows) expect(row.replace(/\\\|/g, '').split('|')).toHaveLength(6);
    expect(rows[0]).toMatch(/^\| \[\\`\\`\\`\]\(https:/);
  });

  it('charts at most the last 100 points, and says so', () => {
    const points = Array.from({ length: 150 }, (_, index) => point(index, { label: `run ${index}`, score: (index % 20) / 20 }));
    const markdown = renderTrend(points, { title: 'Nightly', threshold: 0.7 });
    const labels = axisLabels(markdown);
    expect(labels).toHaveLength(100);
    expect(labels[0]).toBe('run 50');
    expect(labels[99]).toBe('run 149');
    expect(markdown).toContain('The chart shows the last 100 of 150 runs.');
    expect(markdown.length).toBeLessThanOrEqual(TREND_MAX_CHARS);
  });

  it('stays within 5,000 characters for 100 points, cutting the table to the newest rows', () => {
    const points = Array.from({ length: 100 }, (_, index) =>
      point(index, { score: 0.7 + (index % 7) / 100, status: index % 3 ? 'pass' : 'fail' }),
    );
    const markdown = renderTrend(points, { title: 'Nightly · acme/widgets · main', threshold: 0.72 });
    expect(markdown.length).toBeLessThanOrEqual(TREND_MAX_CHARS);
    expect(axisLabels(markdown)).toHaveLength(100);
    const rows = tableRows(markdown);
    expect(rows.length).toBeGreaterThanOrEqual(10);
    expect(rows.length).toBeLessThanOrEqual(30);
    expect(rows.at(-1)).toContain('[11-99](');
    expect(markdown).toContain(`The table shows the last ${rows.length} of 100 runs.`);
  });

  it('stays within the cap with long hostile labels and long links, keeping at least the newest row', () => {
    const points = Array.from({ length: 100 }, (_, index) =>
      point(index, {
        label: `feature/${'"]`%%<x>'.repeat(20)}-${index}`,
        url: `https://github.com/${'org'.repeat(30)}/${'repo'.repeat(30)}/actions/runs/${index}?${'q=1&'.repeat(40)}`,
      }),
    );
    const markdown = renderTrend(points, { title: 'T'.repeat(1_000), threshold: 0.5 });
    expect(markdown.length).toBeLessThanOrEqual(TREND_MAX_CHARS);
    expect(tableRows(markdown).length).toBeGreaterThanOrEqual(1);
    expect(axisLabels(markdown)).toHaveLength(100);

    const small = renderTrend(points.slice(0, 3), { title: 't', threshold: null, maxChars: 10 });
    expect(tableRows(small)).toHaveLength(1);
  });

  it('shows every row when the runs fit', () => {
    const points = Array.from({ length: 12 }, (_, index) => point(index));
    const markdown = renderTrend(points, { title: 't', threshold: null });
    expect(tableRows(markdown)).toHaveLength(12);
    expect(markdown).not.toContain('The table shows');
    expect(tableRows(markdown)[1]).toContain('| 80.0% | ±0.0 pts | ✅ |');
  });
});

describe('mermaidText', () => {
  it('keeps ordinary names readable', () => {
    expect(mermaidText('feature/login-v2 (retry) 11-21', 100)).toBe('feature/login-v2 (retry) 11-21');
    expect(mermaidText('main@abc1234: Ünïcödé 名前', 100)).toBe('main@\u200Babc1234: Ünïcödé 名前');
  });

  it('cuts to a number of code points, ending in an ellipsis', () => {
    expect(mermaidText('abcdefghij', 5)).toBe('abcd…');
    expect(mermaidText('😀😀😀', 2)).toBe('');
    expect(mermaidText('名前名前名前', 3)).toBe('名前…');
  });
});
