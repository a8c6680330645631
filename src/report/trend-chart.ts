// A score trend over runs (oldest → newest) for the job summary and the nightly report: a mermaid
// line chart, which GitHub renders from a fenced block, and a compact table under it. Labels and titles
// come from branch and run names, so they are untrusted in both: the chart keeps only characters that
// mean nothing to mermaid, the table escapes its cells.
import { describeScoreDelta } from '../analysis/compare-runs.js';
import type { ScorePoint } from '../analysis/gate-result.js';
import { escapeInline, safeLinkUrl } from './escape.js';
import { formatPercent, markdownTable } from './format.js';

export interface TrendOptions {
  title: string;
  /** The gate's threshold in [0,1], drawn as a flat line; null for none. */
  threshold: number | null;
  /** Cap on the whole output, in characters. Default 5,000: small enough to sit inside any report. */
  maxChars?: number;
}

export const TREND_MAX_CHARS = 5_000;
/** Points drawn at most (the newest); more would not be readable as x-axis labels anyway. */
const CHART_POINTS = 100;
/** Table rows at most (the newest); fewer when the size cap needs it, but always one. */
const TABLE_ROWS = 30;
const CHART_TITLE_CHARS = 80;
const CHART_LABEL_CHARS = 16;
const TABLE_TITLE_CHARS = 150;
const TABLE_LABEL_CHARS = 40;
const DEFAULT_TITLE = 'Score trend';
const ELLIPSIS = '…';
const ZWSP = '\u200B';

const STATUS_ICON = { pass: '✅', fail: '❌' } as const;

/**
 * Text safe inside a quoted mermaid string: letters, digits, spaces and punctuation without meaning to
 * mermaid. Gone are quotes and backticks (which end the string or start a markdown one), brackets,
 * `;` and line breaks (statement ends), `%` (`%%` starts a comment or a directive), `#` and `&` (entity
 * codes), `<` and `>` (HTML in labels), and every control, bidi or other invisible character. Quotes
 * and brackets become their harmless look-alikes so a name stays readable; `@name` gets a zero-width
 * space. At most `maxChars` visible code points.
 */
export function mermaidText(text: string, maxChars: number): string {
  const safe = text
    .replace(/["`]/g, "'")
    .replace(/[[{<]/g, '(')
    .replace(/[\]}>]/g, ')')
    .replace(/[^\p{L}\p{M}\p{N} ._\-:/+,!?'=~*@()]/gu, ' ')
    .replace(/ {2,}/g, ' ')
    .trim();
  const chars = Array.from(safe);
  const cut = chars.length <= maxChars ? safe : chars.slice(0, Math.max(0, maxChars - 1)).join('').trimEnd() + ELLIPSIS;
  // A code block links no mentions; a zero-width space, as in escapeBlock, keeps even the raw text inert.
  return cut.replace(/@(?=[A-Za-z0-9])/g, `@${ZWSP}`);
}

/** A score in [0,1] as a percentage with one decimal, the way `percent` rounds; out-of-range values are clamped. */
function chartPercent(score: number): number {
  if (!Number.isFinite(score)) return 0;
  return Math.min(100, Math.max(0, Math.round(score * 1000) / 10));
}

/**
 * The x-axis labels. Mermaid places points by label, so two runs labelled alike (two nightly runs on
 * one day) would land on one spot: repeats get ` (2)`, ` (3)`… An empty label becomes `run N`.
 */
function axisLabels(points: readonly ScorePoint[]): string[] {
  const used = new Set<string>();
  return points.map((point, index) => {
    const base = mermaidText(point.label, CHART_LABEL_CHARS) || mermaidText(point.runId, CHART_LABEL_CHARS) || `run ${index + 1}`;
    let label = base;
    for (let repeat = 2; used.has(label); repeat++) label = `${base} (${repeat})`;
    used.add(label);
    return label;
  });
}

function chartBlock(points: readonly ScorePoint[], title: string, threshold: number | null): string {
  const scores = points.map((point) => chartPercent(point.score));
  const thresholdPercent = threshold === null ? null : chartPercent(threshold);
  // Room below the lowest value (the threshold line included) so the line does not sit on the axis.
  const lowest = Math.min(...scores, ...(thresholdPercent === null ? [] : [thresholdPercent]));
  const floor = Math.max(0, Math.floor((lowest - 5) / 5) * 5);
  const series = (values: readonly number[]) => `[${values.map((value) => value.toFixed(1)).join(', ')}]`;
  const chartTitle = mermaidText(title, CHART_TITLE_CHARS);
  const lines = [
    '```mermaid',
    'xychart-beta',
    ...(chartTitle ? [`    title "${chartTitle}"`] : []),
    `    x-axis [${axisLabels(points)
      .map((label) => `"${label}"`)
      .join(', ')}]`,
    `    y-axis "score (%)" ${floor} --> 100`,
    `    line ${series(scores)}`,
    ...(thresholdPercent === null ? [] : [`    line ${series(points.map(() => thresholdPercent))}`]),
    '```',
  ];
  return lines.join('\n');
}

function tableRows(points: readonly ScorePoint[], from: number): string[][] {
  const rows: string[][] = [];
  for (let index = from; index < points.length; index++) {
    const point = points[index]!;
    const previous = index > 0 ? points[index - 1] : undefined;
    const label = escapeInline(point.label, TABLE_LABEL_CHARS) || escapeInline(point.runId, TABLE_LABEL_CHARS) || '—';
    const url = safeLinkUrl(point.url);
    const run = url ? `[${label}](${url})` : label;
    const delta = previous ? describeScoreDelta(point.score - previous.score) : '—';
    const verdict = point.status ? STATUS_ICON[point.status] : '—';
    rows.push([run, formatPercent(point.score), delta, verdict]);
  }
  return rows;
}

function tableOf(points: readonly ScorePoint[], shown: number): string {
  const table = markdownTable(['run', 'score', 'Δ vs previous', 'verdict'], ['---', '---:', '---:', ':---:'], tableRows(points, points.length - shown));
  const note = shown < points.length ? [`The table shows the last ${shown} of ${points.length} runs.`, ''] : [];
  return [...note, table].join('\n');
}

/**
 * The trend as markdown: a mermaid line chart of the scores (and of the threshold, when given) over the
 * newest 100 points, then a table of the newest runs (up to 30, fewer if the size cap needs it) with
 * score, change against the point before, verdict and a link to the run. One point: the table alone;
 * none: a one-line note.
 */
export function renderTrend(points: readonly ScorePoint[], options: TrendOptions): string {
  const maxChars = options.maxChars ?? TREND_MAX_CHARS;
  const title = options.title.trim() === '' ? DEFAULT_TITLE : options.title;
  if (points.length === 0) return `${escapeInline(title, TABLE_TITLE_CHARS)} — no runs to show yet.\n`;
  if (points.length === 1) return `**${escapeInline(title, TABLE_TITLE_CHARS)}**\n\n${tableOf(points, 1)}\n`;

  const charted = points.slice(-CHART_POINTS);
  const sections = [chartBlock(charted, title, options.threshold)];
  const notes: string[] = [];
  if (charted.length < points.length) notes.push(`The chart shows the last ${charted.length} of ${points.length} runs.`);
  if (options.threshold !== null) notes.push(`The flat line is the threshold, ${formatPercent(options.threshold)}.`);
  if (notes.length > 0) sections.push(notes.join(' '));

  const documentWith = (shown: number) => `${[...sections, tableOf(points, shown)].join('\n\n')}\n`;
  let shown = Math.min(TABLE_ROWS, points.length);
  let document = documentWith(shown);
  while (shown > 1 && document.length > maxChars) document = documentWith(--shown);
  return document;
}
