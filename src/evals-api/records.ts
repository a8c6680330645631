import { fingerprint } from '../shared/fingerprint.js';
import type { CriterionCounts, GradeRecord, ItemRecord, ModelUsage, RunSnapshot } from './run-types.js';

// Turns the API's objects into compact records. Servers differ (OpenAI, Azure, Foundry) and fields are
// `null` before a run completes, so every field is read defensively, never trusted to have its type.

/** Longest text kept per field of an item: enough for any report, small enough for 100,000 items. */
export const ITEM_TEXT_MAX_CHARS = 2000;

type Loose = Record<string, unknown>;

export function toRunSnapshot(raw: unknown): RunSnapshot {
  const run = asObject(raw);
  const counts = asObject(run.result_counts);
  const error = asObject(run.error);
  return {
    id: asString(run.id) ?? '',
    evalId: asString(run.eval_id) ?? '',
    name: asString(run.name) ?? '',
    status: normaliseStatus(asString(run.status) ?? 'unknown'),
    model: asString(run.model),
    reportUrl: asString(run.report_url),
    createdAt: asNumber(run.created_at),
    resultCounts: {
      total: asNumber(counts.total) ?? 0,
      passed: asNumber(counts.passed) ?? 0,
      failed: asNumber(counts.failed) ?? 0,
      errored: asNumber(counts.errored) ?? 0,
      skipped: asNumber(counts.skipped) ?? 0,
    },
    perCriterion: asArray(run.per_testing_criteria_results).map(toCriterionCounts),
    usage: asArray(run.per_model_usage).map(toModelUsage),
    error: asString(error.message) || asString(error.code) ? { code: asString(error.code) ?? '', message: asString(error.message) ?? '' } : null,
    metadata: toStringRecord(run.metadata),
  };
}

/** Azure writes `cancelled`; everything downstream speaks the documented `canceled`. */
export function normaliseStatus(status: string): string {
  return status === 'cancelled' ? 'canceled' : status;
}

export function isTerminalStatus(status: string): boolean {
  return status === 'completed' || status === 'failed' || status === 'canceled' || status === 'cancelled';
}

function toCriterionCounts(raw: unknown): CriterionCounts {
  const entry = asObject(raw);
  const id = asString(entry.testing_criteria) ?? '';
  return { id, name: criterionName(id), passed: asNumber(entry.passed) ?? 0, failed: asNumber(entry.failed) ?? 0 };
}

function toModelUsage(raw: unknown): ModelUsage {
  const usage = asObject(raw);
  return {
    model: asString(usage.model_name) ?? 'unknown',
    invocations: asNumber(usage.invocation_count) ?? 0,
    promptTokens: asNumber(usage.prompt_tokens) ?? 0,
    completionTokens: asNumber(usage.completion_tokens) ?? 0,
    totalTokens: asNumber(usage.total_tokens) ?? 0,
    cachedTokens: asNumber(usage.cached_tokens) ?? 0,
  };
}

const TRAILING_UUID = /[-_][0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A grader id is `"<name>-<uuid>"`: people read the name, the id stays for matching. */
export function criterionName(id: string): string {
  return id.replace(TRAILING_UUID, '') || id;
}

/** Takes secrets out of a text: applied before any text is cut, since a cut secret could no longer be found. */
export type Redact = (text: string) => string;

const asIs: Redact = (text) => text;

export function toItemRecord(raw: unknown, redact: Redact = asIs): ItemRecord {
  const item = asObject(raw);
  const sample = asObject(item.sample);
  const datasourceItem = asObject(item.datasource_item);
  const sampleError = asObject(sample.error);
  const errorText = asString(sampleError.message) || asString(sampleError.code);
  const status = asString(item.status);
  const outcome = errorText ? 'error' : status === 'pass' ? 'pass' : status === 'skipped' ? 'skipped' : 'fail';
  const datasourceItemId = item.datasource_item_id;
  return {
    id: asString(item.id) ?? '',
    datasourceItemId: datasourceItemId === null || datasourceItemId === undefined ? null : String(datasourceItemId),
    contentHash: fingerprint(item.datasource_item ?? null),
    outcome,
    input: cut(lastUserMessage(sample.input) ?? pickText(datasourceItem, INPUT_FIELDS), redact),
    expected: cut(pickText(datasourceItem, EXPECTED_FIELDS), redact),
    output: cut(lastMessageText(sample.output) ?? asString(sample.output_text) ?? pickText(datasourceItem, OUTPUT_FIELDS), redact),
    error: cut(errorText ?? null, redact),
    grades: asArray(item.results).map((result) => toGradeRecord(result, redact)),
  };
}

/** A judge's reason is for reading next to its verdict: a paragraph, not an essay. */
export const REASON_MAX_CHARS = 500;

function toGradeRecord(raw: unknown, redact: Redact): GradeRecord {
  const result = asObject(raw);
  const name = criterionName(asString(result.name) ?? 'grader');
  const metric = asString(result.metric);
  return {
    name,
    type: asString(result.type),
    // A metric named like its grader adds nothing (Azure's single-metric evaluators).
    metric: metric && metric !== name ? metric : null,
    passed: typeof result.passed === 'boolean' ? result.passed : null,
    score: asNumber(result.score),
    threshold: asNumber(result.threshold),
    label: asString(result.label) ?? (typeof result.label === 'boolean' ? String(result.label) : null),
    reason: cut(asString(result.reason), redact, REASON_MAX_CHARS),
  };
}

const INPUT_FIELDS = ['input', 'question', 'prompt', 'query', 'text'];
const EXPECTED_FIELDS = ['expected', 'ideal', 'reference', 'answer', 'label', 'ground_truth', 'correct_label'];
const OUTPUT_FIELDS = ['output', 'output_text', 'response', 'completion'];

function pickText(source: Loose, fields: string[]): string | null {
  for (const field of fields) {
    const text = textOf(source[field]);
    if (text !== null) return text;
  }
  return null;
}

function lastUserMessage(messages: unknown): string | null {
  const list = asArray(messages).map(asObject);
  const user = [...list].reverse().find((message) => message.role === 'user') ?? list[list.length - 1];
  return user ? textOf(user.content) : null;
}

function lastMessageText(messages: unknown): string | null {
  const list = asArray(messages).map(asObject);
  const last = list[list.length - 1];
  return last ? textOf(last.content) : null;
}

/** Message content is a string or an array of parts (`{type:"input_text", text}` and the like). */
function textOf(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    const parts = value.map((part) => (typeof part === 'string' ? part : asString(asObject(part).text) ?? '')).filter(Boolean);
    if (parts.length) return parts.join('\n');
  }
  return JSON.stringify(value);
}

/** The text redacted, then cut to `max` characters. */
function cut(raw: string | null, redact: Redact, max = ITEM_TEXT_MAX_CHARS): string | null {
  if (raw === null) return null;
  const text = redact(raw);
  if (text.length <= max) return text;
  // Never end on the first half of a surrogate pair (an emoji cut in two).
  const end = /[\uD800-\uDBFF]/.test(text.charAt(max - 2)) ? max - 2 : max - 1;
  return `${text.slice(0, end)}…`;
}

function asObject(value: unknown): Loose {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Loose) : {};
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function asString(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function asNumber(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function toStringRecord(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, entry] of Object.entries(asObject(value))) {
    if (typeof entry === 'string') out[key] = entry;
  }
  return out;
}
