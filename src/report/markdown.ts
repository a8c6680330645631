// The gate's reports as markdown: the job summary and the sticky PR comment. Pure: a GateResult in,
// a string out. Every untrusted text goes through escape.ts, and the document is assembled from whole
// sections, so fitting it into GitHub's size limits never cuts through a tag, a table or a code fence.
import { Buffer } from 'node:buffer';
import { describeScoreDelta, formatPValue } from '../analysis/compare-runs.js';
import type { CriterionRate, GateResult, GateStatus, ScorePoint } from '../analysis/gate-result.js';
import { sharedItemErrors } from '../analysis/item-errors.js';
import { criterionKey } from '../analysis/item-tally.js';
import type { GradeRecord, ItemOutcome, ItemRecord, ModelUsage, RunSnapshot } from '../evals-api/run-types.js';
import { RUN_METADATA_KEYS } from '../shared/run-metadata-keys.js';
import { escapeBlock, escapeInline, safeLinkUrl } from './escape.js';
import { criterionLabels, formatCount, formatDuration, formatPercent, formatPercentPair, formatScore, markdownTable } from './format.js';
import { renderTrend } from './trend-chart.js';

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
/** Room for the lines about items not shown, whose counts change as blocks are added. */
const ITEM_LINES_SLACK = 64;

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

/** The sticky comment while the run is in progress: it exists from the start, and is replaced by the result. */
export function renderPendingComment(options: { marker: string; title: string; runId: string; runName: string; reportUrl: string | null; workflowRunUrl: string | null }): string {
  const title = escapeInline(options.title || DEFAULT_TITLE, TITLE_CHARS);
  const report = safeLinkUrl(options.reportUrl);
  const workflow = safeLinkUrl(options.workflowRunUrl);
  const run = `run ${escapeInline(options.runName || options.runId, ID_CHARS)}${options.runName ? ` (${escapeInline(options.runId, ID_CHARS)})` : ''}`;
  const links = [...(report ? [`[Eval run report](${report})`] : []), ...(workflow ? [`[Workflow run](${workflow})`] : [])];
  return documentOf([
    options.marker,
    `### ⏳ ${title}: evaluating…`,
    `The eval ${run} is in progress. This comment will show the result when it ends.`,
    ...(links.length > 0 ? [links.join(' · ')] : []),
  ]);
}

/** The sticky comment when the gate could not reach a verdict (an API error, a timeout of the API): it replaces "evaluating…". */
export function renderErrorComment(options: { marker: string; title: string; message: string; workflowRunUrl: string | null }): string {
  const title = escapeInline(options.title || DEFAULT_TITLE, TITLE_CHARS);
  const workflow = safeLinkUrl(options.workflowRunUrl);
  return documentOf([
    options.marker,
    `### ❌ ${title}: could not run`,
    escapeInline(options.message, NOTE_CHARS),
    ...(workflow ? [`[Workflow run](${workflow})`] : []),
  ]);
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

/** A collapsed list of items: the failing ones, or with a baseline, the regressions, fixes and others. */
interface ItemGroup {
  title: string;
  items: readonly ItemRecord[];
  /** How many there are, collected or not. */
  total: number;
  /** How many were not collected (the collection cap), to say so. */
  uncollected: number;
  /** What a line about items left out calls them. */
  noun: [string, string];
  /** Whose report lists the items that were not collected. */
  listedBy: string;
  /** The baseline's records (the fixes), whose errors are not this run's. */
  fromBaseline?: boolean;
}

function itemGroups(result: GateResult): ItemGroup[] {
  const failingTotal = result.failingItems.length + result.failingItemsOmitted;
  const compared = result.baseline;
  if (!compared) {
    const failing: ItemGroup = {
      title: 'Failing items',
      items: result.failingItems,
      total: failingTotal,
      uncollected: result.failingItemsOmitted,
      noun: ['more failing item', 'more failing items'],
      listedBy: "the run's report",
    };
    return failingTotal > 0 ? [failing] : [];
  }
  const { comparison, label } = compared;
  // By output item id: records are compared by value (the result may be a redacted copy).
  const regressed = new Set(compared.regressed.map((item) => item.id));
  const others = result.failingItems.filter((item) => !regressed.has(item.id));
  const groups: ItemGroup[] = [
    {
      title: `Regressions ${label}: passed then, fail now`,
      items: compared.regressed,
      total: comparison.mcnemar.regressions,
      uncollected: Math.max(0, comparison.mcnemar.regressions - compared.regressed.length),
      noun: ['more regression', 'more regressions'],
      listedBy: "the run's report",
    },
    {
      title: `Fixes ${label}: failed then, pass now, shown as they failed`,
      items: compared.fixed,
      total: comparison.mcnemar.fixes,
      uncollected: Math.max(0, comparison.mcnemar.fixes - compared.fixed.length),
      noun: ['more fix', 'more fixes'],
      listedBy: "the baseline run's report",
      fromBaseline: true,
    },
    {
      title: 'Other failing items',
      items: others,
      total: Math.max(others.length, failingTotal - comparison.mcnemar.regressions),
      uncollected: Math.max(0, failingTotal - comparison.mcnemar.regressions - others.length),
      noun: ['more failing item', 'more failing items'],
      listedBy: "the run's report",
    },
  ];
  return groups.filter((group) => group.total > 0);
}

function renderWithItems(result: GateResult, options: ReportOptions, detail: Detail): string | null {
  // An error many items share (one typo in a template) is said once, with its count, not under each item.
  const shared = options.showItemContent ? sharedItemErrors(result.failingItems) : [];
  const sharedCounts = new Map(shared.map((entry) => [entry.message, entry.count]));
  const head = [...headSections(result, options, detail), ...(shared.length > 0 ? [sharedErrorsSection(shared, detail)] : [])];
  const tail = tailSections(result, options, detail);
  const groups = itemGroups(result);
  if (groups.length === 0) {
    const report = documentOf([...head, ...tail]);
    return utf8Bytes(report) <= options.maxChars ? report : null;
  }
  // In order: the regressions first, then the fixes, then the other failures.
  const queue = groups.flatMap((group, index) => group.items.map((item) => ({ item, group: index })));
  const wanted = Math.min(Math.max(0, Math.floor(options.maxItems)), queue.length);
  const fullText = options.itemTextChars ?? SUMMARY_ITEM_TEXT_CHARS;
  const textLevels: (number | null)[] = options.showItemContent
    ? [fullText, Math.min(fullText, SHORT_ITEM_TEXT_CHARS), null]
    : [null];

  for (const [level, textChars] of textLevels.entries()) {
    const note = contentNote(options.showItemContent, level, textChars);
    const assemble = (blocks: readonly string[]) => {
      const perGroup = groups.map((): string[] => []);
      blocks.forEach((block, index) => perGroup[queue[index]!.group]!.push(block));
      const sizeLimited = blocks.length < wanted;
      const sections = groups.map((group, index) => itemsSection(group, options, perGroup[index]!, sizeLimited, note));
      return documentOf([...head, ...sections, ...tail]);
    };
    // Each block adds its bytes and a separator; the lines about items not shown change by a few digits.
    const skeleton = utf8Bytes(assemble([])) + ITEM_LINES_SLACK;
    const blocks: string[] = [];
    let blockBytes = 0;
    for (const { item, group } of queue.slice(0, wanted)) {
      const block = renderItem(item, textChars, detail, groups[group]?.fromBaseline ? null : sharedCounts);
      const size = utf8Bytes(block) + 2;
      if (skeleton + blockBytes + size > options.maxChars) break;
      blocks.push(block);
      blockBytes += size;
    }
    const lastLevel = level === textLevels.length - 1;
    if (blocks.length === 0 && wanted > 0 && !lastLevel) continue;
    // The estimate is close; assembling the document and checking again costs little and proves it.
    for (;;) {
      const report = assemble(blocks);
      if (utf8Bytes(report) <= options.maxChars) return report;
      if (blocks.length === 0) break;
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

function itemsSection(group: ItemGroup, options: ReportOptions, blocks: readonly string[], sizeLimited: boolean, note: string | null): string {
  const parts = [`<details><summary>${escapeInline(group.title, TITLE_CHARS)} (${formatCount(group.total)})</summary>`];
  if (note !== null && group.items.length > 0) parts.push(note);
  parts.push(...blocks);
  const notShown = group.items.length - blocks.length;
  if (notShown > 0) {
    const why = sizeLimited ? ' (report size limit)' : '';
    const where = options.moreItemsWhere ?? 'the results file';
    parts.push(`… and ${plural(notShown, ...group.noun)} not shown${why}; see ${where}.`);
  }
  if (group.uncollected > 0) {
    parts.push(`${plural(group.uncollected, `${group.noun[0]} was`, `${group.noun[1]} were`)} not collected (collection limit); ${group.listedBy} lists every item.`);
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
  const baselineLine = baselineDescription(result);
  if (baselineLine) sections.push(baselineLine);
  sections.push(reasonList(result.verdict.reasons, detail));
  if (result.countsNote) sections.push(`> [!WARNING]\n> ${escapeInline(result.countsNote, NOTE_CHARS)}`);
  sections.push(countsTable(result));
  if (result.criteria.length > 0 && detail.criteria > 0) sections.push(...criteriaTable(result, detail));
  if (result.trend && result.trend.length > 0 && detail.criteria > 0) sections.push(trendSection(result.trend, result.threshold, result.run));
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
  const compared = result.baseline;
  const delta = compared ? `${describeScoreDelta(compared.comparison.scoreDelta)} ${escapeInline(compared.label, TITLE_CHARS)}` : '';
  const parts =
    graded <= 0
      ? ['**No items were evaluated**', `threshold ${formatPercent(result.threshold)}`]
      : [`**${score}** passed (${formatCount(counts.passed)}/${formatCount(graded)})`, ...(delta ? [delta] : []), `threshold ${threshold}`];
  if (compared && compared.comparison.mcnemar.regressions > 0) parts.push(plural(compared.comparison.mcnemar.regressions, 'regression', 'regressions'));
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

/** `Compared with run X (main) · 240 items paired by id · 7 regressions, 2 fixes (p = 0.18, exact McNemar test)`. */
function baselineDescription(result: GateResult): string | null {
  const compared = result.baseline;
  if (!compared) return result.baselineNote ? `*${escapeInline(result.baselineNote, NOTE_CHARS)}*` : null;
  const { baseline, comparison } = compared;
  const link = safeLinkUrl(baseline.reportUrl);
  const runText = escapeInline(baseline.name || baseline.runId, ID_CHARS);
  const run = link ? `[${runText}](${link})` : runText;
  const onBranch = baseline.branch && !baseline.name.includes(baseline.branch) ? ` on ${escapeInline(baseline.branch, ID_CHARS)}` : '';
  const parts = [`Compared with ${run}${onBranch}`];
  parts.push(`${plural(comparison.paired, 'item', 'items')} paired by ${comparison.pairedBy === 'id' ? 'id (same dataset)' : 'content (the dataset changed)'}`);
  if (comparison.added > 0 || comparison.removed > 0) parts.push(`${formatCount(comparison.added)} added, ${formatCount(comparison.removed)} removed`);
  const { regressions, fixes, pValue } = comparison.mcnemar;
  parts.push(`${plural(regressions, 'regression', 'regressions')}, ${plural(fixes, 'fix', 'fixes')} (${escapeInline(formatPValue(pValue), ID_CHARS)}, exact McNemar test)`);
  return parts.join(' · ');
}

function trendSection(trend: readonly ScorePoint[], threshold: number, run: RunSnapshot): string {
  const branch = run.metadata[RUN_METADATA_KEYS.branch];
  const title = `Score${branch ? ` of ${branch}` : ''}, last ${trend.length} ${trend.length === 1 ? 'run' : 'runs'}`;
  return renderTrend(trend, { title, threshold });
}

function reasonList(reasons: readonly string[], detail: Detail): string {
  const lines = reasons.slice(0, detail.reasons).map((reason) => `- ${escapeInline(reason, detail.reasonChars)}`);
  if (reasons.length > detail.reasons) {
    lines.push(`- … and ${plural(reasons.length - detail.reasons, 'more reason', 'more reasons')} (see the results file)`);
  }
  return lines.join('\n');
}

function countsTable(result: GateResult): string {
  const { counts } = result;
  // Only servers that skip items (Azure, Foundry) get the column.
  const skipped = counts.skipped > 0;
  return markdownTable(
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
function criteriaTable(result: GateResult, detail: Detail): string[] {
  const { criteria } = result;
  const labels = criterionLabels(criteria);
  const compared = baselineRates(result);
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
    const then = compared?.[index];
    const vs = compared ? [formatPercent(then?.baseline ?? null), then?.delta === null || then?.delta === undefined ? '—' : describeScoreDelta(then.delta)] : [];
    if (!withMin) return [...cells, formatPercent(criterion.rate), ...vs];
    if (criterion.min === null) return [...cells, formatPercent(criterion.rate), ...vs, '—', ''];
    const [rate, min] =
      criterion.rate === null ? [formatPercent(null), formatPercent(criterion.min)] : formatPercentPair(criterion.rate, criterion.min);
    return [...cells, rate, ...vs, min, meetsMin(criterion) ? '✅' : '❌'];
  });
  const vsHeader = compared && result.baseline ? ['baseline', `Δ ${escapeInline(result.baseline.label, detail.nameChars)}`] : [];
  const header = ['criterion', 'passed', 'failed', 'pass rate', ...vsHeader, ...(withMin ? ['minimum', 'met'] : [])];
  const align = ['---', '---:', '---:', '---:', ...vsHeader.map(() => '---:'), ...(withMin ? ['---:', ':---:'] : [])];
  const sections = [markdownTable(header, align, rows)];
  const gone = (result.baseline?.comparison.criteria ?? []).filter((entry) => entry.current === null && entry.baseline !== null);
  if (gone.length > 0) {
    const names = gone.slice(0, 10).map((entry) => `${escapeInline(entry.name, detail.nameChars)} (${formatPercent(entry.baseline)})`);
    sections.push(`Only in the baseline: ${names.join(', ')}${gone.length > 10 ? `, and ${formatCount(gone.length - 10)} more` : ''}.`);
  }
  const hidden = criteria.length - shown.length;
  if (hidden > 0) sections.push(`… and ${plural(hidden, 'more criterion', 'more criteria')} (see the results file).`);
  return sections;
}

/** The baseline's rate and the change, for each current criterion in order (null: no baseline). */
function baselineRates(result: GateResult): Array<{ baseline: number | null; delta: number | null }> | null {
  if (!result.baseline) return null;
  const byName = new Map<string, Array<{ baseline: number | null; delta: number | null }>>();
  for (const entry of result.baseline.comparison.criteria) {
    const list = byName.get(entry.name) ?? [];
    list.push(entry);
    byName.set(entry.name, list);
  }
  return result.criteria.map((criterion) => byName.get(criterion.name)?.shift() ?? { baseline: null, delta: null });
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
    markdownTable(
      ['model', 'invocations', 'prompt tokens', 'completion tokens', 'total tokens'],
      ['---', '---:', '---:', '---:', '---:'],
      rows,
    ),
  ];
  const hidden = usage.length - rows.length;
  if (hidden > 0) sections.push(`… and ${plural(hidden, 'more model', 'more models')} (see the results file).`);
  return sections;
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

const SHARED_ERRORS_SHOWN = 10;

function sharedErrorsSection(shared: readonly { message: string; count: number }[], detail: Detail): string {
  const lines = shared.slice(0, SHARED_ERRORS_SHOWN).map((entry) => `- ${plural(entry.count, 'item', 'items')}: ${escapeInline(entry.message, detail.reasonChars)}`);
  if (shared.length > SHARED_ERRORS_SHOWN) lines.push(`- … and ${plural(shared.length - SHARED_ERRORS_SHOWN, 'more shared error', 'more shared errors')} (see the results file)`);
  return `**Errors shared by several items**, each shown once:\n${lines.join('\n')}`;
}

/**
 * One failing item: a heading with its ids and outcome, the graders' verdicts, then its texts. An error
 * in `shared` (message → items with it) was shown once above, and is only referred to here.
 */
function renderItem(item: ItemRecord, textChars: number | null, detail: Detail, shared: ReadonlyMap<string, number> | null = null): string {
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
      const sharedBy = label === 'Error' ? shared?.get(text) : undefined;
      if (sharedBy !== undefined) parts.push(`**${label}**`, `*The error shared by ${formatCount(sharedBy)} items, shown above.*`);
      else parts.push(`**${label}**`, text.trim() === '' ? '*(empty)*' : escapeBlock(text, textChars));
    }
  }
  return parts.join('\n\n');
}
