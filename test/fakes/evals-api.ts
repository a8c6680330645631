// A loopback fake of the Evals API (OpenAI's shapes, as in shared/contract/openai-openapi.yml), for
// integration tests, e2e tests, the offline demo and the benchmark. The real `openai` SDK talks to it
// over HTTP on 127.0.0.1. It copies the API's awkward parts on purpose: nulls until completion,
// counts that grow while running, cursor pages, the old cancel path, retried creates that make a
// second run, and faults injected per request.
//
// Choices where the real API is unclear (the tests pin them):
// - Criterion ids are `<name>-<uuid>`. Output item `results[].name` is that id, not the bare name: the
//   contract's recorded responses send the id there, the schema's hand-written example the name. The
//   id joins a result to `per_testing_criteria_results[].testing_criteria`.
//   `results[].type` is the grader type, `string_check`.
// - Errored items have `status: "fail"` (the status filter knows only pass|fail), `sample.error` set,
//   empty `results`, and count in `result_counts.errored` only. They count in no criterion.
// - While queued/in_progress, `result_counts.total` is the number graded so far.
// - A failed or canceled run keeps the counts it had reached; `per_model_usage` and
//   `per_testing_criteria_results` stay null; its graded items stay listable.
// - Cancel on a terminal run returns the run unchanged (200). Both cancel paths work unless
//   `legacyCancel`, which makes `/cancel` an unknown URL (404), as on older servers.
// - Sampling sources (completions/responses) have no model here: the answer is the row's
//   `sample.output_text` if the row has a sample, else `item.fake_output`, else "". A row whose item
//   has `fake_error` (a message, or `{code, message}`) is an errored item.
// - jsonl runs have `model: null`, their samples `model: ""` and `per_model_usage: []` at completion.
// - An empty page has `first_id`/`last_id` null. An unknown `after` cursor is a 400.
// - The run's `data_source` is echoed normalised as the API does: template messages become
//   `{type:"message", role, content:{type:"input_text", text}}`, and `sampling_params` is null if absent.
// - Default run name: `<model or "jsonl">-<created_at>`.
//
// The azure flavour (`flavor: 'azure'`: Azure OpenAI at `/openai/v1`, a Foundry project at
// `/api/projects/<p>/openai/v1` through `basePath`). Choices where Azure is unclear:
// - Keys: `api-key: <key>` and `Authorization: Bearer <key>` both work unless `auth.via` narrows them
//   (`via: []` is a resource with local auth disabled: tokens only). When several credentials are sent,
//   any valid one authenticates, the `api-key` header checked first. Bearer values that are not the key
//   go to `auth.tokens`. Refusals: no or wrong key → 401 `{error:{code:"401", message:"Access denied due
//   to invalid subscription key or wrong API endpoint…"}}`; a bearer `auth.tokens` calls unknown → the
//   same key message when no `auth.tokens` is configured, else 401 "Unauthorized. Access token is
//   missing, invalid, audience is incorrect (https://cognitiveservices.azure.com), or have expired.";
//   expired → 401 "Unauthorized. Access token has expired or is not yet valid."; no role → 403
//   `{error:{code:"PermissionDenied", message:"The principal `<clientId>` lacks the required data action
//   `Microsoft.CognitiveServices/accounts/OpenAI/evals/<read|write|delete>` to perform `<METHOD> <path>`
//   operation."}}` with read for GET, delete for DELETE, write otherwise, and the request path as sent.
//   Auth is checked before the path (as in the openai flavour). `api-version` in the query is ignored.
// - Unknown URLs answer 404 `{error:{code:"404", message:"Resource not found"}}`; every other error keeps
//   the OpenAI envelope. With `requireEvalsPreviewHeader`, an evals request (after auth) without
//   `aoai-evals: preview` answers 400 `{error:{code:"BadRequest", message:"This operation requires the
//   'aoai-evals' header to be set to 'preview'."}}` (the spec marks the header required, not the refusal). The generated key is 32 hex characters.
// - A canceled run is `cancelled`. The runs list filter takes `canceled` and `cancelled`, both matching it.
// - `result_counts` always has `skipped` (0 unless a scripted plan skips). Skipped items have
//   `status: "skipped"`, are in neither the `pass` nor the `fail` filter (a `skipped` filter lists
//   them), and count in no criterion. They were sampled: their usage counts in `per_model_usage`.
// - Results name criteria by their bare name: `results[].name` and
//   `per_testing_criteria_results[].testing_criteria` are the name, while `GET /evals/{id}` keeps the
//   OpenAI shape, with `id: "<name>-<uuid>"`. So an id from the eval object matches nothing in a run:
//   clients must fall back to the name.
// - Scripted results: one per (criterion, metric) `{name, type, metric, score, label, reason, threshold,
//   passed, sample: null}`. `type` is the criterion's type, `azure_ai_evaluator` for criteria named only
//   in `plan.criteria`. The threshold is the scale's midpoint, rounded to an integer when the scale spans
//   2 or more (1–5 → 3, 0–7 → 4), else exact (0–1 → 0.5). On such integer scales scores are integers;
//   on others they have 2 decimals. A failing item fails exactly one metric of one criterion, in turn
//   over criteria, then over that criterion's metrics.
// - Errored items keep `status: "fail"`, `sample.error` set, and one result per (criterion, metric)
//   with `score`, `passed`, `label`, `reason` all null.
// - Row-graded runs (string_check on rows) keep the OpenAI result shape `{name, type, score, passed,
//   sample}`, named by the bare criterion name. `azure_ai_evaluator` criteria grade only under a scripted
//   plan: a run of rows answers 400 (param `testing_criteria`).
// - `report_url` is `https://ai.azure.com/resource/build/evaluation/<evalId>/run/<runId>?wsid=<a fixed
//   Foundry project resource id, URL-encoded>`.
// - `skipped`, `metrics` and `scales` in a plan of the openai flavour, and `azure_ai_evaluator` criteria in
//   `addEval` there, throw; the openai create-eval route refuses them with 400 as before.
// - In the openai flavour only `Authorization: Bearer` counts (`auth.via` is ignored, an `api-key` header
//   means nothing). A bearer that is not the key goes to `auth.tokens` when given: accepted → recorded
//   `bearer-token`; no role → 403 `insufficient_permissions`; otherwise the usual 401 `invalid_api_key`.
//   `RecordedRequest.auth` says how each request authenticated, in both flavours (null: it did not).
//
// Files (both flavours): `GET /files/{id}/content` answers a stored file's text as
// `application/octet-stream`; an unknown id is a 404 "No such File object: <id>" (param `id`). Files come
// from `options.files` (rows, written as JSONL) and `addFile`. A `file_id` source reads its rows from the
// file's lines: `{"item", "sample"?}` or a bare item; a line that is not a JSON object is a 400.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';
import type { TokenCheck } from './azure-identity.ts';

export type StringCheckOperation = 'eq' | 'ne' | 'like' | 'ilike';

export interface StringCheckCriterion {
  type: 'string_check';
  name: string;
  input: string;
  reference: string;
  operation: StringCheckOperation;
}

/** A Foundry / Azure AI evaluator (`evaluator_name` like `builtin.coherence`): graded only under a scripted plan. */
export interface AzureAiEvaluatorCriterion {
  type: 'azure_ai_evaluator';
  name: string;
  evaluator_name: string;
  initialization_parameters?: Record<string, unknown>;
  data_mapping?: Record<string, string>;
}

export type TestingCriterion = StringCheckCriterion | AzureAiEvaluatorCriterion;

export type FakeFlavor = 'openai' | 'azure';

export interface FakeAuthOptions {
  /** The key. Default: the top-level `apiKey`, else a generated one. */
  apiKey?: string;
  /** How the key may be sent (azure flavour). Default both; `[]` accepts tokens only. */
  via?: Array<'authorization' | 'api-key'>;
  /** Judges bearer values that are not the key, e.g. `identity.check` of the fake Entra. */
  tokens?: (token: string) => TokenCheck;
}

export type AuthMethod = 'api-key' | 'bearer-key' | 'bearer-token';

export interface ApiErrorBody {
  code: string;
  message: string;
}

/** A run whose items are generated from their index: nothing per item is stored. */
export interface ScriptedPlan {
  items: number;
  failing: number;
  errored: number;
  /** Criterion names. Default: the eval's criteria, else `["Exact match"]`. */
  criteria?: string[];
  /** The model in samples and usage when the data source names none. Default `gpt-4o-mini-2024-07-18`. */
  model?: string;
  /** End the run `failed` with this error instead of `completed`. */
  failWith?: ApiErrorBody;
  /** Items graded as skipped (azure flavour only), spread like failing and errored ones. */
  skipped?: number;
  /** Criterion name → its metric names (azure flavour only). Default one metric named like the criterion. */
  metrics?: Record<string, string[]>;
  /** Metric name → score range (azure flavour only). Default [1, 5]. */
  scales?: Record<string, [number, number]>;
}

/**
 * How a run advances. By polls (GET of the run; the create response is always `queued`): queued for
 * `queuedPolls` polls, then `in_progress` for `inProgressPolls` polls with counts growing, then terminal.
 * With `queuedMs`/`inProgressMs`, by time since creation instead. `never`: stays in_progress for ever.
 */
export interface ProgressOptions {
  queuedPolls?: number;
  inProgressPolls?: number;
  queuedMs?: number;
  inProgressMs?: number;
  never?: boolean;
}

export interface FakeEvalDefinition {
  id?: string;
  name: string;
  testing_criteria: TestingCriterion[];
  data_source_config?: Record<string, unknown>;
  metadata?: Record<string, string>;
  /** Runs of this eval follow this plan whatever their data source holds. */
  plan?: ScriptedPlan;
  progress?: ProgressOptions;
  /** Runs of this eval end `failed` with this error. */
  failWith?: ApiErrorBody;
}

export interface JsonlRow {
  item: Record<string, unknown>;
  sample?: Record<string, unknown>;
}

export type FaultKind =
  | { status: number; retryAfter?: number; retryAfterMs?: number; body?: unknown; headers?: Record<string, string> }
  | { reset: true }
  | { delayMs: number }
  | { dropAfterCommit: true }
  | { afterCommitDelayMs: number }
  /** The answer's headers and half its body, then nothing more (the connection stays open). */
  | { stallBody: true }
  | { stuckCursor: true }
  | { endlessPages: true };

export interface Fault {
  /** `path` is tested against the request path without query, e.g. `/v1/evals/eval_1/runs`. */
  match?: { method?: string; path?: RegExp | string };
  /** How many matching requests it applies to. Default 1. */
  times?: number;
  kind: FaultKind;
}

export interface FakeEvalsOptions {
  /** Which server to imitate. Default 'openai'. */
  flavor?: FakeFlavor;
  apiKey?: string;
  auth?: FakeAuthOptions;
  /** Path prefix of the API. Default `/v1` (openai), `/openai/v1` (azure). */
  basePath?: string;
  evals?: FakeEvalDefinition[];
  /** Scripted plan for runs of evals that have none of their own. */
  plan?: ScriptedPlan;
  /** Default `{queuedPolls: 1, inProgressPolls: 3}`. */
  progress?: ProgressOptions;
  legacyCancel?: boolean;
  /** Delay before every response. */
  latencyMs?: number;
  /** Every list (evals, runs, output items) ignores `after` and answers its first page with `has_more: true`. */
  stuckCursor?: boolean;
  /**
   * Azure flavour: evals requests without the header `aoai-evals: preview`, which Azure's published API
   * description marks required on every evals operation, answer 400 (see the header comment).
   */
  requireEvalsPreviewHeader?: boolean;
  /** Output item lists (ascending) always have `has_more: true` and go on with new ids past the end. */
  endlessPages?: boolean;
  faults?: Fault[];
  /** Files by id, as rows (written as JSONL): for `file_id` sources and `GET /files/{id}/content`. */
  files?: Record<string, JsonlRow[]>;
  /** Milliseconds since the epoch. Default `Date.now`. */
  clock?: () => number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  headers: Record<string, string>;
  /** How the request authenticated; null when it did not. */
  auth: AuthMethod | null;
}

export interface ResultCounts {
  total: number;
  errored: number;
  failed: number;
  passed: number;
  /** Azure flavour only. */
  skipped?: number;
}

export interface FakeRun {
  id: string;
  evalId: string;
  name: string;
  status: string;
  createdAt: number;
  /** The create request body as received. */
  body: Record<string, unknown>;
  metadata: Record<string, string>;
  /** Items the run will have. */
  total: number;
  /** Items graded so far (listable). */
  graded: number;
  resultCounts: ResultCounts;
  polls: number;
  cancelRequests: number;
  deleted: boolean;
}

export interface FakeEvalsApi {
  flavor: FakeFlavor;
  url: string;
  apiKey: string;
  requests: RecordedRequest[];
  runs(): FakeRun[];
  run(id: string): FakeRun | undefined;
  addEval(def: FakeEvalDefinition): string;
  /** Stores a file (JSONL text as is, or rows written as JSONL) and returns its id (`file-…` unless given). */
  addFile(content: string | JsonlRow[], id?: string): string;
  evalIds(): string[];
  /** The id the fake gives the output item at `index` of a run (for jumping to deep pages). */
  outputItemId(runId: string, index: number): string;
  inject(fault: Fault): void;
  pendingFaults(): number;
  setLatency(ms: number): void;
  setProgress(progress: ProgressOptions): void;
  close(): Promise<void>;
}

type Outcome = 'pass' | 'fail' | 'error' | 'skip';
type Json = Record<string, unknown>;

type Criterion = TestingCriterion & { id: string };

interface EvalState {
  id: string;
  name: string;
  criteria: Criterion[];
  dataSourceConfig: Json;
  metadata: Record<string, string>;
  createdAt: number;
  plan: ScriptedPlan | undefined;
  progress: ProgressOptions | undefined;
  failWith: ApiErrorBody | undefined;
  deleted: boolean;
}

interface Message {
  role: string;
  content: string;
}

interface Usage {
  total_tokens: number;
  completion_tokens: number;
  prompt_tokens: number;
  cached_tokens: number;
}

interface GraderResult {
  name: string;
  type: string;
  metric?: string;
  score: number | null;
  label?: 'pass' | 'fail' | null;
  reason?: string | null;
  threshold?: number;
  passed: boolean | null;
  sample: null;
}

/** The run-independent part of one output item. */
interface ItemContent {
  outcome: Outcome;
  datasourceItem: Json;
  results: GraderResult[];
  input: Message[];
  output: Message[];
  finishReason: string;
  model: string;
  usage: Usage;
  error: ApiErrorBody | null;
}

interface CriterionTotals {
  testing_criteria: string;
  passed: number;
  failed: number;
}

interface ModelUsage {
  model_name: string;
  invocation_count: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cached_tokens: number;
}

interface RunPlan {
  total: number;
  outcome(index: number): Outcome;
  countsUpTo(graded: number): ResultCounts;
  criteriaTotals(): CriterionTotals[];
  usage(): ModelUsage[];
  content(index: number): ItemContent;
  failWith: ApiErrorBody | undefined;
}

interface SamplingParams {
  temperature: number;
  max_completion_tokens: number;
  top_p: number;
  seed: number;
}

interface RunState {
  id: string;
  evalId: string;
  itemTag: string;
  name: string;
  model: string | null;
  createdAt: number;
  createdMs: number;
  body: Json;
  dataSource: Json;
  metadata: Record<string, string>;
  plan: RunPlan;
  sampling: SamplingParams;
  progress: ProgressOptions | undefined;
  status: string;
  graded: number;
  polls: number;
  cancelRequests: number;
  deleted: boolean;
  error: ApiErrorBody | null;
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

class ApiError extends Error {
  readonly status: number;
  readonly type: string;
  readonly param: string | null;
  readonly code: string | null;
  constructor(status: number, message: string, param: string | null = null, code: string | null = null, type = 'invalid_request_error') {
    super(message);
    this.status = status;
    this.type = type;
    this.param = param;
    this.code = code;
  }
}

const TERMINAL = new Set(['completed', 'failed', 'canceled', 'cancelled']);
const DEFAULT_PROGRESS = { queuedPolls: 1, inProgressPolls: 3 };
const DEFAULT_SCRIPTED_MODEL = 'gpt-4o-mini-2024-07-18';
const MAX_BODY_BYTES = 256 * 1024 * 1024;

function envelope(message: string, type: string, param: string | null, code: string | null): Json {
  return { error: { message, type, param, code } };
}

function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function jsonTypeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a decimal';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/** Never echo a whole key: the real API shows a few characters at each end, and only of long keys. */
function maskKey(key: string): string {
  return key.length >= 12 ? `${key.slice(0, 3)}${'*'.repeat(Math.min(key.length - 7, 20))}${key.slice(-4)}` : '*'.repeat(key.length);
}

function validateMetadata(metadata: unknown, param = 'metadata'): Record<string, string> {
  if (metadata === undefined || metadata === null) return {};
  if (!isObject(metadata)) {
    throw new ApiError(400, `Invalid type for '${param}': expected an object, but got ${jsonTypeName(metadata)} instead.`, param, 'invalid_type');
  }
  const entries = Object.entries(metadata);
  if (entries.length > 16) {
    throw new ApiError(
      400,
      `Invalid '${param}': too many properties. Expected an object with at most 16 properties, but got an object with ${entries.length} properties instead.`,
      param,
      'object_above_max_properties',
    );
  }
  const result: Record<string, string> = {};
  for (const [key, value] of entries) {
    if (key.length > 64) {
      throw new ApiError(
        400,
        `Invalid '${param}': string too long. Expected a key with maximum length 64, but got a key with length ${key.length} instead.`,
        param,
        'string_above_max_length',
      );
    }
    if (typeof value !== 'string') {
      throw new ApiError(400, `Invalid type for '${param}.${key}': expected a string, but got ${jsonTypeName(value)} instead.`, `${param}.${key}`, 'invalid_type');
    }
    if (value.length > 512) {
      throw new ApiError(
        400,
        `Invalid '${param}.${key}': string too long. Expected a string with maximum length 512, but got a string with length ${value.length} instead.`,
        `${param}.${key}`,
        'string_above_max_length',
      );
    }
    result[key] = value;
  }
  return result;
}

function validateScriptedPlan(plan: ScriptedPlan, flavor: FakeFlavor): void {
  const skipped = plan.skipped ?? 0;
  const ok = [plan.items, plan.failing, plan.errored, skipped].every((n) => Number.isInteger(n) && n >= 0) && plan.failing + plan.errored + skipped <= plan.items;
  if (!ok) {
    throw new Error(`Invalid scripted plan ${JSON.stringify(plan)}: items, failing, errored, skipped must be integers ≥ 0 with failing + errored + skipped ≤ items.`);
  }
  if (flavor !== 'azure' && (skipped > 0 || plan.metrics !== undefined || plan.scales !== undefined)) {
    throw new Error('Invalid scripted plan: skipped, metrics and scales are for the azure flavour only.');
  }
  for (const [criterion, metrics] of Object.entries(plan.metrics ?? {})) {
    if (!Array.isArray(metrics) || metrics.length === 0 || metrics.some((m) => typeof m !== 'string' || m === '')) {
      throw new Error(`Invalid scripted plan: metrics of '${criterion}' must be a non-empty list of names.`);
    }
  }
  for (const [metric, scale] of Object.entries(plan.scales ?? {})) {
    const [low, high] = scale;
    if (!Number.isFinite(low) || !Number.isFinite(high) || low >= high) throw new Error(`Invalid scripted plan: scale of '${metric}' must be [low, high] with low < high.`);
  }
}

/** Where a metric passes: the scale's midpoint, rounded on scales that span 2 or more. */
function metricThreshold([low, high]: [number, number]): number {
  const middle = (low + high) / 2;
  return high - low >= 2 ? Math.round(middle) : middle;
}

/** A score on the scale, deterministic from `seed`: ≥ threshold when passing, < threshold when failing. */
function metricScore(scale: [number, number], threshold: number, passing: boolean, seed: number): number {
  const [low, high] = scale;
  const integral = Number.isInteger(low) && Number.isInteger(high) && high - low >= 2;
  const step = passing ? (seed % 5) / 4 : (seed % 4) / 4;
  const raw = passing ? threshold + (high - threshold) * step : low + (threshold - low) * step;
  if (integral) return Math.floor(raw);
  const rounded = Math.round(raw * 100) / 100;
  return passing ? Math.max(rounded, threshold) : Math.min(rounded, Math.max(low, Math.floor((threshold - 0.01) * 100) / 100));
}

// ---- templates and grading -------------------------------------------------------------------

function lookup(root: unknown, path: string): unknown {
  let value = root;
  for (const part of path.split(/\.|\[(\d+)\]/).filter((p) => p !== undefined && p !== '')) {
    if (Array.isArray(value)) value = value[Number(part)];
    else if (isObject(value)) value = value[part];
    else return undefined;
  }
  return value;
}

function stringify(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** `{{item.a.b}}`, `{{sample.output_text}}`, `{{item.list[0]}}`; a missing value renders as "". */
function renderTemplate(template: string, namespace: Json): string {
  return template.replace(/\{\{\s*([^{}]+?)\s*\}\}/g, (_whole, path: string) => stringify(lookup(namespace, path)));
}

function checkString(operation: StringCheckOperation, input: string, reference: string): boolean {
  switch (operation) {
    case 'eq':
      return input === reference;
    case 'ne':
      return input !== reference;
    case 'like':
      return input.includes(reference);
    case 'ilike':
      return input.toLowerCase().includes(reference.toLowerCase());
  }
}

function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map(messageText).join('');
  if (isObject(content) && typeof content.text === 'string') return content.text;
  return stringify(content);
}

function toMessages(value: unknown): Message[] {
  if (typeof value === 'string') return [{ role: 'user', content: value }];
  if (!Array.isArray(value)) return [];
  return value.filter(isObject).map((m) => ({ role: typeof m.role === 'string' ? m.role : 'user', content: messageText(m.content) }));
}

function renderInputMessages(inputMessages: unknown, item: Json): Message[] {
  if (!isObject(inputMessages)) return [];
  if (inputMessages.type === 'item_reference' && typeof inputMessages.item_reference === 'string') {
    return toMessages(lookup({ item }, inputMessages.item_reference));
  }
  if (inputMessages.type === 'template' && Array.isArray(inputMessages.template)) {
    return toMessages(inputMessages.template).map((m) => ({ role: m.role, content: renderTemplate(m.content, { item }) }));
  }
  return [];
}

function normaliseDataSource(dataSource: Json): Json {
  if (dataSource.type === 'jsonl') return dataSource;
  const normalised: Json = { ...dataSource, sampling_params: dataSource.sampling_params ?? null };
  const inputMessages = dataSource.input_messages;
  if (isObject(inputMessages) && inputMessages.type === 'template' && Array.isArray(inputMessages.template)) {
    normalised.input_messages = {
      ...inputMessages,
      template: inputMessages.template.map((m: unknown) =>
        isObject(m) && typeof m.content === 'string'
          ? { type: 'message', ...m, content: { type: 'input_text', text: m.content } }
          : isObject(m)
            ? { type: 'message', ...m }
            : m,
      ),
    };
  }
  return normalised;
}

function tokens(text: string): number {
  return Math.ceil(text.length / 4);
}

function zeroUsage(): Usage {
  return { total_tokens: 0, completion_tokens: 0, prompt_tokens: 0, cached_tokens: 0 };
}

function asErrorBody(value: unknown): ApiErrorBody {
  if (isObject(value)) {
    return { code: typeof value.code === 'string' ? value.code : 'fake_error', message: stringify(value.message) };
  }
  return { code: 'fake_error', message: stringify(value) };
}

/** Grades every row up front: rows are already in memory (they came in the request body). */
function rowPlan(
  rows: JsonlRow[],
  criteria: Array<StringCheckCriterion & { key: string }>,
  sampled: boolean,
  model: string | null,
  inputMessages: unknown,
  failWith: ApiErrorBody | undefined,
): RunPlan {
  const contents: ItemContent[] = rows.map((row) => {
    const item = row.item;
    const error = item.fake_error !== undefined ? asErrorBody(item.fake_error) : null;
    const input = sampled ? renderInputMessages(inputMessages, item) : toMessages(row.sample?.input);
    let outputText: string | null;
    if (row.sample) {
      const sampleOutput = toMessages(row.sample.output);
      outputText = typeof row.sample.output_text === 'string' ? row.sample.output_text : (sampleOutput.at(-1)?.content ?? '');
    } else {
      outputText = sampled ? stringify(item.fake_output) : null;
    }
    const sampleModel = typeof row.sample?.model === 'string' ? row.sample.model : (model ?? '');
    if (error) {
      return { outcome: 'error', datasourceItem: item, results: [], input, output: [], finishReason: '', model: sampleModel, usage: zeroUsage(), error };
    }
    const output = outputText === null ? [] : [{ role: 'assistant', content: outputText }];
    const namespace: Json = { item, sample: { ...row.sample, output_text: outputText ?? '', output } };
    const results = criteria.map((c): GraderResult => {
      const passed = checkString(c.operation, renderTemplate(c.input, namespace), renderTemplate(c.reference, namespace));
      return { name: c.key, type: c.type, score: passed ? 1 : 0, passed, sample: null };
    });
    let usage: Usage;
    if (sampled) {
      const prompt = tokens(input.map((m) => m.content).join(''));
      const completion = tokens(outputText ?? '');
      usage = { total_tokens: prompt + completion, completion_tokens: completion, prompt_tokens: prompt, cached_tokens: 0 };
    } else {
      usage = { ...zeroUsage(), ...(isObject(row.sample?.usage) ? (row.sample.usage as Partial<Usage>) : {}) };
    }
    return {
      outcome: results.every((r) => r.passed) ? 'pass' : 'fail',
      datasourceItem: item,
      results,
      input,
      output,
      finishReason: outputText === null ? '' : 'stop',
      model: sampleModel,
      usage,
      error: null,
    };
  });
  return {
    total: contents.length,
    failWith,
    outcome: (index) => contents[index]?.outcome ?? 'fail',
    content: (index) => {
      const content = contents[index];
      if (!content) throw new Error(`no item ${index}`);
      return content;
    },
    countsUpTo(graded) {
      const counts = { total: 0, errored: 0, failed: 0, passed: 0, skipped: 0 };
      for (const c of contents.slice(0, graded)) {
        counts.total++;
        if (c.outcome === 'pass') counts.passed++;
        else if (c.outcome === 'fail') counts.failed++;
        else counts.errored++;
      }
      return counts;
    },
    criteriaTotals: () =>
      criteria.map((c) => {
        const graded = contents.flatMap((content) => content.results.filter((r) => r.name === c.key));
        const passed = graded.filter((r) => r.passed).length;
        return { testing_criteria: c.key, passed, failed: graded.length - passed };
      }),
    usage() {
      if (!sampled || model === null) return [];
      const invoked = contents.filter((c) => c.outcome !== 'error');
      const sum = (key: keyof Usage) => invoked.reduce((n, c) => n + c.usage[key], 0);
      return [
        {
          model_name: model,
          invocation_count: invoked.length,
          prompt_tokens: sum('prompt_tokens'),
          completion_tokens: sum('completion_tokens'),
          total_tokens: sum('total_tokens'),
          cached_tokens: sum('cached_tokens'),
        },
      ];
    },
  };
}

const TOPICS = [
  ['billing', 'Billing', 'I was charged twice for the same order and the second charge has not been refunded yet'],
  ['shipping', 'Shipping', 'the parcel has been stuck at the regional depot for six days without any tracking update'],
  ['returns', 'Returns', 'the return label you emailed does not scan at the drop-off point and the clerk sent me away'],
  ['account access', 'Account', 'the password reset link expires before it arrives and I can no longer sign in on any device'],
  ['warranty', 'Warranty', 'the blender stopped working after eleven months and the receipt shows it is still covered'],
  ['sizing', 'Sizing', 'the jacket in size medium fits like a small although the size chart says otherwise'],
  ['subscription', 'Subscription', 'I cancelled the monthly plan in March but the renewal was still taken in April'],
] as const;

const SYSTEM_PROMPT =
  'You are a support triage assistant. Read the customer message and answer with exactly one category from: ' +
  'Billing, Shipping, Returns, Account, Warranty, Sizing, Subscription. Answer with the category only.';

const SAMPLE_ERRORS: ApiErrorBody[] = [
  { code: 'rate_limit_exceeded', message: 'Rate limit reached for gpt-4o-mini in organization org-fake on tokens per min (TPM). Please try again in 2.1s.' },
  { code: 'server_error', message: 'The server had an error while processing your request. Sorry about that!' },
];

/** A criterion as a scripted plan grades it: `key` is what results and per-criterion totals call it. */
interface ScriptedCriterion {
  key: string;
  name: string;
  type: string;
}

/**
 * Items are a pure function of their index. Bad items (failing + errored + skipped) are spread evenly
 * with a Bresenham step, errored ones spread evenly among the bad, skipped ones evenly among the rest;
 * a failing item fails one criterion, in turn (in the azure flavour one metric of it, in turn).
 */
function scriptedPlan(plan: ScriptedPlan, criteria: ScriptedCriterion[], model: string, flavor: FakeFlavor): RunPlan {
  const n = plan.items;
  const skippedCount = plan.skipped ?? 0;
  const bad = plan.failing + plan.errored + skippedCount;
  const rest = plan.failing + skippedCount;
  const c = criteria.length;
  const azure = flavor === 'azure';
  const isBad = (i: number) => Math.floor(((i + 1) * bad) / n) > Math.floor((i * bad) / n);
  const badOrdinal = (i: number) => Math.floor(((i + 1) * bad) / n) - 1;
  const erroredAmongBad = (k: number) => (bad === 0 ? 0 : Math.floor(((k + 1) * plan.errored) / bad));
  const isErroredBad = (k: number) => erroredAmongBad(k) > (k === 0 ? 0 : erroredAmongBad(k - 1));
  const skippedAmongRest = (j: number) => (rest === 0 ? 0 : Math.floor(((j + 1) * skippedCount) / rest));
  const isSkippedRest = (j: number) => skippedAmongRest(j) > (j === 0 ? 0 : skippedAmongRest(j - 1));
  /** The ordinal of a non-errored bad item among the non-errored bad ones. */
  const restOrdinal = (i: number) => badOrdinal(i) - erroredAmongBad(badOrdinal(i));
  const outcome = (i: number): Outcome => {
    if (!isBad(i)) return 'pass';
    if (isErroredBad(badOrdinal(i))) return 'error';
    return isSkippedRest(restOrdinal(i)) ? 'skip' : 'fail';
  };
  /** The ordinal of a failing item among the failing ones. */
  const failingOrdinal = (i: number) => restOrdinal(i) - skippedAmongRest(restOrdinal(i));
  const metricsOf = criteria.map((criterion) => plan.metrics?.[criterion.name] ?? [criterion.name]);
  const scaleOf = (metric: string): [number, number] => plan.scales?.[metric] ?? [1, 5];
  const itemUsage = (i: number): Usage => {
    const prompt = 110 + (i % 53);
    const completion = 2 + (i % 3);
    return { total_tokens: prompt + completion, completion_tokens: completion, prompt_tokens: prompt, cached_tokens: i % 4 === 0 ? 64 : 0 };
  };

  /** One result per criterion (openai), per (criterion, metric) (azure); `failing` names the one that fails. */
  const results = (i: number, result: Outcome, failing: { criterion: number; metric: number }): GraderResult[] => {
    if (!azure) {
      if (result === 'error') return [];
      return criteria.map((criterion, j) => ({ name: criterion.key, type: 'string_check', score: j === failing.criterion ? 0 : 1, passed: j !== failing.criterion, sample: null }));
    }
    return criteria.flatMap((criterion, j) =>
      (metricsOf[j] ?? []).map((metric, m): GraderResult => {
        const scale = scaleOf(metric);
        const threshold = metricThreshold(scale);
        const base = { name: criterion.key, type: criterion.type, metric, threshold, sample: null };
        if (result === 'error') return { ...base, score: null, label: null, reason: null, passed: null };
        if (result === 'skip') {
          return { ...base, score: null, label: null, reason: `Skipped: the response to grade was empty, so ${metric} was not evaluated.`, passed: null };
        }
        const passed = !(j === failing.criterion && m === failing.metric);
        const score = metricScore(scale, threshold, passed, i * 7 + j * 3 + m);
        const reason = passed
          ? `The answer names the right category in one word, so ${metric} scores ${score} of ${scale[1]}, at or above the threshold ${threshold}.`
          : `The answer names a category the ticket does not describe, so ${metric} scores ${score} of ${scale[1]}, below the threshold ${threshold}.`;
        return { ...base, score, label: passed ? 'pass' : 'fail', reason, passed };
      }),
    );
  };

  let usageTotals: ModelUsage[] | undefined;
  return {
    total: n,
    failWith: plan.failWith,
    outcome,
    countsUpTo(graded) {
      const badSoFar = n === 0 ? 0 : Math.floor((graded * bad) / n);
      const errored = bad === 0 ? 0 : Math.floor((badSoFar * plan.errored) / bad);
      const restSoFar = badSoFar - errored;
      const skipped = rest === 0 ? 0 : Math.floor((restSoFar * skippedCount) / rest);
      return { total: graded, errored, failed: restSoFar - skipped, passed: graded - badSoFar, skipped };
    },
    criteriaTotals: () =>
      criteria.map((criterion, j) => {
        const failed = plan.failing > j ? Math.floor((plan.failing - 1 - j) / c) + 1 : 0;
        return { testing_criteria: criterion.key, passed: n - plan.errored - skippedCount - failed, failed };
      }),
    usage() {
      if (!usageTotals) {
        const totals: ModelUsage = { model_name: model, invocation_count: 0, prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cached_tokens: 0 };
        for (let i = 0; i < n; i++) {
          if (outcome(i) === 'error') continue;
          const u = itemUsage(i);
          totals.invocation_count++;
          totals.prompt_tokens += u.prompt_tokens;
          totals.completion_tokens += u.completion_tokens;
          totals.total_tokens += u.total_tokens;
          totals.cached_tokens += u.cached_tokens;
        }
        usageTotals = [totals];
      }
      return usageTotals;
    },
    content(i) {
      const [topic, label, complaint] = TOPICS[i % TOPICS.length] ?? TOPICS[0];
      const wrong = TOPICS[(i + 3) % TOPICS.length]?.[1] ?? 'Billing';
      const input =
        `Ticket #${100000 + i} (${topic}): Hello, ${complaint}. ` +
        `I have already contacted you on ${1 + (i % 28)} March and was promised an answer within two working days. ` +
        `Please tell me what happens next and how long it will take. Order reference ORD-${(i * 7919) % 1000003}.`;
      const datasourceItem = { ticket_id: `T-${i}`, input, expected: label };
      const messages = [
        { role: 'developer', content: SYSTEM_PROMPT },
        { role: 'user', content: input },
      ];
      const result = outcome(i);
      const none = { criterion: -1, metric: -1 };
      if (result === 'error') {
        const error = SAMPLE_ERRORS[i % SAMPLE_ERRORS.length] ?? { code: 'server_error', message: 'error' };
        return { outcome: result, datasourceItem, results: results(i, result, none), input: messages, output: [], finishReason: '', model, usage: zeroUsage(), error };
      }
      let failing = none;
      if (result === 'fail') {
        const f = failingOrdinal(i);
        const criterion = f % c;
        failing = { criterion, metric: Math.floor(f / c) % (metricsOf[criterion]?.length ?? 1) };
      }
      return {
        outcome: result,
        datasourceItem,
        results: results(i, result, failing),
        input: messages,
        output: [{ role: 'assistant', content: result === 'fail' ? wrong : result === 'skip' ? '' : label }],
        finishReason: 'stop',
        model,
        usage: itemUsage(i),
        error: null,
      };
    },
  };
}

// ---- the server ------------------------------------------------------------------------------

function parseQuery(url: URL): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams) query[key] = value;
  return query;
}

function headerRecord(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function parseLimit(query: Record<string, string>): number {
  const raw = query.limit;
  if (raw === undefined) return 20;
  if (!/^-?\d+$/.test(raw)) throw new ApiError(400, `Invalid 'limit': expected an integer, but got '${raw}' instead.`, 'limit', 'invalid_type');
  const limit = Number(raw);
  if (limit > 100) throw new ApiError(400, `Invalid 'limit': integer above maximum value. Expected a value <= 100, but got ${limit} instead.`, 'limit', 'integer_above_max_value');
  if (limit < 1) throw new ApiError(400, `Invalid 'limit': integer below minimum value. Expected a value >= 1, but got ${limit} instead.`, 'limit', 'integer_below_min_value');
  return limit;
}

function parseEnum<T extends string>(query: Record<string, string>, name: string, allowed: readonly T[], fallback: T | undefined): T | undefined {
  const raw = query[name];
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ApiError(400, `Invalid value: '${raw}'. Supported values are: ${allowed.map((a) => `'${a}'`).join(', ')}.`, name, 'invalid_value');
  }
  return raw as T;
}

function jsonlText(rows: JsonlRow[]): string {
  return rows.map((row) => `${JSON.stringify(row)}\n`).join('');
}

/** The rows of a stored JSONL file: `{"item", "sample"?}` lines or bare items. */
function fileRows(text: string, fileId: string): JsonlRow[] {
  const rows: JsonlRow[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (!line) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      value = undefined;
    }
    if (!isObject(value)) throw new ApiError(400, `File '${fileId}' line ${index + 1} is not a JSON object.`, 'data_source.source.id', 'invalid_value');
    const wrapped = isObject(value.item) && Object.keys(value).every((key) => key === 'item' || key === 'sample');
    if (!wrapped) rows.push({ item: value });
    else rows.push(isObject(value.sample) ? { item: value.item as Json, sample: value.sample } : { item: value.item as Json });
  });
  return rows;
}

function page(data: Array<{ id: string }>, hasMore: boolean): Json {
  return { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: hasMore };
}

function defaultErrorBody(status: number): Json {
  if (status === 429) return envelope('Rate limit reached for requests. Please try again later.', 'requests', null, 'rate_limit_exceeded');
  if (status === 500) return envelope('The server had an error while processing your request. Sorry about that!', 'server_error', null, null);
  if (status === 502) return envelope('Bad gateway.', 'server_error', null, null);
  if (status === 503) return envelope('The server is overloaded or not ready yet.', 'server_error', null, null);
  return envelope(`Injected error ${status}.`, status >= 500 ? 'server_error' : 'invalid_request_error', null, null);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

const AZURE_KEY_MESSAGE =
  'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.';
const AZURE_INVALID_TOKEN_MESSAGE = 'Unauthorized. Access token is missing, invalid, audience is incorrect (https://cognitiveservices.azure.com), or have expired.';
const AZURE_EXPIRED_TOKEN_MESSAGE = 'Unauthorized. Access token has expired or is not yet valid.';
const FOUNDRY_PROJECT_ID =
  '/subscriptions/00000000-0000-4000-8000-000000000000/resourceGroups/rg-evals/providers/Microsoft.CognitiveServices/accounts/fake-foundry/projects/fake-project';

function azureError(status: number, code: string, message: string): Reply {
  return { status, body: { error: { code, message } } };
}

function isAzureEvaluator<T extends TestingCriterion>(criterion: T): criterion is Extract<T, { type: 'azure_ai_evaluator' }> {
  return criterion.type === 'azure_ai_evaluator';
}

function criterionObject(criterion: Criterion): Json {
  if (criterion.type === 'azure_ai_evaluator') {
    const object: Json = { name: criterion.name, id: criterion.id, type: criterion.type, evaluator_name: criterion.evaluator_name };
    if (criterion.initialization_parameters !== undefined) object.initialization_parameters = criterion.initialization_parameters;
    if (criterion.data_mapping !== undefined) object.data_mapping = criterion.data_mapping;
    return object;
  }
  return { name: criterion.name, id: criterion.id, type: criterion.type, input: criterion.input, reference: criterion.reference, operation: criterion.operation };
}

function parseCriterion(c: unknown, param: string, flavor: FakeFlavor): TestingCriterion {
  if (flavor === 'azure' && isObject(c) && c.type === 'azure_ai_evaluator') {
    const { name, evaluator_name, initialization_parameters, data_mapping } = c;
    const okMapping = data_mapping === undefined || (isObject(data_mapping) && Object.values(data_mapping).every((v) => typeof v === 'string'));
    if (typeof name !== 'string' || typeof evaluator_name !== 'string' || (initialization_parameters !== undefined && !isObject(initialization_parameters)) || !okMapping) {
      throw new ApiError(
        400,
        `Invalid '${param}': an azure_ai_evaluator needs string name and evaluator_name, an object initialization_parameters and an object of strings data_mapping.`,
        param,
        'invalid_value',
      );
    }
    const criterion: AzureAiEvaluatorCriterion = { type: 'azure_ai_evaluator', name, evaluator_name };
    if (initialization_parameters !== undefined) criterion.initialization_parameters = initialization_parameters;
    if (data_mapping !== undefined) criterion.data_mapping = data_mapping as Record<string, string>;
    return criterion;
  }
  const graded = flavor === 'azure' ? "'string_check' and 'azure_ai_evaluator'" : "'string_check'";
  if (!isObject(c) || c.type !== 'string_check') throw new ApiError(400, `Invalid '${param}': this fake grades only ${graded} criteria.`, param, 'invalid_value');
  const { name, input, reference, operation } = c;
  if (typeof name !== 'string' || typeof input !== 'string' || typeof reference !== 'string' || !['eq', 'ne', 'like', 'ilike'].includes(String(operation))) {
    throw new ApiError(400, `Invalid '${param}': a string_check needs string name, input, reference and operation eq|ne|like|ilike.`, param, 'invalid_value');
  }
  return { type: 'string_check', name, input, reference, operation: operation as StringCheckOperation };
}

export async function startEvalsApi(options: FakeEvalsOptions = {}): Promise<FakeEvalsApi> {
  const flavor: FakeFlavor = options.flavor ?? 'openai';
  const azure = flavor === 'azure';
  const apiKey = options.auth?.apiKey ?? options.apiKey ?? (azure ? hex(16) : `sk-fake-${hex(16)}`);
  const keyVia = new Set(options.auth?.via ?? ['authorization', 'api-key']);
  const checkToken = options.auth?.tokens;
  const basePath = (options.basePath ?? (azure ? '/openai/v1' : '/v1')).replace(/\/$/, '');
  const clock = options.clock ?? Date.now;
  const requests: RecordedRequest[] = [];
  const evals = new Map<string, EvalState>();
  const runs = new Map<string, RunState>();
  const files = new Map<string, string>(Object.entries(options.files ?? {}).map(([id, rows]) => [id, jsonlText(rows)]));
  const faults: Array<{ fault: Fault; remaining: number }> = [];
  const sockets = new Set<Socket>();
  let latencyMs = options.latencyMs ?? 0;
  let progress: ProgressOptions = options.progress ?? DEFAULT_PROGRESS;
  if (options.plan) validateScriptedPlan(options.plan, flavor);

  const nowSeconds = () => Math.floor(clock() / 1000);

  function addEval(def: FakeEvalDefinition): string {
    const id = def.id ?? `eval_${hex(16)}`;
    if (def.plan) validateScriptedPlan(def.plan, flavor);
    if (!azure && def.testing_criteria.some(isAzureEvaluator)) throw new Error('azure_ai_evaluator criteria are for the azure flavour only.');
    evals.set(id, {
      id,
      name: def.name,
      criteria: def.testing_criteria.map((c) => ({ ...c, id: `${c.name}-${randomUUID()}` })),
      dataSourceConfig: def.data_source_config ?? {
        type: 'custom',
        schema: { type: 'object', properties: { item: { type: 'object' } }, required: ['item'] },
      },
      metadata: def.metadata ?? {},
      createdAt: nowSeconds(),
      plan: def.plan,
      progress: def.progress,
      failWith: def.failWith,
      deleted: false,
    });
    return id;
  }
  for (const def of options.evals ?? []) addEval(def);

  function addFile(content: string | JsonlRow[], id = `file-${hex(12)}`): string {
    files.set(id, typeof content === 'string' ? content : jsonlText(content));
    return id;
  }

  function inject(fault: Fault): void {
    faults.push({ fault, remaining: fault.times ?? 1 });
  }
  for (const fault of options.faults ?? []) inject(fault);

  function takeFault(method: string, path: string): FaultKind | undefined {
    const index = faults.findIndex(({ fault }) => {
      const match = fault.match;
      if (match?.method && match.method.toUpperCase() !== method) return false;
      if (match?.path !== undefined && !(typeof match.path === 'string' ? new RegExp(match.path) : match.path).test(path)) return false;
      return true;
    });
    const entry = faults[index];
    if (!entry) return undefined;
    entry.remaining--;
    if (entry.remaining <= 0) faults.splice(index, 1);
    return entry.fault.kind;
  }

  function evalOrThrow(evalId: string): EvalState {
    const state = evals.get(evalId);
    if (!state || state.deleted) throw new ApiError(404, `Eval with id '${evalId}' not found.`);
    return state;
  }

  function runOrThrow(evalId: string, runId: string): RunState {
    evalOrThrow(evalId);
    const run = runs.get(runId);
    if (!run || run.deleted || run.evalId !== evalId) throw new ApiError(404, `Eval run with id '${runId}' not found.`);
    return run;
  }

  function evalObject(state: EvalState): Json {
    return {
      object: 'eval',
      id: state.id,
      name: state.name,
      data_source_config: state.dataSourceConfig,
      testing_criteria: state.criteria.map(criterionObject),
      created_at: state.createdAt,
      metadata: state.metadata,
    };
  }

  function finish(run: RunState): void {
    if (run.plan.failWith) {
      run.status = 'failed';
      run.error = run.plan.failWith;
    } else {
      run.status = 'completed';
      run.graded = run.plan.total;
    }
  }

  /** Moves a run along its progress; `poll` counts this observation as a poll. */
  function advance(run: RunState, poll: boolean): void {
    if (TERMINAL.has(run.status)) return;
    if (poll) run.polls++;
    const p = run.progress ?? progress;
    const total = run.plan.total;
    if (p.queuedMs !== undefined || p.inProgressMs !== undefined) {
      const elapsed = clock() - run.createdMs;
      const queuedMs = p.queuedMs ?? 0;
      const inProgressMs = p.inProgressMs ?? 0;
      if (elapsed < queuedMs) return;
      if (p.never || elapsed < queuedMs + inProgressMs) {
        run.status = 'in_progress';
        const fraction = p.never ? (elapsed - queuedMs) / (elapsed - queuedMs + inProgressMs + 1) : (elapsed - queuedMs) / inProgressMs;
        run.graded = Math.min(total, Math.floor(total * fraction));
        return;
      }
      finish(run);
      return;
    }
    const queuedPolls = p.queuedPolls ?? DEFAULT_PROGRESS.queuedPolls;
    const inProgressPolls = p.inProgressPolls ?? DEFAULT_PROGRESS.inProgressPolls;
    if (run.polls <= queuedPolls) return;
    const step = run.polls - queuedPolls;
    if (p.never) {
      run.status = 'in_progress';
      run.graded = Math.floor((total * step) / (step + 1));
      return;
    }
    if (step <= inProgressPolls) {
      run.status = 'in_progress';
      run.graded = Math.floor((total * step) / (inProgressPolls + 1));
      return;
    }
    finish(run);
  }

  function runObject(run: RunState): Json {
    const completed = run.status === 'completed';
    return {
      object: 'eval.run',
      id: run.id,
      eval_id: run.evalId,
      status: run.status,
      model: run.model,
      name: run.name,
      created_at: run.createdAt,
      report_url: azure
        ? `https://ai.azure.com/resource/build/evaluation/${run.evalId}/run/${run.id}?wsid=${encodeURIComponent(FOUNDRY_PROJECT_ID)}`
        : `https://platform.openai.com/evaluations/${run.evalId}?run_id=${run.id}`,
      result_counts: counts(run),
      per_model_usage: completed ? run.plan.usage() : null,
      per_testing_criteria_results: completed ? run.plan.criteriaTotals() : null,
      data_source: run.dataSource,
      metadata: run.metadata,
      error: run.error,
    };
  }

  /** `skipped` is an azure field: the openai flavour keeps the four documented counts. */
  function counts(run: RunState): ResultCounts {
    const { skipped, ...documented } = run.plan.countsUpTo(run.graded);
    return azure ? { ...documented, skipped: skipped ?? 0 } : documented;
  }

  function outputItemId(run: RunState, index: number): string {
    return `outputitem_${run.itemTag}${index.toString(16).padStart(16, '0')}`;
  }

  function outputItemIndex(run: RunState, id: string, param: string): number {
    const prefix = `outputitem_${run.itemTag}`;
    const index = id.startsWith(prefix) ? Number.parseInt(id.slice(prefix.length), 16) : Number.NaN;
    if (!Number.isSafeInteger(index) || index < 0) {
      throw new ApiError(400, `Invalid '${param}': no output item with id '${id}' in run '${run.id}'.`, param, 'invalid_value');
    }
    return index;
  }

  function outputItem(run: RunState, index: number): Json {
    const content = run.plan.content(run.plan.total === 0 ? 0 : index % run.plan.total);
    return {
      object: 'eval.run.output_item',
      id: outputItemId(run, index),
      run_id: run.id,
      eval_id: run.evalId,
      created_at: run.createdAt + 1,
      status: content.outcome === 'pass' ? 'pass' : content.outcome === 'skip' ? 'skipped' : 'fail',
      datasource_item_id: index,
      datasource_item: content.datasourceItem,
      results: content.results,
      sample: {
        input: content.input,
        output: content.output,
        finish_reason: content.finishReason,
        model: content.model,
        usage: content.usage,
        error: content.error,
        ...run.sampling,
      },
    };
  }

  function rowsOf(dataSource: Json): JsonlRow[] | undefined {
    const source = dataSource.source;
    if (!isObject(source)) {
      throw new ApiError(400, source === undefined ? "Missing required parameter: 'data_source.source'." : `Invalid type for 'data_source.source': expected an object, but got ${jsonTypeName(source)} instead.`, 'data_source.source', source === undefined ? 'missing_required_parameter' : 'invalid_type');
    }
    const allowed = dataSource.type === 'jsonl' ? ['file_content', 'file_id'] : dataSource.type === 'completions' ? ['file_content', 'file_id', 'stored_completions'] : ['file_content', 'file_id', 'responses'];
    if (typeof source.type !== 'string' || !allowed.includes(source.type)) {
      throw new ApiError(400, `Invalid value: '${stringify(source.type)}'. Supported values are: ${allowed.map((a) => `'${a}'`).join(', ')}.`, 'data_source.source.type', 'invalid_value');
    }
    if (source.type === 'file_id') {
      const text = typeof source.id === 'string' ? files.get(source.id) : undefined;
      if (text === undefined) throw new ApiError(400, `File '${stringify(source.id)}' not found.`, 'data_source.source.id', 'invalid_value');
      return fileRows(text, stringify(source.id));
    }
    if (source.type !== 'file_content') return undefined;
    if (!Array.isArray(source.content)) {
      throw new ApiError(400, `Invalid type for 'data_source.source.content': expected an array, but got ${jsonTypeName(source.content)} instead.`, 'data_source.source.content', 'invalid_type');
    }
    return source.content.map((row: unknown, i): JsonlRow => {
      const param = `data_source.source.content[${i}]`;
      if (!isObject(row) || !isObject(row.item)) throw new ApiError(400, `Invalid '${param}': expected an object with an object property 'item'.`, param, 'invalid_type');
      if (row.sample !== undefined && !isObject(row.sample)) throw new ApiError(400, `Invalid type for '${param}.sample': expected an object.`, `${param}.sample`, 'invalid_type');
      return row.sample === undefined ? { item: row.item } : { item: row.item, sample: row.sample };
    });
  }

  function createRun(evalState: EvalState, body: unknown): RunState {
    if (!isObject(body)) throw new ApiError(400, `Invalid type for body: expected an object, but got ${jsonTypeName(body)} instead.`);
    const dataSource = body.data_source;
    if (dataSource === undefined) throw new ApiError(400, "Missing required parameter: 'data_source'.", 'data_source', 'missing_required_parameter');
    if (!isObject(dataSource)) throw new ApiError(400, `Invalid type for 'data_source': expected an object, but got ${jsonTypeName(dataSource)} instead.`, 'data_source', 'invalid_type');
    const type = dataSource.type;
    if (type !== 'jsonl' && type !== 'completions' && type !== 'responses') {
      throw new ApiError(400, `Invalid value: '${stringify(type)}'. Supported values are: 'jsonl', 'completions', and 'responses'.`, 'data_source.type', 'invalid_value');
    }
    if (body.name !== undefined && typeof body.name !== 'string') throw new ApiError(400, `Invalid type for 'name': expected a string, but got ${jsonTypeName(body.name)} instead.`, 'name', 'invalid_type');
    const metadata = validateMetadata(body.metadata);
    const rows = rowsOf(dataSource) ?? [];
    const sampled = type !== 'jsonl';
    const model = sampled && typeof dataSource.model === 'string' ? dataSource.model : null;
    const scripted = evalState.plan ?? options.plan;
    const named = (name: string): ScriptedCriterion => ({ name, key: azure ? name : `${name}-${randomUUID()}`, type: azure ? 'azure_ai_evaluator' : 'string_check' });
    const keyOf = (c: Criterion) => (azure ? c.name : c.id);
    if (!scripted) {
      const ungradable = evalState.criteria.find(isAzureEvaluator);
      if (ungradable) {
        throw new ApiError(
          400,
          `Criterion '${ungradable.name}' (azure_ai_evaluator '${ungradable.evaluator_name}') needs a model to grade with: this fake grades azure_ai_evaluator criteria only under a scripted plan, not rows.`,
          'testing_criteria',
          'invalid_value',
        );
      }
    }
    const plan = scripted
      ? scriptedPlan(
          scripted,
          scripted.criteria
            ? scripted.criteria.map(named)
            : evalState.criteria.length > 0
              ? evalState.criteria.map((c) => ({ name: c.name, key: keyOf(c), type: c.type }))
              : [named('Exact match')],
          model ?? scripted.model ?? DEFAULT_SCRIPTED_MODEL,
          flavor,
        )
      : rowPlan(
          rows,
          evalState.criteria.flatMap((c) => (c.type === 'string_check' ? [{ ...c, key: keyOf(c) }] : [])),
          sampled,
          model,
          dataSource.input_messages,
          evalState.failWith,
        );
    const sp = isObject(dataSource.sampling_params) ? dataSource.sampling_params : {};
    const num = (value: unknown, fallback: number) => (typeof value === 'number' ? value : fallback);
    const createdMs = clock();
    const createdAt = Math.floor(createdMs / 1000);
    const run: RunState = {
      id: `evalrun_${hex(16)}`,
      evalId: evalState.id,
      itemTag: hex(8),
      name: typeof body.name === 'string' ? body.name : `${model ?? 'jsonl'}-${createdAt}`,
      model,
      createdAt,
      createdMs,
      body,
      dataSource: normaliseDataSource(dataSource),
      metadata,
      plan: scripted && !scripted.failWith && evalState.failWith ? { ...plan, failWith: evalState.failWith } : plan,
      sampling: {
        temperature: num(sp.temperature, 1),
        max_completion_tokens: num(sp.max_completion_tokens ?? sp.max_completions_tokens, 2048),
        top_p: num(sp.top_p, 1),
        seed: num(sp.seed, 42),
      },
      progress: evalState.progress,
      status: 'queued',
      graded: 0,
      polls: 0,
      cancelRequests: 0,
      deleted: false,
      error: null,
    };
    runs.set(run.id, run);
    return run;
  }

  function cancel(run: RunState): Json {
    run.cancelRequests++;
    advance(run, false);
    if (!TERMINAL.has(run.status)) run.status = azure ? 'cancelled' : 'canceled';
    return runObject(run);
  }

  function listRuns(evalId: string, query: Record<string, string>, stuck: boolean): Json {
    const limit = parseLimit(query);
    const order = parseEnum(query, 'order', ['asc', 'desc'] as const, 'asc');
    const statuses = azure ? (['queued', 'in_progress', 'completed', 'canceled', 'cancelled', 'failed'] as const) : (['queued', 'in_progress', 'completed', 'canceled', 'failed'] as const);
    const wanted = parseEnum<string>(query, 'status', statuses, undefined);
    const status = azure && wanted === 'canceled' ? 'cancelled' : wanted;
    const ordered = [...runs.values()].filter((r) => r.evalId === evalId && !r.deleted);
    if (order === 'desc') ordered.reverse();
    let start = 0;
    if (query.after !== undefined && !stuck) {
      const at = ordered.findIndex((r) => r.id === query.after);
      if (at < 0) throw new ApiError(400, `Invalid 'after': no run with id '${query.after}' in eval '${evalId}'.`, 'after', 'invalid_value');
      start = at + 1;
    }
    const matching = ordered.slice(start).filter((r) => {
      advance(r, false);
      return status === undefined || r.status === status;
    });
    return page(matching.slice(0, limit).map(runObject) as Array<{ id: string }>, stuck || matching.length > limit);
  }

  function listOutputItems(run: RunState, query: Record<string, string>, stuck: boolean, endless: boolean): Json {
    const limit = parseLimit(query);
    const order = parseEnum(query, 'order', ['asc', 'desc'] as const, 'asc');
    const status = parseEnum<string>(query, 'status', azure ? ['pass', 'fail', 'skipped'] : ['pass', 'fail'], undefined);
    advance(run, false);
    const visible = run.status === 'completed' ? run.plan.total : run.graded;
    const total = run.plan.total;
    const endlessAsc = endless && order === 'asc';
    const step = order === 'asc' ? 1 : -1;
    let index = order === 'asc' ? 0 : visible - 1;
    if (query.after !== undefined && !stuck) index = outputItemIndex(run, query.after, 'after') + step;
    const inRange = (i: number) => i >= 0 && (endlessAsc || i < visible);
    const matches = (i: number) => {
      if (status === undefined) return true;
      const outcome = run.plan.outcome(total === 0 ? 0 : i % total);
      if (status === 'pass') return outcome === 'pass';
      if (status === 'skipped') return outcome === 'skip';
      return outcome === 'fail' || outcome === 'error';
    };
    const data: Json[] = [];
    // An endless list with a filter nothing matches would scan for ever: stop after a whole cycle.
    let scannedWithoutMatch = 0;
    let hasMore = false;
    while (inRange(index) && (total > 0 || !endlessAsc) && scannedWithoutMatch <= total) {
      if (matches(index)) {
        if (data.length === limit) {
          hasMore = true;
          break;
        }
        data.push(outputItem(run, index));
        scannedWithoutMatch = 0;
      } else {
        scannedWithoutMatch++;
      }
      index += step;
    }
    return page(data as Array<{ id: string }>, hasMore || stuck || endlessAsc);
  }

  function listEvals(query: Record<string, string>, stuck: boolean): Json {
    const limit = parseLimit(query);
    const order = parseEnum(query, 'order', ['asc', 'desc'] as const, 'asc');
    const ordered = [...evals.values()].filter((e) => !e.deleted);
    if (order === 'desc') ordered.reverse();
    let start = 0;
    if (query.after !== undefined && !stuck) {
      const at = ordered.findIndex((e) => e.id === query.after);
      if (at < 0) throw new ApiError(400, `Invalid 'after': no eval with id '${query.after}'.`, 'after', 'invalid_value');
      start = at + 1;
    }
    const rest = ordered.slice(start);
    return page(rest.slice(0, limit).map(evalObject) as Array<{ id: string }>, stuck || rest.length > limit);
  }

  function createEval(body: unknown): Json {
    if (!isObject(body)) throw new ApiError(400, `Invalid type for body: expected an object, but got ${jsonTypeName(body)} instead.`);
    if (!isObject(body.data_source_config)) throw new ApiError(400, "Missing required parameter: 'data_source_config'.", 'data_source_config', 'missing_required_parameter');
    if (!Array.isArray(body.testing_criteria)) throw new ApiError(400, "Missing required parameter: 'testing_criteria'.", 'testing_criteria', 'missing_required_parameter');
    const criteria = body.testing_criteria.map((c: unknown, i): TestingCriterion => parseCriterion(c, `testing_criteria[${i}]`, flavor));
    const metadata = validateMetadata(body.metadata);
    const id = addEval({
      name: typeof body.name === 'string' ? body.name : `eval-${nowSeconds()}`,
      testing_criteria: criteria,
      data_source_config: body.data_source_config,
      metadata,
    });
    return evalObject(evalOrThrow(id));
  }

  function route(method: string, segments: string[], query: Record<string, string>, body: unknown, fault: FaultKind | undefined): Reply {
    const stuck = options.stuckCursor === true || (fault !== undefined && 'stuckCursor' in fault);
    const endless = options.endlessPages === true || (fault !== undefined && 'endlessPages' in fault);
    const [root, evalId, sub, runId, action, itemId, ...rest] = segments;
    if (root === 'files' && evalId !== undefined && sub === 'content' && runId === undefined && method === 'GET') {
      const text = files.get(evalId);
      if (text === undefined) throw new ApiError(404, `No such File object: ${evalId}`, 'id');
      return { status: 200, body: text, headers: { 'content-type': 'application/octet-stream' } };
    }
    if (root === 'evals' && rest.length === 0) {
      if (evalId === undefined) {
        if (method === 'GET') return { status: 200, body: listEvals(query, stuck) };
        if (method === 'POST') return { status: 200, body: createEval(body) };
      } else if (sub === undefined) {
        const state = evalOrThrow(evalId);
        if (method === 'GET') return { status: 200, body: evalObject(state) };
        if (method === 'POST') {
          if (!isObject(body)) throw new ApiError(400, 'Invalid type for body: expected an object.');
          if (body.name !== undefined) state.name = stringify(body.name);
          if (body.metadata !== undefined) state.metadata = validateMetadata(body.metadata);
          return { status: 200, body: evalObject(state) };
        }
        if (method === 'DELETE') {
          state.deleted = true;
          return { status: 200, body: { object: 'eval.deleted', deleted: true, eval_id: state.id } };
        }
      } else if (sub === 'runs') {
        if (runId === undefined) {
          const state = evalOrThrow(evalId);
          if (method === 'GET') return { status: 200, body: listRuns(state.id, query, stuck) };
          if (method === 'POST') return { status: 201, body: runObject(createRun(state, body)) };
        } else if (action === undefined) {
          const run = runOrThrow(evalId, runId);
          if (method === 'GET') {
            advance(run, true);
            return { status: 200, body: runObject(run) };
          }
          if (method === 'POST') return { status: 200, body: cancel(run) };
          if (method === 'DELETE') {
            run.deleted = true;
            return { status: 200, body: { object: 'eval.run.deleted', deleted: true, run_id: run.id } };
          }
        } else if (action === 'cancel' && itemId === undefined && method === 'POST' && !options.legacyCancel) {
          return { status: 200, body: cancel(runOrThrow(evalId, runId)) };
        } else if (action === 'output_items' && method === 'GET') {
          const run = runOrThrow(evalId, runId);
          if (itemId === undefined) return { status: 200, body: listOutputItems(run, query, stuck, endless) };
          advance(run, false);
          const index = outputItemIndex(run, itemId, 'output_item_id');
          const visible = run.status === 'completed' ? run.plan.total : run.graded;
          if (index >= visible && !endless) throw new ApiError(404, `Eval run output item with id '${itemId}' not found.`);
          return { status: 200, body: outputItem(run, index) };
        }
      }
    }
    if (azure) return azureError(404, '404', 'Resource not found');
    throw new ApiError(404, `Invalid URL (${method} ${basePath}/${segments.join('/')})`);
  }

  /** Who the request is, or the answer that refuses it. */
  function authenticate(req: IncomingMessage, method: string, path: string): { method: AuthMethod | null; refusal: Reply | null } {
    const authorization = req.headers.authorization;
    const bearer = authorization !== undefined && /^Bearer\s/i.test(authorization) ? authorization.replace(/^Bearer\s+/i, '') : undefined;
    let tokenCheck: TokenCheck | undefined;
    if (!azure) {
      if (bearer === undefined) {
        return {
          method: null,
          refusal: errorReply(
            new ApiError(
              401,
              "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY). You can obtain an API key from https://platform.openai.com/account/api-keys.",
            ),
          ),
        };
      }
      if (bearer === apiKey) return { method: 'bearer-key', refusal: null };
      tokenCheck = checkToken?.(bearer);
      if (tokenCheck?.ok) return { method: 'bearer-token', refusal: null };
      if (tokenCheck?.status === 403) {
        return { method: null, refusal: errorReply(new ApiError(403, 'You have insufficient permissions for this operation.', null, 'insufficient_permissions')) };
      }
      return {
        method: null,
        refusal: errorReply(
          new ApiError(401, `Incorrect API key provided: ${maskKey(bearer)}. You can find your API key at https://platform.openai.com/account/api-keys.`, null, 'invalid_api_key'),
        ),
      };
    }
    const keyHeader = req.headers['api-key'];
    if (keyVia.has('api-key') && keyHeader === apiKey) return { method: 'api-key', refusal: null };
    if (bearer !== undefined) {
      if (bearer === apiKey) {
        if (keyVia.has('authorization')) return { method: 'bearer-key', refusal: null };
      } else if (checkToken) {
        tokenCheck = checkToken(bearer);
        if (tokenCheck.ok) return { method: 'bearer-token', refusal: null };
      }
    }
    if (tokenCheck && !tokenCheck.ok) {
      if (tokenCheck.reason === 'no-role') {
        const action = method === 'GET' ? 'read' : method === 'DELETE' ? 'delete' : 'write';
        return {
          method: null,
          refusal: azureError(
            403,
            'PermissionDenied',
            `The principal \`${tokenCheck.clientId ?? 'unknown'}\` lacks the required data action \`Microsoft.CognitiveServices/accounts/OpenAI/evals/${action}\` to perform \`${method} ${path}\` operation.`,
          ),
        };
      }
      return { method: null, refusal: azureError(401, '401', tokenCheck.reason === 'expired' ? AZURE_EXPIRED_TOKEN_MESSAGE : AZURE_INVALID_TOKEN_MESSAGE) };
    }
    return { method: null, refusal: azureError(401, '401', AZURE_KEY_MESSAGE) };
  }

  async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) throw new ApiError(413, 'Request body too large.');
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  async function send(res: ServerResponse, reply: Reply): Promise<void> {
    if (latencyMs > 0) await sleep(latencyMs);
    if (res.destroyed || res.writableEnded) return;
    const headers: Record<string, string> = { 'x-request-id': `req_${hex(16)}`, ...reply.headers };
    let payload = '';
    if (reply.body !== undefined) {
      payload = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
      headers['content-type'] ??= typeof reply.body === 'string' ? 'text/html; charset=utf-8' : 'application/json';
    }
    res.writeHead(reply.status, headers);
    res.end(payload);
  }

  function errorReply(error: ApiError): Reply {
    return { status: error.status, body: envelope(error.message, error.type, error.param, error.code) };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    const query = parseQuery(url);
    const text = await readBody(req);
    let body: unknown = undefined;
    let malformed = false;
    if (text.length > 0) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
        malformed = true;
      }
    }
    const auth = authenticate(req, method, path);
    requests.push({ method, path, query, body, headers: headerRecord(req), auth: auth.method });

    const fault = takeFault(method, path);
    if (fault && 'delayMs' in fault) await sleep(fault.delayMs);
    if (fault && 'reset' in fault) {
      req.socket.destroy();
      return;
    }
    if (fault && 'status' in fault) {
      const headers: Record<string, string> = { ...fault.headers };
      if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
      if (fault.retryAfterMs !== undefined) headers['retry-after-ms'] = String(fault.retryAfterMs);
      await send(res, { status: fault.status, body: fault.body ?? defaultErrorBody(fault.status), headers });
      return;
    }

    let reply: Reply;
    if (auth.refusal) {
      reply = auth.refusal;
    } else if (azure && options.requireEvalsPreviewHeader && path.startsWith(`${basePath}/evals`) && req.headers['aoai-evals'] !== 'preview') {
      reply = azureError(400, 'BadRequest', "This operation requires the 'aoai-evals' header to be set to 'preview'.");
    } else if (!path.startsWith(`${basePath}/`)) {
      reply = azure ? azureError(404, '404', 'Resource not found') : errorReply(new ApiError(404, `Invalid URL (${method} ${path})`));
    } else if (malformed) {
      reply = errorReply(
        new ApiError(
          400,
          "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
        ),
      );
    } else {
      try {
        const segments = path.slice(basePath.length + 1).split('/').filter((s) => s !== '').map(decodeURIComponent);
        reply = route(method, segments, query, body, fault);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        reply = errorReply(error);
      }
    }

    if (fault && 'dropAfterCommit' in fault) {
      req.socket.destroy();
      return;
    }
    if (fault && 'afterCommitDelayMs' in fault) await sleep(fault.afterCommitDelayMs);
    if (fault && 'stallBody' in fault) {
      const payload = JSON.stringify(reply.body ?? {});
      res.writeHead(reply.status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) });
      res.write(payload.slice(0, payload.length >> 1));
      return;
    }
    await send(res, reply);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const reply = error instanceof ApiError ? errorReply(error) : { status: 500, body: envelope(`Fake failure: ${String(error)}`, 'server_error', null, null) };
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(reply.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(reply.body));
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  function snapshot(run: RunState): FakeRun {
    advance(run, false);
    return {
      id: run.id,
      evalId: run.evalId,
      name: run.name,
      status: run.status,
      createdAt: run.createdAt,
      body: run.body,
      metadata: run.metadata,
      total: run.plan.total,
      graded: run.status === 'completed' ? run.plan.total : run.graded,
      resultCounts: counts(run),
      polls: run.polls,
      cancelRequests: run.cancelRequests,
      deleted: run.deleted,
    };
  }

  return {
    flavor,
    url: `http://127.0.0.1:${port}${basePath}`,
    apiKey,
    requests,
    runs: () => [...runs.values()].map(snapshot),
    run: (id) => {
      const run = runs.get(id);
      return run ? snapshot(run) : undefined;
    },
    addEval,
    addFile,
    evalIds: () => [...evals.values()].filter((e) => !e.deleted).map((e) => e.id),
    outputItemId: (runId, index) => {
      const run = runs.get(runId);
      if (!run) throw new Error(`No run ${runId}`);
      return outputItemId(run, index);
    },
    inject,
    pendingFaults: () => faults.reduce((n, f) => n + f.remaining, 0),
    setLatency: (ms) => {
      latencyMs = ms;
    },
    setProgress: (next) => {
      progress = next;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        for (const socket of sockets) socket.destroy();
      }),
  };
}
