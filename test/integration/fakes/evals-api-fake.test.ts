// Drives the Evals API fake with the real openai SDK over HTTP, to prove the fake behaves like the
// API the action will meet: shapes, progress, grading, paging, errors, retries and lost responses.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import type { JsonlRow } from '../../fakes/evals-api.ts';
import { exactCriterion, instant, jsonl, type RunDataSource, sdk, useEvalsFake } from '../../support/evals-fake-setup.ts';
import { expectRejection } from '../../support/rejection.ts';

const start = useEvalsFake();

/** Creates a run and polls it once: with `instant` progress that completes it. */
async function createPolled(client: OpenAI, evalId: string, dataSource: RunDataSource) {
  const run = await client.evals.runs.create(evalId, { data_source: dataSource });
  return client.evals.runs.retrieve(run.id, { eval_id: evalId });
}

/** The SDK's grader types lack the `id` the API sends with each criterion. */
async function criterionIds(client: OpenAI, evalId: string): Promise<string[]> {
  const evalObject = await client.evals.retrieve(evalId);
  return evalObject.testing_criteria.map((c) => (c as unknown as { id: string }).id);
}

const exact = exactCriterion('Exact');

function answerRows(count: number, failEvery = 0): JsonlRow[] {
  return Array.from({ length: count }, (_, i) => ({
    item: { n: i, expected: 'yes' },
    sample: { output_text: failEvery > 0 && i % failEvery === failEvery - 1 ? 'no' : 'yes' },
  }));
}

describe('run lifecycle', () => {
  it('creates a queued run shaped like EvalRun and advances it poll by poll', async () => {
    const f = await start({ progress: { queuedPolls: 1, inProgressPolls: 3 } });
    const evalId = f.addEval({ name: 'lifecycle', testing_criteria: [exact] });
    const client = sdk(f);
    const dataSource = jsonl(answerRows(8, 4));
    const before = Math.floor(Date.now() / 1000);

    const created = await client.evals.runs.create(evalId, { name: 'pr-1', metadata: { sha: 'abc' }, data_source: dataSource });

    expect(created.id).toMatch(/^evalrun_[0-9a-f]{32}$/);
    expect(created).toEqual({
      object: 'eval.run',
      id: created.id,
      eval_id: evalId,
      status: 'queued',
      model: null,
      name: 'pr-1',
      created_at: expect.any(Number),
      report_url: `https://platform.openai.com/evaluations/${evalId}?run_id=${created.id}`,
      result_counts: { total: 0, errored: 0, failed: 0, passed: 0 },
      per_model_usage: null,
      per_testing_criteria_results: null,
      data_source: dataSource,
      metadata: { sha: 'abc' },
      error: null,
    });
    expect(created.created_at).toBeGreaterThanOrEqual(before);

    const polls = [];
    for (let i = 0; i < 5; i++) polls.push(await client.evals.runs.retrieve(created.id, { eval_id: evalId }));
    expect(polls.map((r) => r.status)).toEqual(['queued', 'in_progress', 'in_progress', 'in_progress', 'completed']);
    expect(polls.map((r) => r.result_counts.total)).toEqual([0, 2, 4, 6, 8]);
    for (const running of polls.slice(0, 4)) {
      expect(running.per_model_usage).toBeNull();
      expect(running.per_testing_criteria_results).toBeNull();
      expect(running.error).toBeNull();
    }

    const [criterionId] = await criterionIds(client, evalId);
    expect(criterionId).toMatch(/^Exact-[0-9a-f-]{36}$/);
    const done = polls[4];
    expect(done?.result_counts).toEqual({ total: 8, errored: 0, failed: 2, passed: 6 });
    expect(done?.per_testing_criteria_results).toEqual([{ testing_criteria: criterionId, passed: 6, failed: 2 }]);
    expect(done?.per_model_usage).toEqual([]);
    expect(f.run(created.id)).toMatchObject({ status: 'completed', polls: 5, total: 8, graded: 8, cancelRequests: 0 });
  });

  it('serves the eval object with criterion ids "<name>-<uuid>"', async () => {
    const f = await start();
    const evalId = f.addEval({ name: 'shape', testing_criteria: [exact], metadata: { team: 'qa' } });
    const evalObject = await sdk(f).evals.retrieve(evalId);
    expect(evalObject).toMatchObject({
      object: 'eval',
      id: evalId,
      name: 'shape',
      data_source_config: { type: 'custom' },
      metadata: { team: 'qa' },
      testing_criteria: [{ ...exact, id: expect.stringMatching(/^Exact-/) }],
    });
  });

  it('lists only graded items while in progress, and all at completion', async () => {
    const f = await start({ progress: { queuedPolls: 0, inProgressPolls: 1 } });
    const evalId = f.addEval({ name: 'partial', testing_criteria: [exact] });
    const client = sdk(f);
    const run = await client.evals.runs.create(evalId, { data_source: jsonl(answerRows(250)) });
    const list = async () => {
      const ids: number[] = [];
      for await (const item of client.evals.runs.outputItems.list(run.id, { eval_id: evalId, limit: 100 })) ids.push(item.datasource_item_id);
      return ids;
    };

    expect(await list()).toEqual([]);
    expect((await client.evals.runs.retrieve(run.id, { eval_id: evalId })).status).toBe('in_progress');
    expect(await list()).toHaveLength(125);
    expect((await client.evals.runs.retrieve(run.id, { eval_id: evalId })).status).toBe('completed');
    expect(await list()).toHaveLength(250);
  });

  it('never finishes in "never" mode, with counts that grow but stay short of the total', async () => {
    const f = await start({ progress: { queuedPolls: 0, never: true } });
    const evalId = f.addEval({ name: 'stuck', testing_criteria: [exact] });
    const client = sdk(f);
    const run = await client.evals.runs.create(evalId, { data_source: jsonl(answerRows(100)) });
    const totals: number[] = [];
    for (let i = 0; i < 10; i++) {
      const polled = await client.evals.runs.retrieve(run.id, { eval_id: evalId });
      expect(polled.status).toBe('in_progress');
      expect(polled.per_testing_criteria_results).toBeNull();
      totals.push(polled.result_counts.total);
    }
    expect(totals[0]).toBe(50);
    expect(totals.at(-1)).toBe(90);
    expect([...totals].sort((a, b) => a - b)).toEqual(totals);
  });

  it('advances by time with progress in milliseconds', async () => {
    let now = 1_800_000_000_000;
    const f = await start({ clock: () => now, progress: { queuedMs: 1000, inProgressMs: 4000 } });
    const evalId = f.addEval({ name: 'timed', testing_criteria: [exact] });
    const client = sdk(f);
    const run = await client.evals.runs.create(evalId, { data_source: jsonl(answerRows(8)) });
    expect(run.created_at).toBe(1_800_000_000);
    const poll = () => client.evals.runs.retrieve(run.id, { eval_id: evalId });

    expect((await poll()).status).toBe('queued');
    now += 2000;
    expect(await poll()).toMatchObject({ status: 'in_progress', result_counts: { total: 2 } });
    now += 4000;
    expect(await poll()).toMatchObject({ status: 'completed', result_counts: { total: 8, passed: 8 } });
  });

  it('ends a run "failed" with its error and the counts it reached', async () => {
    const f = await start({ progress: { queuedPolls: 0, inProgressPolls: 1 } });
    const failWith = { code: 'invalid_model', message: "The model 'gpt-x' does not exist." };
    const evalId = f.addEval({ name: 'failing', testing_criteria: [exact], failWith });
    const client = sdk(f);
    const run = await client.evals.runs.create(evalId, { data_source: jsonl(answerRows(10)) });
    expect((await client.evals.runs.retrieve(run.id, { eval_id: evalId })).status).toBe('in_progress');
    const failed = await client.evals.runs.retrieve(run.id, { eval_id: evalId });
    expect(failed).toMatchObject({ status: 'failed', error: failWith, result_counts: { total: 5 }, per_model_usage: null, per_testing_criteria_results: null });
  });
});

describe('grading', () => {
  it('grades string_check eq/ne/like/ilike with nested templates, and marks errored rows', async () => {
    const f = await start({ progress: instant });
    const evalId = f.addEval({
      name: 'ops',
      testing_criteria: [
        { type: 'string_check', name: 'eq', input: '{{sample.output_text}}', reference: '{{item.answer.text}}', operation: 'eq' },
        { type: 'string_check', name: 'ne', input: '{{sample.output_text}}', reference: '{{item.forbidden}}', operation: 'ne' },
        { type: 'string_check', name: 'like', input: '{{sample.output_text}}', reference: '{{item.tags[0]}}', operation: 'like' },
        { type: 'string_check', name: 'ilike', input: '{{ sample.output_text }}', reference: '{{item.keyword}}', operation: 'ilike' },
      ],
    });
    const row = (output: string, answer: string, forbidden: string, tag: string, keyword: string): JsonlRow => ({
      item: { answer: { text: answer }, forbidden, tags: [tag], keyword },
      sample: { output_text: output },
    });
    const rows: JsonlRow[] = [
      row('Paris', 'Paris', 'London', 'Par', 'PARIS'),
      row('paris', 'Paris', 'London', 'par', 'PAR'),
      row('London', 'London', 'London', 'Lon', 'don'),
      row('Rome', 'Rome', 'Oslo', 'rom', 'ROM'),
      row('Oslo', 'Oslo', 'Rome', 'Os', 'berlin'),
      { item: { fake_error: { code: 'context_length_exceeded', message: 'Too many tokens.' } } },
    ];
    const client = sdk(f);
    const run = await client.evals.runs.create(evalId, { data_source: jsonl(rows) });
    const done = await client.evals.runs.retrieve(run.id, { eval_id: evalId });
    const ids = await criterionIds(client, evalId);

    expect(done.result_counts).toEqual({ total: 6, errored: 1, failed: 4, passed: 1 });
    expect(done.per_testing_criteria_results).toEqual(ids.map((id) => ({ testing_criteria: id, passed: 4, failed: 1 })));

    const items = (await client.evals.runs.outputItems.list(run.id, { eval_id: evalId })).data;
    expect(items.map((i) => i.status)).toEqual(['pass', 'fail', 'fail', 'fail', 'fail', 'fail']);
    expect(items.map((i) => i.results.map((r) => r.passed))).toEqual([
      [true, true, true, true],
      [false, true, true, true],
      [true, false, true, true],
      [true, true, false, true],
      [true, true, true, false],
      [],
    ]);
    expect(items[1]?.results[0]).toEqual({ name: ids[0], type: 'string_check', score: 0, passed: false, sample: null });
    expect(items[0]).toMatchObject({
      object: 'eval.run.output_item',
      id: expect.stringMatching(/^outputitem_[0-9a-f]{32}$/),
      run_id: run.id,
      eval_id: evalId,
      created_at: expect.any(Number),
      datasource_item_id: 0,
      datasource_item: rows[0]?.item,
      sample: { output: [{ role: 'assistant', content: 'Paris' }], error: null, finish_reason: 'stop' },
    });
    expect(items[5]).toMatchObject({
      status: 'fail',
      datasource_item_id: 5,
      sample: { error: { code: 'context_length_exceeded', message: 'Too many tokens.' }, output: [] },
    });
  });

  it('samples completions sources from item.fake_output and renders the prompt template', async () => {
    const f = await start({ progress: instant });
    const evalId = f.addEval({ name: 'completions', testing_criteria: [exact] });
    const client = sdk(f);
    const run = await client.evals.runs.create(evalId, {
      data_source: {
        type: 'completions',
        model: 'gpt-4o-mini',
        input_messages: {
          type: 'template',
          template: [
            { role: 'developer', content: 'Answer briefly.' },
            { role: 'user', content: 'Q: {{item.question}}' },
          ],
        },
        sampling_params: { temperature: 0.2, max_completion_tokens: 64, seed: 7, top_p: 0.9 },
        source: {
          type: 'file_content',
          content: [{ item: { question: '2+2', expected: '4', fake_output: '4' } }, { item: { question: 'capital of France', expected: 'Paris' } }],
        },
      },
    });
    expect(run.model).toBe('gpt-4o-mini');
    expect(run.data_source).toMatchObject({
      input_messages: { template: [{ type: 'message', role: 'developer', content: { type: 'input_text', text: 'Answer briefly.' } }, expect.anything()] },
    });

    const done = await client.evals.runs.retrieve(run.id, { eval_id: evalId });
    expect(done.result_counts).toEqual({ total: 2, errored: 0, failed: 1, passed: 1 });
    const items = (await client.evals.runs.outputItems.list(run.id, { eval_id: evalId })).data;
    expect(items[0]?.sample).toEqual({
      input: [
        { role: 'developer', content: 'Answer briefly.' },
        { role: 'user', content: 'Q: 2+2' },
      ],
      output: [{ role: 'assistant', content: '4' }],
      finish_reason: 'stop',
      model: 'gpt-4o-mini',
      usage: { prompt_tokens: 6, completion_tokens: 1, total_tokens: 7, cached_tokens: 0 },
      error: null,
      temperature: 0.2,
      max_completion_tokens: 64,
      top_p: 0.9,
      seed: 7,
    });
    expect(items[1]?.sample.output).toEqual([{ role: 'assistant', content: '' }]);
    const usage = done.per_model_usage?.[0];
    expect(usage).toMatchObject({ model_name: 'gpt-4o-mini', invocation_count: 2, cached_tokens: 0 });
    expect(usage?.total_tokens).toBe((usage?.prompt_tokens ?? 0) + (usage?.completion_tokens ?? 0));
  });
});

describe('lists', () => {
  it('pages 250 items by 100 with advancing cursors, and the SDK auto-paginates', async () => {
    const f = await start({ progress: instant });
    const evalId = f.addEval({ name: 'paging', testing_criteria: [exact] });
    const client = sdk(f);
    const run = await createPolled(client, evalId, jsonl(answerRows(250)));

    const pages = [];
    let after: string | undefined;
    for (let i = 0; i < 3; i++) {
      const listed = await client.evals.runs.outputItems.list(run.id, { eval_id: evalId, limit: 100, ...(after ? { after } : {}) });
      pages.push(listed);
      after = listed.data.at(-1)?.id;
    }
    expect(pages.map((p) => p.data.length)).toEqual([100, 100, 50]);
    expect(pages.map((p) => p.has_more)).toEqual([true, true, false]);
    expect(pages.map((p) => p.data[0]?.datasource_item_id)).toEqual([0, 100, 200]);
    const response = await client.evals.runs.outputItems.list(run.id, { eval_id: evalId, limit: 100 }).asResponse();
    const firstPage = (await response.json()) as Record<string, unknown>;
    expect(firstPage).toMatchObject({ object: 'list', first_id: pages[0]?.data[0]?.id, last_id: pages[0]?.data[99]?.id, has_more: true });

    f.requests.length = 0;
    const seen: string[] = [];
    for await (const item of client.evals.runs.outputItems.list(run.id, { eval_id: evalId, limit: 100 })) seen.push(item.id);
    expect(seen).toHaveLength(250);
    expect(new Set(seen).size).toBe(250);
    expect(f.requests.map((r) => r.query.after)).toEqual([undefined, seen[99], seen[199]]);

    expect((await client.evals.runs.outputItems.list(run.id, { eval_id: evalId })).data).toHaveLength(20);
    const desc = await client.evals.runs.outputItems.list(run.id, { eval_id: evalId, order: 'desc', limit: 3 });
    expect(desc.data.map((i) => i.datasource_item_id)).toEqual([249, 248, 247]);
    const err = await expectRejection(client.evals.runs.outputItems.list(run.id, { eval_id: evalId, limit: 101 }), OpenAI.BadRequestError);
    expect(err.message).toContain('Expected a value <= 100');
  });

  it('filters output items by status', async () => {
    const f = await start({ progress: instant });
    const evalId = f.addEval({ name: 'filter', testing_criteria: [exact] });
    const client = sdk(f);
    const run = await createPolled(client, evalId, jsonl(answerRows(250, 5)));

    const failing = await client.evals.runs.outputItems.list(run.id, { eval_id: evalId, status: 'fail', limit: 100 });
    expect(failing.data).toHaveLength(50);
    expect(failing.has_more).toBe(false);
    expect(failing.data.every((i) => i.status === 'fail' && i.datasource_item_id % 5 === 4)).toBe(true);

    const passing: number[] = [];
    for await (const item of client.evals.runs.outputItems.list(run.id, { eval_id: evalId, status: 'pass', limit: 100 })) passing.push(item.datasource_item_id);
    expect(passing).toHaveLength(200);
    expect(passing.some((n) => n % 5 === 4)).toBe(false);
  });

  it('lists runs in ascending order by default, with after, limit, order and status', async () => {
    const f = await start({ progress: instant });
    const evalId = f.addEval({ name: 'runs', testing_criteria: [exact] });
    const client = sdk(f);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await client.evals.runs.create(evalId, { data_source: jsonl(answerRows(1)) })).id);
    await client.evals.runs.retrieve(ids[1] ?? '', { eval_id: evalId });

    const first = await client.evals.runs.list(evalId, { limit: 2 });
    expect(first.data.map((r) => r.id)).toEqual(ids.slice(0, 2));
    expect(first.has_more).toBe(true);
    const second = await client.evals.runs.list(evalId, { limit: 2, after: ids[1] });
    expect(second.data.map((r) => r.id)).toEqual(ids.slice(2));
    expect(second.has_more).toBe(false);
    expect((await client.evals.runs.list(evalId, { order: 'desc' })).data.map((r) => r.id)).toEqual([...ids].reverse());
    expect((await client.evals.runs.list(evalId, { status: 'completed' })).data.map((r) => r.id)).toEqual([ids[1]]);
    expect((await client.evals.runs.list(evalId, { status: 'queued' })).data.map((r) => r.id)).toEqual([ids[0], ids[2]]);
  });

  it('stuckCursor answers the same page whatever "after" says', async () => {
    const f = await start({ progress: instant });
    const evalId = f.addEval({ name: 'stuck', testing_criteria: [exact] });
    const client = sdk(f);
    const run = await createPolled(client, evalId, jsonl(answerRows(30)));
    f.inject({ match: { path: /output_items$/ }, times: 2, kind: { stuckCursor: true } });

    const first = await client.evals.runs.outputItems.list(run.id, { eval_id: evalId, limit: 10 });
    const again = await client.evals.runs.outputItems.list(run.id, { eval_id: evalId, limit: 10, after: first.data.at(-1)?.id ?? '' });
    expect(again.data.map((i) => i.id)).toEqual(first.data.map((i) => i.id));
    expect(again.has_more).toBe(true);
    const recovered = await client.evals.runs.outputItems.list(run.id, { eval_id: evalId, limit: 10, after: first.data.at(-1)?.id ?? '' });
    expect(recovered.data[0]?.datasource_item_id).toBe(10);
  });

  it('stuckCursor also sticks the evals list to its first page', async () => {
    const f = await start({ stuckCursor: true });
    const ids = [f.addEval({ name: 'a', testing_criteria: [exact] }), f.addEval({ name: 'b', testing_criteria: [exact] })];
    const client = sdk(f);
    const first = await client.evals.list({ limit: 1 });
    const again = await client.evals.list({ limit: 1, after: first.data[0]?.id ?? '' });
    expect(first.data.map((e) => e.id)).toEqual([ids[0]]);
    expect(again.data.map((e) => e.id)).toEqual([ids[0]]);
    expect(again.has_more).toBe(true);
  });

  it('endlessPages keeps has_more true with new ids past the end', async () => {
    const f = await start({ progress: instant, endlessPages: true });
    const evalId = f.addEval({ name: 'endless', testing_criteria: [exact] });
    const client = sdk(f);
    const run = await createPolled(client, evalId, jsonl(answerRows(5)));
    const seen = new Set<string>();
    let after: string | undefined;
    for (let i = 0; i < 4; i++) {
      const listed = await client.evals.runs.outputItems.list(run.id, { eval_id: evalId, limit: 10, ...(after ? { after } : {}) });
      expect(listed.has_more).toBe(true);
      expect(listed.data).toHaveLength(10);
      for (const item of listed.data) seen.add(item.id);
      after = listed.data.at(-1)?.id;
    }
    expect(seen.size).toBe(40);
  });
});

describe('errors', () => {
  it('answers a wrong key with a 401 envelope that does not echo the key', async () => {
    const f = await start();
    const evalId = f.addEval({ name: 'auth', testing_criteria: [exact] });
    const wrongKey = 'sk-wrong-secret-key-abcd';
    const err = await expectRejection(sdk(f, { apiKey: wrongKey }).evals.retrieve(evalId), OpenAI.AuthenticationError);
    expect(err.status).toBe(401);
    expect(err.code).toBe('invalid_api_key');
    expect(err.message).toContain('Incorrect API key provided: sk-');
    expect(err.message).toContain('abcd.');
    expect(err.message).not.toContain(wrongKey);
    expect(err.message).not.toContain('secret');

    const response = await fetch(`${f.url}/evals/${evalId}`);
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain("You didn't provide an API key");
  });

  it('answers unknown evals and runs with 404 envelopes', async () => {
    const f = await start();
    const evalId = f.addEval({ name: 'nf', testing_criteria: [exact] });
    const client = sdk(f);
    const evalErr = await expectRejection(client.evals.retrieve('eval_nope'), OpenAI.NotFoundError);
    expect(evalErr.message).toBe("404 Eval with id 'eval_nope' not found.");
    expect(evalErr.error).toEqual({ message: "Eval with id 'eval_nope' not found.", type: 'invalid_request_error', param: null, code: null });
    await expectRejection(client.evals.runs.create('eval_nope', { data_source: jsonl([]) }), OpenAI.NotFoundError);
    const runErr = await expectRejection(client.evals.runs.retrieve('evalrun_nope', { eval_id: evalId }), OpenAI.NotFoundError);
    expect(runErr.message).toContain("Eval run with id 'evalrun_nope' not found.");
  });

  it('validates the create body: metadata limits, data_source type, malformed JSON', async () => {
    const f = await start();
    const evalId = f.addEval({ name: 'validation', testing_criteria: [exact] });
    const client = sdk(f);
    const create = (body: Partial<OpenAI.Evals.RunCreateParams>) => client.evals.runs.create(evalId, { data_source: jsonl([]), ...body });
    const keys = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));

    const tooMany = await expectRejection(create({ metadata: keys(17) }), OpenAI.BadRequestError);
    expect(tooMany.message).toContain('at most 16 properties');
    expect(tooMany.param).toBe('metadata');
    expect((await expectRejection(create({ metadata: { ['k'.repeat(65)]: 'v' } }), OpenAI.BadRequestError)).message).toContain('maximum length 64');
    expect((await expectRejection(create({ metadata: { k: 'v'.repeat(513) } }), OpenAI.BadRequestError)).message).toContain('maximum length 512');
    const limits = { ...keys(15), ['k'.repeat(64)]: 'v'.repeat(512) };
    expect((await create({ metadata: limits })).metadata).toEqual(limits);

    const badType = await expectRejection(create({ data_source: { type: 'csv' } as unknown as RunDataSource }), OpenAI.BadRequestError);
    expect(badType.message).toContain("Invalid value: 'csv'");
    const missingSource = await expectRejection(create({ data_source: { type: 'jsonl' } as unknown as RunDataSource }), OpenAI.BadRequestError);
    expect(missingSource.param).toBe('data_source.source');

    const response = await fetch(`${f.url}/evals/${evalId}/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${f.apiKey}`, 'content-type': 'application/json' },
      body: '{"data_source": ',
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain('could not parse the JSON body');
    expect(f.runs()).toHaveLength(1);
  });
});

describe('cancel and delete', () => {
  it('cancels through /cancel, counts requests, and leaves terminal runs unchanged', async () => {
    const f = await start({ progress: { queuedPolls: 0, never: true } });
    const evalId = f.addEval({ name: 'cancel', testing_criteria: [exact] });
    const client = sdk(f);
    const run = await client.evals.runs.create(evalId, { data_source: jsonl(answerRows(10)) });
    await client.evals.runs.retrieve(run.id, { eval_id: evalId });

    const canceled = await client.evals.runs.cancel(run.id, { eval_id: evalId });
    expect(canceled).toMatchObject({ object: 'eval.run', id: run.id, status: 'canceled', result_counts: { total: 5 }, per_testing_criteria_results: null });
    expect(f.requests.at(-1)).toMatchObject({ method: 'POST', path: `/v1/evals/${evalId}/runs/${run.id}/cancel` });
    expect((await client.evals.runs.cancel(run.id, { eval_id: evalId })).status).toBe('canceled');
    expect(f.run(run.id)?.cancelRequests).toBe(2);
    expect((await client.evals.runs.retrieve(run.id, { eval_id: evalId })).status).toBe('canceled');

    f.setProgress(instant);
    const other = await client.evals.runs.create(evalId, { data_source: jsonl(answerRows(2)) });
    await client.evals.runs.retrieve(other.id, { eval_id: evalId });
    expect(await client.evals.runs.cancel(other.id, { eval_id: evalId })).toMatchObject({ status: 'completed', result_counts: { total: 2, passed: 2 } });
    expect(f.run(other.id)?.cancelRequests).toBe(1);
  });

  it('legacyCancel answers /cancel with 404 and cancels through POST on the run', async () => {
    const f = await start({ legacyCancel: true, progress: { queuedPolls: 5 } });
    const evalId = f.addEval({ name: 'legacy', testing_criteria: [exact] });
    const client = sdk(f);
    const run = await client.evals.runs.create(evalId, { data_source: jsonl(answerRows(3)) });

    const err = await expectRejection(client.evals.runs.cancel(run.id, { eval_id: evalId }), OpenAI.NotFoundError);
    expect(err.message).toContain(`Invalid URL (POST /v1/evals/${evalId}/runs/${run.id}/cancel)`);
    expect(f.run(run.id)?.status).toBe('queued');

    const canceled = await client.post<{ status: string }>(`/evals/${evalId}/runs/${run.id}`);
    expect(canceled.status).toBe('canceled');
    expect(f.run(run.id)).toMatchObject({ status: 'canceled', cancelRequests: 1 });
  });

  it('deletes a run', async () => {
    const f = await start();
    const evalId = f.addEval({ name: 'delete', testing_criteria: [exact] });
    const client = sdk(f);
    const run = await client.evals.runs.create(evalId, { data_source: jsonl([]) });
    expect(await client.evals.runs.delete(run.id, { eval_id: evalId })).toEqual({ object: 'eval.run.deleted', deleted: true, run_id: run.id });
    await expectRejection(client.evals.runs.retrieve(run.id, { eval_id: evalId }), OpenAI.NotFoundError);
    expect(f.run(run.id)?.deleted).toBe(true);
    expect((await client.evals.runs.list(evalId)).data).toEqual([]);
  });
});

describe('faults', () => {
  it('429 with Retry-After: fails without retries, and is retried after the delay with them', async () => {
    const f = await start();
    const evalId = f.addEval({ name: 'rate', testing_criteria: [exact] });
    const createPath = { method: 'POST', path: /\/runs$/ };
    f.inject({ match: createPath, kind: { status: 429, retryAfter: 1 } });
    const err = await expectRejection(sdk(f).evals.runs.create(evalId, { data_source: jsonl([]) }), OpenAI.RateLimitError);
    expect(err.code).toBe('rate_limit_exceeded');
    expect(err.headers?.get('retry-after')).toBe('1');
    expect(f.runs()).toHaveLength(0);

    f.inject({ match: createPath, kind: { status: 429, retryAfter: 1 } });
    const startedAt = Date.now();
    const run = await sdk(f, { maxRetries: 2 }).evals.runs.create(evalId, { data_source: jsonl([]) });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(950);
    expect(run.status).toBe('queued');
    expect(f.runs()).toHaveLength(1);
    expect(f.requests.filter((r) => r.method === 'POST')).toHaveLength(3);
  });

  it('500 is retried; 502 with an HTML body surfaces as InternalServerError', async () => {
    const f = await start();
    const evalId = f.addEval({ name: 'five', testing_criteria: [exact] });
    f.inject({ match: { method: 'GET' }, kind: { status: 500 } });
    expect((await sdk(f, { maxRetries: 2 }).evals.retrieve(evalId)).id).toBe(evalId);
    expect(f.requests).toHaveLength(2);
    expect(f.pendingFaults()).toBe(0);

    f.inject({ kind: { status: 502, body: '<html><body>502 Bad Gateway</body></html>' } });
    const err = await expectRejection(sdk(f).evals.retrieve(evalId), OpenAI.InternalServerError);
    expect(err.status).toBe(502);
    expect(err.message).toContain('502 Bad Gateway');
  });

  it('a reset connection surfaces as APIConnectionError and is still recorded', async () => {
    const f = await start();
    const evalId = f.addEval({ name: 'reset', testing_criteria: [exact] });
    f.inject({ kind: { reset: true } });
    await expectRejection(sdk(f).evals.retrieve(evalId), OpenAI.APIConnectionError);
    expect(f.requests).toHaveLength(1);
    expect((await sdk(f).evals.retrieve(evalId)).id).toBe(evalId);
  });

  it('dropAfterCommit creates the run but loses the answer; a retrying client makes a second run', async () => {
    const f = await start();
    const evalId = f.addEval({ name: 'drop', testing_criteria: [exact] });
    const createPath = { method: 'POST', path: /\/runs$/ };
    f.inject({ match: createPath, kind: { dropAfterCommit: true } });
    await expectRejection(sdk(f).evals.runs.create(evalId, { data_source: jsonl([]) }), OpenAI.APIConnectionError);
    expect(f.runs()).toHaveLength(1);

    f.inject({ match: createPath, kind: { dropAfterCommit: true } });
    const run = await sdk(f, { maxRetries: 1 }).evals.runs.create(evalId, { data_source: jsonl([]) });
    expect(f.runs().map((r) => r.id)).toContain(run.id);
    expect(f.runs()).toHaveLength(3);
  });

  it('afterCommitDelayMs outlasts the client timeout, so the retry makes a duplicate run', async () => {
    const f = await start();
    const evalId = f.addEval({ name: 'slow', testing_criteria: [exact] });
    f.inject({ match: { method: 'POST' }, kind: { afterCommitDelayMs: 1000 } });
    await sdk(f, { maxRetries: 1, timeout: 150 }).evals.runs.create(evalId, { data_source: jsonl([]) });
    expect(f.runs()).toHaveLength(2);
  });

  it('delays answers with delayMs and with latency', async () => {
    const f = await start();
    const evalId = f.addEval({ name: 'late', testing_criteria: [exact] });
    const client = sdk(f);
    const timed = async () => {
      const startedAt = Date.now();
      await client.evals.retrieve(evalId);
      return Date.now() - startedAt;
    };
    f.inject({ kind: { delayMs: 300 } });
    expect(await timed()).toBeGreaterThanOrEqual(290);
    f.setLatency(1500);
    expect(await timed()).toBeGreaterThanOrEqual(1490);
    f.setLatency(0);
    expect(await timed()).toBeLessThan(1000);
  });
});

describe('scripted plan', () => {
  it('serves a 100,000-item run: exact counts, page 1 and page 1000, realistic content', async () => {
    const f = await start({ progress: instant });
    const evalId = f.addEval({ name: 'big', testing_criteria: [], plan: { items: 100_000, failing: 1000, errored: 100, criteria: ['Exact match', 'Tone'] } });
    const client = sdk(f);
    const run = await client.evals.runs.create(evalId, { data_source: jsonl([]) });
    const done = await client.evals.runs.retrieve(run.id, { eval_id: evalId });
    expect(done.result_counts).toEqual({ total: 100_000, errored: 100, failed: 1000, passed: 98_900 });
    expect(done.per_testing_criteria_results).toEqual([
      { testing_criteria: expect.stringMatching(/^Exact match-/), passed: 99_400, failed: 500 },
      { testing_criteria: expect.stringMatching(/^Tone-/), passed: 99_400, failed: 500 },
    ]);
    expect(done.per_model_usage?.[0]).toMatchObject({ model_name: 'gpt-4o-mini-2024-07-18', invocation_count: 99_900 });

    const first = await client.evals.runs.outputItems.list(run.id, { eval_id: evalId, limit: 100 });
    expect(first.data.map((i) => i.datasource_item_id)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    const sample = first.data[0];
    expect(String(sample?.datasource_item.input).length).toBeGreaterThan(200);
    expect(sample?.sample.input).toHaveLength(2);
    expect(sample?.results.map((r) => r.name)).toEqual([done.per_testing_criteria_results?.[0]?.testing_criteria, done.per_testing_criteria_results?.[1]?.testing_criteria]);

    const last = await client.evals.runs.outputItems.list(run.id, { eval_id: evalId, limit: 100, after: f.outputItemId(run.id, 99_899) });
    expect(last.data[0]?.datasource_item_id).toBe(99_900);
    expect(last.data).toHaveLength(100);
    expect(last.has_more).toBe(false);

    const failing = await client.evals.runs.outputItems.list(run.id, { eval_id: evalId, limit: 100, status: 'fail' });
    expect(failing.data).toHaveLength(100);
    expect(failing.has_more).toBe(true);
    const errored = failing.data.filter((i) => i.sample.error !== null);
    expect(errored.length).toBeGreaterThan(0);
    expect(errored.every((i) => i.results.length === 0)).toBe(true);
    expect(failing.data.filter((i) => i.sample.error === null).every((i) => i.results.some((r) => !r.passed))).toBe(true);
  });
});

describe('serve-evals-api CLI', () => {
  it('prints its URL, serves the scenario, and exits 0 on SIGTERM', async () => {
    const script = fileURLToPath(new URL('../../fakes/serve-evals-api.ts', import.meta.url));
    const scenario = { apiKey: 'sk-cli-test-key-0000', evals: [{ id: 'eval_cli', name: 'cli', testing_criteria: [exact] }] };
    const child = spawn(process.execPath, [script, '--scenario', JSON.stringify(scenario), '--latency-ms', '1'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const lines = createInterface({ input: child.stdout });
      const [line] = (await once(lines, 'line')) as [string];
      const announced = JSON.parse(line) as { url: string; apiKey: string; evalIds: string[] };
      expect(announced.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
      expect(announced.evalIds).toEqual(['eval_cli']);
      const client = new OpenAI({ apiKey: announced.apiKey, baseURL: announced.url, maxRetries: 0 });
      expect((await client.evals.retrieve('eval_cli')).name).toBe('cli');
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      expect((await exited)[0]).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
