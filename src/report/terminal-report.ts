import { styleText } from 'node:util';
import { describeScoreDelta } from '../analysis/compare-runs.js';
import type { GateResult } from '../analysis/gate-result.js';
import { sharedItemErrors } from '../analysis/item-errors.js';
import type { ItemRecord } from '../evals-api/run-types.js';
import { criterionLabels, formatCount, formatDuration, formatPercent } from './format.js';
import { terminalText } from './plain-text.js';

export interface TerminalReportOptions {
  title: string;
  /** Failing items listed (the rest are counted). */
  maxItems: number;
  showItemContent: boolean;
  /** ANSI colours (a TTY that does not set NO_COLOR). */
  color: boolean;
}

const ITEM_TEXT_CHARS = 160;
const SHARED_ERRORS_SHOWN = 10;

/**
 * The result for a terminal: the verdict first, then counts, criteria, the comparison and failing items.
 * Every text from the eval, the server or the dataset goes through `plain` or `oneLine`: the only
 * escape sequences in the report are its own colours.
 */
export function renderTerminalReport(result: GateResult, options: TerminalReportOptions): string {
  const paint = painter(options.color);
  const lines: string[] = [];
  const passed = result.verdict.result === 'pass';
  lines.push(paint(passed ? 'green' : 'red', `${passed ? '✔ PASS' : '✘ FAIL'}  ${plain(options.title)}`));
  lines.push(`  score ${formatPercent(result.score)} (threshold ${formatPercent(result.threshold)})${result.baseline ? ` · ${describeScoreDelta(result.baseline.comparison.scoreDelta)} ${plain(result.baseline.label)}` : ''}`);
  for (const reason of result.verdict.reasons) lines.push(`  ${plain(reason)}`);
  lines.push('');

  const { counts } = result;
  const skipped = counts.skipped ? ` · ${formatCount(counts.skipped)} skipped` : '';
  lines.push(
    `Items: ${formatCount(counts.total)} · ${paint('green', `${formatCount(counts.passed)} passed`)} · ${paint(counts.failed ? 'red' : 'dim', `${formatCount(counts.failed)} failed`)} · ${paint(counts.errored ? 'yellow' : 'dim', `${formatCount(counts.errored)} errored`)}${skipped}`,
  );
  lines.push(`Run: ${plain(result.run.name || result.run.id)} (${plain(result.run.id)}) · ${result.status} · ${formatDuration(result.durationMs)}`);
  if (result.links.report) lines.push(`Report: ${plain(result.links.report)}`);

  if (result.criteria.length > 0) {
    lines.push('', 'Criteria:');
    const labels = criterionLabels(result.criteria);
    const width = Math.max(...labels.map((label) => label.length));
    result.criteria.forEach((criterion, index) => {
      const rate = criterion.rate === null ? '—' : formatPercent(criterion.rate);
      const min = criterion.min === null ? '' : `  (min ${formatPercent(criterion.min)}${criterion.rate !== null && criterion.rate < criterion.min ? paint('red', ' ✘') : ''})`;
      lines.push(`  ${oneLine(labels[index] ?? criterion.name).padEnd(width)}  ${rate.padStart(7)}  ${criterion.passed}/${criterion.passed + criterion.failed}${min}`);
    });
  }
  if (result.baselineNote) lines.push('', paint('dim', plain(result.baselineNote)));
  if (result.baseline) {
    const { comparison } = result.baseline;
    lines.push('', `Compared ${plain(result.baseline.label)}: ${comparison.mcnemar.regressions} regressions, ${comparison.mcnemar.fixes} fixes.`);
  }

  const failing = result.failingItems;
  // An error many items share (one typo in a template) is printed once, with its count.
  const shared = sharedItemErrors(failing);
  if (shared.length > 0) {
    lines.push('', 'Errors shared by several items:');
    for (const entry of shared.slice(0, SHARED_ERRORS_SHOWN)) lines.push(`  ${paint('yellow', `${formatCount(entry.count)} items`)}: ${oneLine(entry.message)}`);
    if (shared.length > SHARED_ERRORS_SHOWN) lines.push(paint('dim', `  … and ${formatCount(shared.length - SHARED_ERRORS_SHOWN)} more (see the results file)`));
  }
  const sharedCounts = new Map(shared.map((entry) => [entry.message, entry.count]));
  if (failing.length > 0) {
    lines.push('', `Failing items (${formatCount(failing.length + result.failingItemsOmitted)}):`);
    for (const item of failing.slice(0, options.maxItems)) lines.push(...itemLines(item, options, paint, sharedCounts));
    const more = failing.length + result.failingItemsOmitted - Math.min(failing.length, options.maxItems);
    if (more > 0) lines.push(paint('dim', `  … and ${formatCount(more)} more (see the results file)`));
  }
  return `${lines.join('\n')}\n`;
}

function itemLines(item: ItemRecord, options: TerminalReportOptions, paint: Painter, shared: ReadonlyMap<string, number>): string[] {
  const id = plain(item.datasourceItemId !== null ? `#${item.datasourceItemId}` : item.id);
  const failed = item.grades.filter((grade) => grade.passed === false).map((grade) => plain(grade.name));
  const what = item.outcome === 'error' ? paint('yellow', 'errored') : paint('red', `failed ${failed.join(', ') || ''}`.trim());
  const lines = [`  ${id}  ${what}`];
  const sharedBy = item.error ? shared.get(item.error) : undefined;
  if (sharedBy !== undefined) lines.push(`      error:    ${paint('dim', `the one shared by ${formatCount(sharedBy)} items, above`)}`);
  else if (item.error) lines.push(`      error:    ${oneLine(item.error)}`);
  if (options.showItemContent) {
    if (item.input) lines.push(`      input:    ${oneLine(item.input)}`);
    if (item.output) lines.push(`      output:   ${oneLine(item.output)}`);
    if (item.expected) lines.push(`      expected: ${oneLine(item.expected)}`);
  }
  return lines;
}

/** Untrusted text on one line, as a terminal shows it: no escape sequence, no control character. */
function plain(text: string): string {
  return terminalText(text).replace(/[\n\t]+/g, ' ').trim();
}

/** The same, cut for an item's line. */
function oneLine(text: string): string {
  const flat = plain(text);
  return flat.length > ITEM_TEXT_CHARS ? `${flat.slice(0, ITEM_TEXT_CHARS - 1)}…` : flat;
}

type Colour = 'green' | 'red' | 'yellow' | 'dim';
type Painter = (colour: Colour, text: string) => string;

// Whether to colour is the caller's decision (a TTY, no NO_COLOR, no --no-color): styleText must not judge a stream.
function painter(enabled: boolean): Painter {
  return (colour, text) => (enabled ? styleText(colour, text, { validateStream: false }) : text);
}
