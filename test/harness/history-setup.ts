// What the run-history e2e tests share: the results service fake and the GitHub fake serving its
// artifacts, and jobs of the bundle on the local engine that run as one workflow run of the repository
// (or of a fork's pull request), with the runtime token and results URL the runner gives a step.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { startActionsResults, type FakeActionsResults } from '../fakes/actions-results.ts';
import type { FakeWorkflowRun } from '../fakes/artifact-store.ts';
import type { JsonlRow } from '../fakes/evals-api.ts';
import { FAKE_GITHUB_IDENTITY, FAKE_GITHUB_TOKEN, startGitHubApi, type FakeGitHub } from '../fakes/github-api.ts';
import { closeAfterTest, EIGHT_OF_TEN, FORK_TOKEN, OWNER, PR, REPO, SUPPORT_EVAL, writeData } from './e2e-setup.ts';
import { RunnerJob } from './runner.ts';

export const REPOSITORY_ID = 5001;
export const FORK_REPOSITORY_ID = 6001;
/** A `github-token` without `permissions: actions: read`. */
export const NO_ACTIONS_TOKEN = 'ghs_NoActionsReadToken000000000000000000';
/** Where the jobs' eval file sits (and so the default comment key). */
export const EVAL_FILE = 'evals/support.eval.yaml';
export const PR_BRANCH = 'better-answers';

export const SUPPORT_DEFINITION = {
  name: SUPPORT_EVAL.name,
  data_source_config: { type: 'custom', include_sample_schema: true },
  testing_criteria: SUPPORT_EVAL.testing_criteria,
};

export interface HistoryFakes {
  results: FakeActionsResults;
  github: FakeGitHub;
}

/** The results service fake and the GitHub fake listing its artifacts, closed after the test. */
export async function startHistoryFakes(): Promise<HistoryFakes> {
  const results = await startActionsResults();
  const github = await startGitHubApi({
    artifacts: results,
    tokens: {
      [FAKE_GITHUB_TOKEN]: FAKE_GITHUB_IDENTITY,
      [FORK_TOKEN]: { ...FAKE_GITHUB_IDENTITY, canWrite: false },
      [NO_ACTIONS_TOKEN]: { ...FAKE_GITHUB_IDENTITY, canReadActions: false },
    },
  });
  closeAfterTest(() => github.close());
  closeAfterTest(() => results.close());
  return { results, github };
}

export type HistoryEvent = 'push' | 'schedule' | 'workflow_dispatch' | 'pull_request' | 'fork_pull_request';

export interface HistoryJobOptions {
  event: HistoryEvent;
  /** The commit under test (a PR's head commit). Default: a fresh one per run. */
  sha?: string;
  /** A pull request's base commit. */
  baseSha?: string;
  /** A pull request's number; default PR (7). */
  pr?: number;
  /** The workflow run to join (two steps or matrix legs of one run); default a new run. */
  run?: FakeWorkflowRun;
  data?: readonly JsonlRow[];
  inputs?: Record<string, string>;
  env?: Record<string, string>;
}

let shaCounter = 0;
/** A commit sha nobody else uses. */
export function freshSha(): string {
  shaCounter++;
  return `${String(shaCounter).padStart(8, '0')}${'c0ffee'.repeat(6)}`.slice(0, 40);
}

/**
 * A job of the gate on the local engine as a step of a workflow run of the repository: the run is
 * registered with the results fake (a fork's pull request run has the fork as head repository) and the
 * step gets its runtime token.
 */
export function historyJob(fakes: HistoryFakes, options: HistoryJobOptions): { job: RunnerJob; run: FakeWorkflowRun } {
  const isPr = options.event === 'pull_request' || options.event === 'fork_pull_request';
  const fork = options.event === 'fork_pull_request';
  const sha = options.sha ?? freshSha();
  const pr = options.pr ?? PR;
  const run =
    options.run ??
    fakes.results.registerRun({
      owner: OWNER,
      repo: REPO,
      repositoryId: REPOSITORY_ID,
      headRepositoryId: fork ? FORK_REPOSITORY_ID : REPOSITORY_ID,
      // A fork's branch may well be called main.
      headBranch: isPr ? (fork ? 'main' : PR_BRANCH) : 'main',
      headSha: sha,
    });
  const base = { full_name: `${OWNER}/${REPO}` };
  const payload = isPr
    ? {
        number: pr,
        pull_request: {
          number: pr,
          head: { sha, ref: fork ? 'main' : PR_BRANCH, repo: fork ? { full_name: `forker/${REPO}`, fork: true } : base },
          base: { sha: options.baseSha ?? freshSha(), ref: 'main', repo: base },
        },
        repository: base,
      }
    : { ref: 'refs/heads/main', repository: base };
  const refs: Record<string, string> = isPr
    ? { GITHUB_REF: `refs/pull/${pr}/merge`, GITHUB_REF_NAME: `${pr}/merge`, GITHUB_HEAD_REF: fork ? 'main' : PR_BRANCH, GITHUB_BASE_REF: 'main', GITHUB_SHA: freshSha() }
    : { GITHUB_REF: 'refs/heads/main', GITHUB_REF_NAME: 'main', GITHUB_SHA: sha };
  const job = new RunnerJob({
    eventName: isPr ? 'pull_request' : options.event,
    payload,
    inputs: {
      'eval-file': EVAL_FILE,
      'data-file': 'data.jsonl',
      threshold: '75%',
      'poll-interval': '1',
      'github-token': fork ? FORK_TOKEN : FAKE_GITHUB_TOKEN,
      ...options.inputs,
    },
    env: {
      GITHUB_API_URL: fakes.github.url,
      OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
      GITHUB_RUN_ID: String(run.id),
      GITHUB_REPOSITORY_ID: String(REPOSITORY_ID),
      ACTIONS_RUNTIME_TOKEN: fakes.results.runtimeToken(run),
      ACTIONS_RESULTS_URL: `${fakes.results.url}/`,
      ...refs,
      ...options.env,
    },
  });
  const file = join(job.workspace, EVAL_FILE);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, toYaml(SUPPORT_DEFINITION));
  writeData(job, options.data ?? EIGHT_OF_TEN);
  return { job, run };
}
