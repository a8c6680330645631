// One run of the local engine with hand-written graders (no models, no python): counts, dataset order
// whatever order items finish in, the concurrency bound, errored items, cancel, failed rows, usage, and
// graders closed exactly once whatever the ending.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Grader, GraderError, type GraderOutcome } from '../../../src/engine/graders/grader.ts';
import { createStringCheckGrader } from '../../../src/engine/graders/string-check.ts';
import type { JsonlRow } from '../../../src/engine/jsonl-row.ts';
import { type OutputItem, OutputItemStore } from '../../../src/engine/output-store.ts';
import { FILE_PATH_SOURCE, type RowSource } from '../../../src/engine/rows.ts';
import { RunExecution, type RunPlan } from '../../../src/engine/run-execution.ts';
import type { Sample, Sampler } from '../../../src/engine/sampler.ts';

const NOW = 1_700_000_000_000;
let dir: string;
const stores: OutputItemStore[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'run-execution-test-'));
});

afterEach(() => {
  for (const store of stores.splice(0)) store.close();
  rmSync(dir, { recursive: true, force: true });
});

type Scope = Parameters<Grader['grade']>[0];

/** A grader whose behaviour a test writes; it counts its calls, the calls in flight and its closes. */
class StubGrader implements Grader {
  readonly id: string;
  readonly name: string;
  readonly type = 'stub';
  calls = 0;
  inFlight = 0;
  maxInFlight = 0;
  closes = 0;
  readonly scopes: Scope[] = [];
  private readonly behaviour: (scope: Scope, signal: AbortSignal) => Promise<GraderOutcome> | GraderOutcome;

  constructor(name: string, behaviour: (scope: Scope, signal: AbortSignal) => Promise<GraderOutcome> | GraderOutcome) {
    this.name = name;
    this.id = `${name}-00000000-0000-4000-8000-000000000000`;
    this.behaviour = behaviour;
  }

  async grade(scope: Scope, signal: AbortSignal): Promise<GraderOutcome> {
    this.calls++;
    this.scopes.push(scope);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      return await this.behaviour(scope, signal);
    } finally {
      this.inFlight--;
    }
  }

  async close(): Promise<void> {
    this.closes++;
  }
}

const verdict = (passed: boolean): GraderOutcome => ({ score: passed ? 1 : 0, passed });
const n = (scope: Scope) => scope.item.n as number;

function rowsOf(count: number): RowSource {
  const content: JsonlRow[] = Array.from({ length: count }, (_, index) => ({ item: { n: index, question: `q${index}` }, sample: { output_text: `a${index}` } }));
  return { type: 'file_content', content };
}

function execute(overrides: Partial<RunPlan> & Pick<RunPlan, 'graders'>): { execution: RunExecution; store: OutputItemStore } {
  const store = new OutputItemStore('evalrun_test', dir);
  stores.push(store);
  const execution = new RunExecution({ runId: 'evalrun_test', evalId: 'eval_test', rows: rowsOf(10), sampler: null, concurrency: 4, store, now: () => NOW, ...overrides });
  return { execution, store };
}

function storedItems(store: OutputItemStore): OutputItem[] {
  const items: OutputItem[] = [];
  let after: string | undefined;
  for (;;) {
    const page = store.page({ limit: 100, order: 'asc', after });
    items.push(...page.data);
    if (!page.has_more) return items;
    after = page.last_id ?? undefined;
  }
}

/** A deterministic pseudo-random sequence in [0, 1): failures reproduce. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/** Resolves once `condition` holds, checking after each turn of the event loop. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let turn = 0; turn < 10_000; turn++) {
    if (condition()) return;
    await delay(1);
  }
  expect.fail(`timed out waiting until ${what}`);
}

/** Rejects with the signal's reason when it aborts: a grader call that only an abort ends. */
function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

describe('RunExecution', () => {
  it('is queued when made, then completes with the counts and per-criterion counts of its items', async () => {
    const even = new StubGrader('Even', (scope) => verdict(n(scope) % 2 === 0));
    const small = new StubGrader('Small', (scope) => verdict(n(scope) < 8));
    const { execution, store } = execute({ graders: [even, small] });
    expect(execution.status).toBe('queued');
    expect(execution.terminal).toBe(false);

    await execution.done;

    expect(execution.status).toBe('completed');
    expect(execution.terminal).toBe(true);
    expect(execution.error).toBeNull();
    // Both pass for 0, 2, 4, 6.
    expect(execution.counts).toEqual({ total: 10, passed: 4, failed: 6, errored: 0 });
    expect(Object.fromEntries(execution.perCriterion)).toEqual({ [even.id]: { passed: 5, failed: 5 }, [small.id]: { passed: 8, failed: 2 } });
    expect(execution.modelUsage()).toEqual([]);
    expect([even.closes, small.closes]).toEqual([1, 1]);

    const items = storedItems(store);
    expect(items.map((item) => item.status)).toEqual(['pass', 'fail', 'pass', 'fail', 'pass', 'fail', 'pass', 'fail', 'fail', 'fail']);
    expect(items[1]).toEqual({
      object: 'eval.run.output_item',
      id: 'outputitem_test_1',
      run_id: 'evalrun_test',
      eval_id: 'eval_test',
      created_at: NOW / 1000,
      status: 'fail',
      datasource_item_id: 1,
      datasource_item: { n: 1, question: 'q1' },
      results: [
        { name: even.id, type: 'stub', score: 0, passed: false, sample: null },
        { name: small.id, type: 'stub', score: 1, passed: true, sample: null },
      ],
      sample: { output_text: 'a1', error: null },
    });
  });

  it('keeps what a grader adds: its sample, label and reason', async () => {
    const judge = new StubGrader('Judge', () => ({ score: 0.8, passed: true, label: 'good', reason: 'it answers', sample: { model: 'judge-1', usage: { total_tokens: 3 } } }));
    const { execution, store } = execute({ graders: [judge], rows: rowsOf(1) });
    await execution.done;
    expect(storedItems(store)[0]?.results).toEqual([
      { name: judge.id, type: 'stub', score: 0.8, passed: true, sample: { model: 'judge-1', usage: { total_tokens: 3 } }, label: 'good', reason: 'it answers' },
    ]);
  });

  it('stores items in dataset order although they finish out of order', async () => {
    const random = seeded(42);
    const finished: number[] = [];
    const slow = new StubGrader('Slow', async (scope) => {
      await delay(Math.floor(random() * 15));
      finished.push(n(scope));
      return verdict(n(scope) % 3 !== 0);
    });
    const count = 60;
    const { execution, store } = execute({ graders: [slow], rows: rowsOf(count), concurrency: 6 });
    const seenTotals: number[] = [];
    const watcher = setInterval(() => seenTotals.push(execution.counts.total), 1);

    await execution.done;
    clearInterval(watcher);

    // The delays did reorder the finishes, so the order below is the store's doing.
    expect(finished).not.toEqual([...finished].sort((a, b) => a - b));
    const items = storedItems(store);
    expect(items.map((item) => item.datasource_item_id)).toEqual(Array.from({ length: count }, (_, index) => index));
    expect(items.map((item) => item.id)).toEqual(Array.from({ length: count }, (_, index) => `outputitem_test_${index}`));
    expect(items.map((item) => (item.datasource_item as { n: number }).n)).toEqual(Array.from({ length: count }, (_, index) => index));
    expect(items.map((item) => item.status)).toEqual(Array.from({ length: count }, (_, index) => (index % 3 !== 0 ? 'pass' : 'fail')));
    expect(execution.counts).toEqual({ total: count, passed: 40, failed: 20, errored: 0 });
    // The counts grew while it ran, never backwards.
    expect([...seenTotals].sort((a, b) => a - b)).toEqual(seenTotals);
  });

  it('never has more items in flight than its concurrency, and uses all of it', async () => {
    const random = seeded(7);
    const grader = new StubGrader('Timed', async () => {
      await delay(1 + Math.floor(random() * 5));
      return verdict(true);
    });
    const { execution } = execute({ graders: [grader], rows: rowsOf(50), concurrency: 4 });
    await execution.done;
    expect(grader.calls).toBe(50);
    expect(grader.maxInFlight).toBe(4);
  });

  it('grades one item at a time with concurrency 1', async () => {
    const grader = new StubGrader('Timed', async () => {
      await delay(1);
      return verdict(true);
    });
    const { execution } = execute({ graders: [grader], rows: rowsOf(8), concurrency: 1 });
    await execution.done;
    expect(grader.maxInFlight).toBe(1);
    expect(execution.counts.total).toBe(8);
  });

  it('marks an item errored when a grader throws, naming the grader, and leaves the other items alone', async () => {
    const judge = new StubGrader('Judge', (scope) => {
      if (n(scope) === 3) throw new GraderError('the judge gave no label');
      if (n(scope) === 5) throw Object.assign(new Error('rate limited'), { code: 'rate_limit_exceeded' });
      if (n(scope) === 7) throw new Error('plain failure');
      return verdict(n(scope) !== 1);
    });
    const other = new StubGrader('Other', () => verdict(true));
    const { execution, store } = execute({ graders: [judge, other] });

    await execution.done;

    expect(execution.status).toBe('completed');
    expect(execution.counts).toEqual({ total: 10, passed: 6, failed: 1, errored: 3 });
    // Errored items count for no criterion.
    expect(Object.fromEntries(execution.perCriterion)).toEqual({ [judge.id]: { passed: 6, failed: 1 }, [other.id]: { passed: 7, failed: 0 } });
    const items = storedItems(store);
    const errored = items.filter((item) => (item.sample as { error: unknown }).error !== null);
    expect(errored.map((item) => item.datasource_item_id)).toEqual([3, 5, 7]);
    for (const item of errored) {
      expect(item.status).toBe('fail');
      expect(item.results).toEqual([]);
    }
    expect(errored.map((item) => (item.sample as { error: unknown }).error)).toEqual([
      { code: 'grader_error', message: 'grader "Judge": the judge gave no label' },
      { code: 'rate_limit_exceeded', message: 'grader "Judge": rate limited' },
      { code: 'item_error', message: 'grader "Judge": plain failure' },
    ]);
    // The sample keeps its fields next to the error.
    expect(errored[0]?.sample).toMatchObject({ output_text: 'a3' });
    expect(items.filter((item) => item.status === 'pass')).toHaveLength(6);
    expect([judge.closes, other.closes]).toEqual([1, 1]);
  });

  it('marks an item errored with template_error when a real grader refers to a field it lacks', async () => {
    const exact = createStringCheckGrader(
      { type: 'string_check', name: 'Exact', input: '{{sample.output_text}}', reference: '{{item.expected}}', operation: 'eq' },
      'Exact-0000',
      'testing_criteria[0] ("Exact")',
    );
    const rows: RowSource = {
      type: 'file_content',
      content: [
        { item: { expected: '4' }, sample: { output_text: '4' } },
        { item: { question: 'no expected field' }, sample: { output_text: '4' } },
      ],
    };
    const { execution, store } = execute({ graders: [exact], rows });
    await execution.done;
    expect(execution.counts).toEqual({ total: 2, passed: 1, failed: 0, errored: 1 });
    const error = (storedItems(store)[1]?.sample as { error: { code: string; message: string } }).error;
    expect(error.code).toBe('template_error');
    expect(error.message).toMatch(/^grader "Exact": /);
    expect(error.message).toContain('{{item.expected}}');
  });

  it('shows graders the derived output_text/output_json/output_tools, and stores the sample as given', async () => {
    const grader = new StubGrader('Reader', () => verdict(true));
    const toolCall = { id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{}' } };
    const sample = { output: [{ role: 'assistant', content: '{"answer": 4}', tool_calls: [toolCall] }] };
    const { execution, store } = execute({ graders: [grader], rows: { type: 'file_content', content: [{ item: { q: 1 }, sample }, { item: { q: 2 } }] } });
    await execution.done;
    expect(grader.scopes[0]?.sample).toEqual({ ...sample, output_text: '{"answer": 4}', output_json: { answer: 4 }, output_tools: [toolCall] });
    // An item without a sample gives graders an empty one.
    expect(grader.scopes[1]?.sample).toEqual({ output_tools: [] });
    const items = storedItems(store);
    expect(items[0]?.sample).toEqual({ ...sample, error: null });
    expect(items[1]?.sample).toEqual({ error: null });
  });

  it('samples each item when it has a sampler, adding up the usage of samples and judges per model', async () => {
    const sampled: Record<string, unknown>[] = [];
    const sampler: Sampler = {
      type: 'completions',
      model: 'gpt-test',
      async sample(item) {
        sampled.push(item);
        if (item.n === 2) throw Object.assign(new Error('the model refused'), { code: 'model_error' });
        return { output_text: `answer ${String(item.n)}`, model: 'gpt-test-2025', usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12, cached_tokens: 1 } } as unknown as Sample;
      },
    };
    const judge = new StubGrader('Judge', (scope) => ({
      ...verdict(scope.sample?.output_text === 'answer 0'),
      sample: { model: 'judge-model', usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 } },
    }));
    const { execution, store } = execute({ graders: [judge], rows: { type: 'file_content', content: [{ item: { n: 0 } }, { item: { n: 1 } }, { item: { n: 2 } }] }, sampler });

    await execution.done;

    expect(sampled).toEqual([{ n: 0 }, { n: 1 }, { n: 2 }]);
    expect(execution.counts).toEqual({ total: 3, passed: 1, failed: 1, errored: 1 });
    expect(execution.modelUsage()).toEqual([
      { model_name: 'gpt-test-2025', invocation_count: 2, prompt_tokens: 20, completion_tokens: 4, total_tokens: 24, cached_tokens: 2 },
      { model_name: 'judge-model', invocation_count: 2, prompt_tokens: 10, completion_tokens: 2, total_tokens: 12, cached_tokens: 0 },
    ]);
    const items = storedItems(store);
    expect(items[0]?.sample).toMatchObject({ output_text: 'answer 0', model: 'gpt-test-2025', error: null });
    expect((items[2]?.sample as { error: unknown }).error).toEqual({ code: 'model_error', message: 'the model refused' });
  });

  it('on cancel starts no new item, keeps the items stored so far and ends canceled', async () => {
    const grader = new StubGrader('Gate', (scope, signal) => (n(scope) < 5 ? verdict(true) : untilAborted(signal)));
    const { execution, store } = execute({ graders: [grader], rows: rowsOf(40), concurrency: 2 });
    await until(() => execution.counts.total === 5 && grader.inFlight === 2, 'five items are stored and two are stuck');
    const callsAtCancel = grader.calls;

    execution.cancel();
    expect(execution.status).toBe('canceled');
    await execution.done;

    expect(execution.status).toBe('canceled');
    expect(execution.terminal).toBe(true);
    expect(execution.error).toBeNull();
    expect(grader.calls).toBe(callsAtCancel);
    expect(grader.inFlight).toBe(0);
    expect(execution.counts).toEqual({ total: 5, passed: 5, failed: 0, errored: 0 });
    expect(storedItems(store).map((item) => item.datasource_item_id)).toEqual([0, 1, 2, 3, 4]);
    expect(grader.closes).toBe(1);
    // A second cancel, or one after the end, changes nothing.
    execution.cancel();
    expect(execution.status).toBe('canceled');
    expect(grader.closes).toBe(1);
  });

  it('on cancel while still queued grades nothing', async () => {
    const grader = new StubGrader('Never', () => verdict(true));
    const { execution, store } = execute({ graders: [grader] });
    execution.cancel();
    await execution.done;
    expect(execution.status).toBe('canceled');
    expect(grader.calls).toBe(0);
    expect(store.count).toBe(0);
    expect(grader.closes).toBe(1);
  });

  it('leaves a completed run completed when cancelled afterwards', async () => {
    const grader = new StubGrader('Quick', () => verdict(true));
    const { execution } = execute({ graders: [grader] });
    await execution.done;
    execution.cancel();
    expect(execution.status).toBe('completed');
    expect(grader.closes).toBe(1);
  });

  // A slow first item lets later ones finish and wait for it, up to the reorder window; a cancel then
  // aborts that first item, and the run must still end (and close its graders) instead of hanging.
  it('ends a run cancelled while finished items wait for a slow first item', async () => {
    const grader = new StubGrader('HeadOfLine', (scope, signal) => (n(scope) === 0 ? untilAborted(signal) : verdict(true)));
    const { execution } = execute({ graders: [grader], rows: rowsOf(1000), concurrency: 2 });
    let calls = -1;
    await until(() => {
      const stable = grader.calls === calls;
      calls = grader.calls;
      return stable && calls > 2;
    }, 'no new item starts');
    expect(calls).toBeLessThan(1000);

    execution.cancel();
    const ending = await Promise.race([execution.done.then(() => 'ended'), delay(2000).then(() => 'still running after 2 s')]);

    expect(ending).toBe('ended');
    expect(execution.status).toBe('canceled');
    expect(grader.closes).toBe(1);
  });

  it('fails with the error when its rows file goes bad mid-way, closing its graders', async () => {
    const path = join(dir, 'items.jsonl');
    const lines = [0, 1, 2, 3, 4].map((index) => JSON.stringify({ item: { n: index } }));
    writeFileSync(path, [...lines, '{"item": {"n": 5}', JSON.stringify({ item: { n: 6 } }), ''].join('\n'));
    const grader = new StubGrader('Any', () => verdict(true));
    const { execution, store } = execute({ graders: [grader], rows: { type: FILE_PATH_SOURCE, path, label: 'data/items.jsonl' }, concurrency: 2 });

    await execution.done;

    expect(execution.status).toBe('failed');
    expect(execution.error?.code).toBe('run_error');
    expect(execution.error?.message).toMatch(/^data\/items\.jsonl line 6: not valid JSON/);
    expect(grader.closes).toBe(1);
    // Nothing past the bad line was graded or stored.
    expect(grader.scopes.map(n).every((index) => index < 5)).toBe(true);
    expect(storedItems(store).every((item) => (item.datasource_item_id as number) < 5)).toBe(true);
    expect(execution.counts.total).toBe(store.count);
    // A failed run stays failed.
    execution.cancel();
    expect(execution.status).toBe('failed');
  });

  it('fails with the error when its rows file cannot be read', async () => {
    const grader = new StubGrader('Any', () => verdict(true));
    const { execution } = execute({ graders: [grader], rows: { type: FILE_PATH_SOURCE, path: join(dir, 'missing.jsonl'), label: 'missing.jsonl' } });
    await execution.done;
    expect(execution.status).toBe('failed');
    expect(execution.error).toMatchObject({ code: 'run_error', message: expect.stringContaining('ENOENT') });
    expect(grader.calls).toBe(0);
    expect(grader.closes).toBe(1);
  });

  it('streams a good rows file to the end, blank lines skipped', async () => {
    const path = join(dir, 'items.jsonl');
    writeFileSync(path, `${JSON.stringify({ item: { n: 0 } })}\n\n  \r\n${JSON.stringify({ n: 1 })}\r\n${JSON.stringify({ item: { n: 2 }, sample: { output_text: 'x' } })}`);
    const grader = new StubGrader('Any', (scope) => verdict(n(scope) !== 1));
    const { execution, store } = execute({ graders: [grader], rows: { type: FILE_PATH_SOURCE, path, label: 'items.jsonl' } });
    await execution.done;
    expect(execution.status).toBe('completed');
    expect(execution.counts).toEqual({ total: 3, passed: 2, failed: 1, errored: 0 });
    expect(storedItems(store).map((item) => item.datasource_item)).toEqual([{ n: 0 }, { n: 1 }, { n: 2 }]);
  });
});
