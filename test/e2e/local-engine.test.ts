// End-to-end tests of the bundle (dist/index.js) with an `eval-file`: run by the local engine inside the
// job (the remote path's core scenarios again, then what only the engine does: sampling, judges, python
// graders, a rate-limited or failing model endpoint, cancellation), and sent to a remote Evals API
// endpoint, which finds or creates the eval from the file. The model endpoint is the loopback model fake.
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { commentMarker } from '../../src/github/comment-marker.ts';
import type { FakeEvalsApi, JsonlRow } from '../fakes/evals-api.ts';
import { FAKE_GITHUB_TOKEN, startGitHubApi, type FakeGitHub } from '../fakes/github-api.ts';
import { startModelApi, type ModelApi, type ModelApiOptions } from '../fakes/model-api.ts';
import {
  closeAfterTest,
  closeFakesAfterEachTest,
  comments,
  EIGHT_OF_TEN,
  eventContext,
  EXACT_ANSWER,
  MARKER_PREFIX,
  rows,
  SUPPORT_EVAL,
  startEvals,
  writeData,
  type GateEvent,
} from '../harness/e2e-setup.ts';
import { commandMessages, errorText, REPO_ROOT, RunnerJob, warningText, type StepResult } from '../harness/runner.ts';
import { isAlive, pidsIn } from '../support/processes.ts';

closeFakesAfterEachTest();

// ---- evals and their data --------------------------------------------------------------------------

/** Where the jobs' eval file sits in the workspace (and so the default comment key). */
const EVAL_FILE = 'evals/support.eval.yaml';

type Definition = Record<string, unknown>;

/** SUPPORT_EVAL (the remote tests' eval: an exact answer and a key term) as an eval file. */
const SUPPORT_DEFINITION: Definition = {
  name: SUPPORT_EVAL.name,
  data_source_config: {
    type: 'custom',
    item_schema: { type: 'object', properties: { question: { type: 'string' }, expected: { type: 'string' }, must_mention: { type: 'string' } } },
    include_sample_schema: true,
  },
  testing_criteria: SUPPORT_EVAL.testing_criteria,
};

/** An eval of these criteria, on items of any shape. */
function evalOf(name: string, ...criteria: object[]): Definition {
  return { name, data_source_config: { type: 'custom' }, testing_criteria: criteria };
}

/** A completions data source asking the question; `model` comes from the input of that name. */
const ASK_THE_QUESTION = {
  type: 'completions',
  input_messages: {
    type: 'template',
    template: [
      { role: 'system', content: 'Answer in one sentence.' },
      { role: 'user', content: '{{item.question}}' },
    ],
  },
};

/** Rows without samples: the model is asked row i's question (`Question number i?`). */
function questions(count: number): JsonlRow[] {
  return rows(count).map(({ item }) => ({ item }));
}

/** The fake model's answer: right (`Answer i is right.`) but for the questions in `wrong`. */
function answerer(wrong: readonly number[] = []): (text: string) => string {
  return (text) => {
    const n = Number(/Question number (\d+)\?/.exec(text)?.[1] ?? Number.NaN);
    return wrong.includes(n) ? `I do not know (${n}).` : `Answer ${n} is right.`;
  };
}

// ---- jobs ------------------------------------------------------------------------------------------

interface LocalJobOptions {
  /** Default pull_request. */
  event?: GateEvent;
  /** The eval file: a definition (written as YAML) or raw text. Default SUPPORT_DEFINITION. */
  definition?: Definition | string;
  /** data.jsonl; default EIGHT_OF_TEN. */
  data?: readonly JsonlRow[] | string;
  /** Over the defaults: the eval file, data.jsonl, threshold 75%, a fast poll and a GitHub token. */
  inputs?: Record<string, string>;
  env?: Record<string, string>;
}

/** A job of the gate with an eval-file and no Evals API: no eval-id, api-key or base-url. */
function localJob(github: FakeGitHub | null, options: LocalJobOptions = {}): RunnerJob {
  const context = eventContext(options.event ?? 'pull_request');
  const job = new RunnerJob({
    eventName: context.eventName,
    payload: context.payload,
    inputs: {
      'eval-file': EVAL_FILE,
      'data-file': 'data.jsonl',
      threshold: '75%',
      'poll-interval': '1',
      'github-token': FAKE_GITHUB_TOKEN,
      ...options.inputs,
    },
    // Nothing but the GitHub fake answers: any other request goes to a closed port.
    env: { GITHUB_API_URL: github?.url ?? 'http://127.0.0.1:9', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1', ...context.env, ...options.env },
  });
  writeEvalFile(job, options.definition ?? SUPPORT_DEFINITION);
  writeData(job, options.data ?? EIGHT_OF_TEN);
  return job;
}

function writeEvalFile(job: RunnerJob, definition: Definition | string, path = EVAL_FILE): void {
  const file = join(job.workspace, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, typeof definition === 'string' ? definition : toYaml(definition));
}

/** A job whose eval samples or judges with the model fake: its URL and key are the model inputs. */
function modelJob(github: FakeGitHub | null, models: ModelApi, options: LocalJobOptions = {}): RunnerJob {
  return localJob(github, { ...options, inputs: { 'model-base-url': models.baseURL, 'model-api-key': models.apiKey, ...options.inputs } });
}

// ---- fakes -----------------------------------------------------------------------------------------

async function startGitHub(): Promise<FakeGitHub> {
  const github = await startGitHubApi();
  closeAfterTest(() => github.close());
  return github;
}

async function startModels(options: ModelApiOptions = {}): Promise<ModelApi> {
  const models = await startModelApi(options);
  closeAfterTest(() => models.close());
  return models;
}

// ---- reading what a step did -----------------------------------------------------------------------

function count(text: string, part: string): number {
  return text.split(part).length - 1;
}

function resultsDocument(result: StepResult) {
  return JSON.parse(readFileSync(result.outputs['results-file'] ?? '', 'utf8'));
}

/** The step's log without the `::add-mask::` lines (the runner hides their values). */
function unmaskedLog(result: StepResult): string {
  return result.stdout
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');
}

/** Failed on an input, before any run started, any model was called or anything was written to GitHub. */
function expectFailedFast(result: StepResult, input: string, detail: RegExp, seen: { github?: FakeGitHub; models?: ModelApi } = {}): void {
  expect(result.exitCode, result.stdout).toBe(1);
  const message = errorText(result);
  expect(message).toContain(`Input "${input}"`);
  expect(message).toMatch(detail);
  expect(result.outputs['run-id']).toBeUndefined();
  expect(result.stdout).not.toMatch(/Started run/);
  expect(result.summary).toBe('');
  if (seen.github) expect(seen.github.requests).toEqual([]);
  if (seen.models) expect(seen.models.requests).toEqual([]);
}

async function until(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition never held');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// ---- the tests -------------------------------------------------------------------------------------

describe('a pull_request run on the local engine', () => {
  it('passes: outputs, results file, summary, one sticky comment; no Evals API and no api-key', async () => {
    const github = await startGitHub();
    const result = await localJob(github, { inputs: { 'criteria-thresholds': 'Mentions the key term: 80%' } }).runMain();

    expect(result.exitCode, result.stdout).toBe(0);
    expect(commandMessages(result, 'error')).toEqual([]);
    expect(commandMessages(result, 'warning')).toEqual([]);
    expect(result.stdout).toContain(`Running ${EVAL_FILE} on the local engine (8 items at a time).`);

    const out = result.outputs;
    const runId = out['run-id'] ?? '';
    expect(runId).toMatch(/^evalrun_[0-9a-f]+$/);
    expect(out['report-url']).toBeUndefined();
    expect(out.status).toBe('completed');
    expect(Number(out.score)).toBeCloseTo(0.8, 10);
    expect([out.total, out.passed, out.failed, out.errored]).toEqual(['10', '8', '2', '0']);
    expect(out.result).toBe('pass');
    // The engine handed its items over as it graded them: no pages were read back.
    expect(result.stdout).toContain(`Took the 10 output items of run ${runId} from the local engine as they were graded (in this process, nothing read back).`);
    expect(result.stdout).not.toMatch(/Read (every|the failing|the passing|one page)/);

    const document = resultsDocument(result);
    expect(document.verdict.result).toBe('pass');
    expect(document.counts).toEqual({ total: 10, passed: 8, failed: 2, errored: 0, skipped: 0 });
    expect(document.run.id).toBe(runId);
    expect(document.failing_items.map((item: { datasourceItemId: string | null }) => item.datasourceItemId).sort()).toEqual(['3', '8']);

    const summaryLines = result.summary.split('\n').filter((line) => line.trim() !== '');
    expect(summaryLines[0]).toMatch(/^### ✅ .*Support answers.*: passed$/);
    expect(summaryLines[1]).toMatch(/80(\.0)?%.*8\/10.*threshold 75(\.0)?%/);
    expect(result.summary).toContain('Mentions the key term');
    expect(result.summary).toContain('I do not know.');

    // One comment, keyed by the eval file.
    const written = comments({ github });
    expect(written).toHaveLength(1);
    const body = written[0]?.body ?? '';
    expect(body.split('\n')[0]).toBe(commentMarker(EVAL_FILE));
    expect(count(body, MARKER_PREFIX)).toBe(1);
    expect(body).toMatch(/### ✅ .*: passed/);
    expect(out['comment-url']).toBe(written[0]?.html_url);
    // Nothing is saved for the post step: a local run ends with its process.
    expect(result.state['run-id']).toBeUndefined();
    expect(result.state['attempt-token']).toBeUndefined();
    expect(result.state['eval-id']).toBeUndefined();
  });

  it('updates its own comment in place on the next run of the same PR', async () => {
    const github = await startGitHub();
    const first = await localJob(github).runMain();
    expect(first.exitCode, first.stdout).toBe(0);
    const [original] = comments({ github });
    expect(original).toBeDefined();

    const second = await localJob(github, { env: { GITHUB_RUN_ATTEMPT: '2' }, data: rows(10, { 1: 'nope' }) }).runMain();
    expect(second.exitCode, second.stdout).toBe(0);
    expect(second.outputs['run-id']).not.toBe(first.outputs['run-id']);

    const after = comments({ github });
    expect(after).toHaveLength(1);
    expect(after[0]?.id).toBe(original?.id);
    expect(after[0]?.body).not.toBe(original?.body);
    expect(after[0]?.body).toContain(second.outputs['run-id']?.replace(/_/g, '\\_'));
    expect(after[0]?.body).toMatch(/90(\.0)?%/);
    expect(second.outputs['comment-url']).toBe(first.outputs['comment-url']);
    const writes = github.requests.filter((r) => (r.method === 'PATCH' || r.method === 'POST') && /\/comments/.test(r.path));
    expect(writes.map((r) => r.method)).toEqual(['POST', 'PATCH', 'PATCH', 'PATCH']);
  });
});

describe('a failing gate on the local engine', () => {
  it('below the threshold: exit 1, result=fail, the error states the score and the threshold', async () => {
    const github = await startGitHub();
    const result = await localJob(github, { inputs: { threshold: '90%' } }).runMain();

    expect(result.exitCode).toBe(1);
    expect(result.outputs.result).toBe('fail');
    expect(result.outputs.status).toBe('completed');
    expect(result.outputs.score).toBe('0.8');
    expect(commandMessages(result, 'error')).toHaveLength(1);
    expect(errorText(result)).toMatch(/Score 80(\.0)?% is below the threshold 90(\.0)?%/);
    expect(result.summary.split('\n')[0]).toMatch(/^### ❌ .*: failed$/);
    expect(comments({ github })).toHaveLength(1);
    expect(comments({ github })[0]?.body).toMatch(/### ❌/);
  });

  it('a criterion below its minimum: the reason names the criterion', async () => {
    const github = await startGitHub();
    const result = await localJob(github, { inputs: { threshold: '50%', 'criteria-thresholds': 'Mentions the key term: 95%' } }).runMain();

    expect(result.exitCode).toBe(1);
    expect(result.outputs.result).toBe('fail');
    const message = errorText(result);
    expect(message).toContain('Mentions the key term');
    expect(message).toMatch(/80(\.0)?%/);
    expect(message).toMatch(/95(\.0)?%/);
    expect(message).not.toMatch(/Score .* below the threshold/);
  });

  it('a data file with no rows fails before the run starts, saying the file has no rows', async () => {
    const github = await startGitHub();
    const result = await localJob(github, { data: '\n\n', inputs: { threshold: '0' } }).runMain();

    expect(result.exitCode).toBe(1);
    expect(errorText(result)).toMatch(/Input "data-file": data\.jsonl has no rows/);
    expect(result.outputs['run-id']).toBeUndefined();
    expect(comments({ github })).toEqual([]);
  });
});

describe('item content in reports', () => {
  it('regression limits with no record of an earlier run yet: the report says so, and the run is judged alone', async () => {
    const github = await startGitHub();
    const result = await localJob(github, { inputs: { 'max-regressions': '0', 'max-score-drop': '2' } }).runMain();

    expect(result.exitCode, result.stdout).toBe(0);
    expect(warningText(result)).toBe('');
    expect(result.summary).toMatch(/No baseline: no record of this gate .* on main yet\. The first such run keeps one\. The gate judged the run alone\./);
    expect(result.outputs['baseline-run-id']).toBeUndefined();
  });

  it('show-item-content false: ids and verdicts only, no item text in the summary, the comment or the results file', async () => {
    const github = await startGitHub();
    const data = rows(10, { 4: 'PLATYPUS-SECRET-ANSWER' });
    const row = data[4];
    if (row) row.item.question = 'ZEBRA-SECRET-QUESTION';
    const result = await localJob(github, { data, inputs: { 'show-item-content': 'false' } }).runMain();

    expect(result.exitCode, result.stdout).toBe(0);
    const body = comments({ github })[0]?.body ?? '';
    for (const [place, text] of [['summary', result.summary], ['comment', body]] as const) {
      expect(text, place).toMatch(/outputitem/);
      expect(text, place).toMatch(/Exact answer: ❌ fail/);
      expect(text, place).not.toContain('PLATYPUS');
      expect(text, place).not.toContain('ZEBRA');
      expect(text, place).not.toContain('Answer 4 is right');
    }
    const file = readFileSync(result.outputs['results-file'] ?? '', 'utf8');
    expect(file).not.toContain('PLATYPUS');
    expect(file).not.toContain('ZEBRA');
    expect(JSON.parse(file).failing_items[0]).toMatchObject({ outcome: 'fail', grades: expect.any(Array) });
  });
});

describe('bad inputs fail fast, naming the input, before anything runs', () => {
  it('an eval-file that does not exist', async () => {
    const github = await startGitHub();
    const result = await localJob(github, { inputs: { 'eval-file': 'evals/missing.yaml' } }).runMain();
    expectFailedFast(result, 'eval-file', /evals\/missing\.yaml/, { github });
  });

  it('an eval-file that is not valid YAML', async () => {
    const github = await startGitHub();
    const result = await localJob(github, { definition: 'name: Broken\ntesting_criteria: [\n  oops: : ]' }).runMain();
    expectFailedFast(result, 'eval-file', /not valid JSON\/YAML/, { github });
    expect(errorText(result)).toContain(EVAL_FILE);
  });

  it('a grader type the local engine does not run, named with its criterion', async () => {
    const github = await startGitHub();
    const definition = evalOf('Mixed', EXACT_ANSWER, { type: 'multi', name: 'Combined', graders: {}, calculate_output: '1' });
    const result = await localJob(github, { definition }).runMain();
    expectFailedFast(result, 'eval-file', /grader type "multi" is not supported by the local engine/, { github });
    expect(errorText(result)).toMatch(/testing_criteria\[1\] \("Combined"\)/);
  });

  it('a string_check with an operation it does not know', async () => {
    const github = await startGitHub();
    const result = await localJob(github, { definition: evalOf('Bad op', { ...EXACT_ANSWER, operation: 'startswith' }) }).runMain();
    expectFailedFast(result, 'eval-file', /"operation" must be one of eq, ne \(or neq\), like, ilike; got "startswith"/, { github });
    expect(errorText(result)).toContain('Exact answer');
  });

  it('both eval-id and eval-file', async () => {
    const github = await startGitHub();
    const result = await localJob(github, { inputs: { 'eval-id': 'eval_123' } }).runMain();
    expectFailedFast(result, 'eval-file', /either "eval-id".*or "eval-file".*not both/, { github });
  });

  it('engine local with an eval-id only: suggests exporting the eval into the repository', async () => {
    const github = await startGitHub();
    const result = await localJob(github, { inputs: { 'eval-file': '', 'eval-id': 'eval_123', engine: 'local' } }).runMain();
    expectFailedFast(result, 'engine', /export --eval-id eval_123/, { github });
  });

  it('concurrency 0', async () => {
    const github = await startGitHub();
    const result = await localJob(github, { inputs: { concurrency: '0' } }).runMain();
    expectFailedFast(result, 'concurrency', /from 1 to \d+; got 0/, { github });
  });

  it('a model grader with no key for the default model endpoint names model-api-key', async () => {
    const github = await startGitHub();
    const judge = { type: 'score_model', name: 'Helpful', model: 'judge-model', input: [{ role: 'user', content: '{{sample.output_text}}' }], range: [1, 5], pass_threshold: 3 };
    // No OPENAI_BASE_URL either: the model endpoint is OpenAI's, which always wants a key.
    const job = localJob(github, { definition: evalOf('Judged', judge) });
    delete job.env.OPENAI_BASE_URL;
    const result = await job.runMain();
    expectFailedFast(result, 'model-api-key', /score_model grader "Helpful"/, { github });
  });

  it('malformed JSONL: the message gives the line number, and no item runs', async () => {
    const github = await startGitHub();
    const good = JSON.stringify(EIGHT_OF_TEN[0]);
    const result = await localJob(github, { data: `${good}\n${good}\n{"item": {"question": "broken"\n${good}` }).runMain();

    // As on the remote path (gate.test.ts): `Input "data-file": data.jsonl has 1 malformed line: line 3: …`.
    expectFailedFast(result, 'data-file', /^\s*line 3: not valid JSON/m, { github });
    expect(errorText(result)).toContain('data.jsonl');
    expect(errorText(result)).not.toMatch(/^\s*line [124]:/m);
  });
});

describe('errored items', () => {
  /** Raises for every third item (0, 3, 6, 9); the others pass. */
  const RAISING = {
    type: 'python',
    name: 'Checked in python',
    pass_threshold: 1,
    source: [
      'def grade(sample, item):',
      "    n = int(item['question'].split()[2].rstrip('?'))",
      '    if n % 3 == 0:',
      "        raise ValueError('cannot grade item %d' % n)",
      "    return 1.0 if sample['output_text'] == item['expected'] else 0.0",
      '',
    ].join('\n'),
  };

  it('a python grader raising for some items: errored count, the error in the summary, the gate fails on score', async () => {
    const github = await startGitHub();
    const result = await localJob(github, { definition: evalOf('Python', RAISING), data: rows(10) }).runMain();

    expect(result.exitCode).toBe(1);
    expect(result.outputs.status).toBe('completed');
    expect([result.outputs.total, result.outputs.passed, result.outputs.failed, result.outputs.errored]).toEqual(['10', '6', '0', '4']);
    expect(Number(result.outputs.score)).toBeCloseTo(0.6, 10);
    expect(result.outputs.result).toBe('fail');
    expect(errorText(result)).toMatch(/Score 60(\.0)?% is below the threshold 75(\.0)?%/);
    expect(result.summary).toMatch(/grade\(\) raised ValueError: cannot grade item 3 \(line 4\)/);
    const document = resultsDocument(result);
    expect(document.failing_items.map((item: { outcome: string }) => item.outcome)).toEqual(['error', 'error', 'error', 'error']);
  });

  it('a python grader that does not compile fails before any item runs, with a clear message', async () => {
    const github = await startGitHub();
    const broken = { ...RAISING, source: 'def grade(sample, item)\n    return 1.0\n' };
    const result = await localJob(github, { definition: evalOf('Python', broken) }).runMain();

    expect(result.exitCode).toBe(1);
    const message = errorText(result);
    expect(message).toMatch(/Input "eval-file": evals\/support\.eval\.yaml: testing_criteria\[0\] \("Checked in python"\): the source does not compile: SyntaxError/);
    expect(message).toMatch(/line 1/);
    expect(result.outputs['run-id']).toBeUndefined();
    expect(result.outputs.total).toBeUndefined();
    expect(comments({ github })).toEqual([]);
  });
});

describe('hostile python graders', () => {
  /**
   * For item 0, forks a child that holds the worker's pipes and a setsid daemon, each sleeping a minute
   * after writing its pid to PIDS; `hang` makes grade() itself wait forever after that.
   */
  function forkingGrader(pidFile: string, hang = false): Definition {
    return {
      type: 'python',
      name: 'Forks',
      pass_threshold: 1,
      source: [
        'import os, time',
        `PIDS = ${JSON.stringify(pidFile)}`,
        'def record():',
        "    with open(PIDS, 'a') as pids: pids.write('%d\\n' % os.getpid())",
        'def grade(sample, item):',
        "    if item['question'] == 'Question number 0?':",
        '        if os.fork() == 0:',
        '            record()',
        '            time.sleep(60)',
        '            os._exit(0)',
        '        if os.fork() == 0:',
        '            os.setsid()',
        '            if os.fork() == 0:',
        '                record()',
        '                time.sleep(60)',
        '            os._exit(0)',
        `        while ${hang ? 'True' : 'False'}:`,
        '            time.sleep(0.05)',
        "    return 1.0 if sample['output_text'] == item['expected'] else 0.0",
        '',
      ].join('\n'),
    };
  }

  it('a grader that forks a child holding its pipe and a daemon: the step ends promptly, and neither outlives it', async () => {
    const github = await startGitHub();
    const job = localJob(github);
    const pidFile = join(job.dir, 'forked.pids');
    writeEvalFile(job, evalOf('Forks', EXACT_ANSWER, forkingGrader(pidFile)));
    const started = Date.now();
    const result = await job.runMain();
    const elapsed = Date.now() - started;

    expect(result.exitCode, result.stdout).toBe(0);
    expect([result.outputs.total, result.outputs.passed]).toEqual(['10', '8']);
    // Both children sleep for 60 s: the step did not wait for them.
    expect(elapsed, `the step took ${elapsed} ms`).toBeLessThan(30_000);
    const pids = pidsIn(pidFile);
    expect(pids).toHaveLength(2);
    await until(() => pids.every((pid) => !isAlive(pid)), 5_000);
  });

  it('SIGINT while such a grader hangs: the step exits promptly, and what it forked is gone', async () => {
    const job = localJob(null, { event: 'push' });
    const pidFile = join(job.dir, 'forked.pids');
    writeEvalFile(job, evalOf('Forks', forkingGrader(pidFile, true)));
    const step = job.startMain();
    await until(() => pidsIn(pidFile).length === 2);
    const signalled = Date.now();
    step.child.kill('SIGINT');
    const main = await step.done;
    expect(Date.now() - signalled).toBeLessThan(7_500);
    expect(errorText(main)).toMatch(/Cancelled by SIGINT/);
    const pids = pidsIn(pidFile);
    await until(() => pids.every((pid) => !isAlive(pid)), 5_000);
  }, 60_000);
});

describe("items and templates checked against the eval's item_schema", () => {
  const STRICT: Definition = {
    ...SUPPORT_DEFINITION,
    data_source_config: {
      ...(SUPPORT_DEFINITION.data_source_config as object),
      item_schema: { type: 'object', properties: { question: { type: 'string' }, expected: { type: 'string' }, must_mention: { type: 'string' } }, required: ['question', 'expected', 'must_mention'] },
    },
  };

  it('items that do not match: refused before any run, naming the lines and what is wrong', async () => {
    const github = await startGitHub();
    const data = EIGHT_OF_TEN.map((row, index) => (index === 2 || index === 6 ? { ...row, item: { question: row.item.question, expected: row.item.expected } } : row));
    data[8] = { ...data[8]!, item: { ...data[8]!.item, question: 42 } };
    const result = await localJob(github, { definition: STRICT, data }).runMain();

    expectFailedFast(result, 'data-file', /has 3 items that do not match the eval's item_schema/, { github });
    const message = errorText(result);
    expect(message).toMatch(/^\s*line 3: the item must have required property 'must_mention'$/m);
    expect(message).toMatch(/^\s*line 7: the item must have required property 'must_mention'$/m);
    expect(message).toMatch(/^\s*line 9: item\.question must be string$/m);
  });

  it('a grader template naming a field item_schema does not define: refused naming the grader and the field', async () => {
    const github = await startGitHub();
    const typo = { ...(SUPPORT_EVAL.testing_criteria[1] as object), reference: '{{item.must_mentoin}}' };
    const result = await localJob(github, { definition: { ...STRICT, testing_criteria: [EXACT_ANSWER, typo] } }).runMain();

    expectFailedFast(result, 'eval-file', /testing_criteria\[1\] \("Mentions the key term"\): \{\{item\.must_mentoin\}\} names "must_mentoin", which the eval's item_schema does not define/, { github });
  });
});

describe('sampling a model', () => {
  it('a completions data source: every item sampled from the model endpoint, graded by string_check, usage in the summary', async () => {
    const github = await startGitHub();
    const answer = answerer([2, 7]);
    const models = await startModels({ chat: (request) => answer(request.text) });
    const result = await modelJob(github, models, {
      definition: evalOf('Sampled answers', EXACT_ANSWER),
      data: questions(10),
      inputs: { 'data-source': toYaml(ASK_THE_QUESTION), model: 'gpt-fake-mini' },
    }).runMain();

    expect(result.exitCode, result.stdout).toBe(0);
    expect([result.outputs.total, result.outputs.passed, result.outputs.failed, result.outputs.errored]).toEqual(['10', '8', '2', '0']);
    expect(result.outputs.result).toBe('pass');

    // One chat completion per item, with the rendered template, the model input and the key.
    const chats = models.requests.filter((r) => r.endpoint === 'chat');
    expect(chats).toHaveLength(10);
    expect(models.stats().accepted).toBe(10);
    for (const request of chats) {
      expect(request.body.model).toBe('gpt-fake-mini');
      expect(request.headers.authorization).toBe(`Bearer ${models.apiKey}`);
    }
    const asked = chats.map((r) => (r.body.messages as Array<{ role: string; content: string }>).map((m) => `${m.role}: ${m.content}`));
    expect(asked).toContainEqual(['system: Answer in one sentence.', 'user: Question number 7?']);

    // The model's wrong answers are the failing items' outputs.
    expect(result.summary).toContain('I do not know (2).');
    expect(result.summary).toContain('I do not know (7).');
    // per_model_usage: one row for the model, 10 invocations.
    expect(result.summary).toMatch(/\| gpt\\?-fake\\?-mini \| 10 \|/);
    const document = resultsDocument(result);
    expect(JSON.stringify(document)).toContain('gpt-fake-mini');
  });

  it('a responses data source: sampled through the responses endpoint', async () => {
    const github = await startGitHub();
    const answer = answerer([5]);
    const models = await startModels({ responses: (request) => answer(request.text) });
    const result = await modelJob(github, models, {
      definition: evalOf('Sampled answers', EXACT_ANSWER),
      data: questions(10),
      inputs: { 'data-source': toYaml({ ...ASK_THE_QUESTION, type: 'responses' }), model: 'gpt-fake-responder' },
    }).runMain();

    expect(result.exitCode, result.stdout).toBe(0);
    expect([result.outputs.total, result.outputs.passed, result.outputs.failed, result.outputs.errored]).toEqual(['10', '9', '1', '0']);
    const sent = models.requests.filter((r) => r.endpoint === 'responses');
    expect(sent).toHaveLength(10);
    expect(models.requests.filter((r) => r.endpoint !== 'responses')).toEqual([]);
    for (const request of sent) expect(request.body).toMatchObject({ model: 'gpt-fake-responder', store: false });
    expect(result.summary).toContain('I do not know (5).');
    expect(result.summary).toMatch(/\| gpt\\?-fake\\?-responder \| 10 \|/);
  });
});

describe('judge graders', () => {
  /** The judge's verdict on `Answer: … Expected: …`: right when they are equal. */
  const JUDGE_PROMPT = [
    { role: 'system', content: 'You grade answers of a support bot.' },
    { role: 'user', content: 'Question: {{item.question}}\nAnswer: {{sample.output_text}}\nExpected: {{item.expected}}' },
  ];
  const LABEL_JUDGE = {
    type: 'label_model',
    name: 'Judged correct',
    model: 'judge-labels',
    input: JUDGE_PROMPT,
    labels: ['correct', 'incorrect'],
    passing_labels: ['correct'],
  };
  const SCORE_JUDGE = { type: 'score_model', name: 'Judged helpful', model: 'judge-scores', input: JUDGE_PROMPT, range: [1, 5], pass_threshold: 4 };

  /** Scripted judges: the reason quotes the answer; labels and scores by whether it is the expected one. */
  function judge(text: string, schema: Record<string, unknown> | null): string {
    const answer = /Answer: (.*)\n/.exec(text)?.[1] ?? '';
    const expected = /Expected: (.*)$/.exec(text)?.[1] ?? '';
    const right = answer === expected;
    const properties = (schema?.properties ?? {}) as Record<string, unknown>;
    const reason = right ? 'It matches the reference.' : `JUDGE-REASON: "${answer}" is not the reference.`;
    return JSON.stringify('label' in properties ? { reason, label: right ? 'correct' : 'incorrect' } : { reason, result: right ? 5 : 2 });
  }

  async function runJudged(options: LocalJobOptions = {}) {
    const github = await startGitHub();
    const models = await startModels({ chat: (request) => judge(request.text, request.schema) });
    const job = modelJob(github, models, { definition: evalOf('Judged answers', LABEL_JUDGE, SCORE_JUDGE), data: rows(10, [3, 8]), ...options });
    const result = await job.runMain();
    return { result, models, comment: comments({ github })[0]?.body ?? '' };
  }

  it('label_model and score_model: verdicts from structured output, the reasons next to the failing items', async () => {
    const { result, models, comment } = await runJudged();

    expect(result.exitCode, result.stdout).toBe(0);
    expect([result.outputs.total, result.outputs.passed, result.outputs.failed, result.outputs.errored]).toEqual(['10', '8', '2', '0']);
    // Two judge calls per item, each with a strict JSON schema.
    const calls = models.requests.filter((r) => r.endpoint === 'chat');
    expect(calls).toHaveLength(20);
    expect(calls.filter((r) => r.body.model === 'judge-labels')).toHaveLength(10);
    expect(calls.filter((r) => r.body.model === 'judge-scores')).toHaveLength(10);
    for (const call of calls) expect(call.body.response_format).toMatchObject({ type: 'json_schema', json_schema: { strict: true } });

    for (const [place, text] of [['summary', result.summary], ['comment', comment]] as const) {
      expect(text, place).toMatch(/Judged correct: ❌ fail, label incorrect.*JUDGE\\?-REASON: "I do not know \(3\)\." is not the reference\./);
      expect(text, place).toMatch(/Judged helpful: ❌ fail \(score 2.*JUDGE\\?-REASON: "I do not know \(8\)\."/);
      expect(text, place).not.toContain('It matches the reference.');
    }
    expect(result.summary).toMatch(/\| judge-labels \| 10 \|/);
    expect(result.summary).toMatch(/\| judge-scores \| 10 \|/);
  });

  it('fails the gate when the judges fail too many; with show-item-content false the reasons stay hidden', async () => {
    const { result, comment } = await runJudged({ inputs: { threshold: '90%', 'show-item-content': 'false' } });

    expect(result.exitCode).toBe(1);
    expect(result.outputs.result).toBe('fail');
    expect(errorText(result)).toMatch(/Score 80(\.0)?% is below the threshold 90(\.0)?%/);
    for (const [place, text] of [['summary', result.summary], ['comment', comment]] as const) {
      expect(text, place).toMatch(/Judged correct: ❌ fail/);
      expect(text, place).not.toContain('JUDGE');
      expect(text, place).not.toContain('I do not know');
    }
    expect(readFileSync(result.outputs['results-file'] ?? '', 'utf8')).not.toContain('JUDGE-REASON');
  });
});

describe('a model endpoint in trouble', () => {
  const SAMPLED = { definition: evalOf('Sampled answers', EXACT_ANSWER), inputs: { 'data-source': toYaml(ASK_THE_QUESTION), model: 'gpt-fake-mini' } };

  it('a 429 storm: every item is still graded, and the endpoint refuses fewer requests than it accepts', async () => {
    const answer = answerer();
    // 4 requests a second, against 8 items at a time: the engine must slow down to what the endpoint allows.
    const models = await startModels({ chat: (request) => answer(request.text), rateLimit: { requests: 4, windowMs: 1000, retryAfter: 'seconds' } });
    const result = await modelJob(null, models, { ...SAMPLED, event: 'push', data: questions(40) }).runMain();

    expect(result.exitCode, result.stdout).toBe(0);
    expect([result.outputs.total, result.outputs.passed, result.outputs.failed, result.outputs.errored]).toEqual(['40', '40', '0', '0']);
    const stats = models.stats();
    expect(stats.accepted).toBe(40);
    expect(stats.refused).toBeGreaterThan(0);
    expect(stats.refused).toBeLessThan(stats.accepted);
    // The slowdown is said once per step down, in the log, not once per refused request.
    const notes = result.stdout.match(/The model endpoint answered 429/g) ?? [];
    expect(notes.length).toBeGreaterThan(0);
    expect(notes.length).toBeLessThanOrEqual(stats.refused);
  }, 90_000);

  it('500 on every request: the items are errored with the model error (status, not the key), the run completes, the gate fails', async () => {
    const key = 'sk-model-key-quoted-by-the-server-0042';
    const models = await startModels({
      apiKey: key,
      // A short Retry-After keeps the client's retries (6 tries an item) quick.
      chat: () => ({
        status: 500,
        headers: { 'retry-after-ms': '5' },
        body: { error: { message: `The server had an error processing your request (key ${key}).`, type: 'server_error', param: null, code: null } },
      }),
    });
    const job = modelJob(null, models, { ...SAMPLED, event: 'push', data: questions(4) });
    const result = await job.runMain();

    expect(result.exitCode).toBe(1);
    expect(result.outputs.status).toBe('completed');
    expect([result.outputs.total, result.outputs.passed, result.outputs.failed, result.outputs.errored]).toEqual(['4', '0', '0', '4']);
    expect(result.outputs.score).toBe('0');
    expect(errorText(result)).toMatch(/Score 0(\.0)?% is below the threshold 75(\.0)?%/);
    expect(models.requests).toHaveLength(4 * 6);
    const document = resultsDocument(result);
    expect(document.failing_items).toHaveLength(4);
    for (const item of document.failing_items as Array<{ outcome: string; error: string }>) {
      expect(item.outcome).toBe('error');
      expect(item.error).toMatch(/chat completion with model "gpt-fake-mini" failed after 6 attempts: 500 The server had an error/);
    }
    expect(result.summary).toMatch(/failed after 6 attempts: 500/);
    const places = { log: unmaskedLog(result), stderr: result.stderr, summary: result.summary, 'results file': JSON.stringify(document) };
    for (const [place, text] of Object.entries(places)) expect(text.includes(key), `the key appears in the ${place}`).toBe(false);
  }, 60_000);
});

describe('cancellation', () => {
  /** Whether process `pid` is still running. */
  function alive(pid: number): boolean {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  it('SIGINT while sampling from a slow model: the step exits promptly, model calls and the python worker stop, the post step is harmless', async () => {
    const answer = answerer();
    // Every answer takes 30 s: the items are all waiting on the model when the signal comes.
    const models = await startModels({ chat: (request) => answer(request.text), faults: { delayMs: 30_000 } });
    const job = modelJob(null, models, { event: 'push', data: questions(40), inputs: { 'data-source': toYaml(ASK_THE_QUESTION), model: 'gpt-fake-slow' } });
    // A python grader whose worker writes its pid when it loads (before any item runs).
    const pidFile = join(job.dir, 'python.pid');
    const pythonCheck = {
      type: 'python',
      name: 'Checked in python',
      pass_threshold: 1,
      source: `import os\nwith open(${JSON.stringify(pidFile)}, 'w') as f:\n    f.write(str(os.getpid()))\n\ndef grade(sample, item):\n    return 1.0\n`,
    };
    writeEvalFile(job, evalOf('Slow model', EXACT_ANSWER, pythonCheck));

    const step = job.startMain();
    await step.waitForOutput(/^Started run evalrun_/m);
    await until(() => models.requests.length >= 8);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(alive(pid)).toBe(true);
    const signalled = Date.now();
    step.child.kill('SIGINT');
    const main = await step.done;
    const elapsed = Date.now() - signalled;

    // Within the runner's 7.5 s before SIGTERM, with the cancellation as the step's failure.
    expect(elapsed, `exited ${elapsed} ms after SIGINT`).toBeLessThan(7500);
    expect(main.signal).toBeNull();
    expect(main.exitCode).toBe(1);
    expect(errorText(main)).toMatch(/Cancelled by SIGINT/);
    expect(main.outputs.result).toBeUndefined();
    // No more model requests once the step is gone, and no python worker left behind.
    const sent = models.requests.length;
    expect(sent).toBeLessThanOrEqual(8);
    await until(() => !alive(pid), 5000);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(models.requests.length).toBe(sent);

    // Nothing was saved for the post step, which has nothing to do.
    expect(main.state['run-id']).toBeUndefined();
    expect(main.state['attempt-token']).toBeUndefined();
    const post = await job.runPost();
    expect(post.exitCode).toBe(0);
    expect(commandMessages(post, 'warning')).toEqual([]);
    expect(commandMessages(post, 'error')).toEqual([]);
    expect(models.requests.length).toBe(sent);
  }, 60_000);
});

describe('the model API key never shows', () => {
  it('not in logs, summary, outputs, results file or PR comment, even when the model echoes it', async () => {
    // Markdown characters in it: the reports escape `_`, so the key must be blanked out before rendering.
    const key = 'sk_model_under_scored_key_5678';
    const answer = answerer();
    const github = await startGitHub();
    const models = await startModels({
      apiKey: key,
      chat: (request) => (request.text.includes('number 2?') ? `My key is ${key}, use it.` : answer(request.text)),
    });
    const job = modelJob(github, models, {
      definition: evalOf('Sampled answers', EXACT_ANSWER),
      data: questions(10),
      inputs: { 'data-source': toYaml(ASK_THE_QUESTION), model: 'gpt-fake-mini' },
    });
    const result = await job.runMain();

    expect(result.exitCode, result.stdout).toBe(0);
    expect(result.outputs.failed).toBe('1');
    expect(result.stdout.split('\n')).toContain(`::add-mask::${key}`);
    const body = comments({ github })[0]?.body ?? '';
    // The failing item is reported, with the key blanked out.
    expect(body).toContain('My key is ***, use it.');
    expect(result.summary).toContain('My key is ***, use it.');
    const resultsFile = readFileSync(result.outputs['results-file'] ?? '', 'utf8');
    const places: Record<string, string> = {
      log: unmaskedLog(result),
      stderr: result.stderr,
      summary: result.summary,
      outputs: JSON.stringify(result.outputs),
      state: job.read('state'),
      'results file': resultsFile,
      comment: body,
    };
    const escaped = key.replace(/_/g, '\\_');
    for (const [place, text] of Object.entries(places)) {
      expect(text.includes(key), `the key appears in the ${place}`).toBe(false);
      expect(text.includes(escaped), `the escaped key appears in the ${place}`).toBe(false);
    }
  });
});

describe('the remote engine given an eval-file', () => {
  /** A job sending the eval file to the Evals API fake. */
  function remoteJob(evals: FakeEvalsApi, github: FakeGitHub | null, options: LocalJobOptions = {}): RunnerJob {
    return localJob(github, { ...options, inputs: { engine: 'remote', 'api-key': evals.apiKey, 'base-url': evals.url, ...options.inputs } });
  }

  function evalCreates(evals: FakeEvalsApi) {
    return evals.requests.filter((r) => r.method === 'POST' && r.path === '/v1/evals');
  }

  it('creates the eval on the first run, reuses it for the same file, and makes a new one when the file changes', async () => {
    const evals = await startEvals();
    const github = await startGitHub();

    const first = await remoteJob(evals, github).runMain();
    expect(first.exitCode, first.stdout).toBe(0);
    expect(evalCreates(evals)).toHaveLength(1);
    const [evalId] = evals.evalIds();
    expect(evals.evalIds()).toHaveLength(1);
    const created = evalCreates(evals)[0]?.body as { name: string; metadata: Record<string, string>; testing_criteria: unknown[] };
    expect(created.name).toBe(SUPPORT_EVAL.name);
    expect(created.testing_criteria).toHaveLength(2);
    const fingerprint = created.metadata.evals_gate_definition;
    expect(fingerprint).toMatch(/^\w+$/);
    expect(first.stdout).toContain(`Created eval ${evalId} from ${EVAL_FILE}`);
    expect([first.outputs.total, first.outputs.passed, first.outputs.failed]).toEqual(['10', '8', '2']);
    expect(first.outputs.result).toBe('pass');
    const runs = evals.runs();
    expect(runs.map((run) => run.evalId)).toEqual([evalId]);
    expect(first.outputs['run-id']).toBe(runs[0]?.id);
    expect(comments({ github })[0]?.body.split('\n')[0]).toBe(commentMarker(EVAL_FILE));

    const second = await remoteJob(evals, github).runMain();
    expect(second.exitCode, second.stdout).toBe(0);
    expect(evalCreates(evals)).toHaveLength(1);
    expect(second.stdout).toContain(`Using eval ${evalId}, made from this version of ${EVAL_FILE}`);
    expect(evals.runs().map((run) => run.evalId)).toEqual([evalId, evalId]);

    const changed = { ...SUPPORT_DEFINITION, testing_criteria: [EXACT_ANSWER] };
    const third = await remoteJob(evals, github, { definition: changed }).runMain();
    expect(third.exitCode, third.stdout).toBe(0);
    expect(evalCreates(evals)).toHaveLength(2);
    const newId = evals.evalIds().find((id) => id !== evalId);
    expect(newId).toBeDefined();
    expect((evalCreates(evals)[1]?.body as { metadata: Record<string, string> }).metadata.evals_gate_definition).not.toBe(fingerprint);
    expect(evals.runs().at(-1)?.evalId).toBe(newId);
    expect(third.stdout).toContain(`Created eval ${newId} from ${EVAL_FILE}`);
  });

  it('killed while the run is active: the post step cancels it, with the eval id the main step saved', async () => {
    const evals = await startEvals({ progress: { never: true } });
    const job = remoteJob(evals, null, { event: 'push' });
    const step = job.startMain();
    await step.waitForOutput(/^Started run evalrun_/m);
    step.child.kill('SIGKILL');
    const main = await step.done;
    expect(main.signal).toBe('SIGKILL');
    const [evalId] = evals.evalIds();
    const [run] = evals.runs();
    expect(main.state['eval-id']).toBe(evalId);
    expect(main.state['run-id']).toBe(run?.id);

    const post = await job.runPost();
    expect(post.exitCode).toBe(0);
    expect(warningText(post)).toMatch(new RegExp(`Cancelled run ${run?.id}`));
    expect(evals.run(run?.id ?? '')?.status).toBe('canceled');
    // The post step looked nothing up but the run: no eval was searched for or made.
    expect(evalCreates(evals)).toHaveLength(1);
  });
});

describe('the quickstart example', () => {
  const QUICKSTART = 'examples/quickstart';

  function quickstartJob(threshold: string): RunnerJob {
    const job = localJob(null, {
      event: 'push',
      inputs: { 'eval-file': `${QUICKSTART}/support.eval.yaml`, 'data-file': `${QUICKSTART}/support.jsonl`, threshold },
    });
    cpSync(join(REPO_ROOT, QUICKSTART), join(job.workspace, QUICKSTART), { recursive: true });
    return job;
  }

  it('runs as it is: 10 of 12 pass, so 80% passes', async () => {
    const result = await quickstartJob('80%').runMain();

    expect(result.exitCode, result.stdout).toBe(0);
    expect([result.outputs.total, result.outputs.passed, result.outputs.failed, result.outputs.errored]).toEqual(['12', '10', '2', '0']);
    expect(Number(result.outputs.score)).toBeCloseTo(10 / 12, 10);
    expect(result.outputs.result).toBe('pass');
    expect(result.summary.split('\n')[0]).toMatch(/^### ✅ .*Support answers.*: passed$/);
    for (const name of ['Mentions the key term', 'Close to the reference', 'Covers the reference']) expect(result.summary).toContain(name);
  });

  it('and 90% fails', async () => {
    const result = await quickstartJob('90%').runMain();

    expect(result.exitCode).toBe(1);
    expect(result.outputs.result).toBe('fail');
    expect(errorText(result)).toMatch(/Score 83\.3% is below the threshold 90(\.0)?%/);
  });
});
