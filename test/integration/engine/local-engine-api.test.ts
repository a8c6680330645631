// The local engine answering the Evals API in-process, driven by the real `openai` SDK (through
// createLocalEvalsClient + engineFetch) and by the action's own start → wait → collect → cancel code:
// the same scenarios as the remote path's evals-client.test.ts where they apply, plus what only the
// engine does (streamed JSONL files, its 400s, spooled items deleted on close). Slow or stuck items come
// from a real python grader that waits for a "gate" file the test creates.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseEvalDefinition } from '../../../src/engine/definition.ts';
import { engineFetch } from '../../../src/engine/engine-fetch.ts';
import { LocalEngine, type LocalEngineOptions } from '../../../src/engine/local-engine.ts';
import { EvalsApiError } from '../../../src/evals-api/api-errors.ts';
import { cancelRun } from '../../../src/evals-api/cancel-run.ts';
import { createLocalEvalsClient, type EvalsClient, LOCAL_ENGINE_URL } from '../../../src/evals-api/client.ts';
import { collectOutputItems, PAGE_SIZE } from '../../../src/evals-api/collect-items.ts';
import { describeEval } from '../../../src/evals-api/describe-eval.ts';
import type { ItemOutcome, ItemRecord, RunSnapshot } from '../../../src/evals-api/run-types.ts';
import { findRunByToken, startRun, type StartRunRequest } from '../../../src/evals-api/start-run.ts';
import { waitForTerminalRun, type WaitOptions } from '../../../src/evals-api/wait-for-run.ts';
import type { DataSource } from '../../../src/settings/settings.ts';
import { RUN_TOKEN_KEY } from '../../../src/shared/run-metadata-keys.ts';
import { expectRejection, rejection } from '../../support/rejection.ts';

const QA_EVAL = `
name: Local QA
data_source_config:
  type: custom
  item_schema:
    type: object
    properties:
      question: { type: string }
      expected: { type: string }
  include_sample_schema: true
testing_criteria:
  - type: string_check
    name: Exact match
    input: "{{ sample.output_text }}"
    reference: "{{ item.expected }}"
    operation: eq
metadata:
  owner: tests
`;

/** Grades like Exact match, but first writes its pid to `item.pid_file` and waits for `item.wait_for` to exist. */
const GATED_EVAL = `
name: Gated
data_source_config: { type: custom }
testing_criteria:
  - type: python
    name: Gate
    pass_threshold: 1
    source: |
      import os, time
      def grade(sample, item):
          if item.get('pid_file'):
              with open(item['pid_file'], 'w') as f:
                  f.write(str(os.getpid()))
          gate = item.get('wait_for')
          while gate and not os.path.exists(gate):
              time.sleep(0.01)
          return 1.0 if sample.get('output_text') == item.get('expected') else 0.0
`;

const EVAL_ID = 'eval_local_x';
const GATED_ID = 'eval_local_gated';
const BASE_URL = LOCAL_ENGINE_URL;

/** RUNNER_TEMP during a test: where the engine spools output items. */
let spoolParent: string;
/** Data files and gates of a test. */
let dataDir: string;
let savedRunnerTemp: string | undefined;
const engines: LocalEngine[] = [];

beforeEach(() => {
  savedRunnerTemp = process.env.RUNNER_TEMP;
  spoolParent = mkdtempSync(join(tmpdir(), 'local-engine-spool-'));
  dataDir = mkdtempSync(join(tmpdir(), 'local-engine-data-'));
  process.env.RUNNER_TEMP = spoolParent;
});

afterEach(async () => {
  await Promise.all(engines.splice(0).map((engine) => engine.close()));
  if (savedRunnerTemp === undefined) delete process.env.RUNNER_TEMP;
  else process.env.RUNNER_TEMP = savedRunnerTemp;
  rmSync(spoolParent, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

interface Setup {
  engine: LocalEngine;
  client: EvalsClient;
}

/** An engine with both evals, and an SDK client of it. No model endpoint: these evals call none. */
function setUp(options: Partial<LocalEngineOptions> = {}): Setup {
  const engine = new LocalEngine({
    concurrency: 4,
    models: () => {
      throw new Error('these tests have no model endpoint');
    },
    pythonTimeoutMs: 25_000,
    ...options,
  });
  engines.push(engine);
  engine.addEval(parseEvalDefinition(QA_EVAL, 'evals/qa.eval.yaml'), EVAL_ID);
  engine.addEval(parseEvalDefinition(GATED_EVAL, 'evals/gated.eval.yaml'), GATED_ID);
  return { engine, client: createLocalEvalsClient(engineFetch(engine)) };
}

interface RowPlan {
  failing?: (index: number) => boolean;
  /** Rows without `expected`: the template fails, and the item is errored. */
  errored?: (index: number) => boolean;
}

function qaRows(count: number, plan: RowPlan = {}): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, index) => {
    const item: Record<string, unknown> = { question: `Question ${index}?` };
    if (!plan.errored?.(index)) item.expected = `answer ${index}`;
    return { item, sample: { output_text: plan.failing?.(index) ? `wrong ${index}` : `answer ${index}` } };
  });
}

const inline = (rows: unknown[]): DataSource => ({ type: 'jsonl', source: { type: 'file_content', content: rows } });
const streamed = (path: string, label: string): DataSource => ({ type: 'jsonl', source: { type: 'file_path', path, label } });

function startRequest(evalId: string, dataSource: DataSource, overrides: Partial<StartRunRequest> = {}): StartRunRequest {
  return {
    evalId,
    name: 'pr-42 / abc1234',
    dataSource,
    metadata: { created_by: 'evals-gate', sha: 'abc1234', [RUN_TOKEN_KEY]: 'attempt-1' },
    attemptToken: 'attempt-1',
    baseURL: BASE_URL,
    ...overrides,
  };
}

function waitOptions(evalId: string, runId: string, overrides: Partial<WaitOptions> = {}): WaitOptions {
  return { evalId, runId, baseURL: BASE_URL, timeoutMs: 20_000, pollIntervalMs: 10, ...overrides };
}

async function completedRun(client: EvalsClient, evalId: string, dataSource: DataSource): Promise<RunSnapshot> {
  const started = await startRun(client, startRequest(evalId, dataSource));
  const outcome = await waitForTerminalRun(client, waitOptions(evalId, started.id));
  expect(outcome).toMatchObject({ timedOut: false, run: { status: 'completed' } });
  return outcome.run as RunSnapshot;
}

async function collect(client: EvalsClient, evalId: string, runId: string, expectedTotal: number) {
  const records: ItemRecord[] = [];
  const stats = await collectOutputItems(client, { evalId, runId, baseURL: BASE_URL, expectedTotal }, (record) => records.push(record));
  return { stats, records };
}

/** Polls until `condition` holds for the run as the API shows it; returns that raw run. */
async function pollUntil(client: EvalsClient, evalId: string, runId: string, condition: (run: Record<string, unknown>) => boolean, what: string) {
  for (let attempt = 0; attempt < 2000; attempt++) {
    const run = (await client.evals.runs.retrieve(runId, { eval_id: evalId })) as unknown as Record<string, unknown>;
    if (condition(run)) return run;
    await delay(5);
  }
  return expect.fail(`the run never got to: ${what}`);
}

/** Waits, a turn at a time, for something the engine does after answering (up to ~5 s). */
async function until(condition: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 1000 && !condition(); attempt++) await delay(5);
  expect(condition()).toBe(true);
}

const total = (run: Record<string, unknown>) => (run.result_counts as { total: number }).total;
const apiError = (promise: Promise<unknown>) => expectRejection(promise, EvalsApiError);
const runsOf = async (client: EvalsClient, evalId: string) => (await client.evals.runs.list(evalId, { limit: 100 })).data;

function writeJsonl(name: string, lines: string[]): string {
  const path = join(dataDir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

describe('evals', () => {
  it('describeEval names an eval added from a definition', async () => {
    const { client } = setUp();
    expect(await describeEval(client, EVAL_ID, BASE_URL)).toMatchObject({ id: EVAL_ID, name: 'Local QA' });
  });

  it('serves the eval with its criteria, each with its stable <name>-<uuid> id', async () => {
    const { client } = setUp();
    const found = await client.evals.retrieve(EVAL_ID);
    expect(found).toMatchObject({ object: 'eval', id: EVAL_ID, name: 'Local QA', data_source_config: { type: 'custom' }, metadata: { owner: 'tests' } });
    expect(found.testing_criteria).toHaveLength(1);
    expect(found.testing_criteria[0]).toMatchObject({ type: 'string_check', name: 'Exact match', operation: 'eq' });
    const id = (found.testing_criteria[0] as { id?: string }).id;
    expect(id).toMatch(/^Exact match-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // Another engine with the same definition gives the same id.
    const other = setUp();
    expect(((await other.client.evals.retrieve(EVAL_ID)).testing_criteria[0] as { id?: string }).id).toBe(id);
    expect((await client.evals.list()).data.map((entry) => entry.id)).toEqual([EVAL_ID, GATED_ID]);
  });

  it('creates an eval through the API, and refuses one it cannot run', async () => {
    const { client } = setUp();
    const made = await client.evals.create({
      name: 'Made over the API',
      data_source_config: { type: 'custom', item_schema: { type: 'object' } },
      testing_criteria: [{ type: 'string_check', name: 'Same', input: '{{sample.output_text}}', reference: '{{item.expected}}', operation: 'eq' }],
    });
    expect(made.id).toMatch(/^eval_[0-9a-f]{24}$/);
    expect(await describeEval(client, made.id, BASE_URL)).toMatchObject({ id: made.id, name: 'Made over the API' });

    const refused = await rejection(
      client.evals.create({ name: 'Logs', data_source_config: { type: 'logs' }, testing_criteria: [{ type: 'string_check', name: 'x', input: 'a', reference: 'a', operation: 'eq' }] }),
    );
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect((refused as Error).message).toContain('type "logs" reads logs stored by OpenAI');
  });

  it('answers 404 naming an unknown eval', async () => {
    const { client } = setUp();
    const error = await apiError(describeEval(client, 'eval_nope', BASE_URL));
    expect(error.status).toBe(404);
    expect(error.message).toContain('eval_nope');
    expect(error.message).toMatch(/not found at the local engine/);

    const starting = await apiError(startRun(client, startRequest('eval_nope', inline(qaRows(1)))));
    expect(starting.status).toBe(404);
    expect(starting.message).toContain("No eval found with id 'eval_nope'");
  });
});

describe('startRun', () => {
  it('creates one run, queued, with the name, metadata and data source as sent', async () => {
    const { client } = setUp();
    // Another attempt's run must not be adopted.
    const other = await startRun(client, startRequest(EVAL_ID, inline(qaRows(2)), { attemptToken: 'attempt-0', metadata: { [RUN_TOKEN_KEY]: 'attempt-0' } }));
    const dataSource = inline(qaRows(3, { failing: (index) => index === 1 }));
    const request = startRequest(EVAL_ID, dataSource);

    const run = await startRun(client, request);

    expect(run.id).toMatch(/^evalrun_[0-9a-f]{24}$/);
    expect(run.id).not.toBe(other.id);
    expect(run).toMatchObject({ evalId: EVAL_ID, name: request.name, status: 'queued', metadata: request.metadata, perCriterion: [], usage: [], error: null, reportUrl: null });
    expect(run.resultCounts).toEqual({ total: 0, passed: 0, failed: 0, errored: 0, skipped: 0 });
    const stored = await client.evals.runs.retrieve(run.id, { eval_id: EVAL_ID });
    expect(stored.data_source).toEqual(dataSource);
    expect(stored.metadata).toEqual(request.metadata);
    expect((await runsOf(client, EVAL_ID)).map((entry) => entry.id)).toEqual([other.id, run.id]);
    expect((await findRunByToken(client, request))?.id).toBe(run.id);
    expect((await findRunByToken(client, { ...request, attemptToken: 'attempt-0' }))?.id).toBe(other.id);
    expect(await findRunByToken(client, { ...request, attemptToken: 'attempt-9' })).toBeNull();
  });

  it('names a run after its source when no name is given', async () => {
    const { client } = setUp({ now: () => 1_700_000_000_000 });
    const run = await client.evals.runs.create(EVAL_ID, { data_source: inline(qaRows(1)) as never });
    expect(run.name).toBe('jsonl-1700000000');
    expect(run.created_at).toBe(1_700_000_000);
  });

  it('refuses metadata the API would refuse, with the reason, and makes no run', async () => {
    const { client } = setUp();
    const long = await apiError(startRun(client, startRequest(EVAL_ID, inline(qaRows(1)), { metadata: { [RUN_TOKEN_KEY]: 'attempt-1', note: 'x'.repeat(600) } })));
    expect(long.status).toBe(400);
    expect(long.message).toContain('metadata.note is too long (keys ≤ 64, values ≤ 512 characters).');
    expect(long.message).toContain(EVAL_ID);

    const many = Object.fromEntries(Array.from({ length: 17 }, (_, index) => [`k${index}`, 'v']));
    expect((await apiError(startRun(client, startRequest(EVAL_ID, inline(qaRows(1)), { metadata: many })))).message).toContain(
      'metadata has 17 keys; at most 16 are allowed.',
    );
    expect(await runsOf(client, EVAL_ID)).toEqual([]);
  });

  it('refuses a bad data_source type, or none, with a clear 400', async () => {
    const { client } = setUp();
    const csv = await apiError(startRun(client, startRequest(EVAL_ID, { type: 'csv', source: { type: 'file_content', content: [] } })));
    expect(csv.status).toBe(400);
    expect(csv.message).toContain('data_source.type "csv" is not one of jsonl, completions, responses.');
    expect(csv.message).toContain('(param: data_source.type)');

    const none = await rejection(client.evals.runs.create(EVAL_ID, {} as never));
    expect(none).toBeInstanceOf(OpenAI.BadRequestError);
    expect((none as Error).message).toContain('data_source is required.');

    const url = await apiError(startRun(client, startRequest(EVAL_ID, { type: 'jsonl', source: { type: 'url', url: 'https://example.com/x.jsonl' } })));
    expect(url.message).toContain('data_source.source.type "url" is not one the local engine reads');
    expect(await runsOf(client, EVAL_ID)).toEqual([]);
  });

  it('refuses a file_id source: stored files are read by the remote engine only', async () => {
    const { client } = setUp();
    const error = await apiError(startRun(client, startRequest(EVAL_ID, { type: 'jsonl', source: { type: 'file_id', id: 'file-abc' } })));
    expect(error.status).toBe(400);
    expect(error.message).toContain('data_source.source is a file_id');
    expect(error.message).toContain('read by the remote engine only');
    expect(await runsOf(client, EVAL_ID)).toEqual([]);
  });

  it('refuses inline rows that are not rows, saying which', async () => {
    const { client } = setUp();
    const notObject = await apiError(startRun(client, startRequest(EVAL_ID, inline([{ item: { expected: 'a' } }, 'just text']))));
    expect(notObject.status).toBe(400);
    expect(notObject.message).toContain('data_source.source.content[1]: not an object.');
    const badItem = await apiError(startRun(client, startRequest(EVAL_ID, inline([{ item: 'a question' }]))));
    expect(badItem.message).toContain('data_source.source.content[0]: "item" must be an object.');
  });

  it('refuses a JSONL file with malformed lines before any item runs, naming the file and the lines', async () => {
    const { client } = setUp();
    const good = JSON.stringify({ item: { question: 'q', expected: 'a' }, sample: { output_text: 'a' } });
    const path = writeJsonl('data/qa.jsonl', [good, good, '{"item": {"question": "q"', '', '[1, 2]', good]);

    const error = await apiError(startRun(client, startRequest(EVAL_ID, streamed(path, 'data/qa.jsonl'))));

    expect(error.status).toBe(400);
    expect(error.message).toContain('data/qa.jsonl has 2 malformed lines:');
    expect(error.message).toMatch(/line 3: not valid JSON/);
    expect(error.message).toContain('line 5: each line must be a JSON object');
    expect(error.message).not.toContain(dataDir);
    expect(await runsOf(client, EVAL_ID)).toEqual([]);
  });

  it('refuses an empty or missing JSONL file', async () => {
    const { client } = setUp();
    const empty = writeJsonl('empty.jsonl', ['', '   ']);
    expect((await apiError(startRun(client, startRequest(EVAL_ID, streamed(empty, 'empty.jsonl'))))).message).toContain('empty.jsonl has no rows.');
    const missing = await apiError(startRun(client, startRequest(EVAL_ID, streamed(join(dataDir, 'nope.jsonl'), 'nope.jsonl'))));
    expect(missing.status).toBe(400);
    expect(missing.message).toContain('ENOENT');
  });
});

describe('waitForTerminalRun', () => {
  it('follows a run from queued through in_progress to completed, the counts growing, per-criterion results only at the end', async () => {
    const { client } = setUp();
    const gate = join(dataDir, 'gate');
    // Items 0–9 are graded at once; item 10 waits for the gate, so the run shows 10 items in progress.
    const rows = Array.from({ length: 20 }, (_, index) => ({
      item: { expected: 'yes', ...(index === 10 ? { wait_for: gate } : {}) },
      sample: { output_text: index % 4 === 3 ? 'no' : 'yes' },
    }));
    const started = await startRun(client, startRequest(GATED_ID, inline(rows)));
    expect(started.status).toBe('queued');

    const midway = await pollUntil(client, GATED_ID, started.id, (run) => total(run) === 10, '10 items stored');
    expect(midway).toMatchObject({ status: 'in_progress', per_testing_criteria_results: null, per_model_usage: null, error: null });
    expect(midway.result_counts).toEqual({ total: 10, passed: 8, failed: 2, errored: 0 });

    const seen: RunSnapshot[] = [];
    const outcome = await waitForTerminalRun(
      client,
      waitOptions(GATED_ID, started.id, {
        onProgress: (run) => {
          seen.push(run);
          if (run.status === 'in_progress' && !existsSync(gate)) writeFileSync(gate, '');
        },
      }),
    );

    expect(outcome.timedOut).toBe(false);
    expect(seen[0]).toMatchObject({ status: 'in_progress', resultCounts: { total: 10 } });
    expect(seen.at(-1)?.status).toBe('completed');
    expect(seen.slice(0, -1).every((run) => run.status === 'in_progress')).toBe(true);
    const totals = seen.map((run) => run.resultCounts.total);
    expect([...totals].sort((a, b) => a - b)).toEqual(totals);
    for (const run of seen.slice(0, -1)) expect(run.perCriterion).toEqual([]);

    const done = outcome.run;
    expect(done).toMatchObject({ id: started.id, evalId: GATED_ID, status: 'completed', error: null, usage: [] });
    expect(done?.resultCounts).toEqual({ total: 20, passed: 15, failed: 5, errored: 0, skipped: 0 });
    const criterionId = ((await client.evals.retrieve(GATED_ID)).testing_criteria[0] as { id?: string }).id;
    expect(done?.perCriterion).toEqual([{ id: criterionId, name: 'Gate', passed: 15, failed: 5 }]);
    const raw = await client.evals.runs.retrieve(started.id, { eval_id: GATED_ID });
    expect(raw.per_testing_criteria_results).toEqual([{ testing_criteria: criterionId, passed: 15, failed: 5 }]);
    expect(raw.per_model_usage).toEqual([]);
  });

  it('answers 404 for an unknown run, naming it, without retrying', async () => {
    const { client } = setUp();
    const retries: string[] = [];
    const error = await apiError(waitForTerminalRun(client, waitOptions(EVAL_ID, 'evalrun_missing', { onRetry: (message) => retries.push(message) })));
    expect(error.status).toBe(404);
    expect(error.message).toContain('evalrun_missing');
    expect(error.message).toContain(EVAL_ID);
    expect(error.message).toMatch(/not found/);
    expect(retries).toEqual([]);

    // A run exists only under its own eval.
    const run = await startRun(client, startRequest(EVAL_ID, inline(qaRows(1))));
    expect((await apiError(waitForTerminalRun(client, waitOptions(GATED_ID, run.id)))).status).toBe(404);
  });

  it('times out by the injected clock with the run still in progress; the run is then cancelled', async () => {
    const { client } = setUp();
    const rows = [{ item: { expected: 'yes', wait_for: join(dataDir, 'never') }, sample: { output_text: 'yes' } }];
    const started = await startRun(client, startRequest(GATED_ID, inline(rows)));
    await pollUntil(client, GATED_ID, started.id, (run) => run.status === 'in_progress', 'in progress');
    let clock = 0;
    const pauses: number[] = [];
    const polledAt: number[] = [];

    const outcome = await waitForTerminalRun(
      client,
      waitOptions(GATED_ID, started.id, {
        timeoutMs: 4600,
        pollIntervalMs: 1500,
        now: () => clock,
        sleep: async (ms) => {
          pauses.push(ms);
          clock += ms;
        },
        onProgress: (_run, elapsedMs) => polledAt.push(elapsedMs),
      }),
    );

    expect(outcome).toMatchObject({ timedOut: true, run: { id: started.id, status: 'in_progress' } });
    expect(pauses).toEqual([1000, 1500, 1500, 600]);
    expect(polledAt).toEqual([0, 1000, 2500, 4000, 4600]);
    expect(await cancelRun(client, { evalId: GATED_ID, runId: started.id, baseURL: BASE_URL, timeoutMs: 5000 })).toBe('canceled');
  });

  it('stops when the signal aborts between polls', async () => {
    const { client } = setUp();
    const rows = [{ item: { expected: 'yes', wait_for: join(dataDir, 'never') }, sample: { output_text: 'yes' } }];
    const started = await startRun(client, startRequest(GATED_ID, inline(rows)));
    const controller = new AbortController();
    let polls = 0;

    const error = await rejection(
      waitForTerminalRun(
        client,
        waitOptions(GATED_ID, started.id, {
          pollIntervalMs: 30_000,
          signal: controller.signal,
          onProgress: () => {
            polls++;
            controller.abort();
          },
        }),
      ),
    );

    expect((error as Error).name).toBe('AbortError');
    expect(polls).toBe(1);
  });
});

describe('cancelRun', () => {
  const cancelRequest = (evalId: string, runId: string) => ({ evalId, runId, baseURL: BASE_URL, timeoutMs: 5000 });

  it('cancels a running run: it ends canceled, stops its python worker and keeps the items stored so far', async () => {
    const { engine, client } = setUp();
    const pidFile = join(dataDir, 'pid');
    const never = join(dataDir, 'never');
    const rows = [
      { item: { expected: 'yes' }, sample: { output_text: 'yes' } },
      { item: { expected: 'yes', pid_file: pidFile, wait_for: never }, sample: { output_text: 'yes' } },
      ...Array.from({ length: 30 }, () => ({ item: { expected: 'yes', wait_for: never }, sample: { output_text: 'yes' } })),
    ];
    const started = await startRun(client, startRequest(GATED_ID, inline(rows)));
    await pollUntil(client, GATED_ID, started.id, (run) => total(run) === 1 && existsSync(pidFile) && readFileSync(pidFile, 'utf8') !== '', 'item 1 is being graded');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(isRunning(pid)).toBe(true);

    expect(await cancelRun(client, cancelRequest(GATED_ID, started.id))).toBe('canceled');

    const outcome = await waitForTerminalRun(client, waitOptions(GATED_ID, started.id));
    expect(outcome).toMatchObject({ timedOut: false, run: { status: 'canceled', error: null, perCriterion: [] } });
    expect(outcome.run?.resultCounts.total).toBe(1);
    const { records } = await collect(client, GATED_ID, started.id, 1);
    expect(records.map((record) => record.outcome)).toEqual(['pass']);
    // Cancelling again finds it already canceled, not finished.
    expect(await cancelRun(client, cancelRequest(GATED_ID, started.id))).toBe('canceled');

    await engine.close();
    expect(isRunning(pid)).toBe(false);
    expect(readdirSync(spoolParent)).toEqual([]);
  });

  it('also cancels through the older POST …/runs/{id}', async () => {
    const { client } = setUp();
    const rows = [{ item: { expected: 'yes', wait_for: join(dataDir, 'never') }, sample: { output_text: 'yes' } }];
    const started = await startRun(client, startRequest(GATED_ID, inline(rows)));
    const answer = await client.post(`/evals/${GATED_ID}/runs/${started.id}`);
    expect(answer).toMatchObject({ id: started.id, status: 'canceled' });
    expect((await client.evals.runs.retrieve(started.id, { eval_id: GATED_ID })).status).toBe('canceled');
  });

  it('leaves a completed run alone: already-finished', async () => {
    const { client } = setUp();
    const run = await completedRun(client, EVAL_ID, inline(qaRows(5, { failing: (index) => index === 1 })));
    expect(await cancelRun(client, cancelRequest(EVAL_ID, run.id))).toBe('already-finished');
    expect((await client.evals.runs.retrieve(run.id, { eval_id: EVAL_ID })).status).toBe('completed');
  });

  it('fails with an error naming an unknown run', async () => {
    const { client } = setUp();
    const error = await apiError(cancelRun(client, cancelRequest(EVAL_ID, 'evalrun_unknown')));
    expect(error.status).toBe(404);
    expect(error.message).toContain('evalrun_unknown');
    expect(error.message).toMatch(/not found/);
  });
});

describe('output items', () => {
  // 300 items: every third one is answered wrong (100 failing), three lack "expected" (errored).
  const failing = (index: number) => index % 3 === 0;
  const errored = (index: number) => index === 1 || index === 100 || index === 200;

  it('collectOutputItems reads 300 items in 3 pages of 100, each once and in order, with errored items as errors', async () => {
    const { client } = setUp();
    const run = await completedRun(client, EVAL_ID, inline(qaRows(300, { failing, errored })));
    expect(run.resultCounts).toEqual({ total: 300, passed: 197, failed: 100, errored: 3, skipped: 0 });
    expect(run.perCriterion).toEqual([{ id: expect.stringMatching(/^Exact match-/), name: 'Exact match', passed: 197, failed: 100 }]);

    const { stats, records } = await collect(client, EVAL_ID, run.id, 300);

    expect(stats).toEqual({ pages: 3, items: 300 });
    expect(records.map((record) => record.datasourceItemId)).toEqual(Array.from({ length: 300 }, (_, index) => String(index)));
    expect(new Set(records.map((record) => record.id)).size).toBe(300);
    const count = (outcome: ItemOutcome) => records.filter((record) => record.outcome === outcome).length;
    expect([count('pass'), count('fail'), count('error')]).toEqual([197, 100, 3]);
    for (const record of records.filter((entry) => entry.outcome === 'error')) {
      expect(record.error).toMatch(/^grader "Exact match": /);
      expect(record.error).toContain('{{item.expected}}');
      expect(record.grades).toEqual([]);
    }
    const wrong = records[3];
    expect(wrong).toMatchObject({ outcome: 'fail', input: 'Question 3?', expected: 'answer 3', output: 'wrong 3', error: null });
    expect(wrong?.grades).toEqual([{ name: 'Exact match', type: 'string_check', metric: null, passed: false, score: 0, threshold: null, label: null, reason: null }]);
    expect(records[2]?.grades).toEqual([{ name: 'Exact match', type: 'string_check', metric: null, passed: true, score: 1, threshold: null, label: null, reason: null }]);
  });

  it('pages with limit 100: has_more exactly right, after advancing, asc and desc', async () => {
    const { client } = setUp();
    const run = await completedRun(client, EVAL_ID, inline(qaRows(300, { failing, errored })));
    const list = (query: { after?: string; order?: 'asc' | 'desc'; status?: 'pass' | 'fail' }) =>
      client.evals.runs.outputItems.list(run.id, { eval_id: EVAL_ID, limit: PAGE_SIZE, ...query });

    const pages = [];
    let after: string | undefined;
    for (let page = 0; page < 5; page++) {
      const current = await list({ after });
      pages.push(current);
      if (!current.has_more) break;
      after = current.data.at(-1)?.id;
    }
    expect(pages.map((page) => [page.data.length, page.has_more])).toEqual([
      [100, true],
      [100, true],
      [100, false],
    ]);
    expect(pages.flatMap((page) => page.data.map((item) => item.datasource_item_id))).toEqual(Array.from({ length: 300 }, (_, index) => index));
    expect(pages[1]?.data[0]?.datasource_item_id).toBe(100);

    const newest = await list({ order: 'desc' });
    expect(newest.data.map((item) => item.datasource_item_id)).toEqual(Array.from({ length: 100 }, (_, index) => 299 - index));
    expect(newest.has_more).toBe(true);

    const item = pages[0]?.data[3];
    expect(item).toMatchObject({ object: 'eval.run.output_item', run_id: run.id, eval_id: EVAL_ID, status: 'fail', datasource_item: { question: 'Question 3?', expected: 'answer 3' } });
    expect(item?.sample).toMatchObject({ output_text: 'wrong 3', error: null });
    const one = await client.evals.runs.outputItems.retrieve(item?.id ?? '', { eval_id: EVAL_ID, run_id: run.id });
    expect(one).toEqual(item);
  });

  it('filters output items by status=fail and status=pass; errored items are among the failing', async () => {
    const { client } = setUp();
    const run = await completedRun(client, EVAL_ID, inline(qaRows(300, { failing, errored })));
    const all = async (status: 'pass' | 'fail') => {
      const ids: number[] = [];
      const hasMore: boolean[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await client.evals.runs.outputItems.list(run.id, { eval_id: EVAL_ID, limit: 100, status, after });
        for (const item of page.data) expect(item.status).toBe(status);
        ids.push(...page.data.map((item) => item.datasource_item_id));
        hasMore.push(page.has_more);
        if (!page.has_more) return { ids, hasMore };
        after = page.data.at(-1)?.id;
      }
    };
    const failingItems = await all('fail');
    const expectedFailing = Array.from({ length: 300 }, (_, index) => index).filter((index) => failing(index) || errored(index));
    expect(failingItems.ids).toEqual(expectedFailing);
    expect(failingItems.hasMore).toEqual([true, false]);
    const passingItems = await all('pass');
    expect(passingItems.ids).toHaveLength(197);
    expect(passingItems.hasMore).toEqual([true, false]);

    const refused = await rejection(client.get(`/evals/${EVAL_ID}/runs/${run.id}/output_items`, { query: { status: 'passed' } }));
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect((refused as Error).message).toContain('status must be pass or fail; got "passed".');
  });

  it('hands a gate in the same process the items as objects, those stored before it asked and those after, equal to the pages', async () => {
    const { engine, client } = setUp();
    const started = await startRun(client, startRequest(EVAL_ID, inline(qaRows(300, { failing, errored }))));
    // Followed from the moment the run exists: whatever was stored before is handed over first.
    const followed: Record<string, unknown>[] = [];
    const failingFollowed: string[] = [];
    const stop = engine.followOutputItems(EVAL_ID, started.id, (item) => followed.push(item));
    engine.followOutputItems(EVAL_ID, started.id, (item) => failingFollowed.push(item.id), 'fail');
    await waitForTerminalRun(client, waitOptions(EVAL_ID, started.id));
    stop();

    const listed = [];
    for await (const item of client.evals.runs.outputItems.list(started.id, { eval_id: EVAL_ID, limit: 100 })) listed.push(item);
    expect(followed).toEqual(listed);
    expect(failingFollowed).toEqual(listed.filter((item) => item.status === 'fail').map((item) => item.id));
    // Followed after the run completed: all of it read back, in order.
    const late: string[] = [];
    engine.followOutputItems(EVAL_ID, started.id, (item) => late.push(item.id))();
    expect(late).toEqual(listed.map((item) => item.id));
    expect(() => engine.followOutputItems(EVAL_ID, 'evalrun_nope', () => undefined)).toThrow("No run found with id 'evalrun_nope'.");
  });

  it('refuses an unknown cursor, and answers 404 for an unknown item or run', async () => {
    const { client } = setUp();
    const run = await completedRun(client, EVAL_ID, inline(qaRows(3)));
    const badCursor = await rejection(client.evals.runs.outputItems.list(run.id, { eval_id: EVAL_ID, after: 'outputitem_nope_1' }));
    expect(badCursor).toBeInstanceOf(OpenAI.BadRequestError);
    expect((badCursor as Error).message).toContain('after: no output item "outputitem_nope_1" in this run.');

    const noItem = await rejection(client.evals.runs.outputItems.retrieve('outputitem_nope_1', { eval_id: EVAL_ID, run_id: run.id }));
    expect(noItem).toBeInstanceOf(OpenAI.NotFoundError);

    const noRun = await apiError(collect(client, EVAL_ID, 'evalrun_nope', 1));
    expect(noRun.status).toBe(404);
    expect(noRun.message).toContain('evalrun_nope');
  });

  it('runs a streamed JSONL file (blank lines skipped) in file order', async () => {
    const { client } = setUp();
    const lines = Array.from({ length: 120 }, (_, index) =>
      JSON.stringify({ item: { question: `Q${index} — naïve café 🚀`, expected: `A${index}` }, sample: { output_text: index % 10 === 0 ? 'wrong' : `A${index}` } }),
    );
    const path = writeJsonl('data/stream.jsonl', [...lines.slice(0, 60), '', '   ', ...lines.slice(60)]);

    const run = await completedRun(client, EVAL_ID, streamed(path, 'data/stream.jsonl'));

    expect(run.resultCounts).toEqual({ total: 120, passed: 108, failed: 12, errored: 0, skipped: 0 });
    const { stats, records } = await collect(client, EVAL_ID, run.id, 120);
    expect(stats).toEqual({ pages: 2, items: 120 });
    expect(records.map((record) => record.input)).toEqual(Array.from({ length: 120 }, (_, index) => `Q${index} — naïve café 🚀`));
    expect(records.filter((record) => record.outcome === 'fail').map((record) => record.datasourceItemId)).toEqual(
      Array.from({ length: 12 }, (_, index) => String(index * 10)),
    );
    const listed = await client.evals.runs.retrieve(run.id, { eval_id: EVAL_ID });
    expect(listed.data_source).toEqual(streamed(path, 'data/stream.jsonl'));
  });

  it('reads bare-item lines, erroring their items when the grader needs a sample, and still completes', async () => {
    const { client } = setUp();
    const path = writeJsonl('bare.jsonl', [JSON.stringify({ question: 'q', expected: 'a' })]);
    const run = await completedRun(client, EVAL_ID, streamed(path, 'bare.jsonl'));
    expect(run.resultCounts).toMatchObject({ total: 1, errored: 1 });
    const { records } = await collect(client, EVAL_ID, run.id, 1);
    expect(records[0]?.error).toContain('{{sample.output_text}}');
  });
});

describe('runs', () => {
  it('lists runs in order, newest first with order=desc, filtered by status', async () => {
    const { client } = setUp();
    const first = await completedRun(client, EVAL_ID, inline(qaRows(2)));
    const second = await completedRun(client, EVAL_ID, inline(qaRows(2)));
    const stuck = await startRun(client, startRequest(GATED_ID, inline([{ item: { wait_for: join(dataDir, 'never') } }])));
    expect((await client.evals.runs.list(EVAL_ID, { order: 'desc' })).data.map((run) => run.id)).toEqual([second.id, first.id]);
    const paged = await client.evals.runs.list(EVAL_ID, { limit: 1 });
    expect(paged.data.map((run) => run.id)).toEqual([first.id]);
    expect(paged.has_more).toBe(true);
    expect((await client.evals.runs.list(EVAL_ID, { limit: 1, after: first.id })).has_more).toBe(false);
    expect((await client.evals.runs.list(GATED_ID, { status: 'completed' })).data).toEqual([]);
    await pollUntil(client, GATED_ID, stuck.id, (run) => run.status === 'in_progress', 'in progress');
    expect((await client.evals.runs.list(GATED_ID, { status: 'in_progress' })).data.map((run) => run.id)).toEqual([stuck.id]);
  });

  it('deletes a completed run and its spooled items', async () => {
    const { client } = setUp();
    const run = await completedRun(client, EVAL_ID, inline(qaRows(3)));
    expect(readdirSync(spoolParent)).toHaveLength(1);
    expect(await client.evals.runs.delete(run.id, { eval_id: EVAL_ID })).toMatchObject({ deleted: true, run_id: run.id });
    await expect(client.evals.runs.retrieve(run.id, { eval_id: EVAL_ID })).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await until(() => readdirSync(spoolParent).length === 0);
  });
});

describe('engine.close', () => {
  it('cancels what runs, deletes every spooled file and refuses new runs', async () => {
    const { engine, client } = setUp();
    const done = await completedRun(client, EVAL_ID, inline(qaRows(5)));
    const stuck = await startRun(client, startRequest(GATED_ID, inline([{ item: { wait_for: join(dataDir, 'never') } }])));
    await pollUntil(client, GATED_ID, stuck.id, (run) => run.status === 'in_progress', 'in progress');
    // Two runs' spooled items, and the private folder of the stuck run's python worker.
    expect(readdirSync(spoolParent).filter((name) => !name.startsWith('evals-gate-worker-'))).toHaveLength(2);
    expect(readdirSync(spoolParent).filter((name) => name.startsWith('evals-gate-worker-'))).toHaveLength(1);

    await engine.close();

    expect(readdirSync(spoolParent)).toEqual([]);
    expect((await client.evals.runs.retrieve(stuck.id, { eval_id: GATED_ID })).status).toBe('canceled');
    expect((await client.evals.runs.retrieve(done.id, { eval_id: EVAL_ID })).status).toBe('completed');
    const refused = await rejection(client.evals.runs.create(EVAL_ID, { data_source: inline(qaRows(1)) as never }));
    expect(refused).toBeInstanceOf(OpenAI.APIError);
    expect((refused as Error).message).toContain('The local engine has shut down.');
    // Closing twice is harmless.
    await engine.close();
  });

  // close() promises that nothing is left; a run deleted while it still ran must not escape that.
  it('waits for a run deleted while running before it returns, leaving no spooled file', async () => {
    const { engine, client } = setUp();
    const stuck = await startRun(client, startRequest(GATED_ID, inline([{ item: { wait_for: join(dataDir, 'never') } }])));
    await pollUntil(client, GATED_ID, stuck.id, (run) => run.status === 'in_progress', 'in progress');
    await client.evals.runs.delete(stuck.id, { eval_id: GATED_ID });

    await engine.close();

    expect(readdirSync(spoolParent)).toEqual([]);
  });
});

describe('grader results that are not scores', () => {
  const MIXED_EVAL = `
name: Mixed
data_source_config: { type: custom, item_schema: { type: object, properties: { kind: { type: string } } } }
testing_criteria:
  - type: string_check
    name: Said hello
    input: "{{ sample.output_text }}"
    reference: hello
    operation: eq
  - type: python
    name: Length
    pass_threshold: 0
    source: |
      def grade(sample, item):
          kind = item['kind']
          if kind == 'none':
              return None
          if kind == 'raise':
              raise ValueError('bad item')
          return 1
`;

  it("scores 0 a python grader's None (the item fails that grader), keeping the other graders' results; an exception still errors the item", async () => {
    const { engine, client } = setUp();
    engine.addEval(parseEvalDefinition(MIXED_EVAL, 'evals/mixed.eval.yaml'), 'eval_mixed');
    const rows = ['ok', 'none', 'raise'].map((kind) => ({ item: { kind }, sample: { output_text: 'hello' } }));
    const run = await completedRun(client, 'eval_mixed', inline(rows));
    expect(run.resultCounts).toMatchObject({ total: 3, passed: 1, failed: 1, errored: 1 });
    const { records } = await collect(client, 'eval_mixed', run.id, 3);
    const none = records.find((record) => record.datasourceItemId === '1');
    expect(none).toMatchObject({ outcome: 'fail', error: null });
    expect(none?.grades.map((grade) => [grade.name, grade.passed, grade.score])).toEqual([
      ['Said hello', true, 1],
      ['Length', false, 0],
    ]);
    expect(none?.grades[1]?.reason).toBe('grade() returned None (NoneType), not a number: scored 0');
    const raised = records.find((record) => record.datasourceItemId === '2');
    expect(raised).toMatchObject({ outcome: 'error', grades: [] });
    expect(raised?.error).toContain("grade() raised ValueError: bad item");
  });
});
