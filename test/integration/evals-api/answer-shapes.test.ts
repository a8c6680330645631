// Answers of the wrong shape and lists that never end, with the real `openai` SDK against the loopback
// fake: each ends with an error naming what was wrong, at once, never a status "unknown" polled until the
// timeout, never a string's characters counted as items, never a thousand requests for one page.
import { describe, expect, it } from 'vitest';
import { EvalsApiError } from '../../../src/evals-api/api-errors.ts';
import { checkedRun, describeShape } from '../../../src/evals-api/answer-shapes.ts';
import { createEvalsClient, type EvalsClient } from '../../../src/evals-api/client.ts';
import { collectOutputItems } from '../../../src/evals-api/collect-items.ts';
import { ensureEval } from '../../../src/evals-api/ensure-eval.ts';
import { evalDefinitionFingerprint } from '../../../src/evals-api/eval-definition-fingerprint.ts';
import { listGateRuns } from '../../../src/evals-api/gate-runs.ts';
import { findRunByToken, startRun } from '../../../src/evals-api/start-run.ts';
import { waitForTerminalRun } from '../../../src/evals-api/wait-for-run.ts';
import type { FakeEvalsApi } from '../../fakes/evals-api.ts';
import { evalsEndpoint, exactCriterion, instant, jsonl, useEvalsFake } from '../../support/evals-fake-setup.ts';
import { expectRejection } from '../../support/rejection.ts';

const start = useEvalsFake();
const exact = exactCriterion('Exact match');
const HTML = '<!DOCTYPE html><html><head><title>Proxy</title></head><body>Please sign in</body></html>';

function clientFor(f: FakeEvalsApi): EvalsClient {
  return createEvalsClient(evalsEndpoint(f));
}

async function runOf(f: FakeEvalsApi, progress = instant): Promise<{ evalId: string; runId: string; client: EvalsClient }> {
  const evalId = f.addEval({ name: 'shapes', testing_criteria: [exact], progress });
  const client = clientFor(f);
  const run = await client.evals.runs.create(evalId, { data_source: jsonl([{ item: { expected: 'a' }, sample: { output_text: 'a' } }]) });
  return { evalId, runId: run.id, client };
}

const failure = (promise: Promise<unknown>) => expectRejection(promise, EvalsApiError);

describe('a run that is not one', () => {
  it('a 200 HTML page while polling ends the wait at once, saying what came', async () => {
    const f = await start();
    const { evalId, runId, client } = await runOf(f, { queuedPolls: 5, inProgressPolls: 5 });
    f.inject({ match: { method: 'GET', path: /\/runs\/[^/]+$/ }, kind: { status: 200, body: HTML } });
    const started = Date.now();

    const error = await failure(waitForTerminalRun(client, { evalId, runId, baseURL: f.url, timeoutMs: 60_000, pollIntervalMs: 20 }));

    expect(error.message).toBe(`the Evals API at ${f.url} answered an HTML page while waiting for run ${runId}, not a run.`);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('a created run without an id is an error, not a run to follow', async () => {
    const f = await start();
    const evalId = f.addEval({ name: 'shapes', testing_criteria: [exact] });
    f.inject({ match: { method: 'POST', path: /\/runs$/ }, kind: { status: 201, body: { object: 'eval.run', status: 'queued' } } });

    const error = await failure(
      startRun(clientFor(f), { evalId, name: 'x', dataSource: { type: 'jsonl', source: { type: 'file_content', content: [] } }, metadata: {}, attemptToken: 't', baseURL: f.url }),
    );

    expect(error.message).toContain(`answered an object without an "id" while starting a run of eval ${evalId}, not a run.`);
  });

  it.each([
    ['a negative count', { total: 10, passed: -1, failed: 0, errored: 0 }, /result_counts\.passed is -1, not a count/],
    ['a count that is not a whole number', { total: 10, passed: 2.5, failed: 0, errored: 0 }, /result_counts\.passed is 2\.5/],
    ['a count that is text', { total: '10', passed: 1, failed: 0, errored: 0 }, /result_counts\.total is "10"/],
    ['parts that add up to more than the total', { total: 10, passed: 8, failed: 3, errored: 1 }, /8 passed \+ 3 failed \+ 1 errored is more than its total of 10/],
  ])('%s in result_counts ends the wait with an error', async (_, counts, message) => {
    const f = await start();
    const { evalId, runId, client } = await runOf(f);
    f.inject({ match: { method: 'GET', path: /\/runs\/[^/]+$/ }, kind: { status: 200, body: { object: 'eval.run', id: runId, eval_id: evalId, status: 'completed', result_counts: counts } } });

    const error = await failure(waitForTerminalRun(client, { evalId, runId, baseURL: f.url, timeoutMs: 60_000, pollIntervalMs: 20 }));

    expect(error.message).toMatch(message);
  });

  it('describes what came, shortly', () => {
    expect(describeShape(HTML)).toBe('an HTML page');
    expect(describeShape('x'.repeat(100))).toMatch(/^text "x{59}…"$/);
    expect(describeShape(null)).toBe('an empty answer');
    expect(describeShape([1])).toBe('an array');
    // A run still running may count items it has not totalled yet: only a completed run must add up.
    expect(checkedRun({ id: 'r', status: 'in_progress', result_counts: { total: 0, passed: 3, failed: 0, errored: 0 } }, 'x', 'y').status).toBe('in_progress');
  });
});

describe('a list that is not one', () => {
  it('output items whose data is a string are an error, not its characters counted as items', async () => {
    const f = await start();
    const { evalId, runId, client } = await runOf(f);
    f.inject({ match: { path: /output_items$/ }, kind: { status: 200, body: { object: 'list', data: 'abc', has_more: false } } });
    const seen: unknown[] = [];

    const error = await failure(collectOutputItems(client, { evalId, runId, baseURL: f.url, expectedTotal: 1 }, (record) => seen.push(record)));

    expect(error.message).toBe(`the Evals API at ${f.url} answered a list whose "data" is text "abc" while reading the output items of run ${runId}.`);
    expect(seen).toEqual([]);
  });

  it('an HTML page for a page of items is an error, not an empty list', async () => {
    const f = await start();
    const { evalId, runId, client } = await runOf(f);
    f.inject({ match: { path: /output_items$/ }, kind: { status: 200, body: HTML } });

    const error = await failure(collectOutputItems(client, { evalId, runId, baseURL: f.url, expectedTotal: 1 }, () => undefined));

    expect(error.message).toContain('answered an HTML page while reading the output items');
  });
});

describe('lists whose cursor does not advance', () => {
  const evalsListed = (f: FakeEvalsApi) => f.requests.filter((r) => r.method === 'GET' && r.path === '/v1/evals');
  const runsListed = (f: FakeEvalsApi) => f.requests.filter((r) => r.method === 'GET' && /\/runs$/.test(r.path));

  it('ensure-eval stops after the second request for the same page, instead of a thousand', async () => {
    const f = await start({ stuckCursor: true });
    f.addEval({ name: 'someone else\'s', testing_criteria: [exact] });
    const definition = { name: 'Mine', data_source_config: { type: 'custom' }, testing_criteria: [{ ...exact }] };

    const error = await failure(ensureEval(clientFor(f), { definition, fingerprint: evalDefinitionFingerprint(definition), baseURL: f.url, evalFile: 'evals/mine.yaml' }));

    expect(error.message).toMatch(/did not move on while looking for the eval made from evals\/mine\.yaml: page 2 ended at eval_\w+ again/);
    expect(evalsListed(f)).toHaveLength(2);
    expect(f.evalIds()).toHaveLength(1);
  });

  it('the runs list (baselines, a lost create) stops too', async () => {
    const f = await start({ stuckCursor: true });
    const { evalId, runId, client } = await runOf(f);
    // Polled once, the run completes: the list of completed runs has it.
    await client.evals.runs.retrieve(runId, { eval_id: evalId });
    const filter = { repository: null, branch: 'main', gateKey: 'k', dataSourceType: 'jsonl', excludeRunId: null };

    expect((await failure(listGateRuns(client, { evalId, baseURL: f.url, filter, want: 1 }))).message).toMatch(/did not move on while listing the runs/);
    expect((await failure(findRunByToken(client, { evalId, attemptToken: 'nowhere', baseURL: f.url }))).message).toMatch(/did not move on while looking for this attempt's run/);
    expect(runsListed(f)).toHaveLength(4);
    expect(f.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });
});
