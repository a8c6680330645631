// End-to-end tests of the bundle's awkward parts: throttling and server errors while polling, a create
// whose answer is lost, timeouts, broken paging, old servers, cancellation by signal and the post step.
import { describe, expect, it } from 'vitest';
import type { FakeEvalDefinition, FakeEvalsApi, FakeEvalsOptions, JsonlRow } from '../fakes/evals-api.ts';
import { closeFakesAfterEachTest, EXACT_ANSWER_EVAL, onlyRun, startEvals, writeData } from '../harness/e2e-setup.ts';
import { commandMessages, errorText, RunnerJob, warningText } from '../harness/runner.ts';

/** 10 rows, all passing. */
const ROWS: JsonlRow[] = Array.from({ length: 10 }, (_, i) => ({
  item: { question: `Question ${i}?`, expected: `Answer ${i}.` },
  sample: { output_text: `Answer ${i}.` },
}));

closeFakesAfterEachTest();

interface Fakes {
  evals: FakeEvalsApi;
  evalId: string;
}

/** The Evals API fake alone: these tests are about the Evals API side. */
async function startFakes(options: { eval?: Partial<FakeEvalDefinition>; evals?: FakeEvalsOptions } = {}): Promise<Fakes> {
  const evals = await startEvals(options.evals);
  return { evals, evalId: evals.addEval({ ...EXACT_ANSWER_EVAL, ...options.eval }) };
}

/** A push run (no PR comment), with no threshold or GitHub token given. */
function makeJob(fakes: Fakes, inputs: Record<string, string> = {}): RunnerJob {
  const job = new RunnerJob({
    eventName: 'push',
    payload: { ref: 'refs/heads/main' },
    inputs: {
      'eval-id': fakes.evalId,
      'api-key': fakes.evals.apiKey,
      'base-url': fakes.evals.url,
      'data-file': 'data.jsonl',
      'poll-interval': '1',
      ...inputs,
    },
  });
  writeData(job, ROWS);
  return job;
}

const RUN_PATH = /^\/v1\/evals\/[^/]+\/runs\/[^/]+$/;

function cancelRequests(fakes: Fakes) {
  return fakes.evals.requests.filter((r) => r.method === 'POST' && (r.path.endsWith('/cancel') || RUN_PATH.test(r.path)));
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition never held');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('transient trouble while polling', () => {
  it('429s with Retry-After do not end the wait: the pauses asked for are kept, a warning, then the verdict', async () => {
    const fakes = await startFakes();
    // The wait loop makes its polls without the SDK's retries (they would overrun the deadline): it sees each 429.
    fakes.evals.inject({ match: { method: 'GET', path: RUN_PATH }, times: 3, kind: { status: 429, retryAfter: 1 } });
    const started = Date.now();
    const result = await makeJob(fakes).runMain();
    const elapsed = Date.now() - started;

    expect(result.exitCode, result.stdout).toBe(0);
    expect(result.outputs.status).toBe('completed');
    expect(result.outputs.result).toBe('pass');
    expect(fakes.evals.pendingFaults()).toBe(0);
    // The 1 s asked for before each of the next three polls.
    expect(elapsed).toBeGreaterThanOrEqual(2900);
    // Only the first is an annotation (a step shows 10); the others are in the log.
    const warnings = commandMessages(result, 'warning');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/too many requests.*HTTP 429.*Still waiting/);
    expect(result.stdout.match(/too many requests.*HTTP 429.*Still waiting/g)).toHaveLength(3);
    expect(commandMessages(result, 'error')).toEqual([]);
    expect(onlyRun(fakes).status).toBe('completed');
  });

  it('500s while polling do not end the wait either', async () => {
    const fakes = await startFakes();
    fakes.evals.inject({ match: { method: 'GET', path: RUN_PATH }, times: 4, kind: { status: 500 } });
    const result = await makeJob(fakes).runMain();

    expect(result.exitCode, result.stdout).toBe(0);
    expect(result.outputs.result).toBe('pass');
    expect(fakes.evals.pendingFaults()).toBe(0);
    const warnings = commandMessages(result, 'warning');
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(warnings[0]).toMatch(/server error.*HTTP 500.*Still waiting/);
    expect(commandMessages(result, 'error')).toEqual([]);
    expect(onlyRun(fakes).status).toBe('completed');
  });

  it('slow answers (a delayed poll, a delayed page, latency on everything) are waited for', async () => {
    const fakes = await startFakes({ evals: { latencyMs: 20 } });
    fakes.evals.inject({ match: { method: 'GET', path: RUN_PATH }, kind: { delayMs: 1500 } });
    fakes.evals.inject({ match: { method: 'GET', path: /\/output_items$/ }, kind: { delayMs: 800 } });
    const started = Date.now();
    const result = await makeJob(fakes).runMain();

    expect(result.exitCode, result.stdout).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2300);
    expect(fakes.evals.pendingFaults()).toBe(0);
    expect(result.outputs.result).toBe('pass');
    expect(result.outputs.total).toBe('10');
    expect(commandMessages(result, 'warning')).toEqual([]);
    expect(onlyRun(fakes).cancelRequests).toBe(0);
  });
});

describe('a create whose answer is lost', () => {
  it('finds the run by its attempt token and follows it: exactly one run on the server', async () => {
    const fakes = await startFakes();
    fakes.evals.inject({ match: { method: 'POST', path: /\/runs$/ }, kind: { dropAfterCommit: true } });
    const result = await makeJob(fakes).runMain();

    expect(result.exitCode, result.stdout).toBe(0);
    const run = onlyRun(fakes);
    expect(result.outputs['run-id']).toBe(run.id);
    expect(run.status).toBe('completed');
    expect(result.outputs.result).toBe('pass');
    expect(fakes.evals.requests.filter((r) => r.method === 'POST' && r.path === `/v1/evals/${fakes.evalId}/runs`)).toHaveLength(1);
    expect(warningText(result)).toMatch(new RegExp(`${run.id}.*following it`));
  });
});

describe('timeout-minutes', () => {
  it('expires: status=timeout, exit 1, the run is cancelled on the server', async () => {
    const fakes = await startFakes({ eval: { progress: { never: true } } });
    const job = makeJob(fakes, { 'timeout-minutes': '0.02' });
    const started = Date.now();
    const result = await job.runMain();

    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.exitCode).toBe(1);
    expect(result.outputs.status).toBe('timeout');
    expect(result.outputs.result).toBe('fail');
    expect(errorText(result)).toMatch(/did not finish within timeout-minutes/);
    const run = onlyRun(fakes);
    expect(run.status).toBe('canceled');
    expect(run.cancelRequests).toBe(1);
    expect(cancelRequests(fakes).map((r) => r.path)).toEqual([`/v1/evals/${fakes.evalId}/runs/${run.id}/cancel`]);
    expect(result.summary).toMatch(/timed out/);

    // The post step has nothing left to do.
    const before = fakes.evals.requests.length;
    const post = await job.runPost();
    expect(post.exitCode).toBe(0);
    expect(fakes.evals.requests.length).toBe(before);
  });

  it('on an older server cancels through POST /evals/{e}/runs/{r}', async () => {
    const fakes = await startFakes({ eval: { progress: { never: true } }, evals: { legacyCancel: true } });
    const result = await makeJob(fakes, { 'timeout-minutes': '0.02' }).runMain();

    expect(result.exitCode).toBe(1);
    expect(result.outputs.status).toBe('timeout');
    const run = onlyRun(fakes);
    expect(run.status).toBe('canceled');
    const legacy = `/v1/evals/${fakes.evalId}/runs/${run.id}`;
    expect(fakes.evals.requests.some((r) => r.method === 'POST' && r.path === legacy)).toBe(true);
    expect(warningText(result)).not.toMatch(/Could not cancel/);
  });
});

describe('timeout-minutes with a server that stops answering', () => {
  it('polls that hang do not stretch the timeout far past timeout-minutes', async () => {
    const fakes = await startFakes({ eval: { progress: { never: true } } });
    const job = makeJob(fakes, { 'timeout-minutes': '0.03' });
    // Every poll of the run hangs (creating and listing runs still answer).
    fakes.evals.inject({ match: { method: 'GET', path: RUN_PATH }, times: 20, kind: { delayMs: 30_000 } });
    const step = job.startMain();
    await step.waitForOutput(/^Started run evalrun_/m);
    const started = Date.now();
    const result = await step.done;
    const elapsed = Date.now() - started;

    expect(result.outputs.status).toBe('timeout');
    expect(result.exitCode).toBe(1);
    // 1.8 s allowed; cancelling and the SDK's pauses may add a little, not a multiple.
    expect(elapsed, `the step took ${elapsed} ms for a 1.8 s timeout`).toBeLessThan(5000);
    expect(onlyRun(fakes).status).toBe('canceled');
  }, 40_000);
});

describe('broken paging of output items', () => {
  // Three failing items: their list is the one the gate reads, and the one that breaks.
  const WITH_FAILING = ROWS.map((row, i) => (i < 3 ? { ...row, sample: { output_text: 'I do not know.' } } : row));

  it('a cursor that does not advance ends with a clear error, not a hang', async () => {
    const fakes = await startFakes({ evals: { stuckCursor: true } });
    const started = Date.now();
    const job = makeJob(fakes);
    writeData(job, WITH_FAILING);
    const result = await job.runMain();

    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.exitCode).toBe(1);
    const message = errorText(result);
    expect(message).toMatch(/output items/);
    expect(message).toMatch(/did not advance/);
    const pages = fakes.evals.requests.filter((r) => r.path.endsWith('/output_items'));
    expect(pages.length).toBeLessThanOrEqual(3);
  });

  it('an endless list ends with a clear error after a bounded number of pages', async () => {
    const fakes = await startFakes({ evals: { endlessPages: true } });
    const started = Date.now();
    const job = makeJob(fakes);
    writeData(job, WITH_FAILING);
    const result = await job.runMain();

    expect(Date.now() - started).toBeLessThan(15_000);
    expect(result.exitCode).toBe(1);
    const message = errorText(result);
    expect(message).toMatch(/output items/);
    expect(message).toMatch(/went on for \d+ pages/);
    const pages = fakes.evals.requests.filter((r) => r.path.endsWith('/output_items'));
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.length).toBeLessThanOrEqual(20);
  });
});

describe('cancellation', () => {
  it('SIGINT while running: the run is cancelled and the step exits non-zero within 7.5 s; the post step is harmless', async () => {
    const fakes = await startFakes({ eval: { progress: { never: true } } });
    const job = makeJob(fakes);
    const step = job.startMain();
    await step.waitForOutput(/^Started run evalrun_/m);
    await step.waitForOutput(/^in_progress/m);
    const signalled = Date.now();
    step.child.kill('SIGINT');
    const main = await step.done;
    const elapsed = Date.now() - signalled;

    expect(elapsed).toBeLessThan(7500);
    expect(main.signal).toBeNull();
    expect(main.exitCode).not.toBe(0);
    expect(main.exitCode).not.toBeNull();
    const run = onlyRun(fakes);
    expect(run.status).toBe('canceled');
    expect(run.cancelRequests).toBe(1);
    expect(main.stdout).toMatch(new RegExp(`Cancelled run ${run.id}`));
    expect(errorText(main)).toMatch(/SIGINT/);

    const before = fakes.evals.requests.length;
    const post = await job.runPost();
    expect(post.exitCode).toBe(0);
    expect(commandMessages(post, 'warning')).toEqual([]);
    expect(cancelRequests(fakes)).toHaveLength(1);
    expect(fakes.evals.requests.length).toBe(before);
  });

  it('SIGKILL (no chance to cancel): the post step cancels the run from the saved state', async () => {
    const fakes = await startFakes({ eval: { progress: { never: true } } });
    const job = makeJob(fakes);
    const step = job.startMain();
    await step.waitForOutput(/^Started run evalrun_/m);
    step.child.kill('SIGKILL');
    const main = await step.done;
    expect(main.signal).toBe('SIGKILL');
    const run = onlyRun(fakes);
    expect(['queued', 'in_progress']).toContain(run.status);
    expect(main.state['run-id']).toBe(run.id);

    const post = await job.runPost();
    expect(post.exitCode).toBe(0);
    expect(warningText(post)).toMatch(new RegExp(`Cancelled run ${run.id}`));
    const after = fakes.evals.run(run.id);
    expect(after?.status).toBe('canceled');
    expect(after?.cancelRequests).toBe(1);
  });

  it('killed while the create was in flight: the post step finds the run by its attempt token and cancels it', async () => {
    const fakes = await startFakes({ eval: { progress: { never: true } } });
    fakes.evals.inject({ match: { method: 'POST', path: /\/runs$/ }, kind: { afterCommitDelayMs: 20_000 } });
    const job = makeJob(fakes);
    const step = job.startMain();
    await until(() => fakes.evals.runs().length === 1);
    step.child.kill('SIGKILL');
    const main = await step.done;
    expect(main.signal).toBe('SIGKILL');
    expect(main.state['run-id']).toBeUndefined();
    expect(main.state['attempt-token']).toMatch(/^[0-9a-f-]{36}$/);

    const post = await job.runPost();
    expect(post.exitCode).toBe(0);
    const run = onlyRun(fakes);
    expect(run.status).toBe('canceled');
    expect(run.metadata.gate_attempt).toBe(main.state['attempt-token']);
    expect(warningText(post)).toMatch(new RegExp(`Cancelled run ${run.id}`));
  });

  it('SIGTERM alone is handled like SIGINT: the run is cancelled before the step exits', async () => {
    const fakes = await startFakes({ eval: { progress: { never: true } } });
    const step = makeJob(fakes).startMain();
    await step.waitForOutput(/^in_progress/m);
    step.child.kill('SIGTERM');
    const main = await step.done;

    expect(main.signal).toBeNull();
    expect(main.exitCode).toBe(1);
    expect(onlyRun(fakes).status).toBe('canceled');
    expect(errorText(main)).toMatch(/SIGTERM/);
  });

  it('SIGINT with a cancel endpoint that hangs: the step still exits within 7.5 s, leaving the cancel to the post step', async () => {
    const fakes = await startFakes({ eval: { progress: { never: true } } });
    // Every cancel the main step may try hangs (both paths, retries included).
    fakes.evals.inject({ match: { method: 'POST', path: /\/runs\/[^/]+(\/cancel)?$/ }, times: 4, kind: { delayMs: 15_000 } });
    const step = makeJob(fakes).startMain();
    await step.waitForOutput(/^in_progress/m);
    const signalled = Date.now();
    step.child.kill('SIGINT');
    const main = await step.done;
    const elapsed = Date.now() - signalled;

    // The runner sends SIGTERM at 7.5 s (swallowed by the handler) and SIGKILL at 10 s: a step still
    // cancelling then dies without its log lines and failure message.
    expect(elapsed, `exited ${elapsed} ms after SIGINT`).toBeLessThan(7500);
    expect(main.exitCode).toBe(1);
    expect(warningText(main)).toMatch(/Could not cancel run .*post step will try again/);
    // Not marked finished: the post step will try again.
    expect(main.state['run-finished']).toBeUndefined();
    expect(main.state['run-id']).toBe(onlyRun(fakes).id);
  }, 30_000);

  it('the post step after a completed run does nothing', async () => {
    const fakes = await startFakes();
    const job = makeJob(fakes);
    const main = await job.runMain();
    expect(main.exitCode, main.stdout).toBe(0);
    expect(main.state['run-finished']).toBe('true');

    const before = fakes.evals.requests.length;
    const post = await job.runPost();
    expect(post.exitCode).toBe(0);
    expect(commandMessages(post, 'warning')).toEqual([]);
    expect(commandMessages(post, 'error')).toEqual([]);
    expect(cancelRequests(fakes)).toEqual([]);
    expect(fakes.evals.requests.length).toBe(before);
    expect(onlyRun(fakes).status).toBe('completed');
  });

  it('the post step after a main step that failed on its inputs does nothing', async () => {
    const fakes = await startFakes();
    const job = makeJob(fakes, { threshold: 'abc' });
    const main = await job.runMain();
    expect(main.exitCode).toBe(1);

    const post = await job.runPost();
    expect(post.exitCode).toBe(0);
    expect(commandMessages(post, 'warning')).toEqual([]);
    expect(fakes.evals.requests).toEqual([]);
  });
});
