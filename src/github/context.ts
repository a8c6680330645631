import { readFileSync } from 'node:fs';

/** What the workflow run tells us about where it runs: repository, commit, pull request, run. */
export interface GitContext {
  /** `GITHUB_EVENT_NAME`, e.g. `pull_request`, `push`; null outside Actions. */
  eventName: string | null;
  owner: string | null;
  repo: string | null;
  /** `owner/repo`, or null when unknown. */
  repository: string | null;
  /** The commit under test: a pull request's head commit (`GITHUB_SHA` is the merge commit there). */
  sha: string | null;
  /** The first 7 characters of `sha`. */
  shortSha: string | null;
  /** `GITHUB_REF`, e.g. `refs/heads/main`, `refs/pull/12/merge`. */
  ref: string | null;
  /** `GITHUB_REF_NAME`: the branch or tag name (`12/merge` for pull requests). */
  refName: string | null;
  /** The branch under test: a pull request's head branch, else the pushed/scheduled branch; null for tags. */
  branch: string | null;
  /** A pull request's base branch, else null. */
  baseBranch: string | null;
  /** A pull request's base commit (`pull_request.base.sha`): its record is the preferred baseline. */
  baseSha: string | null;
  prNumber: number | null;
  isPullRequest: boolean;
  /** The pull request comes from another repository (its token is read-only and it gets no secrets). */
  isFork: boolean;
  /** `GITHUB_RUN_ID`, kept as text: it is an identifier, not a quantity. */
  runId: string | null;
  /** `GITHUB_REPOSITORY_ID`: artifacts of runs whose head repository is another (a fork's) are not ours. */
  repositoryId: number | null;
  /** `GITHUB_RUN_ATTEMPT`, 1 when unknown. */
  runAttempt: number;
  job: string | null;
  /** `GITHUB_ACTION`: the step's id, or a generated `__owner_action` name. */
  stepId: string | null;
  workflow: string | null;
  actor: string | null;
  serverUrl: string;
  apiUrl: string;
  /** Link to this workflow run (and attempt); null without a run id or repository. */
  workflowRunUrl: string | null;
}

/** Events whose payload carries the pull request under test and whose token acts on it. */
const PULL_REQUEST_EVENTS = new Set([
  'pull_request',
  'pull_request_target',
  'pull_request_review',
  'pull_request_review_comment',
]);

export function readGitContext(env: NodeJS.ProcessEnv = process.env): GitContext {
  const value = (name: string): string | null => {
    const raw = env[name]?.trim();
    return raw ? raw : null;
  };

  const eventName = value('GITHUB_EVENT_NAME');
  const payload = readPayload(value('GITHUB_EVENT_PATH'));
  const pullRequest = objectAt(payload, 'pull_request');

  const { owner, repo } = splitRepository(value('GITHUB_REPOSITORY'), payload);
  const repository = owner !== null && repo !== null ? `${owner}/${repo}` : null;

  const ref = value('GITHUB_REF');
  const refName = value('GITHUB_REF_NAME');

  const isPullRequestEvent = eventName !== null && PULL_REQUEST_EVENTS.has(eventName);
  const prNumber = isPullRequestEvent
    ? (positiveInteger(pullRequest?.['number']) ?? positiveInteger(payload['number']) ?? pullNumberFromRef(ref))
    : null;
  const isPullRequest = prNumber !== null;

  const sha = (isPullRequest ? stringAt(objectAt(pullRequest, 'head'), 'sha') : null) ?? value('GITHUB_SHA');

  let branch: string | null;
  let baseBranch: string | null = null;
  let baseSha: string | null = null;
  if (isPullRequest) {
    branch = value('GITHUB_HEAD_REF') ?? stringAt(objectAt(pullRequest, 'head'), 'ref');
    baseBranch = value('GITHUB_BASE_REF') ?? stringAt(objectAt(pullRequest, 'base'), 'ref');
    baseSha = stringAt(objectAt(pullRequest, 'base'), 'sha');
  } else if (ref === null) {
    branch = refName;
  } else if (ref.startsWith('refs/heads/')) {
    branch = refName ?? ref.slice('refs/heads/'.length);
  } else {
    branch = null;
  }

  const runId = value('GITHUB_RUN_ID');
  const runAttempt = positiveInteger(Number(value('GITHUB_RUN_ATTEMPT') ?? '')) ?? 1;
  const serverUrl = stripTrailingSlashes(value('GITHUB_SERVER_URL') ?? 'https://github.com');
  const apiUrl = stripTrailingSlashes(value('GITHUB_API_URL') ?? 'https://api.github.com');
  const workflowRunUrl =
    repository !== null && runId !== null
      ? `${serverUrl}/${repository}/actions/runs/${encodeURIComponent(runId)}` +
        (runAttempt > 1 ? `/attempts/${runAttempt}` : '')
      : null;

  return {
    eventName,
    owner,
    repo,
    repository,
    sha,
    shortSha: sha === null ? null : sha.slice(0, 7),
    ref,
    refName,
    branch,
    baseBranch,
    baseSha,
    prNumber,
    isPullRequest,
    isFork: isPullRequest && isForkPullRequest(pullRequest),
    runId,
    repositoryId: positiveInteger(Number(value('GITHUB_REPOSITORY_ID') ?? '')),
    runAttempt,
    job: value('GITHUB_JOB'),
    stepId: value('GITHUB_ACTION'),
    workflow: value('GITHUB_WORKFLOW'),
    actor: value('GITHUB_ACTOR'),
    serverUrl,
    apiUrl,
    workflowRunUrl,
  };
}

/** `PR #12 · 1a2b3c4`, `main · 1a2b3c4`, or `local run` when there is no git context at all. */
export function defaultRunName(ctx: GitContext): string {
  const where = ctx.isPullRequest && ctx.prNumber !== null ? `PR #${ctx.prNumber}` : (ctx.branch ?? ctx.refName);
  const parts = [where, ctx.shortSha].filter((part): part is string => part !== null && part !== '');
  return parts.length > 0 ? parts.join(' · ') : 'local run';
}

type JsonObject = Record<string, unknown>;

/** A missing, unreadable or malformed payload is an empty one: local runs and tests have none. */
function readPayload(path: string | null): JsonObject {
  if (path === null) return {};
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return isObject(parsed) ? parsed : {};
  } catch {
    return {};
  }
}

function splitRepository(
  fromEnv: string | null,
  payload: JsonObject,
): { owner: string | null; repo: string | null } {
  const fullName = fromEnv ?? stringAt(objectAt(payload, 'repository'), 'full_name');
  const parts = fullName?.split('/') ?? [];
  const [owner, repo] = parts;
  if (parts.length === 2 && owner && repo) return { owner, repo };
  return { owner: null, repo: null };
}

/** A head repository that is gone (deleted fork) or differs from the base one is a fork. */
function isForkPullRequest(pullRequest: JsonObject | null): boolean {
  if (pullRequest === null) return false;
  const headRepo = objectAt(objectAt(pullRequest, 'head'), 'repo');
  const baseRepo = objectAt(objectAt(pullRequest, 'base'), 'repo');
  if (headRepo === null) return true;
  const headName = stringAt(headRepo, 'full_name');
  const baseName = stringAt(baseRepo, 'full_name');
  if (headName === null || baseName === null) return headRepo['fork'] === true;
  // GitHub names are case-insensitive.
  return headName.toLowerCase() !== baseName.toLowerCase();
}

function pullNumberFromRef(ref: string | null): number | null {
  const match = ref === null ? null : /^refs\/pull\/(\d+)\//.exec(ref);
  return match ? positiveInteger(Number(match[1])) : null;
}

function positiveInteger(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : null;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function objectAt(parent: JsonObject | null, key: string): JsonObject | null {
  const child = parent?.[key];
  return isObject(child) ? child : null;
}

function stringAt(parent: JsonObject | null, key: string): string | null {
  const child = parent?.[key];
  return typeof child === 'string' && child !== '' ? child : null;
}

function stripTrailingSlashes(url: string): string {
  return url.replace(/\/+$/, '');
}
