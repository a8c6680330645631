// End-to-end tests of the bundle (dist/index.js) run the way the GitHub runner runs it, against the
// loopback Evals API and GitHub API fakes: the main flows, the reports, bad inputs, API errors and secrets.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { FakeEvalsApi } from '../fakes/evals-api.ts';
import {
  closeFakesAfterEachTest,
  comments,
  EIGHT_OF_TEN,
  FORK_TOKEN,
  HEAD_SHA,
  makeJob,
  MARKER_PREFIX,
  OWNER,
  PR,
  REPO,
  rows,
  startFakes,
  type Fakes,
} from '../harness/e2e-setup.ts';
import { commandMessages, errorText, RunnerJob, warningText, type StepResult } from '../harness/runner.ts';

closeFakesAfterEachTest();

// ---- reading what a step did -----------------------------------------------------------------------

function count(text: string, part: string): number {
  return text.split(part).length - 1;
}

function creates(evals: FakeEvalsApi, evalId: string) {
  return evals.requests.filter((r) => r.method === 'POST' && r.path === `/v1/evals/${evalId}/runs`);
}

function expectFailedFast(result: StepResult, fakes: Fakes, input: string, detail?: RegExp): void {
  expect(result.exitCode).toBe(1);
  const message = errorText(result);
  expect(message).toContain(`Input "${input}"`);
  if (detail) expect(message).toMatch(detail);
  expect(fakes.evals.runs()).toEqual([]);
  expect(fakes.evals.requests.filter((r) => r.method === 'POST')).toEqual([]);
  expect(fakes.github.requests).toEqual([]);
}

// ---- the tests -------------------------------------------------------------------------------------

describe('a pull_request run', () => {
  it('passes: outputs, results file, summary, one sticky comment, one create, items read 100 at a time', async () => {
    const fakes = await startFakes();
    const job = makeJob(fakes, { inputs: { 'criteria-thresholds': 'Mentions the key term: 80%' } });
    const result = await job.runMain();

    expect(result.exitCode, result.stdout).toBe(0);
    expect(commandMessages(result, 'error')).toEqual([]);
    const [run, ...others] = fakes.evals.runs();
    expect(others).toEqual([]);
    expect(run?.status).toBe('completed');
    const runId = run?.id ?? '';

    const out = result.outputs;
    expect(out['run-id']).toBe(runId);
    expect(out['report-url']).toMatch(new RegExp(`^https://.*${runId}`));
    expect(out.status).toBe('completed');
    expect(Number(out.score)).toBeCloseTo(0.8, 10);
    expect([out.total, out.passed, out.failed, out.errored]).toEqual(['10', '8', '2', '0']);
    expect(out.result).toBe('pass');
    expect(out['comment-url']).toMatch(/^https:\/\/github\.com\/octo-org\/octo-repo\/pull\/7#issuecomment-\d+$/);

    const resultsFile = out['results-file'] ?? '';
    expect(resultsFile).not.toBe('');
    const document = JSON.parse(readFileSync(resultsFile, 'utf8'));
    expect(document.verdict.result).toBe('pass');
    expect(document.counts).toEqual({ total: 10, passed: 8, failed: 2, errored: 0, skipped: 0 });
    expect(document.run.id).toBe(runId);
    expect(document.failing_items).toHaveLength(2);
    expect(document.failing_items.map((item: { datasourceItemId: string | null }) => item.datasourceItemId).sort()).toEqual(['3', '8']);

    // The summary starts with the verdict, then score against threshold.
    const summaryLines = result.summary.split('\n').filter((line) => line.trim() !== '');
    expect(summaryLines[0]).toMatch(/^### ✅ .*Support answers.*: passed$/);
    expect(summaryLines[1]).toMatch(/80(\.0)?%.*8\/10.*threshold 75(\.0)?%/);
    expect(result.summary).toContain('Mentions the key term');

    // Exactly one comment, with the marker on its first line.
    const written = comments(fakes);
    expect(written).toHaveLength(1);
    const body = written[0]?.body ?? '';
    expect(body.split('\n')[0]).toBe(`${MARKER_PREFIX}${fakes.evalId} -->`);
    expect(count(body, MARKER_PREFIX)).toBe(1);
    expect(body).toMatch(/### ✅ .*: passed/);
    expect(out['comment-url']).toBe(written[0]?.html_url);

    // Evals API traffic: one create, output items in pages of 100.
    expect(creates(fakes.evals, fakes.evalId)).toHaveLength(1);
    const itemPages = fakes.evals.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/output_items'));
    expect(itemPages.length).toBeGreaterThan(0);
    for (const page of itemPages) expect(page.query.limit).toBe('100');
    // No baseline: the failing items are all the reports need; the run object has the counts.
    expect(itemPages.map((page) => page.query.status)).toEqual(['fail']);
    expect(result.stdout).toContain(`Read the failing output items of run ${runId} (status=fail): 2 items in 1 page; its result_counts and per-criterion results give the rest.`);

    // The run carries the git context for later runs (baselines, history) to find it by.
    expect(run?.metadata).toMatchObject({
      repository: `${OWNER}/${REPO}`,
      sha: HEAD_SHA,
      pr: String(PR),
      workflow_run: '4242/1',
      gate_key: fakes.evalId,
    });
    expect(run?.name).toBe(`PR #${PR} · ${HEAD_SHA.slice(0, 7)}`);
  });

  it('updates its own comment in place on the next run of the same PR', async () => {
    const fakes = await startFakes();
    const first = await makeJob(fakes).runMain();
    expect(first.exitCode, first.stdout).toBe(0);
    const [original] = comments(fakes);
    expect(original).toBeDefined();

    const second = await makeJob(fakes, { env: { GITHUB_RUN_ATTEMPT: '2' }, data: rows(10, { 1: 'nope' }) }).runMain();
    expect(second.exitCode, second.stdout).toBe(0);
    expect(fakes.evals.runs()).toHaveLength(2);
    expect(second.outputs['run-id']).not.toBe(first.outputs['run-id']);

    const after = comments(fakes);
    expect(after).toHaveLength(1);
    expect(after[0]?.id).toBe(original?.id);
    expect(after[0]?.body).not.toBe(original?.body);
    expect(after[0]?.body).toContain(second.outputs['run-id']?.replace(/_/g, '\\_'));
    expect(after[0]?.body).toMatch(/90(\.0)?%/);
    expect(second.outputs['comment-url']).toBe(first.outputs['comment-url']);
    // One comment, created once: each run first says "evaluating…" in it, then writes its result.
    const writes = fakes.github.requests.filter((r) => (r.method === 'PATCH' || r.method === 'POST') && /\/comments/.test(r.path));
    expect(writes.map((r) => r.method)).toEqual(['POST', 'PATCH', 'PATCH', 'PATCH']);
    const bodies = writes.map((r) => String((r.body as { body?: unknown } | undefined)?.body ?? ''));
    expect(bodies.map((body) => body.includes('evaluating…'))).toEqual([true, false, true, false]);
    expect(bodies[2]).toContain(second.outputs['run-id']?.replace(/_/g, '\\_'));
  });
});

describe('a failing gate', () => {
  it('below the threshold: exit 1, result=fail, the error states the score and the threshold', async () => {
    const fakes = await startFakes();
    const result = await makeJob(fakes, { inputs: { threshold: '90%' } }).runMain();

    expect(result.exitCode).toBe(1);
    expect(result.outputs.result).toBe('fail');
    expect(result.outputs.status).toBe('completed');
    expect(result.outputs.score).toBe('0.8');
    const errors = commandMessages(result, 'error');
    expect(errors).toHaveLength(1);
    expect(errorText(result)).toMatch(/Score 80(\.0)?% is below the threshold 90(\.0)?%/);
    expect(result.summary.split('\n')[0]).toMatch(/^### ❌ .*: failed$/);
    // A failing gate still reports on the PR.
    expect(comments(fakes)).toHaveLength(1);
    expect(comments(fakes)[0]?.body).toMatch(/### ❌/);
  });

  it('a criterion below its minimum: the reason names the criterion', async () => {
    const fakes = await startFakes();
    const result = await makeJob(fakes, { inputs: { threshold: '50%', 'criteria-thresholds': 'Mentions the key term: 95%' } }).runMain();

    expect(result.exitCode).toBe(1);
    expect(result.outputs.result).toBe('fail');
    const message = errorText(result);
    expect(message).toContain('Mentions the key term');
    expect(message).toMatch(/80(\.0)?%/);
    expect(message).toMatch(/95(\.0)?%/);
    expect(message).not.toMatch(/Score .* below the threshold/);
  });
});

describe('where the report goes', () => {
  it('a fork PR (read-only token): warns about forks, still writes the summary, exit by verdict only', async () => {
    const fakes = await startFakes({
      github: { tokens: { [FORK_TOKEN]: { login: 'github-actions[bot]', viewerLogin: 'github-actions', type: 'Bot', canWrite: false } } },
    });
    const result = await makeJob(fakes, { event: 'fork_pull_request' }).runMain();

    expect(result.exitCode, result.stdout).toBe(0);
    expect(result.outputs.result).toBe('pass');
    expect(warningText(result)).toMatch(/fork/i);
    expect(warningText(result)).toContain(`PR #${PR}`);
    expect(result.outputs['comment-url']).toBeUndefined();
    expect(comments(fakes)).toEqual([]);
    expect(fakes.github.requests.some((r) => r.method === 'POST' && r.path.endsWith('/comments') && r.status === 403)).toBe(true);
    expect(result.summary).toMatch(/^### ✅ .*: passed$/m);
  });

  it.each(['push', 'schedule'] as const)('a %s run writes no comment but still the summary', async (event) => {
    const fakes = await startFakes();
    const result = await makeJob(fakes, { event }).runMain();

    expect(result.exitCode, result.stdout).toBe(0);
    expect(fakes.github.requests.filter((r) => r.method === 'POST' || r.method === 'PATCH')).toEqual([]);
    expect(comments(fakes)).toEqual([]);
    expect(result.outputs['comment-url']).toBeUndefined();
    expect(result.summary.split('\n')[0]).toMatch(/^### ✅ .*: passed$/);
    expect(result.stdout).toContain(`No pull request in this ${event} event`);
    const [run] = fakes.evals.runs();
    expect(run?.metadata.pr).toBeUndefined();
    expect(run?.metadata.event).toBe(event);
    expect(run?.name).toBe('main · 1a2b3c4');
  });
});

describe('bad inputs fail fast, naming the input, before any run is made', () => {
  it('threshold "abc"', async () => {
    const fakes = await startFakes();
    expectFailedFast(await makeJob(fakes, { inputs: { threshold: 'abc' } }).runMain(), fakes, 'threshold', /"abc"/);
  });

  it('threshold "1.5"', async () => {
    const fakes = await startFakes();
    expectFailedFast(await makeJob(fakes, { inputs: { threshold: '1.5' } }).runMain(), fakes, 'threshold', /"1\.5"/);
  });

  it('no eval-id', async () => {
    const fakes = await startFakes();
    expectFailedFast(await makeJob(fakes, { inputs: { 'eval-id': '' } }).runMain(), fakes, 'eval-id', /required/);
  });

  it('a data-file that does not exist', async () => {
    const fakes = await startFakes();
    expectFailedFast(await makeJob(fakes, { inputs: { 'data-file': 'missing.jsonl' } }).runMain(), fakes, 'data-file', /missing\.jsonl/);
  });

  it('malformed JSONL: the message gives the line number', async () => {
    const fakes = await startFakes();
    const good = JSON.stringify(EIGHT_OF_TEN[0]);
    const result = await makeJob(fakes, { dataText: `${good}\n${good}\n{"item": {"question": "broken"\n${good}` }).runMain();
    expectFailedFast(result, fakes, 'data-file', /^\s*line 3: not valid JSON/m);
    expect(errorText(result)).not.toMatch(/^\s*line [124]:/m);
  });

  it('a data-source that is not valid YAML', async () => {
    const fakes = await startFakes();
    const result = await makeJob(fakes, { inputs: { 'data-source': 'type: jsonl\nsource: {type: file_content, content: [\n  oops: : ]' } }).runMain();
    expectFailedFast(result, fakes, 'data-source', /not valid JSON\/YAML/);
  });

  it('15 metadata keys (the action writes its own too: more than 16 in all)', async () => {
    const fakes = await startFakes();
    const metadata = Array.from({ length: 15 }, (_, i) => `key${i}=value${i}`).join('\n');
    expectFailedFast(await makeJob(fakes, { inputs: { metadata } }).runMain(), fakes, 'metadata', /16/);
  });
});

describe('Evals API errors', () => {
  it('a wrong api-key: the message says the key was refused', async () => {
    const fakes = await startFakes();
    const wrongKey = 'sk-wrong-0123456789abcdef0123456789';
    const result = await makeJob(fakes, { inputs: { 'api-key': wrongKey } }).runMain();

    expect(result.exitCode).toBe(1);
    const message = errorText(result);
    expect(message).toMatch(/refused the credentials/);
    expect(message).toContain('401');
    expect(message).toMatch(/Check "api-key" and "base-url"/);
    expect(fakes.evals.runs()).toEqual([]);
    const unmasked = result.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::'));
    expect(unmasked.join('\n')).not.toContain(wrongKey);
  });

  it('an unknown eval id: the 404 message names the eval', async () => {
    const fakes = await startFakes();
    const result = await makeJob(fakes, { inputs: { 'eval-id': 'eval_doesnotexist' } }).runMain();

    expect(result.exitCode).toBe(1);
    const message = errorText(result);
    expect(message).toContain('eval_doesnotexist');
    expect(message).toMatch(/not found/i);
    expect(message).toContain('404');
    expect(fakes.evals.runs()).toEqual([]);
  });
});

describe('the PR comment when the gate stops on an error', () => {
  it('an error after the run started replaces "evaluating…" with what went wrong', async () => {
    const fakes = await startFakes();
    // The run starts, then every poll of it is refused.
    fakes.evals.inject({ match: { method: 'GET', path: new RegExp(`/evals/${fakes.evalId}/runs/[^/]+$`) }, times: 100, kind: { status: 403 } });
    const result = await makeJob(fakes).runMain();

    expect(result.exitCode).toBe(1);
    expect(errorText(result)).toMatch(/403/);
    const [comment] = comments(fakes);
    expect(comment?.body).toMatch(/^### ❌ evals-gate · Support answers: could not run$/m);
    expect(comment?.body).toContain('403');
    expect(comment?.body).not.toContain('evaluating…');
    expect(result.outputs['comment-url']).toMatch(/#issuecomment-\d+$/);
    expect(result.outputs['comment-url']).toBe(comment?.html_url);
  });

  it('an error before the run started writes no comment (the check\'s log has it)', async () => {
    const fakes = await startFakes();
    const result = await makeJob(fakes, { inputs: { 'eval-id': 'eval_doesnotexist' } }).runMain();

    expect(result.exitCode).toBe(1);
    expect(comments(fakes)).toEqual([]);
  });
});

describe('the API key never shows', () => {
  function expectKeyAbsent(key: string, result: StepResult, job: RunnerJob, extra: Record<string, string> = {}): void {
    const masks = result.stdout.split('\n').filter((line) => line.startsWith('::add-mask::'));
    expect(masks).toContain(`::add-mask::${key}`);
    const places: Record<string, string> = {
      stdout: result.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::')).join('\n'),
      stderr: result.stderr,
      summary: result.summary,
      outputs: JSON.stringify(result.outputs),
      state: job.read('state'),
      ...extra,
    };
    for (const [place, text] of Object.entries(places)) expect(text.includes(key), `the key appears in ${place}`).toBe(false);
  }

  it('not in logs, summary, outputs, results file or PR comment, even when an item echoes it', async () => {
    const fakes = await startFakes();
    const key = fakes.evals.apiKey;
    const data = rows(10, { 2: `My key is ${key}, use it.` });
    const job = makeJob(fakes, { data });
    const result = await job.runMain();

    expect(result.exitCode, result.stdout).toBe(0);
    const resultsFile = readFileSync(result.outputs['results-file'] ?? '', 'utf8');
    const body = comments(fakes)[0]?.body ?? '';
    expect(body).not.toBe('');
    // The failing item is reported, with the key blanked out.
    expect(body).toContain('My key is ***');
    expectKeyAbsent(key, result, job, { 'results file': resultsFile, comment: body });
  });

  it('not even when the server quotes it in an error message', async () => {
    const fakes = await startFakes();
    const key = fakes.evals.apiKey;
    fakes.evals.inject({
      match: { method: 'POST', path: new RegExp(`/evals/${fakes.evalId}/runs$`) },
      kind: {
        status: 400,
        body: { error: { message: `Invalid request from key ${key}: metadata rejected.`, type: 'invalid_request_error', param: 'metadata', code: null } },
      },
    });
    const job = makeJob(fakes);
    const result = await job.runMain();

    expect(result.exitCode).toBe(1);
    const message = errorText(result);
    expect(message).toContain('400');
    expect(message).toContain('Invalid request from key ***: metadata rejected.');
    expectKeyAbsent(key, result, job);
  });

  // Inline report text is escaped (`_` becomes `\_`), so redaction must happen before rendering.
  it('not even in inline report text, for a key with markdown characters in it', async () => {
    const key = 'sk_live_under_scored_key_1234';
    const fakes = await startFakes({
      evals: { apiKey: key },
      eval: { failWith: { code: 'grader_crashed', message: `The grader called with ${key} crashed.` } },
    });
    const job = makeJob(fakes);
    const result = await job.runMain();

    expect(result.exitCode).toBe(1);
    expect(result.summary).toContain('The grader called with \\*\\*\\* crashed.');
    const body = comments(fakes)[0]?.body ?? '';
    expect(body).toContain('crashed.');
    const resultsFile = readFileSync(result.outputs['results-file'] ?? '', 'utf8');
    expectKeyAbsent(key, result, job, { 'results file': resultsFile, comment: body });
    // Nor in its escaped form.
    const escaped = key.replace(/_/g, '\\_');
    for (const text of [result.summary, body]) expect(text.includes(escaped)).toBe(false);
  });
});

describe('runs that end badly', () => {
  it('a run that ends "failed": status=failed, exit 1, the error in the summary', async () => {
    const fakes = await startFakes({ eval: { failWith: { code: 'grader_crashed', message: 'The grader crashed on item 4.' } } });
    const result = await makeJob(fakes).runMain();

    expect(result.exitCode).toBe(1);
    expect(result.outputs.status).toBe('failed');
    expect(result.outputs.result).toBe('fail');
    expect(result.summary).toContain('The grader crashed on item 4.');
    expect(result.summary.split('\n')[0]).toMatch(/^### ❌/);
    expect(errorText(result)).toMatch(/status "failed".*grader_crashed/);
    // Nothing is left to cancel.
    expect(fakes.evals.runs()[0]?.cancelRequests).toBe(0);
  });

  it('a run canceled by someone else while the gate waits: status=canceled, exit 1', async () => {
    const fakes = await startFakes({ eval: { progress: { never: true } } });
    const step = makeJob(fakes).startMain();
    await step.waitForOutput(/^in_progress/m);
    const [run] = fakes.evals.runs();
    const answer = await fetch(`${fakes.evals.url}/evals/${fakes.evalId}/runs/${run?.id}/cancel`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fakes.evals.apiKey}` },
    });
    expect(answer.status).toBe(200);
    const result = await step.done;

    expect(result.exitCode).toBe(1);
    expect(result.outputs.status).toBe('canceled');
    expect(result.outputs.result).toBe('fail');
    expect(errorText(result)).toMatch(/canceled/);
    expect(result.summary.split('\n')[0]).toMatch(/^### ❌/);
    // The gate did not cancel it a second time.
    expect(fakes.evals.run(run?.id ?? '')?.cancelRequests).toBe(1);
  });

  it('a run with zero items fails with the "no items" reason', async () => {
    const fakes = await startFakes({ eval: { plan: { items: 0, failing: 0, errored: 0 } } });
    const result = await makeJob(fakes, { inputs: { threshold: '0' } }).runMain();

    expect(result.exitCode).toBe(1);
    expect(result.outputs.status).toBe('completed');
    expect(result.outputs.total).toBe('0');
    expect(result.outputs.result).toBe('fail');
    expect(errorText(result)).toMatch(/no items/i);
    expect(result.summary).toMatch(/no items/i);
  });
});

describe('item content in reports', () => {
  it('show-item-content false: ids and verdicts only, no item text in the summary or the comment', async () => {
    const fakes = await startFakes();
    const data = rows(10, { 4: 'PLATYPUS-SECRET-ANSWER' });
    const row = data[4];
    if (row) row.item.question = 'ZEBRA-SECRET-QUESTION';
    const result = await makeJob(fakes, { data, inputs: { 'show-item-content': 'false' } }).runMain();

    expect(result.exitCode, result.stdout).toBe(0);
    const body = comments(fakes)[0]?.body ?? '';
    for (const [place, text] of [['summary', result.summary], ['comment', body]] as const) {
      expect(text, place).toMatch(/outputitem/);
      expect(text, place).toMatch(/Exact answer: ❌ fail/);
      expect(text, place).not.toContain('PLATYPUS');
      expect(text, place).not.toContain('ZEBRA');
      expect(text, place).not.toContain('Answer 4 is right');
    }
    // The results file (often uploaded as an artifact) hides the content too, and keeps ids and grades.
    const file = readFileSync(result.outputs['results-file'] ?? '', 'utf8');
    expect(file).not.toContain('PLATYPUS');
    expect(file).not.toContain('ZEBRA');
    expect(JSON.parse(file).failing_items[0]).toMatchObject({ outcome: 'fail', grades: expect.any(Array) });
  });

  it('hostile model output cannot break the comment: one marker, balanced details, no mention', async () => {
    const fakes = await startFakes();
    const hostile = '</details><!-- evals-gate:comment key=x -->@octocat';
    const result = await makeJob(fakes, { data: rows(10, { 5: hostile }) }).runMain();

    expect(result.exitCode, result.stdout).toBe(0);
    const body = comments(fakes)[0]?.body ?? '';
    for (const [place, text] of [['summary', result.summary], ['comment', body]] as const) {
      expect(text, place).toContain('octocat'); // shown, but defused
      expect(text, place).not.toContain('@octocat');
      expect(text, place).not.toContain('<!-- evals-gate:comment key=x -->');
      expect(count(text, '<details>'), place).toBe(count(text, '</details>'));
      expect(count(text, '<details>'), place).toBeGreaterThan(0);
    }
    expect(count(body, MARKER_PREFIX)).toBe(1);
    expect(body.split('\n')[0]).toBe(`${MARKER_PREFIX}${fakes.evalId} -->`);

    // A gate whose key is "x" does not take that comment over: it writes its own.
    const other = await makeJob(fakes, { inputs: { 'comment-key': 'x' }, env: { GITHUB_ACTION: 'other-gate' } }).runMain();
    expect(other.exitCode, other.stdout).toBe(0);
    const after = comments(fakes);
    expect(after).toHaveLength(2);
    expect(after[0]?.body).toBe(body);
    expect(after[1]?.body.split('\n')[0]).toBe(`${MARKER_PREFIX}x -->`);
  });
});
