// Git contexts as readGitContext reads them (test/unit/github-context.test.ts checks that it does), for the
// tests that take one as input (test/unit/inputs.test.ts).
import type { GitContext } from '../../src/github/context.ts';

/** The head commit of pull request #12 (its merge commit is another). */
export const HEAD_SHA = '1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b';

/** Pull request #12 of acme/widgets from its own repository (feature/x into main), run 9876543210 of CI. */
export const PR_GIT: GitContext = {
  eventName: 'pull_request',
  owner: 'acme',
  repo: 'widgets',
  repository: 'acme/widgets',
  sha: HEAD_SHA,
  shortSha: '1a2b3c4',
  ref: 'refs/pull/12/merge',
  refName: '12/merge',
  branch: 'feature/x',
  baseBranch: 'main',
  baseSha: 'b'.repeat(40),
  prNumber: 12,
  isPullRequest: true,
  isFork: false,
  runId: '9876543210',
  repositoryId: null,
  runAttempt: 1,
  job: 'gate',
  stepId: '__acme_evals-gate',
  workflow: 'CI',
  actor: 'octocat',
  serverUrl: 'https://github.com',
  apiUrl: 'https://api.github.com',
  workflowRunUrl: 'https://github.com/acme/widgets/actions/runs/9876543210',
};

/** A push to main, in the same run. */
export const PUSH_GIT: GitContext = {
  ...PR_GIT,
  eventName: 'push',
  ref: 'refs/heads/main',
  refName: 'main',
  branch: 'main',
  baseBranch: null,
  baseSha: null,
  prNumber: null,
  isPullRequest: false,
};

/** Outside Actions: no environment at all. */
export const LOCAL_GIT: GitContext = {
  eventName: null,
  owner: null,
  repo: null,
  repository: null,
  sha: null,
  shortSha: null,
  ref: null,
  refName: null,
  branch: null,
  baseBranch: null,
  baseSha: null,
  prNumber: null,
  isPullRequest: false,
  isFork: false,
  runId: null,
  repositoryId: null,
  runAttempt: 1,
  job: null,
  stepId: null,
  workflow: null,
  actor: null,
  serverUrl: 'https://github.com',
  apiUrl: 'https://api.github.com',
  workflowRunUrl: null,
};
