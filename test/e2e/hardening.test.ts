// End-to-end tests of the bundle (dist/) against hostile input, hostile code and awkward endpoints
// (issue 11): a python grader looking for the step's secrets in every /proc/<pid>/environ, privileged
// events, workflow commands and escape sequences in untrusted text, keys in URLs, a create that never
// answers, answers of the wrong shape, a flaky GitHub API, Azure's required header.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import type { JsonlRow } from '../fakes/evals-api.ts';
import {
  closeFakesAfterEachTest,
  comments,
  EIGHT_OF_TEN,
  eventContext,
  EXACT_ANSWER,
  makeJob,
  onlyRun,
  row,
  startEvals,
  startFakes,
  SUPPORT_EVAL,
  writeData,
} from '../harness/e2e-setup.ts';
import { errorText, REPO_ROOT, RunnerJob, warningText, type StepResult } from '../harness/runner.ts';
import { workflowCommands } from '../harness/workflow-commands.ts';

closeFakesAfterEachTest();

/** A value no other test (running at the same time) uses: a secret found anywhere is this test's. */
function unique(prefix: string): string {
  return `${prefix}-${randomBytes(12).toString('hex')}`;
}

function writeEvalFile(job: RunnerJob, definition: object, path = 'evals/check.eval.yaml'): void {
  const file = join(job.workspace, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, toYaml(definition));
}

function resultsDocument(result: StepResult): string {
  return result.outputs['results-file'] ? readFileSync(result.outputs['results-file'], 'utf8') : '';
}

// ---- point 1: what a python grader can read ---------------------------------------------------------

/**
 * A python grader that reads every /proc/<pid>/environ it can and raises, naming the variable and the
 * process but never the value, when one holds a needle. It also makes sure that it did read its
 * parent's (the step's) environment: a scan that reads nothing would prove nothing.
 */
function environScanner(needles: string[]): object {
  return {
    type: 'python',
    name: 'Finds no secret',
    pass_threshold: 1,
    source: [
      'import os',
      `NEEDLES = ${JSON.stringify(needles)}`,
      'def grade(sample, item):',
      '    found, readable, parent_seen = [], 0, False',
      "    for pid in os.listdir('/proc'):",
      '        if not pid.isdigit():',
      '            continue',
      '        try:',
      "            with open('/proc/%s/environ' % pid, 'rb') as f:",
      "                entries = f.read().decode('utf-8', 'replace').split('\\0')",
      '        except OSError:',
      '            continue',
      '        readable += 1',
      "        if int(pid) == os.getppid() and any(e.startswith('GITHUB_WORKSPACE=') for e in entries):",
      '            parent_seen = True',
      '        for entry in entries:',
      "            name, _, value = entry.partition('=')",
      '            if any(n in value for n in NEEDLES):',
      "                found.append('%s in process %s' % (name, pid))",
      '    if not parent_seen:',
      "        raise RuntimeError('could not read the step process environment (read %d)' % readable)",
      '    if found:',
      "        raise RuntimeError('secrets readable: ' + ', '.join(found))",
      '    return 1.0',
      '',
    ].join('\n'),
  };
}

describe('a python grader and the step\'s secrets', () => {
  it('finds none of them in any /proc/<pid>/environ it can read, its parent\'s included', async () => {
    const secrets = {
      apiKey: unique('sk-evals'),
      githubToken: `ghs_${randomBytes(18).toString('hex')}`,
      modelKey: unique('sk-model'),
      runtimeToken: unique('runtime-jwt'),
      idTokenRequestToken: unique('id-token-request'),
      envKey: unique('sk-env'),
    };
    const context = eventContext('push');
    const job = new RunnerJob({
      eventName: context.eventName,
      payload: context.payload,
      inputs: {
        'eval-file': 'evals/check.eval.yaml',
        'data-file': 'data.jsonl',
        'api-key': secrets.apiKey,
        'github-token': secrets.githubToken,
        'model-api-key': secrets.modelKey,
        'poll-interval': '1',
      },
      env: {
        ...context.env,
        ACTIONS_RUNTIME_TOKEN: secrets.runtimeToken,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: secrets.idTokenRequestToken,
        ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:9/token',
        OPENAI_API_KEY: secrets.envKey,
      },
    });
    writeEvalFile(job, { name: 'No secrets', data_source_config: { type: 'custom' }, testing_criteria: [EXACT_ANSWER, environScanner(Object.values(secrets))] });
    writeData(job, [row(0), row(1)]);

    const result = await job.runMain();

    expect(result.exitCode, `${result.stdout}\n${result.summary}`).toBe(0);
    expect([result.outputs.total, result.outputs.passed, result.outputs.errored]).toEqual(['2', '2', '0']);
    expect(result.summary).not.toContain('secrets readable');
    // The post step relaunches too, and finds nothing to do.
    expect((await job.runPost()).exitCode).toBe(0);
  });

  it('the same grader does see a secret when it is in the step\'s environment: the scan is real', async () => {
    // A needle the step's environment keeps (not a secret by name), so it must be found in the parent.
    const marker = unique('visible');
    const context = eventContext('push');
    const job = new RunnerJob({
      eventName: context.eventName,
      payload: context.payload,
      inputs: { 'eval-file': 'evals/check.eval.yaml', 'data-file': 'data.jsonl', 'poll-interval': '1' },
      env: { ...context.env, HARMLESS_MARKER: marker },
    });
    writeEvalFile(job, { name: 'Control', data_source_config: { type: 'custom' }, testing_criteria: [environScanner([marker])] });
    writeData(job, [row(0)]);

    const result = await job.runMain();

    expect(result.exitCode).toBe(1);
    expect(result.outputs.errored).toBe('1');
    expect(result.summary).toMatch(/secrets readable: HARMLESS\\?_MARKER in process \d+/);
  });

  it.each(['pull_request_target', 'workflow_run'])('on %s, python graders are refused unless allow-code-graders: true', async (eventName) => {
    const make = (inputs: Record<string, string>) => {
      const job = new RunnerJob({ eventName, payload: {}, inputs: { 'eval-file': 'evals/check.eval.yaml', 'data-file': 'data.jsonl', 'poll-interval': '1', ...inputs } });
      writeEvalFile(job, { name: 'Code', data_source_config: { type: 'custom' }, testing_criteria: [{ ...environScanner([]), name: 'Repository code' }] });
      writeData(job, [row(0)]);
      return job;
    };
    const refused = await make({}).runMain();
    expect(refused.exitCode).toBe(1);
    expect(errorText(refused)).toMatch(new RegExp(`^Input "allow-code-graders": evals/check\\.eval\\.yaml has python graders \\("Repository code"\\).*${eventName} event`));
    expect(refused.outputs['run-id']).toBeUndefined();

    const allowed = await make({ 'allow-code-graders': 'true' }).runMain();
    expect(allowed.exitCode, allowed.stdout).toBe(0);
  });
});

// ---- point 5: untrusted text in the log and the terminal --------------------------------------------

const EVIL = 'EVIL\n::add-mask::EVIL-MASK\n##[add-mask]EVIL-V1\n::stop-commands::EVIL-STOP\n::error::EVIL-FORGED';

describe('workflow commands in untrusted text', () => {
  it('an eval name and server messages that hold commands start none in the log', async () => {
    const fakes = await startFakes({ eval: { name: `Support ${EVIL}` } });
    // Two transient failures while polling: the first is a warning, the second a plain log line.
    fakes.evals.inject({ match: { method: 'GET', path: /\/runs\/[^/]+$/ }, times: 2, kind: { status: 503, body: { error: { message: `busy ${EVIL}`, type: 'server_error' } } } });

    const result = await makeJob(fakes, { event: 'push' }).runMain();

    expect(result.exitCode, result.stdout).toBe(0);
    const forged = workflowCommands(result.stdout).filter((command) => command.name !== 'stop-commands' && command.name !== 'warning' && command.line.includes('EVIL'));
    expect(forged).toEqual([]);
    // Its own guards are the only stop-commands, each with a fresh token, never EVIL-STOP.
    const guards = workflowCommands(result.stdout).filter((command) => command.name === 'stop-commands');
    expect(guards.length).toBeGreaterThan(0);
    for (const guard of guards) expect(guard.line).toMatch(/^::stop-commands::[0-9a-f-]{36}$/);
    // The text is still in the log, to be read.
    expect(result.stdout).toContain('::add-mask::EVIL-MASK');
  });
});

const CLI_ENTRY = join(REPO_ROOT, 'dist/cli/index.js');

function cli(args: string[], cwd: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI_ENTRY, ...args], { cwd, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function writeJsonl(dir: string, rows: readonly JsonlRow[]): void {
  writeFileSync(join(dir, 'data.jsonl'), `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
}

// eslint-disable-next-line no-control-regex -- what a terminal would act on
const TERMINAL_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const ESCAPES = '\u001b[2J\u001b[31mred\u001b]8;;https://evil.example/\u001b\\click\u001b]8;;\u001b\\\u001b]0;title\u0007';

describe('escape sequences in untrusted text', () => {
  it('the CLI prints none of those in an eval name, a model output or a server error', { timeout: 60_000 }, async () => {
    const evals = await startEvals();
    const evalId = evals.addEval({ ...SUPPORT_EVAL, name: `Support ${ESCAPES}` });
    const dir = mkdtempSync(join(tmpdir(), 'evals-gate-cli-'));
    writeJsonl(dir, [row(0), row(1, `wrong ${ESCAPES}`)]);
    evals.inject({ match: { method: 'GET', path: /\/runs\/[^/]+$/ }, kind: { status: 503, body: { error: { message: `busy ${ESCAPES}`, type: 'server_error' } } } });

    const result = await cli(['run', '--eval-id', evalId, '--base-url', evals.url, '--data-file', 'data.jsonl', '--threshold', '50%', '--poll-interval', '1'], dir, { OPENAI_API_KEY: evals.apiKey });

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Support redclick');
    expect(result.stderr).toContain('busy redclick');
    for (const text of [result.stdout, result.stderr]) {
      expect(text.replace(/\n/g, '')).not.toMatch(TERMINAL_CONTROL);
      expect(text).not.toContain('evil.example');
    }
  });
});

// ---- points 3 and 4: keys in URLs, and cuts ---------------------------------------------------------

describe('a key in the base-url query', () => {
  it('is sent with every request, masked, and found nowhere the action writes, not even cut in two', async () => {
    const fakes = await startFakes();
    const sig = unique('sig');
    // Failing items whose output holds the key right where texts are cut (2,000 characters).
    const data = EIGHT_OF_TEN.map((r, i) => (i === 3 || i === 8 ? { ...r, sample: { output_text: `${'x'.repeat(1_990)}${sig} and more` } } : r));
    fakes.evals.inject({ match: { method: 'GET', path: /\/runs\/[^/]+$/ }, kind: { status: 503, body: { error: { message: `upstream ${fakes.evals.url}?sig=${sig} is down`, type: 'server_error' } } } });
    const job = makeJob(fakes, { data, inputs: { 'base-url': `${fakes.evals.url}?sig=${sig}`, threshold: '50%' } });

    const result = await job.runMain();

    expect(result.exitCode, result.stdout).toBe(0);
    expect(fakes.evals.requests.every((request) => request.query.sig === sig)).toBe(true);
    expect(fakes.evals.requests.every((request) => !request.path.includes(sig))).toBe(true);
    // The runner is told to mask it before any line of the log shows it.
    expect(result.stdout.split('\n').find((line) => line.includes(sig))).toBe(`::add-mask::${sig}`);
    const prefix = sig.slice(0, 10);
    const written = [result.summary, resultsDocument(result), ...comments(fakes).map((c) => c.body), JSON.stringify(result.outputs)];
    for (const text of written) expect(text).not.toContain(prefix);
    expect(resultsDocument(result)).toContain('***');
  });
});

// ---- point 7: criteria-thresholds checked before the run --------------------------------------------

describe('criteria-thresholds', () => {
  it('naming a criterion the eval does not have fails before any run is created', async () => {
    const fakes = await startFakes();
    const result = await makeJob(fakes, { inputs: { 'criteria-thresholds': 'Exact answr: 90%' } }).runMain();

    expect(result.exitCode).toBe(1);
    expect(errorText(result)).toBe(
      `Input "criteria-thresholds": "Exact answr" is not a criterion of eval ${fakes.evalId} (its criteria: "Exact answer", "Mentions the key term").`,
    );
    expect(fakes.evals.runs()).toEqual([]);
    expect(comments(fakes)).toEqual([]);
  });
});

// ---- points 9 and 11: a create that never answers, answers of the wrong shape ----------------------

describe('timeout-minutes and a create that never answers', () => {
  it('gives up at the deadline, finds the run it made by its token and cancels it', async () => {
    const fakes = await startFakes({ eval: { progress: { never: true } } });
    fakes.evals.inject({ match: { method: 'POST', path: /\/runs$/ }, kind: { afterCommitDelayMs: 120_000 } });
    const started = Date.now();

    const result = await makeJob(fakes, { event: 'push', inputs: { 'timeout-minutes': '0.05' } }).runMain();

    expect(result.exitCode).toBe(1);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(errorText(result)).toMatch(/^Gave up starting the run: timeout-minutes \(0\.05 min\) passed before the Evals API at http:\/\/127\.0\.0\.1:\d+\/v1 had answered\./);
    const run = onlyRun(fakes);
    expect(run.status).toBe('canceled');
  });
});

describe('answers of the wrong shape', () => {
  it('a 200 HTML page while polling: the CLI stops at once with exit 2 and cancels the run it made', { timeout: 60_000 }, async () => {
    const evals = await startEvals({ progress: { never: true } });
    const evalId = evals.addEval(SUPPORT_EVAL);
    const dir = mkdtempSync(join(tmpdir(), 'evals-gate-cli-'));
    writeJsonl(dir, EIGHT_OF_TEN);
    evals.inject({ match: { method: 'GET', path: /\/runs\/[^/]+$/ }, kind: { status: 200, body: '<!DOCTYPE html><html><body>Proxy login</body></html>' } });

    const result = await cli(['run', '--eval-id', evalId, '--base-url', evals.url, '--data-file', 'data.jsonl', '--poll-interval', '1', '--timeout-minutes', '5'], dir, { OPENAI_API_KEY: evals.apiKey });

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/error: the Evals API at .* answered an HTML page while waiting for run \w+, not a run\./);
    const [run] = evals.runs();
    expect(run?.status).toBe('canceled');
  });
});

// ---- point 12: a flaky GitHub API -------------------------------------------------------------------

describe('the GitHub API failing for a moment', () => {
  it('one 502 on the final comment is tried again: the comment shows the result, no warning', async () => {
    const fakes = await startFakes();
    fakes.github.failNext(1, { method: 'PATCH', status: 502 });

    const result = await makeJob(fakes).runMain();

    expect(result.exitCode, result.stdout).toBe(0);
    const [comment, ...others] = comments(fakes);
    expect(others).toEqual([]);
    expect(comment?.body).toMatch(/passed/);
    expect(comment?.body).not.toContain('evaluating…');
    expect(warningText(result)).toBe('');
  });

  it('a comment refused after every retry: a warning says so, and that the comment still says "in progress"', { timeout: 60_000 }, async () => {
    const fakes = await startFakes();
    fakes.github.failNext(4, { method: 'PATCH', status: 502 });

    const result = await makeJob(fakes).runMain();

    expect(result.exitCode, result.stdout).toBe(0);
    expect(warningText(result)).toMatch(/Cannot comment on PR #7: the GitHub API answered 502 after 4 tries .* The PR comment still says the run is in progress; the result is in the job summary\./);
    expect(comments(fakes)[0]?.body).toContain('evaluating…');
  });
});

// ---- point 13: Azure's required header ---------------------------------------------------------------

describe('an Azure OpenAI endpoint that requires aoai-evals: preview', () => {
  it('gets it on every request, and the gate runs', async () => {
    const fakes = await startFakes({ evals: { flavor: 'azure', requireEvalsPreviewHeader: true } });
    const result = await makeJob(fakes, { event: 'push' }).runMain();

    expect(result.exitCode, result.stdout).toBe(0);
    expect(fakes.evals.requests.length).toBeGreaterThan(3);
    expect(fakes.evals.requests.every((request) => request.headers['aoai-evals'] === 'preview')).toBe(true);
  });

  it('refuses a run without it, as the fake does: extra-headers overrides what the action sends', async () => {
    const fakes = await startFakes({ evals: { flavor: 'azure', requireEvalsPreviewHeader: true } });
    const result = await makeJob(fakes, { event: 'push', inputs: { 'extra-headers': 'aoai-evals: none' } }).runMain();

    expect(result.exitCode).toBe(1);
    expect(errorText(result)).toContain("requires the 'aoai-evals' header");
    expect(fakes.evals.requests.every((request) => request.headers['aoai-evals'] === 'none')).toBe(true);
  });
});
