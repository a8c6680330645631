import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultRunName, readGitContext } from '../../../src/github/context.ts';
import { HEAD_SHA, LOCAL_GIT, PR_GIT } from '../../support/git-context.ts';

const dir = mkdtempSync(join(tmpdir(), 'github-context-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function payloadFile(payload: unknown): string {
  const path = join(dir, `event-${++files}.json`);
  writeFileSync(path, typeof payload === 'string' ? payload : JSON.stringify(payload));
  return path;
}

const MERGE_SHA = 'ffffeeee0000111122223333444455556666aaaa';

function pullRequestPayload(headRepo: string | null) {
  return {
    action: 'synchronize',
    number: 12,
    pull_request: {
      number: 12,
      head: { ref: 'feature/x', sha: HEAD_SHA, repo: headRepo === null ? null : { full_name: headRepo } },
      base: { ref: 'main', sha: 'b'.repeat(40), repo: { full_name: 'acme/widgets' } },
    },
    repository: { full_name: 'acme/widgets' },
  };
}

function runnerEnv(overrides: Record<string, string>): NodeJS.ProcessEnv {
  return {
    GITHUB_REPOSITORY: 'acme/widgets',
    GITHUB_RUN_ID: '9876543210',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_JOB: 'gate',
    GITHUB_ACTION: '__acme_evals-gate',
    GITHUB_WORKFLOW: 'CI',
    GITHUB_ACTOR: 'octocat',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'https://api.github.com',
    GITHUB_HEAD_REF: '',
    GITHUB_BASE_REF: '',
    ...overrides,
  };
}

function pullRequestEnv(headRepo: string | null, event = 'pull_request'): NodeJS.ProcessEnv {
  return runnerEnv({
    GITHUB_EVENT_NAME: event,
    GITHUB_EVENT_PATH: payloadFile(pullRequestPayload(headRepo)),
    GITHUB_SHA: MERGE_SHA,
    GITHUB_REF: 'refs/pull/12/merge',
    GITHUB_REF_NAME: '12/merge',
    GITHUB_HEAD_REF: 'feature/x',
    GITHUB_BASE_REF: 'main',
  });
}

describe('readGitContext', () => {
  it('reads a same-repository pull request: head commit and branch, not the merge commit', () => {
    const ctx = readGitContext(pullRequestEnv('acme/widgets'));
    // Every field: the head commit and branch, the base branch, the run and its link.
    expect(ctx).toEqual(PR_GIT);
    expect(ctx).toMatchObject({ sha: HEAD_SHA, shortSha: '1a2b3c4', ref: 'refs/pull/12/merge', branch: 'feature/x', baseBranch: 'main', prNumber: 12, isFork: false });
  });

  it('reads the base commit of a pull request and the repository id', () => {
    expect(readGitContext(pullRequestEnv('acme/widgets'))).toMatchObject({ baseSha: 'b'.repeat(40), repositoryId: null });
    expect(readGitContext({ ...pullRequestEnv('acme/widgets'), GITHUB_REPOSITORY_ID: '123456' }).repositoryId).toBe(123456);
    expect(readGitContext({ ...pullRequestEnv('acme/widgets'), GITHUB_REPOSITORY_ID: 'x' }).repositoryId).toBeNull();
  });

  it('marks a pull request from another repository, or from a deleted fork, as a fork', () => {
    expect(readGitContext(pullRequestEnv('stranger/widgets')).isFork).toBe(true);
    expect(readGitContext(pullRequestEnv(null)).isFork).toBe(true);
    // Owner and repository names are case-insensitive on GitHub.
    expect(readGitContext(pullRequestEnv('ACME/Widgets')).isFork).toBe(false);
  });

  it('treats pull_request_target like pull_request', () => {
    const ctx = readGitContext(pullRequestEnv('stranger/widgets', 'pull_request_target'));
    expect(ctx).toMatchObject({ prNumber: 12, isPullRequest: true, isFork: true, sha: HEAD_SHA });
  });

  it('takes the PR branches from the payload when the runner variables are empty', () => {
    const env = { ...pullRequestEnv('acme/widgets'), GITHUB_HEAD_REF: '', GITHUB_BASE_REF: '' };
    expect(readGitContext(env)).toMatchObject({ branch: 'feature/x', baseBranch: 'main' });
  });

  it('reads a push: the pushed commit and branch, no pull request', () => {
    const ctx = readGitContext(
      runnerEnv({
        GITHUB_EVENT_NAME: 'push',
        GITHUB_EVENT_PATH: payloadFile({ ref: 'refs/heads/main', after: HEAD_SHA }),
        GITHUB_SHA: HEAD_SHA,
        GITHUB_REF: 'refs/heads/main',
        GITHUB_REF_NAME: 'main',
      }),
    );
    expect(ctx).toMatchObject({
      eventName: 'push',
      sha: HEAD_SHA,
      shortSha: '1a2b3c4',
      branch: 'main',
      baseBranch: null,
      prNumber: null,
      isPullRequest: false,
      isFork: false,
    });
  });

  it('gives a tag push no branch, but keeps its ref name', () => {
    const ctx = readGitContext(
      runnerEnv({
        GITHUB_EVENT_NAME: 'push',
        GITHUB_SHA: HEAD_SHA,
        GITHUB_REF: 'refs/tags/v1.2.0',
        GITHUB_REF_NAME: 'v1.2.0',
      }),
    );
    expect(ctx).toMatchObject({ branch: null, refName: 'v1.2.0' });
    expect(defaultRunName(ctx)).toBe('v1.2.0 · 1a2b3c4');
  });

  it('reads a schedule and a workflow_dispatch run on the default branch', () => {
    for (const event of ['schedule', 'workflow_dispatch']) {
      const ctx = readGitContext(
        runnerEnv({
          GITHUB_EVENT_NAME: event,
          GITHUB_EVENT_PATH: payloadFile(event === 'schedule' ? { schedule: '0 3 * * *' } : { inputs: {} }),
          GITHUB_SHA: HEAD_SHA,
          GITHUB_REF: 'refs/heads/main',
          GITHUB_REF_NAME: 'main',
        }),
      );
      expect(ctx).toMatchObject({ eventName: event, branch: 'main', sha: HEAD_SHA, isPullRequest: false });
    }
  });

  it('does not take a pull_request object in a non-PR event for a pull request', () => {
    const ctx = readGitContext(
      runnerEnv({
        GITHUB_EVENT_NAME: 'workflow_dispatch',
        GITHUB_EVENT_PATH: payloadFile(pullRequestPayload('stranger/widgets')),
        GITHUB_SHA: MERGE_SHA,
        GITHUB_REF: 'refs/heads/main',
        GITHUB_REF_NAME: 'main',
      }),
    );
    expect(ctx).toMatchObject({ prNumber: null, isPullRequest: false, isFork: false, sha: MERGE_SHA });
  });

  it('treats a missing or malformed payload file as an empty payload', () => {
    for (const path of [join(dir, 'no-such-file.json'), payloadFile('{not json'), payloadFile('[1, 2]')]) {
      const ctx = readGitContext(
        runnerEnv({
          GITHUB_EVENT_NAME: 'pull_request',
          GITHUB_EVENT_PATH: path,
          GITHUB_SHA: MERGE_SHA,
          GITHUB_REF: 'refs/pull/7/merge',
          GITHUB_REF_NAME: '7/merge',
          GITHUB_HEAD_REF: 'fix',
          GITHUB_BASE_REF: 'main',
        }),
      );
      // The PR number still comes from the ref; with no payload the head commit is unknown.
      expect(ctx).toMatchObject({ prNumber: 7, isPullRequest: true, isFork: false, sha: MERGE_SHA, branch: 'fix' });
    }
  });

  it('links to the attempt when the run was re-run', () => {
    const ctx = readGitContext({ ...pullRequestEnv('acme/widgets'), GITHUB_RUN_ATTEMPT: '3' });
    expect(ctx.runAttempt).toBe(3);
    expect(ctx.workflowRunUrl).toBe('https://github.com/acme/widgets/actions/runs/9876543210/attempts/3');
  });

  it('uses the server URL given (GitHub Enterprise), without a trailing slash', () => {
    const ctx = readGitContext({
      ...pullRequestEnv('acme/widgets'),
      GITHUB_SERVER_URL: 'https://ghe.example.com/',
      GITHUB_API_URL: 'https://ghe.example.com/api/v3/',
    });
    expect(ctx.serverUrl).toBe('https://ghe.example.com');
    expect(ctx.apiUrl).toBe('https://ghe.example.com/api/v3');
    expect(ctx.workflowRunUrl).toBe('https://ghe.example.com/acme/widgets/actions/runs/9876543210');
  });

  it('knows nothing outside Actions, and says so with defaults', () => {
    const ctx = readGitContext({});
    // Every field null or its default.
    expect(ctx).toEqual(LOCAL_GIT);
  });

  it('has no workflow run link without a run id, and no repository from a malformed name', () => {
    expect(readGitContext({ GITHUB_REPOSITORY: 'acme/widgets' }).workflowRunUrl).toBeNull();
    expect(readGitContext({ GITHUB_REPOSITORY: 'acme', GITHUB_RUN_ID: '1' })).toMatchObject({
      repository: null,
      workflowRunUrl: null,
    });
  });
});

describe('defaultRunName', () => {
  it('names a pull request run by PR number and head commit', () => {
    expect(defaultRunName(readGitContext(pullRequestEnv('stranger/widgets')))).toBe('PR #12 · 1a2b3c4');
  });

  it('names a branch run by branch and commit', () => {
    const ctx = readGitContext({ GITHUB_REF: 'refs/heads/main', GITHUB_REF_NAME: 'main', GITHUB_SHA: HEAD_SHA });
    expect(defaultRunName(ctx)).toBe('main · 1a2b3c4');
  });

  it('says "local run" when there is no git context', () => {
    expect(defaultRunName(readGitContext({}))).toBe('local run');
  });
});
