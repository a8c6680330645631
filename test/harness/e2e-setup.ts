// What the end-to-end tests (test/e2e/) share: the loopback fakes they start and close after each test,
// the repository and pull request the runner's context describes, the support eval and its data, and
// jobs of the bundle against those fakes for a pull_request (also from a fork), push or schedule event.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, expect } from 'vitest';
import { startActionsResults } from '../fakes/actions-results.ts';
import { startEvalsApi, type FakeEvalDefinition, type FakeEvalsApi, type FakeEvalsOptions, type JsonlRow, type StringCheckCriterion } from '../fakes/evals-api.ts';
import { FAKE_GITHUB_TOKEN, startGitHubApi, type FakeGitHub, type FakeGitHubOptions } from '../fakes/github-api.ts';
import { provideStepEnvironment, RunnerJob } from './runner.ts';

// ---- the runner's context: RunnerJob's GITHUB_REPOSITORY, and the pull request of pull_request events ----

export const OWNER = 'octo-org';
export const REPO = 'octo-repo';
export const PR = 7;
export const HEAD_SHA = '9f8e7d6c5b4a39281706f5e4d3c2b1a098765432';
/** The `github-token` of a fork_pull_request job: give it read-only rights in the GitHub fake. */
export const FORK_TOKEN = 'ghs_ForkReadOnlyToken00000000000000000';
/** The start of the first line of the gate's sticky PR comment; the comment key and ` -->` follow. */
export const MARKER_PREFIX = '<!-- evals-gate:comment key=';

// ---- fakes, closed after every test ----------------------------------------------------------------

const closers: (() => Promise<void>)[] = [];
let closingAfterEachTest = false;

/** Call once at the top of an e2e test file: after each test, closes every fake the test started. */
export function closeFakesAfterEachTest(): void {
  closingAfterEachTest = true;
  // Every step gets a runtime token and results URL, as on a runner: each job its own workflow run, so
  // that the record each run keeps at its end goes somewhere real. History tests bring their own.
  beforeEach(async () => {
    const results = await startActionsResults();
    closers.push(() => results.close());
    provideStepEnvironment(() => {
      const run = results.registerRun({ owner: OWNER, repo: REPO, repositoryId: 5001, id: 4242, backendId: randomUUID() });
      return { ACTIONS_RUNTIME_TOKEN: results.runtimeToken(run), ACTIONS_RESULTS_URL: `${results.url}/` };
    });
  });
  afterEach(async () => {
    provideStepEnvironment(null);
    await Promise.all(closers.splice(0).map((close) => close()));
  });
}

/** Has `close` called once the current test is over. */
export function closeAfterTest(close: () => Promise<void>): void {
  if (!closingAfterEachTest) throw new Error('call closeFakesAfterEachTest() at the top of the test file');
  closers.push(close);
}

/**
 * The Evals API fake, closed after the test. Its runs are in progress at the first poll and completed at
 * the second (a second later: poll-interval is at least 1 s) unless `options.progress` says otherwise.
 */
export async function startEvals(options: FakeEvalsOptions = {}): Promise<FakeEvalsApi> {
  const evals = await startEvalsApi({ progress: { queuedPolls: 0, inProgressPolls: 1 }, ...options });
  closeAfterTest(() => evals.close());
  return evals;
}

export interface Fakes {
  evals: FakeEvalsApi;
  github: FakeGitHub;
  evalId: string;
}

export interface FakesOptions {
  evals?: FakeEvalsOptions;
  /** Fields of the eval to add, over SUPPORT_EVAL's. */
  eval?: Partial<FakeEvalDefinition>;
  github?: FakeGitHubOptions;
}

/** The Evals API fake with SUPPORT_EVAL (changed by `options.eval`) in it, and the GitHub API fake. */
export async function startFakes(options: FakesOptions = {}): Promise<Fakes> {
  const evals = await startEvals(options.evals);
  const github = await startGitHubApi(options.github);
  closeAfterTest(() => github.close());
  const evalId = evals.addEval({ ...SUPPORT_EVAL, ...options.eval });
  return { evals, github, evalId };
}

// ---- the eval and its data ---------------------------------------------------------------------------

export const EXACT_ANSWER: StringCheckCriterion = {
  type: 'string_check',
  name: 'Exact answer',
  input: '{{sample.output_text}}',
  reference: '{{item.expected}}',
  operation: 'eq',
};

/** Two checks: the exact answer, and that the answer mentions the key term (`item.must_mention`). */
export const SUPPORT_EVAL: FakeEvalDefinition = {
  name: 'Support answers',
  testing_criteria: [
    EXACT_ANSWER,
    { type: 'string_check', name: 'Mentions the key term', input: '{{sample.output_text}}', reference: '{{item.must_mention}}', operation: 'ilike' },
  ],
};

/** SUPPORT_EVAL with its exact-answer check alone. */
export const EXACT_ANSWER_EVAL: FakeEvalDefinition = { name: 'Support answers', testing_criteria: [EXACT_ANSWER] };

/** Row `i`: its question, and the right answer unless `answer` says otherwise (a wrong one fails both criteria of SUPPORT_EVAL). */
export function row(i: number, answer?: string): JsonlRow {
  return {
    item: { question: `Question number ${i}?`, expected: `Answer ${i} is right.`, must_mention: `Answer ${i}` },
    sample: { output_text: answer ?? `Answer ${i} is right.` },
  };
}

/**
 * `count` rows, 0 to count − 1, right but for those in `failing`: a list of rows that answer
 * `I do not know (<i>).`, or the wrong answer of each row, by row.
 */
export function rows(count: number, failing: readonly number[] | Readonly<Record<number, string>> = {}): JsonlRow[] {
  const wrongAnswer = (i: number): string | undefined =>
    isRowList(failing) ? (failing.includes(i) ? `I do not know (${i}).` : undefined) : failing[i];
  return Array.from({ length: count }, (_, i) => row(i, wrongAnswer(i)));
}

// `Array.isArray` does not narrow a readonly array out of a union.
function isRowList(failing: readonly number[] | Readonly<Record<number, string>>): failing is readonly number[] {
  return Array.isArray(failing);
}

/** 10 rows, 8 passing: a score of 80%. */
export const EIGHT_OF_TEN = rows(10, { 3: 'I do not know.', 8: 'No idea.' });

/** Writes data.jsonl (the jobs' `data-file`) into the job's workspace: the rows, or raw text. */
export function writeData(job: RunnerJob, data: readonly JsonlRow[] | string): void {
  const text = typeof data === 'string' ? data : data.map((r) => JSON.stringify(r)).join('\n');
  writeFileSync(join(job.workspace, 'data.jsonl'), `${text}\n`);
}

// ---- jobs ------------------------------------------------------------------------------------------

/** Pull requests are PR #7 from `better-answers` into main (fork_pull_request: from a fork); the others run on main. */
export type GateEvent = 'pull_request' | 'fork_pull_request' | 'push' | 'schedule';

export interface JobOptions {
  /** Default pull_request. */
  event?: GateEvent;
  /** Over the defaults: the fakes' eval, key and URL, data.jsonl, threshold 75%, a fast poll and a GitHub token. */
  inputs?: Record<string, string>;
  env?: Record<string, string>;
  /** Written to data.jsonl in the workspace (the default `data-file`). Default EIGHT_OF_TEN. */
  data?: JsonlRow[];
  /** Raw data.jsonl text instead of `data`. */
  dataText?: string;
}

function prPayload(fork: boolean) {
  const base = { full_name: `${OWNER}/${REPO}` };
  const head = fork ? { full_name: `forker/${REPO}`, fork: true } : base;
  return {
    number: PR,
    pull_request: { number: PR, head: { sha: HEAD_SHA, ref: 'better-answers', repo: head }, base: { ref: 'main', repo: base } },
    repository: base,
  };
}

/** A job of the gate against the fakes, for `options.event`, with its data written. */
export function makeJob(fakes: Fakes, options: JobOptions = {}): RunnerJob {
  const event = options.event ?? 'pull_request';
  const isPr = event === 'pull_request' || event === 'fork_pull_request';
  const eventEnv: Record<string, string> = isPr
    ? { GITHUB_REF: `refs/pull/${PR}/merge`, GITHUB_REF_NAME: `${PR}/merge`, GITHUB_HEAD_REF: 'better-answers', GITHUB_BASE_REF: 'main' }
    : { GITHUB_REF: 'refs/heads/main', GITHUB_REF_NAME: 'main' };
  const job = new RunnerJob({
    eventName: isPr ? 'pull_request' : event,
    payload: isPr ? prPayload(event === 'fork_pull_request') : { ref: 'refs/heads/main', repository: { full_name: `${OWNER}/${REPO}` } },
    inputs: {
      'eval-id': fakes.evalId,
      'api-key': fakes.evals.apiKey,
      'base-url': fakes.evals.url,
      'data-file': 'data.jsonl',
      threshold: '75%',
      'poll-interval': '1',
      'github-token': event === 'fork_pull_request' ? FORK_TOKEN : FAKE_GITHUB_TOKEN,
      ...options.inputs,
    },
    env: { GITHUB_API_URL: fakes.github.url, ...eventEnv, ...options.env },
  });
  writeData(job, options.dataText ?? options.data ?? EIGHT_OF_TEN);
  return job;
}

// ---- what the fakes saw ------------------------------------------------------------------------------

/** The comments on PR #7, oldest first. */
export function comments(fakes: { github: FakeGitHub }) {
  return fakes.github.comments(OWNER, REPO, PR);
}

/** The one run on the Evals API fake (it fails the test if there is not exactly one). */
export function onlyRun(fakes: { evals: FakeEvalsApi }) {
  const runs = fakes.evals.runs();
  expect(runs).toHaveLength(1);
  const [run] = runs;
  if (!run) throw new Error('no run');
  return run;
}

/** The runner's event name, payload and refs for `event`, as makeJob sets them: for jobs that need no Evals API fake. */
export function eventContext(event: GateEvent): { eventName: string; payload: unknown; env: Record<string, string> } {
  const isPr = event === 'pull_request' || event === 'fork_pull_request';
  if (!isPr) {
    return { eventName: event, payload: { ref: 'refs/heads/main', repository: { full_name: `${OWNER}/${REPO}` } }, env: { GITHUB_REF: 'refs/heads/main', GITHUB_REF_NAME: 'main' } };
  }
  return {
    eventName: 'pull_request',
    payload: prPayload(event === 'fork_pull_request'),
    env: { GITHUB_REF: `refs/pull/${PR}/merge`, GITHUB_REF_NAME: `${PR}/merge`, GITHUB_HEAD_REF: 'better-answers', GITHUB_BASE_REF: 'main' },
  };
}
