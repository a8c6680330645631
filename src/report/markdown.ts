// The gate's reports as markdown: the job summary and the sticky PR comment. Pure: a GateResult in,
// a string out. Every untrusted text goes through escape.ts, and the document is assembled from whole
// sections, so fitting it into GitHub's size limits never cuts through a tag, a table or a code fence.

import { Buffer } from 'node:buffer';
import type { CriterionRate, GateResult, GateStatus } from '../analysis/gate-result.js';
import { criterionKey } from '../analysis/item-tally.js';
import type { GradeRecord, ItemOutcome, ItemRecord, ModelUsage } from '../evals/run-types.js';
import { escapeBlock, escapeInline } from './escape.js';
import { criterionLabels, formatCount, formatDuration, formatPercent, formatPercentPair, formatScore } from './format.js';

export interface ReportOptions {
  /** Heading text, e.g. `evals-gate · Sample eval`. It holds the eval's name, so it is escaped. */
  title: string;
  /** `false`: item ids and grader verdicts only, never inputs, expected answers, outputs or errors. */
  showItemContent: boolean;
  /** Failing items listed at most. */
  maxItems: number;
  /**
   * Cap on the whole document, counted in UTF-8 bytes. A string never has more characters than UTF-8
   * bytes, so one count keeps both the comment's character limit and the summary's byte limit.
   */
  maxChars: number;
  /** The sticky comment's hidden marker: the first line, for comments only. */
  marker?: string;
  /** A trusted markdown line appended at the end. */
  footer?: string;
  /** Cap on each item text shown (input, expected, output, error), code fences included. */
  itemTextChars?: number;
  /** Where the failing items not shown can be read, e.g. `the results file`. */
  moreItemsWhere?: string;
}

/** Under GitHub's 65,536-character limit on comments, with room for what the comment writer adds. */
export const COMMENT_MAX_CHARS = 60_000;
/** Under the 1 MiB a job summary may hold, with room to spare. */
export const SUMMARY_MAX_BYTES = 900_000;
export const SUMMARY_MAX_ITEMS = 200;
const COMMENT_ITEM_TEXT_CHARS = 1_000;
const SUMMARY_ITEM_TEXT_CHARS = 2_000;
/** Item texts when the full ones leave no room for even one item. */
const SHORT_ITEM_TEXT_CHARS = 300;
const DEFAULT_TITLE = 'evals-gate';
const TITLE_CHARS = 150;
const ID_CHARS = 100;
const NOTE_CHARS = 1_000;
const GRADES_SHOWN = 20;
const URL_CHARS = 2_000;

/** How much of the parts other than the failing items to show; the second level when the first is too big. */
interface Detail {
  reasons: number;
  reasonChars: number;
  criteria: number;
  usage: number;
  nameChars: number;
}

const FULL_DETAIL: Detail = { reasons: 20, reasonChars: 1_000, criteria: 100, usage: 20, nameChars: 120 };
const SHORT_DETAIL: Detail = { reasons: 5, reasonChars: 300, criteria: 20, usage: 5, nameChars: 60 };
const MINIMAL_DETAIL: Detail = { reasons: 3, reasonChars: 150, criteria: 0, usage: 0, nameChars: 60 };

const OUTCOME_ICON: Record<ItemOutcome, string> = { pass: '✅', fail: '❌', error: '⚠️', skipped: '⏭️' };

const STATUS_NOTE: Record<GateStatus, string | null> = {
  completed: null,
  failed: 'the run failed',
  canceled: 'the run was canceled',
  timeout: 'the run timed out',
};

/** The job summary: every part, up to 200 failing items, within the summary's size limit. */
export function renderSummary(result: GateResult, options: Partial<ReportOptions> = {}): string {
  return renderReport(result, {
    title: DEFAULT_TITLE,
    showItemContent: true,
    maxItems: SUMMARY_MAX_ITEMS,
    maxChars: SUMMARY_MAX_BYTES,
    itemTextChars: SUMMARY_ITEM_TEXT_CHARS,
    moreItemsWhere: 'the results file',
    ...options,
  });
}

/** The sticky PR comment: the marker on its first line, shorter item texts, within the comment limit. */
export function renderComment(
  result: GateResult,
  options: { marker: string; maxItems: number; showItemContent: boolean; title?: string; footer?: string },
): string {
  return renderReport(result, {
    title: options.title ?? DEFAULT_TITLE,
    showItemContent: options.showItemContent,
    maxItems: options.maxItems,
    maxChars: COMMENT_MAX_CHARS,
    marker: options.marker,
    ...(options.footer === undefined ? {} : { footer: options.footer }),
    itemTextChars: COMMENT_ITEM_TEXT_CHARS,
    moreItemsWhere: 'the job summary and the results file',
  });
}

/**
 * The report. When it would exceed `maxChars`, failing items are dropped from the end first, then
 * item texts are shortened, then the other parts; the smallest form keeps the verdict and the counts.
 */
export function renderReport(result: GateResult, options: ReportOptions): string {
  for (const detail of [FULL_DETAIL, SHORT_DETAIL]) {
    const report = renderWithItems(result, options, detail);
    if (report !== null) return report;
  }
  return renderMinimal(result, options);
}

function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

function documentOf(sections: readonly string[]): string {
  return `${sections.join('\n\n')}\n`;
}

function plural(count: number, one: string, many: string): string {
  return `${formatCount(count)} ${count === 1 ? one : many}`;
}

function renderWithItems(result: GateResult, options: ReportOptions, detail: Detail): string | null {
  const head = headSections(result, options, detail);
  const tail = tailSections(result, options, detail);
  const failing = result.failingItems;
  if (failing.length === 0 && result.failingItemsOmitted === 0) {
    const report = documentOf([...head, ...tail]);
    return utf8Bytes(report) <= options.maxChars ? report : null;
  }
  // Bytes of everything but the items section, plus the separator before it.
  const around = utf8Bytes(documentOf([...head, ...tail])) + 2;
  const wanted = Math.min(Math.max(0, Math.floor(options.maxItems)), failing.length);
  const fullText = options.itemTextChars ?? SUMMARY_ITEM_TEXT_CHARS;
  const textLevels: (number | null)[] = options.showItemContent
    ? [fullText, Math.min(fullText, SHORT_ITEM_TEXT_CHARS), null]
    : [null];

  for (const [level, textChars] of textLevels.entries()) {
    const note = contentNote(options.showItemContent, level, textChars);
    // The section's bytes without its item blocks, when `shown` of them are listed: each adds a separator.
    const skeletonBytes = (shown: number) => utf8Bytes(itemsSection(result, options, [], shown, wanted, note)) + 2 * shown;
    const blocks: string[] = [];
    let blockBytes = 0;
    for (const item of failing.slice(0, wanted)) {
      const block = renderItem(item, textChars, detail);
      const size = utf8Bytes(block);
      if (around + skeletonBytes(blocks.length + 1) + blockBytes + size > options.maxChars) break;
      blocks.push(block);
      blockBytes += size;
    }
    const lastLevel = level === textLevels.length - 1;
    if (blocks.length === 0 && wanted > 0 && !lastLevel) continue;
    // The estimate is exact; assembling the document and checking again costs little and proves it.
    for (;;) {
      const report = documentOf([...head, itemsSection(result, options, blocks, blocks.length, wanted, note), ...tail]);
      if (utf8Bytes(report) <= options.maxChars) return report;
      if (blocks.length === 0) return null;
      blocks.pop();
    }
  }
  return null;
}

function contentNote(showItemContent: boolean, level: number, textChars: number | null): string | null {
  if (!showItemContent) return 'Item contents are hidden (`show-item-content: false`).';
  if (textChars === null) return 'Item texts are left out to fit the report size limit.';
  if (level > 0) return 'Item texts are shortened to fit the report size limit.';
  return null;
}

function itemsSection(
  result: GateResult,
  options: ReportOptions,
  blocks: readonly string[],
  shown: number,
  wanted: number,
  note: string | null,
): string {
  const collected = result.failingItems.length;
  const omitted = result.failingItemsOmitted;
  const parts = [`<details><summary>Failing items (${formatCount(collected + omitted)})</summary>`];
  if (note !== null && collected > 0) parts.push(note);
  parts.push(...blocks);
  const notShown = collected - shown;
  if (notShown > 0) {
    const why = shown < wanted ? ' (report size limit)' : '';
    const where = options.moreItemsWhere ?? 'the results file';
    parts.push(`… and ${plural(notShown, 'more failing item', 'more failing items')} not shown${why}; see ${where}.`);
  }
  if (omitted > 0) {
    parts.push(
      `${plural(omitted, 'more failing item was', 'more failing items were')} not collected (collection limit); the run's report lists every item.`,
    );
  }
  parts.push('</details>');
  return parts.join('\n\n');
}

function headSections(result: GateResult, options: ReportOptions, detail: Detail): string[] {
  const sections: string[] = [];
  if (options.marker) sections.push(options.marker);
  const passed = result.verdict.result === 'pass';
  const title = escapeInline(options.title || DEFAULT_TITLE, TITLE_CHARS);
  sections.push(`### ${passed ? '✅' : '❌'} ${title}: ${passed ? 'passed' : 'failed'}`);
  sections.push(verdictLine(result));
  const runLine = runDescription(result);
  if (runLine) sections.push(runLine);
  sections.push(reasonList(result.verdict.reasons, detail));
  if (result.countsNote) sections.push(`> [!WARNING]\n> ${escapeInline(result.countsNote, NOTE_CHARS)}`);
  sections.push(countsTable(result));
  if (result.criteria.length > 0 && detail.criteria > 0) sections.push(...criteriaTable(result.criteria, detail));
  return sections;
}

function tailSections(result: GateResult, options: ReportOptions, detail: Detail): string[] {
  const sections: string[] = [];
  if (result.run.usage.length > 0 && detail.usage > 0) sections.push(...usageTable(result.run.usage, detail));
  const links = linksLine(result);
  if (links) sections.push(links);
  if (options.footer) sections.push(options.footer);
  return sections;
}

/** Drops sections from the end until the report fits; the marker and the heading always stay. */
function renderMinimal(result: GateResult, options: ReportOptions): string {
  const sections = [
    ...(options.marker ? [options.marker] : []),
    ...headSections(result, { ...options, marker: '' }, MINIMAL_DETAIL),
  ];
  const keep = options.marker ? 2 : 1;
  sections.splice(keep + 1, 0, '> [!NOTE]\n> This report was shortened to fit the size limit; the results file has everything.');
  while (sections.length > keep && utf8Bytes(documentOf(sections)) > options.maxChars) sections.pop();
  return documentOf(sections);
}

function verdictLine(result: GateResult): string {
  const { counts } = result;
  const [score, threshold] = formatPercentPair(result.score, result.threshold);
  const graded = counts.total - counts.skipped;
  const parts =
    graded <= 0
      ? ['**No items were evaluated**', `threshold ${formatPercent(result.threshold)}`]
      : [`**${score}** passed (${formatCount(counts.passed)}/${formatCount(graded)})`, `threshold ${threshold}`];
  if (counts.skipped > 0) parts.push(`${formatCount(counts.skipped)} skipped`);
  const statusNote = STATUS_NOTE[result.status];
  if (statusNote) parts.push(statusNote);
  return parts.join(' · ');
}

function runDescription(result: GateResult): string {
  const { run } = result;
  const parts: string[] = [];
  if (run.name) parts.push(`Run ${escapeInline(run.name, ID_CHARS)} (${escapeInline(run.id, ID_CHARS)})`);
  else if (run.id) parts.push(`Run ${escapeInline(run.id, ID_CHARS)}`);
  if (result.evalId) parts.push(`eval ${escapeInline(result.evalId, ID_CHARS)}`);
  if (run.model) parts.push(`model ${escapeInline(run.model, ID_CHARS)}`);
  return parts.join(' · ');
}

function reasonList(reasons: readonly string[], detail: Detail): string {
  const lines = reasons.slice(0, detail.reasons).map((reason) => `- ${escapeInline(reason, detail.reasonChars)}`);
  if (reasons.length > detail.reasons) {
    lines.push(`- … and ${plural(reasons.length - detail.reasons, 'more reason', 'more reasons')} (see the results file)`);
  }
  return lines.join('\n');
}

function tableOf(header: readonly string[], align: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(align), ...rows.map(line)].join('\n');
}

function countsTable(result: GateResult): string {
  const { counts } = result;
  // Only servers that skip items (Azure, Foundry) get the column.
  const skipped = counts.skipped > 0;
  return tableOf(
    ['total', 'passed', 'failed', 'errored', ...(skipped ? ['skipped'] : []), 'status', 'duration'],
    ['---:', '---:', '---:', '---:', ...(skipped ? ['---:'] : []), '---', '---:'],
    [
      [
        formatCount(counts.total),
        formatCount(counts.passed),
        formatCount(counts.failed),
        formatCount(counts.errored),
        ...(skipped ? [formatCount(counts.skipped)] : []),
        result.status,
        formatDuration(result.durationMs),
      ],
    ],
  );
}

function meetsMin(criterion: CriterionRate): boolean | null {
  if (criterion.min === null) return null;
  return criterion.rate !== null && criterion.rate >= criterion.min;
}

/** The criteria table, and a line for the rows left out; criteria below their minimum are kept first. */
function criteriaTable(criteria: readonly CriterionRate[], detail: Detail): string[] {
  const labels = criterionLabels(criteria);
  const indexes = criteria.map((_, index) => index);
  const shown =
    criteria.length <= detail.criteria
      ? indexes
      : [...indexes.filter((index) => meetsMin(criteria[index]!) === false), ...indexes.filter((index) => meetsMin(criteria[index]!) !== false)]
          .slice(0, detail.criteria)
          .sort((a, b) => a - b);
  const withMin = criteria.some((criterion) => criterion.min !== null);
  const rows = shown.map((index) => {
    const criterion = criteria[index]!;
    const cells = [
      escapeInline(labels[index] ?? criterion.name, detail.nameChars),
      formatCount(criterion.passed),
      formatCount(criterion.failed),
    ];
    if (!withMin) return [...cells, formatPercent(criterion.rate)];
    if (criterion.min === null) return [...cells, formatPercent(criterion.rate), '—', ''];
    const [rate, min] =
      criterion.rate === null ? [formatPercent(null), formatPercent(criterion.min)] : formatPercentPair(criterion.rate, criterion.min);
    return [...cells, rate, min, meetsMin(criterion) ? '✅' : '❌'];
  });
  const header = ['criterion', 'passed', 'failed', 'pass rate', ...(withMin ? ['minimum', 'met'] : [])];
  const align = ['---', '---:', '---:', '---:', ...(withMin ? ['---:', ':---:'] : [])];
  const sections = [tableOf(header, align, rows)];
  const hidden = criteria.length - shown.length;
  if (hidden > 0) sections.push(`… and ${plural(hidden, 'more criterion', 'more criteria')} (see the results file).`);
  return sections;
}

function usageTable(usage: readonly ModelUsage[], detail: Detail): string[] {
  const rows = usage
    .slice(0, detail.usage)
    .map((entry) => [
      escapeInline(entry.model, detail.nameChars),
      formatCount(entry.invocations),
      formatCount(entry.promptTokens),
      formatCount(entry.completionTokens),
      formatCount(entry.totalTokens),
    ]);
  const sections = [
    tableOf(
      ['model', 'invocations', 'prompt tokens', 'completion tokens', 'total tokens'],
      ['---', '---:', '---:', '---:', '---:'],
      rows,
    ),
  ];
  const hidden = usage.length - rows.length;
  if (hidden > 0) sections.push(`… and ${plural(hidden, 'more model', 'more models')} (see the results file).`);
  return sections;
}

/**
 * An http(s) URL made safe as a markdown link destination, or null. The links come from the API and
 * the environment, so anything else (`javascript:`, relative, malformed) is dropped.
 */
export function safeLinkUrl(url: string | null): string | null {
  if (!url) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return null;
  // The serialiser already encodes spaces, quotes and angle brackets; parentheses and backslashes
  // could still end or escape the link destination.
  const href = parsed.href.replace(/[()\\]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
  return href.length <= URL_CHARS ? href : null;
}

function linksLine(result: GateResult): string | null {
  const links: string[] = [];
  const report = safeLinkUrl(result.links.report);
  if (report) links.push(`[Eval run report](${report})`);
  const workflowRun = safeLinkUrl(result.links.workflowRun);
  if (workflowRun) links.push(`[Workflow run](${workflowRun})`);
  return links.length > 0 ? links.join(' · ') : null;
}

/** A judge's reason next to its verdict: one line, short. */
const REASON_CHARS = 240;

/**
 * `name/metric: ❌ fail, label poor (score 2, threshold 3): reason…`, from what the grader gave. A judge's
 * reason often quotes the output, so it goes wherever the item's texts go, and only there.
 */
function gradeText(grade: GradeRecord, detail: Detail, withReason: boolean): string {
  const verdict = grade.passed === null ? '⚪ no verdict' : grade.passed ? '✅ pass' : '❌ fail';
  const name = escapeInline(criterionKey(grade), detail.nameChars);
  // Azure's labels mostly repeat the verdict ("pass"/"fail"): shown only when they say more.
  const label = grade.label !== null && !['pass', 'fail'].includes(grade.label.toLowerCase()) ? `, label ${escapeInline(grade.label, detail.nameChars)}` : '';
  const numbers = [
    ...(grade.score === null ? [] : [`score ${formatScore(grade.score)}`]),
    ...(grade.threshold === null ? [] : [`threshold ${formatScore(grade.threshold)}`]),
  ];
  const scored = numbers.length > 0 ? ` (${numbers.join(', ')})` : '';
  const reason = withReason && grade.reason ? `: ${escapeInline(grade.reason, REASON_CHARS)}` : '';
  return `${name}: ${verdict}${label}${scored}${reason}`;
}

/** One failing item: a heading with its ids and outcome, the graders' verdicts, then its texts. */
function renderItem(item: ItemRecord, textChars: number | null, detail: Detail): string {
  const ids = [
    ...(item.datasourceItemId === null ? [] : [`item ${escapeInline(item.datasourceItemId, ID_CHARS)}`]),
    escapeInline(item.id, ID_CHARS),
  ];
  const parts = [`#### ${OUTCOME_ICON[item.outcome]} ${item.outcome} · ${ids.join(' · ')}`];
  if (item.grades.length > 0) {
    const withReasons = textChars !== null && item.grades.some((grade) => grade.reason);
    const grades = item.grades.slice(0, GRADES_SHOWN).map((grade) => gradeText(grade, detail, withReasons));
    if (item.grades.length > GRADES_SHOWN) grades.push(`… and ${formatCount(item.grades.length - GRADES_SHOWN)} more`);
    // Reasons make a grader's line long: one per line then, else all on one.
    parts.push(withReasons ? `Graders:\n${grades.map((grade) => `- ${grade}`).join('\n')}` : `Graders: ${grades.join(' · ')}`);
  }
  if (textChars !== null) {
    const texts: [string, string | null][] = [
      ['Input', item.input],
      ['Expected', item.expected],
      ['Output', item.output],
      ['Error', item.error],
    ];
    for (const [label, text] of texts) {
      if (text === null) continue;
      parts.push(`**${label}**`, text.trim() === '' ? '*(empty)*' : escapeBlock(text, textChars));
    }
  }
  return parts.join('\n\n');
}
