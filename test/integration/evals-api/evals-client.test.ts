// The Evals API side of the action (src/evals-api/) with the real `openai` SDK, built by createEvalsClient,
// talking over HTTP to the loopback fake: starting a run at most once, waiting for it through faults,
// cancelling it on either cancel path, and reading its output items page by page.
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { EvalsApiError } from '../../../src/evals-api/api-errors.ts';
import { cancelRun } from '../../../src/evals-api/cancel-run.ts';
import { createEvalsClient, type EvalsClient } from '../../../src/evals-api/client.ts';
import { collectOutputItems, PAGE_SIZE } from '../../../src/evals-api/collect-items.ts';
import { describeEval } from '../../../src/evals-api/describe-eval.ts';
import type { ItemOutcome, ItemRecord, RunSnapshot } from '../../../src/evals-api/run-types.ts';
import { startRun, type StartRunRequest } from '../../../src/evals-api/start-run.ts';
import { waitForTerminalRun, type WaitOptions } from '../../../src/evals-api/wait-for-run.ts';
import type { DataSource } from '../../../src/settings/settings.ts';
import { RUN_TOKEN_KEY } from '../../../src/shared/run-metadata-keys.ts';
import type { FakeEvalsApi, ProgressOptions, ScriptedPlan } from '../../fakes/evals-api.ts';
import { evalsEndpoint, exactCriterion, instant, useEvalsFake } from '../../support/evals-fake-setup.ts';
import { expectRejection, rejection } from '../../support/rejection.ts';

const start = useEvalsFake();

function clientFor(f: FakeEvalsApi, apiKey = f.apiKey): EvalsClient {
  return createEvalsClient(evalsEndpoint(f, { kind: 'key', apiKey, header: 'authorization' }));
}

const exact = exactCriterion('Exact match');

const rowsSource: DataSource = {
  type: 'jsonl',
  source: {
    type: 'file_content',
    content: [
      { item: { question: 'two plus two?', expected: '4' }, sample: { output_text: '4' } },
      { item: { question: 'capital of France?', expected: 'Paris' }, sample: { output_text: 'Lyon' } },
    ],
  },
};

/** An empty jsonl source: runs of an eval with a scripted plan take their items from the plan. */
const emptySource: DataSource = { type: 'jsonl', source: { type: 'file_content', content: [] } };

function evalWithPlan(f: FakeEvalsApi, plan: ScriptedPlan, progress: ProgressOptions = instant): string {
  return f.addEval({ name: 'scripted', testing_criteria: [exact], plan, progress });
}

async function createRun(client: EvalsClient, evalId: string, metadata: Record<string, string> = {}): Promise<string> {
  const run = await client.evals.runs.create(evalId, { data_source: emptySource as never, metadata });
  return run.id;
}

/** A run that has completed (its first poll completes it under `instant` progress). */
async function completedRun(client: EvalsClient, evalId: string): Promise<string> {
  const runId = await createRun(client, evalId);
  const polled = await client.evals.runs.retrieve(runId, { eval_id: evalId });
  expect(polled.status).toBe('completed');
  return runId;
}

function startRequest(f: FakeEvalsApi, evalId: string, overrides: Partial<StartRunRequest> = {}): StartRunRequest {
  return {
    evalId,
    name: 'pr-42 / abc1234',
    dataSource: rowsSource,
    metadata: { created_by: 'evals-gate', sha: 'abc1234', [RUN_TOKEN_KEY]: 'attempt-1' },
    attemptToken: 'attempt-1',
    baseURL: f.url,
    ...overrides,
  };
}

function waitOptions(f: FakeEvalsApi, evalId: string, runId: string, overrides: Partial<WaitOptions> = {}): WaitOptions {
  return { evalId, runId, baseURL: f.url, timeoutMs: 10_000, pollIntervalMs: 20, ...overrides };
}

const apiError = (promise: Promise<unknown>) => expectRejection(promise, EvalsApiError);

const createPosts = (f: FakeEvalsApi, evalId: string) => f.requests.filter((r) => r.method === 'POST' && r.path === `/v1/evals/${evalId}/runs`);
const runPolls = (f: FakeEvalsApi, evalId: string, runId: string) => f.requests.filter((r) => r.method === 'GET' && r.path === `/v1/evals/${evalId}/runs/${runId}`);
const itemPages = (f: FakeEvalsApi) => f.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/output_items'));

describe('startRun', () => {
  it('creates one run with the name, metadata and data source as sent, through the configured client', async () => {
    const f = await start();
    const evalId = f.addEval({ name: 'qa', testing_criteria: [exact] });
    const client = clientFor(f);
    // Another attempt's run must not be adopted.
    const other = await createRun(client, evalId, { [RUN_TOKEN_KEY]: 'attempt-0' });
    const request = startRequest(f, evalId);

    const run = await startRun(client, request);

    const posts = createPosts(f, evalId);
    expect(posts).toHaveLength(2);
    expect(posts[1]?.body).toEqual({ name: request.name, metadata: request.metadata, data_source: rowsSource });
    expect(posts[1]?.headers['user-agent']).toBe('evals-gate');
    expect(posts[1]?.headers.authorization).toBe(`Bearer ${f.apiKey}`);
    expect(posts[1]?.headers).not.toHaveProperty('openai-organization');
    expect(f.runs().map((r) => r.id)).toEqual([other, run.id]);
    expect(f.run(run.id)?.body).toEqual({ name: request.name, metadata: request.metadata, data_source: rowsSource });
    expect(run).toMatchObject({ evalId, name: request.name, status: 'queued', metadata: request.metadata, perCriterion: [], usage: [], error: null });
    expect(run.resultCounts).toEqual({ total: 0, passed: 0, failed: 0, errored: 0, skipped: 0 });
    // Nothing is searched before the first create: only a lost answer makes a search worth its request.
    expect(f.requests.some((r) => r.method === 'GET' && r.path === `/v1/evals/${evalId}/runs`)).toBe(false);
  });

  it('follows the run made by a create whose answer was lost, without making a second', async () => {
    const f = await start();
    const evalId = f.addEval({ name: 'qa', testing_criteria: [exact] });
    f.inject({ match: { method: 'POST', path: `/v1/evals/${evalId}/runs$` }, kind: { dropAfterCommit: true } });
    const lines: string[] = [];

    const run = await startRun(clientFor(f), startRequest(f, evalId, { log: (line) => lines.push(line) }));

    const runs = f.runs();
    expect(runs).toHaveLength(1);
    expect(run.id).toBe(runs[0]?.id);
    expect(runs[0]?.metadata[RUN_TOKEN_KEY]).toBe('attempt-1');
    expect(createPosts(f, evalId)).toHaveLength(1);
    expect(f.pendingFaults()).toBe(0);
    expect(lines.join('\n')).toContain(run.id);
  });

  it('tries the create again after a 500 and makes exactly one run', async () => {
    const f = await start();
    const evalId = f.addEval({ name: 'qa', testing_criteria: [exact] });
    f.inject({ match: { method: 'POST', path: `/v1/evals/${evalId}/runs$` }, kind: { status: 500, retryAfterMs: 20 } });

    const run = await startRun(clientFor(f), startRequest(f, evalId));

    expect(createPosts(f, evalId)).toHaveLength(2);
    expect(f.runs().map((r) => r.id)).toEqual([run.id]);
    expect(run.status).toBe('queued');
  });

  it('reports a 400 with the server message and does not try again', async () => {
    const f = await start();
    const evalId = f.addEval({ name: 'qa', testing_criteria: [exact] });
    const metadata = { [RUN_TOKEN_KEY]: 'attempt-1', note: 'x'.repeat(600) };

    const error = await apiError(startRun(clientFor(f), startRequest(f, evalId, { metadata })));

    expect(error.status).toBe(400);
    expect(error.message).toContain("Invalid 'metadata.note': string too long. Expected a string with maximum length 512, but got a string with length 600 instead.");
    expect(error.message).toContain(evalId);
    expect(createPosts(f, evalId)).toHaveLength(1);
    expect(f.runs()).toHaveLength(0);
  });

  it('says the API key was refused on a 401, and creates nothing', async () => {
    const f = await start();
    const evalId = f.addEval({ name: 'qa', testing_criteria: [exact] });

    const error = await apiError(startRun(clientFor(f, 'sk-wrong-key-0000000000'), startRequest(f, evalId)));

    expect(error.status).toBe(401);
    expect(error.message).toMatch(/refused the credentials/);
    expect(error.message).toContain(f.url);
    expect(error.message).not.toContain('sk-wrong-key-0000000000');
    expect(createPosts(f, evalId)).toHaveLength(1);
    expect(f.runs()).toHaveLength(0);
  });
});

describe('waitForTerminalRun', () => {
  it('follows a run through queued and in_progress to completed, reporting growing counts', async () => {
    const f = await start();
    const evalId = evalWithPlan(f, { items: 40, failing: 4, errored: 2 }, { queuedPolls: 1, inProgressPolls: 3 });
    const client = clientFor(f);
    const runId = await createRun(client, evalId);
    const seen: Array<{ run: RunSnapshot; elapsed: number }> = [];

    const outcome = await waitForTerminalRun(client, waitOptions(f, evalId, runId, { onProgress: (run, elapsed) => seen.push({ run, elapsed }) }));

    expect(outcome.timedOut).toBe(false);
    expect(seen.map((s) => s.run.status)).toEqual(['queued', 'in_progress', 'in_progress', 'in_progress', 'completed']);
    expect(seen.map((s) => s.run.resultCounts.total)).toEqual([0, 10, 20, 30, 40]);
    const elapsed = seen.map((s) => s.elapsed);
    expect([...elapsed].sort((a, b) => a - b)).toEqual(elapsed);
    for (const { run } of seen.slice(0, -1)) {
      expect(run.perCriterion).toEqual([]);
      expect(run.usage).toEqual([]);
      expect(run.error).toBeNull();
    }
    const done = outcome.run;
    expect(done).toBe(seen.at(-1)?.run);
    expect(done).toMatchObject({ id: runId, evalId, status: 'completed', error: null });
    expect(done?.resultCounts).toEqual({ total: 40, passed: 34, failed: 4, errored: 2, skipped: 0 });
    expect(done?.perCriterion).toEqual([{ id: expect.stringMatching(/^Exact match-[0-9a-f-]{36}$/), name: 'Exact match', passed: 34, failed: 4 }]);
    expect(done?.usage).toEqual([expect.objectContaining({ model: 'gpt-4o-mini-2024-07-18', invocations: 38 })]);
    expect(runPolls(f, evalId, runId)).toHaveLength(5);
  });

  it('reports a 500, a reset and a 429 (honouring retry-after) through onRetry and keeps waiting', async () => {
    const f = await start();
    const evalId = evalWithPlan(f, { items: 10, failing: 0, errored: 0 }, { queuedPolls: 0, inProgressPolls: 1 });
    const client = clientFor(f);
    const runId = await createRun(client, evalId);
    const path = `/v1/evals/${evalId}/runs/${runId}$`;
    // Three of each: the SDK tries twice more itself before the wait loop sees the failure.
    f.inject({ match: { method: 'GET', path }, times: 3, kind: { status: 500, retryAfterMs: 10 } });
    f.inject({ match: { method: 'GET', path }, times: 3, kind: { reset: true } });
    f.inject({ match: { method: 'GET', path }, times: 3, kind: { status: 429, retryAfter: 0.3 } });
    const events: Array<{ what: 'retry' | 'progress'; at: number; text: string }> = [];

    const outcome = await waitForTerminalRun(
      client,
      waitOptions(f, evalId, runId, {
        pollIntervalMs: 50,
        onRetry: (message) => events.push({ what: 'retry', at: performance.now(), text: message }),
        onProgress: (run) => events.push({ what: 'progress', at: performance.now(), text: run.status }),
      }),
    );

    expect(outcome).toMatchObject({ timedOut: false, run: { status: 'completed' } });
    expect(f.pendingFaults()).toBe(0);
    const retries = events.filter((e) => e.what === 'retry').map((e) => e.text);
    for (const message of retries) expect(message).toMatch(/Still waiting\.$/);
    // Each kind is reported, in order; how many of each depends on whether the SDK retried it first.
    const kinds = retries.map((m) => (/HTTP 500/.test(m) ? '500' : /HTTP 429/.test(m) ? '429' : /Could not connect|did not answer/.test(m) ? 'reset' : m));
    expect(kinds.filter((k, i) => k !== kinds[i - 1])).toEqual(['500', 'reset', '429']);
    expect(events.map((e) => e.what)).toEqual([...retries.map(() => 'retry'), 'progress', 'progress']);
    // After the 429 the next poll waits the 300 ms the server asked for, not the 50 ms interval.
    const after429 = (events[retries.length]?.at ?? 0) - (events[retries.length - 1]?.at ?? 0);
    expect(after429).toBeGreaterThanOrEqual(280);
  });

  it('ends the wait on a 404 with an error naming the run', async () => {
    const f = await start();
    const evalId = evalWithPlan(f, { items: 10, failing: 0, errored: 0 });
    const client = clientFor(f);
    const retries: string[] = [];

    const error = await apiError(waitForTerminalRun(client, waitOptions(f, evalId, 'evalrun_missing', { onRetry: (m) => retries.push(m) })));

    expect(error.status).toBe(404);
    expect(error.message).toContain('evalrun_missing');
    expect(error.message).toContain(evalId);
    expect(error.message).toMatch(/not found/);
    expect(retries).toEqual([]);
    expect(runPolls(f, evalId, 'evalrun_missing')).toHaveLength(1);
  });

  it('returns timedOut with the last snapshot once timeoutMs has passed', async () => {
    const f = await start({ progress: { queuedPolls: 0, never: true } });
    const evalId = evalWithPlan(f, { items: 100, failing: 0, errored: 0 }, { queuedPolls: 0, never: true });
    const client = clientFor(f);
    const runId = await createRun(client, evalId);

    const began = performance.now();
    const outcome = await waitForTerminalRun(client, waitOptions(f, evalId, runId, { timeoutMs: 400, pollIntervalMs: 50 }));
    const took = performance.now() - began;

    expect(outcome.timedOut).toBe(true);
    expect(outcome.run).toMatchObject({ id: runId, status: 'in_progress' });
    expect(took).toBeGreaterThanOrEqual(390);
    // The last poll, at the deadline, may take up to its own 1 s timeout.
    expect(took).toBeLessThan(400 + 2500);
    expect(f.run(runId)?.status).toBe('in_progress');
  });

  it('judges the deadline by the injected clock', async () => {
    const f = await start({ progress: { queuedPolls: 0, never: true } });
    const evalId = evalWithPlan(f, { items: 100, failing: 0, errored: 0 }, { queuedPolls: 0, never: true });
    const client = clientFor(f);
    const runId = await createRun(client, evalId);
    let clock = 1_000_000;
    const now = () => clock;

    const outcome = await waitForTerminalRun(
      client,
      waitOptions(f, evalId, runId, {
        now,
        timeoutMs: 60 * 60_000,
        pollIntervalMs: 30_000,
        // An hour passes during the first poll.
        onProgress: () => {
          clock += 60 * 60_000;
        },
      }),
    );

    expect(outcome).toMatchObject({ timedOut: true, run: { id: runId, status: 'in_progress' } });
    expect(runPolls(f, evalId, runId)).toHaveLength(1);
  });

  it('gives up at the deadline even when the server hangs on a poll', async () => {
    const f = await start({ progress: { queuedPolls: 0, never: true } });
    const evalId = evalWithPlan(f, { items: 100, failing: 0, errored: 0 }, { queuedPolls: 0, never: true });
    const client = clientFor(f);
    const runId = await createRun(client, evalId);
    f.inject({ match: { method: 'GET', path: `/v1/evals/${evalId}/runs/${runId}$` }, times: 10, kind: { delayMs: 20_000 } });

    const began = performance.now();
    const outcome = await waitForTerminalRun(client, waitOptions(f, evalId, runId, { timeoutMs: 1200, pollIntervalMs: 100 }));
    const took = performance.now() - began;

    expect(outcome.timedOut).toBe(true);
    // One request timeout (at least 1 s) may run past the deadline; the SDK's own retries of it (20 s
    // each) must not.
    expect(took).toBeLessThan(1200 + 5000);
  });

  it('polls fast at first, backs off towards pollIntervalMs and polls once more at the deadline', async () => {
    const f = await start({ progress: { queuedPolls: 0, never: true } });
    const evalId = evalWithPlan(f, { items: 100, failing: 0, errored: 0 }, { queuedPolls: 0, never: true });
    const client = clientFor(f);
    const runId = await createRun(client, evalId);
    // A virtual clock that only the pauses move: the schedule is exact, whatever the machine's load.
    let clock = 0;
    const pauses: number[] = [];
    const polledAt: number[] = [];

    const outcome = await waitForTerminalRun(
      client,
      waitOptions(f, evalId, runId, {
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

    expect(outcome).toMatchObject({ timedOut: true, run: { id: runId, status: 'in_progress' } });
    expect(pauses).toEqual([1000, 1500, 1500, 600]);
    expect(polledAt).toEqual([0, 1000, 2500, 4000, 4600]);
    expect(runPolls(f, evalId, runId)).toHaveLength(5);
  });

  it('stops promptly when the signal aborts between polls', async () => {
    const f = await start({ progress: { queuedPolls: 0, never: true } });
    const evalId = evalWithPlan(f, { items: 100, failing: 0, errored: 0 }, { queuedPolls: 0, never: true });
    const client = clientFor(f);
    const runId = await createRun(client, evalId);
    const controller = new AbortController();
    let abortedAt = 0;

    const waiting = waitForTerminalRun(
      client,
      waitOptions(f, evalId, runId, {
        pollIntervalMs: 30_000,
        signal: controller.signal,
        onProgress: () =>
          setTimeout(() => {
            abortedAt = performance.now();
            controller.abort();
          }, 100),
      }),
    );
    const error = await rejection(waiting);
    const reactedIn = performance.now() - abortedAt;

    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('AbortError');
    // Far sooner than the 30 s pause it interrupted (a loose bound: CI machines are busy).
    expect(reactedIn).toBeLessThan(3000);
    expect(runPolls(f, evalId, runId)).toHaveLength(1);
  });

  it('stops promptly when the signal aborts during a slow poll', async () => {
    const f = await start({ progress: { queuedPolls: 0, never: true } });
    const evalId = evalWithPlan(f, { items: 100, failing: 0, errored: 0 }, { queuedPolls: 0, never: true });
    const client = clientFor(f);
    const runId = await createRun(client, evalId);
    f.inject({ match: { method: 'GET', path: `/v1/evals/${evalId}/runs/${runId}$` }, kind: { delayMs: 10_000 } });
    const retries: string[] = [];

    const began = performance.now();
    const error = await rejection(waitForTerminalRun(client, waitOptions(f, evalId, runId, { signal: AbortSignal.timeout(150), onRetry: (m) => retries.push(m) })));
    const took = performance.now() - began;

    expect(error).toBeInstanceOf(Error);
    // Far sooner than the 10 s the server would have taken.
    expect(took).toBeLessThan(5000);
    expect(retries).toEqual([]);
    expect(runPolls(f, evalId, runId)).toHaveLength(1);
  });
});

describe('cancelRun', () => {
  const cancelRequest = (f: FakeEvalsApi, evalId: string, runId: string) => ({ evalId, runId, baseURL: f.url, timeoutMs: 5000 });

  it('cancels an active run through POST …/cancel', async () => {
    const f = await start({ progress: { queuedPolls: 0, never: true } });
    const evalId = f.addEval({ name: 'qa', testing_criteria: [exact] });
    const client = clientFor(f);
    const runId = await createRun(client, evalId);

    expect(await cancelRun(client, cancelRequest(f, evalId, runId))).toBe('canceled');

    expect(f.run(runId)).toMatchObject({ status: 'canceled', cancelRequests: 1 });
    const posts = f.requests.filter((r) => r.method === 'POST' && r.path.startsWith(`/v1/evals/${evalId}/runs/`));
    expect(posts.map((r) => r.path)).toEqual([`/v1/evals/${evalId}/runs/${runId}/cancel`]);
  });

  it('falls back to the older POST …/runs/{id} when /cancel is unknown', async () => {
    const f = await start({ legacyCancel: true, progress: { queuedPolls: 0, never: true } });
    const evalId = f.addEval({ name: 'qa', testing_criteria: [exact] });
    const client = clientFor(f);
    const runId = await createRun(client, evalId);

    expect(await cancelRun(client, cancelRequest(f, evalId, runId))).toBe('canceled');

    expect(f.run(runId)).toMatchObject({ status: 'canceled', cancelRequests: 1 });
    const posts = f.requests.filter((r) => r.method === 'POST' && r.path.startsWith(`/v1/evals/${evalId}/runs/`));
    expect(posts.map((r) => r.path)).toEqual([`/v1/evals/${evalId}/runs/${runId}/cancel`, `/v1/evals/${evalId}/runs/${runId}`]);
  });

  it('leaves a completed run alone: already-finished', async () => {
    const f = await start();
    const evalId = evalWithPlan(f, { items: 5, failing: 1, errored: 0 });
    const client = clientFor(f);
    const runId = await completedRun(client, evalId);

    expect(await cancelRun(client, cancelRequest(f, evalId, runId))).toBe('already-finished');

    expect(f.run(runId)?.status).toBe('completed');
  });

  it('fails with an error naming an unknown run', async () => {
    const f = await start();
    const evalId = f.addEval({ name: 'qa', testing_criteria: [exact] });

    const error = await apiError(cancelRun(clientFor(f), cancelRequest(f, evalId, 'evalrun_unknown')));

    expect(error.status).toBe(404);
    expect(error.message).toContain('evalrun_unknown');
    expect(error.message).toMatch(/not found/);
  });
});

describe('collectOutputItems', () => {
  async function collect(f: FakeEvalsApi, evalId: string, runId: string, expectedTotal: number, onRetry?: (message: string) => void) {
    const records: ItemRecord[] = [];
    const stats = await collectOutputItems(clientFor(f), { evalId, runId, baseURL: f.url, expectedTotal, onRetry }, (record) => records.push(record));
    return { stats, records };
  }

  it('reads 250 items in 3 pages of 100, each once and in order, with errored items as errors', async () => {
    const f = await start();
    const evalId = evalWithPlan(f, { items: 250, failing: 20, errored: 5 });
    const runId = await completedRun(clientFor(f), evalId);

    const { stats, records } = await collect(f, evalId, runId, 250);

    expect(stats).toEqual({ pages: 3, items: 250 });
    expect(records.map((r) => r.id)).toEqual(Array.from({ length: 250 }, (_, i) => f.outputItemId(runId, i)));
    expect(records.map((r) => r.datasourceItemId)).toEqual(Array.from({ length: 250 }, (_, i) => String(i)));
    const pages = itemPages(f);
    expect(pages).toHaveLength(3);
    for (const page of pages) expect(page.query).toMatchObject({ limit: String(PAGE_SIZE), order: 'asc' });
    expect(pages.map((p) => p.query.after)).toEqual([undefined, f.outputItemId(runId, 99), f.outputItemId(runId, 199)]);

    const count = (outcome: ItemOutcome) => records.filter((r) => r.outcome === outcome).length;
    expect([count('pass'), count('fail'), count('error')]).toEqual([225, 20, 5]);
    for (const errored of records.filter((r) => r.outcome === 'error')) {
      expect(errored.error).toMatch(/Rate limit reached|server had an error/);
      expect(errored.grades).toEqual([]);
    }
    const failing = records.find((r) => r.outcome === 'fail');
    expect(failing?.grades).toEqual([
      { name: 'Exact match', type: 'string_check', metric: null, passed: false, score: 0, threshold: null, label: null, reason: null },
    ]);
    expect(failing?.input).toMatch(/^Ticket #/);
    expect(failing?.expected).toBeTruthy();
    expect(failing?.output).toBeTruthy();
    expect(failing?.output).not.toBe(failing?.expected);
  });

  it('reads a 100,000-item run in 1,000 pages', async () => {
    const f = await start();
    const evalId = evalWithPlan(f, { items: 100_000, failing: 1_000, errored: 100 });
    const runId = await completedRun(clientFor(f), evalId);
    const counts = { pass: 0, fail: 0, error: 0, skipped: 0 };
    let last = -1;
    let ordered = true;

    const stats = await collectOutputItems(clientFor(f), { evalId, runId, baseURL: f.url, expectedTotal: 100_000 }, (record) => {
      counts[record.outcome]++;
      const index = Number(record.datasourceItemId);
      if (index !== last + 1) ordered = false;
      last = index;
    });

    expect(stats).toEqual({ pages: 1000, items: 100_000 });
    expect(itemPages(f)).toHaveLength(1000);
    expect(counts).toEqual({ pass: 98_900, fail: 1_000, error: 100, skipped: 0 });
    expect(ordered).toBe(true);
    expect(last).toBe(99_999);
  });

  it('reads only the failing items with status=fail, or the passing ones with status=pass, and stops when told to', async () => {
    const f = await start();
    const evalId = evalWithPlan(f, { items: 1000, failing: 180, errored: 20 });
    const runId = await completedRun(clientFor(f), evalId);
    const read = async (status: 'pass' | 'fail', expectedTotal: number, keepReading?: () => boolean) => {
      const records: ItemRecord[] = [];
      const stats = await collectOutputItems(clientFor(f), { evalId, runId, baseURL: f.url, expectedTotal, status, keepReading }, (record) => records.push(record));
      return { stats, records };
    };

    const failing = await read('fail', 200);
    expect(failing.stats).toEqual({ pages: 2, items: 200 });
    expect(new Set(failing.records.map((r) => r.outcome))).toEqual(new Set(['fail', 'error']));
    expect(itemPages(f).map((p) => p.query.status)).toEqual(['fail', 'fail']);

    const firstPassingPage = await read('pass', 800, () => false);
    expect(firstPassingPage.stats).toEqual({ pages: 1, items: 100 });
    expect(firstPassingPage.records.every((r) => r.outcome === 'pass')).toBe(true);
    expect(itemPages(f).map((p) => p.query.status)).toEqual(['fail', 'fail', 'pass']);

    const error = await apiError(read('fail', 200).then(() => collectOutputItems(clientFor(f), { evalId, runId: 'evalrun_nope', baseURL: f.url, expectedTotal: 1, status: 'fail' }, () => undefined)));
    expect(error.message).toContain('reading the failing output items of run evalrun_nope');
  });

  it('stops with "did not advance" when the cursor is stuck', async () => {
    const f = await start({ stuckCursor: true });
    const evalId = evalWithPlan(f, { items: 250, failing: 0, errored: 0 });
    const runId = await completedRun(clientFor(f), evalId);

    const error = await apiError(collect(f, evalId, runId, 250));

    expect(error.message).toMatch(/did not advance/);
    expect(error.message).toContain(runId);
    expect(itemPages(f)).toHaveLength(2);
  });

  it('stops an endless list after its page bound instead of hanging', async () => {
    const f = await start({ endlessPages: true });
    const evalId = evalWithPlan(f, { items: 250, failing: 0, errored: 0 });
    const runId = await completedRun(clientFor(f), evalId);

    const error = await apiError(collect(f, evalId, runId, 250));

    // 2 × ceil(250 / 100) + 10 pages at most.
    expect(error.message).toMatch(/went on for 16 pages/);
    expect(error.message).toContain(runId);
    expect(itemPages(f)).toHaveLength(16);
  });

  it('tries a page again after a transient 503, losing and repeating nothing', async () => {
    const f = await start();
    const evalId = evalWithPlan(f, { items: 250, failing: 0, errored: 0 });
    const runId = await completedRun(clientFor(f), evalId);
    const records: ItemRecord[] = [];
    const retries: string[] = [];
    const lastOfFirstPage = f.outputItemId(runId, 99);

    const stats = await collectOutputItems(
      clientFor(f),
      { evalId, runId, baseURL: f.url, expectedTotal: 250, onRetry: (m) => retries.push(m) },
      (record) => {
        records.push(record);
        // The second page answers 503 three times; the collector retries (the SDK's own retries are off).
        if (record.id === lastOfFirstPage) f.inject({ match: { method: 'GET', path: /\/output_items$/ }, times: 3, kind: { status: 503, retryAfterMs: 20 } });
      },
    );

    expect(stats).toEqual({ pages: 3, items: 250 });
    expect(records.map((r) => r.id)).toEqual(Array.from({ length: 250 }, (_, i) => f.outputItemId(runId, i)));
    expect(retries).toHaveLength(3);
    expect(retries[0]).toMatch(/HTTP 503/);
    expect(itemPages(f)).toHaveLength(6);
    expect(itemPages(f).slice(1, 5).every((p) => p.query.after === lastOfFirstPage)).toBe(true);
  });
  it('tries a page again when its body stalls halfway, after the page timeout, losing and repeating nothing', async () => {
    const f = await start();
    const evalId = evalWithPlan(f, { items: 150, failing: 0, errored: 0 });
    const runId = await completedRun(clientFor(f), evalId);
    const records: ItemRecord[] = [];
    const retries: string[] = [];
    // The first page sends its headers and half its body, then nothing.
    f.inject({ match: { method: 'GET', path: /\/output_items$/ }, times: 1, kind: { stallBody: true } });

    const stats = await collectOutputItems(
      clientFor(f),
      { evalId, runId, baseURL: f.url, expectedTotal: 150, onRetry: (m) => retries.push(m), requestTimeoutMs: 300 },
      (record) => records.push(record),
    );

    expect(stats).toEqual({ pages: 2, items: 150 });
    expect(records.map((r) => r.id)).toEqual(Array.from({ length: 150 }, (_, i) => f.outputItemId(runId, i)));
    expect(retries).toHaveLength(1);
    expect(retries[0]).toMatch(/timed out/i);
    expect(itemPages(f)).toHaveLength(3);
  });
});

describe('describeEval', () => {
  it('returns the eval name and its criteria, by name and id', async () => {
    const f = await start();
    const evalId = f.addEval({ name: 'Support triage', testing_criteria: [exact] });

    expect(await describeEval(clientFor(f), evalId, f.url)).toEqual({
      id: evalId,
      name: 'Support triage',
      criteria: [{ name: 'Exact match', id: expect.stringMatching(/^Exact match-[0-9a-f-]{36}$/) }],
    });
  });

  it('refuses an answer that is not an eval (a proxy\'s HTML page), naming what came', async () => {
    const f = await start();
    const evalId = f.addEval({ name: 'Support triage', testing_criteria: [exact] });
    f.inject({ match: { method: 'GET' }, kind: { status: 200, body: '<!DOCTYPE html><html><body>Sign in to the proxy</body></html>' } });

    const error = await expectRejection(describeEval(clientFor(f), evalId, f.url), EvalsApiError);
    expect(error.message).toBe(`the Evals API at ${f.url} answered an HTML page while reading eval ${evalId}, not an eval.`);
  });

  it('names the eval on a 404', async () => {
    const f = await start();

    const error = await apiError(describeEval(clientFor(f), 'eval_nope', f.url));

    expect(error.status).toBe(404);
    expect(error.message).toContain('eval_nope');
    expect(error.message).toMatch(/not found/);
  });
});
