// The GitHub API fake as the tests of src/github/ use it (test/integration/pull-request-comments.test.ts,
// tracking-issue.test.ts): one repository, GITHUB_TOKEN's identity and a user's PAT, closed after each test.
import type { GitHubClientOptions } from '../../src/github/github-api.ts';
import { FAKE_GITHUB_IDENTITY, FAKE_GITHUB_TOKEN, startGitHubApi } from '../fakes/github-api.ts';
import type { FakeGitHub, FakeGitHubOptions, FakeIdentity } from '../fakes/github-api.ts';
import { useClosers } from './closers.ts';

export const OWNER = 'acme';
export const REPO = 'widgets';
/** A personal access token of the user octocat, who may write. */
export const PAT = 'ghp_PersonalAccessToken000000000000000';
const PAT_IDENTITY: FakeIdentity = { login: 'OctoCat', viewerLogin: 'octocat', type: 'User', canWrite: true };

/**
 * Call at the top level of a test file: returns `start`, which starts a GitHub fake that accepts
 * FAKE_GITHUB_TOKEN, `tokens` and PAT (unless `options.tokens` says otherwise), closed after the test.
 */
export function useGitHubFake(tokens: Record<string, FakeIdentity> = {}): (options?: FakeGitHubOptions) => Promise<FakeGitHub> {
  const track = useClosers();
  return async (options = {}) => {
    const fake = await startGitHubApi({ tokens: { [FAKE_GITHUB_TOKEN]: FAKE_GITHUB_IDENTITY, ...tokens, [PAT]: PAT_IDENTITY }, ...options });
    track(() => fake.close());
    return fake;
  };
}

/** Pauses between tries of 1, 4 and 9 ms instead of seconds: the retries are real, the waits short. */
export const RETRY_UNIT_MS = 1;

/** The options of a client of OWNER/REPO on `api`, as `token`; what it logs goes to `log`. */
export function repoClientOptions(
  api: FakeGitHub,
  token = FAKE_GITHUB_TOKEN,
  requestTimeoutMs?: number,
  log: (line: string) => void = () => undefined,
): GitHubClientOptions & { owner: string; repo: string } {
  return { token, apiUrl: api.url, owner: OWNER, repo: REPO, requestTimeoutMs, retryUnitMs: RETRY_UNIT_MS, log: { info: log } };
}
