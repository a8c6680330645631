// A loopback fake of the parts of GitHub's REST and GraphQL API that the action uses, with GitHub's
// status codes, error bodies, pagination (`Link` headers) and limits. Used by the integration tests,
// the end-to-end tests (the bundled action with GITHUB_API_URL pointing here) and the offline demo.
// State lives in memory; routes are a table, one entry per endpoint. Issues and pull requests share
// numbers; the issues listing returns both, pull requests carrying a `pull_request` key, as GitHub's does.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FakeActionsResults } from './actions-results.ts';
import { ArtifactRouteError, artifactRoutes } from './github-artifacts.ts';

export interface FakeIdentity {
  /** The login REST shows, e.g. `github-actions[bot]`. */
  login: string;
  /** false: a fork PR's read-only token; every write answers 403. */
  canWrite: boolean;
  /**
   * false: a job without `permissions: issues: write`; creating or editing issues and commenting on
   * them answers 403, while comments on pull requests still work. Default: `canWrite`.
   */
  canWriteIssues?: boolean;
  type?: 'User' | 'Bot';
  /** What GraphQL's `viewer { login }` answers; defaults to `login`. */
  viewerLogin?: string;
  /** Repositories (`owner/repo`) the token can see; others answer 404. Default: all. */
  repos?: string[];
  /** false: a job without `permissions: actions: read`; the artifacts endpoints answer 403. Default true. */
  canReadActions?: boolean;
}

export interface FakeUser {
  login: string;
  id: number;
  type: 'User' | 'Bot';
}

export interface FakeComment {
  id: number;
  node_id: string;
  url: string;
  html_url: string;
  issue_url: string;
  body: string;
  user: FakeUser;
  created_at: string;
  updated_at: string;
  author_association: string;
}

export interface FakeLabel {
  id: number;
  node_id: string;
  url: string;
  name: string;
  color: string;
  default: boolean;
  description: string | null;
}

/** An issue, or a pull request as the issues API shows it (then `pull_request` is set). */
export interface FakeIssue {
  id: number;
  node_id: string;
  number: number;
  url: string;
  repository_url: string;
  comments_url: string;
  html_url: string;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  state_reason: 'completed' | 'not_planned' | 'reopened' | 'duplicate' | null;
  user: FakeUser;
  labels: FakeLabel[];
  locked: boolean;
  assignees: FakeUser[];
  /** How many comments it has. */
  comments: number;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  author_association: string;
  pull_request?: { url: string; html_url: string; diff_url: string; patch_url: string; merged_at: string | null };
}

export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. `/repos/o/r/issues/1/comments`. */
  path: string;
  query: Record<string, string>;
  /** The token sent, or null. */
  token: string | null;
  /** The parsed JSON body, or the raw text when it is not JSON, or null. */
  body: unknown;
  /** The status the fake answered. */
  status: number;
}

export interface FakeFault {
  /** Answer with this status (and `body`, default GitHub's message for it) instead of handling the request. */
  status?: number;
  body?: unknown;
  /** Headers of the fault's answer, e.g. `retry-after`, `x-ratelimit-remaining`, `x-ratelimit-reset`. */
  headers?: Record<string, string>;
  /** Wait this long before answering (or before handling the request normally when `status` is unset). */
  delayMs?: number;
  /** Only requests matching this take the fault; others pass through untouched. */
  method?: string;
  path?: string | RegExp;
}

export interface SeedComment {
  owner: string;
  repo: string;
  issue: number;
  body: string;
  login: string;
  type?: 'User' | 'Bot';
}

export interface SeedIssue {
  owner: string;
  repo: string;
  title: string;
  body?: string | null;
  login: string;
  type?: 'User' | 'Bot';
  /** Default `open`; a closed one is closed as completed. */
  state?: 'open' | 'closed';
  labels?: string[];
  /** A pull request, which the issues API lists among the issues with a `pull_request` key. */
  isPullRequest?: boolean;
}

export interface FakeGitHubOptions {
  /** Tokens the fake accepts. Default: `{ [FAKE_GITHUB_TOKEN]: FAKE_GITHUB_IDENTITY }`. */
  tokens?: Record<string, FakeIdentity>;
  /** Largest page the fake serves, whatever `per_page` asks (GitHub's is 100). */
  perPage?: number;
  /** Base of `html_url` links. Default `https://github.com`. */
  serverUrl?: string;
  /** The results service fake whose artifacts the artifacts endpoints list and serve. Default: none. */
  artifacts?: FakeActionsResults;
  /** Every listing answers its first page whatever `page` asks, with a `next` link to page 2: a cursor that never advances. */
  stuckPages?: boolean;
}

export interface FakeGitHub {
  /** The API base URL, e.g. `http://127.0.0.1:40123`: use it as GITHUB_API_URL. */
  url: string;
  /** Every request, in order of arrival. */
  requests: RecordedRequest[];
  /** The comments on an issue or pull request, oldest first (copies). */
  comments(owner: string, repo: string, issue: number): FakeComment[];
  /** Adds a comment as anybody, e.g. another user quoting the gate's marker. */
  seedComment(comment: SeedComment): FakeComment;
  /** A repository's issues and pull requests, by number (copies). */
  issues(owner: string, repo: string): FakeIssue[];
  /** Opens an issue or pull request as anybody; numbers follow those in use in the repository. */
  seedIssue(issue: SeedIssue): FakeIssue;
  /** The next `count` matching requests take `fault`. Faults queue up in order. */
  failNext(count: number, fault: FakeFault): void;
  close(): Promise<void>;
}

/** An installation token as the runner's GITHUB_TOKEN: the shape ghs_ + 36 characters. */
export const FAKE_GITHUB_TOKEN = 'ghs_FakeGitHubToken0000000000000000000';
/** GITHUB_TOKEN's identity; GraphQL names the bot without its `[bot]` suffix. */
export const FAKE_GITHUB_IDENTITY: FakeIdentity = {
  login: 'github-actions[bot]',
  viewerLogin: 'github-actions',
  type: 'Bot',
  canWrite: true,
};

const DOCS = 'https://docs.github.com/rest';
/** GitHub's limit on comment and issue bodies, in characters. */
const MAX_COMMENT_LENGTH = 65_536;
const MAX_TITLE_LENGTH = 256;
const STATE_REASONS = ['completed', 'not_planned', 'reopened', 'duplicate'] as const;

const STATUS_MESSAGES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Bad credentials',
  403: 'Forbidden',
  404: 'Not Found',
  422: 'Validation Failed',
  429: 'API rate limit exceeded',
  500: 'Server Error',
  502: 'Server Error',
  503: 'Service Unavailable',
};

class HttpError extends Error {
  readonly status: number;
  readonly body: unknown;

  constructor(status: number, body: unknown) {
    super(`HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

interface RouteRequest {
  method: string;
  url: URL;
  /** The API base, as the client reached it (for links in answers). */
  base: string;
  params: string[];
  identity: FakeIdentity;
  body: unknown;
}

interface RouteAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

interface Route {
  method: string;
  pattern: RegExp;
  /** Writes need `canWrite`. */
  write?: boolean;
  /** For writes: whether this one writes to an issue (not a pull request), which also needs `canWriteIssues`. */
  writesIssue?(params: string[]): boolean;
  /** The first captured group is `owner`, the second `repo`: the token must be able to see it. */
  repoScoped?: boolean;
  handle(request: RouteRequest): RouteAnswer;
}

export async function startGitHubApi(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const tokens = options.tokens ?? { [FAKE_GITHUB_TOKEN]: FAKE_GITHUB_IDENTITY };
  const maxPerPage = Math.max(1, Math.min(options.perPage ?? 100, 100));
  const serverUrl = (options.serverUrl ?? 'https://github.com').replace(/\/+$/, '');

  const requests: RecordedRequest[] = [];
  const faults: { remaining: number; fault: FakeFault }[] = [];
  const commentsByIssue = new Map<string, FakeComment[]>();
  const issuesByRepo = new Map<string, FakeIssue[]>();
  const labelsByRepo = new Map<string, FakeLabel[]>();
  const users = new Map<string, FakeUser>();
  let nextCommentId = 1_000_001;
  let nextIssueId = 2_000_001;
  let nextLabelId = 3_000_001;
  let lastTimestamp = 0;
  let url = '';

  const repoKey = (owner: string, repo: string) => `${owner.toLowerCase()}/${repo.toLowerCase()}`;
  const issueKey = (owner: string, repo: string, issue: number) => `${repoKey(owner, repo)}#${issue}`;
  const findIssue = (owner: string, repo: string, issue: number): FakeIssue | undefined =>
    issuesByRepo.get(repoKey(owner, repo))?.find((candidate) => candidate.number === issue);

  const isPlainIssue = (owner: string, repo: string, issue: number): boolean => {
    const found = findIssue(owner, repo, issue);
    return found !== undefined && found.pull_request === undefined;
  };

  const userFor = (login: string, type: 'User' | 'Bot' = login.endsWith('[bot]') ? 'Bot' : 'User'): FakeUser => {
    let user = users.get(login.toLowerCase());
    if (!user) {
      user = { login, id: 100 + users.size, type };
      users.set(login.toLowerCase(), user);
    }
    return { ...user };
  };

  // Strictly increasing, so that comments made within one millisecond still sort by time.
  const now = (): string => {
    lastTimestamp = Math.max(Date.now(), lastTimestamp + 1000);
    return new Date(lastTimestamp).toISOString().replace(/\.\d{3}Z$/, 'Z');
  };

  const addComment = (owner: string, repo: string, issue: number, body: string, user: FakeUser): FakeComment => {
    const id = nextCommentId++;
    const timestamp = now();
    const kind = isPlainIssue(owner, repo, issue) ? 'issues' : 'pull';
    const comment: FakeComment = {
      id,
      node_id: `IC_fake${id}`,
      url: `${url}/repos/${owner}/${repo}/issues/comments/${id}`,
      // Numbers never seeded as issues are pull requests, as in the sticky comment tests.
      html_url: `${serverUrl}/${owner}/${repo}/${kind}/${issue}#issuecomment-${id}`,
      issue_url: `${url}/repos/${owner}/${repo}/issues/${issue}`,
      body,
      user,
      created_at: timestamp,
      updated_at: timestamp,
      author_association: user.type === 'Bot' ? 'NONE' : 'MEMBER',
    };
    const key = issueKey(owner, repo, issue);
    commentsByIssue.set(key, [...(commentsByIssue.get(key) ?? []), comment]);
    const target = findIssue(owner, repo, issue);
    if (target) {
      target.comments += 1;
      target.updated_at = timestamp;
    }
    return comment;
  };

  const labelFor = (owner: string, repo: string, name: string): FakeLabel => {
    const key = repoKey(owner, repo);
    const known = labelsByRepo.get(key) ?? [];
    let label = known.find((candidate) => candidate.name.toLowerCase() === name.toLowerCase());
    if (!label) {
      // As on GitHub, naming a label that does not exist yet creates it.
      const id = nextLabelId++;
      label = {
        id,
        node_id: `LA_fake${id}`,
        url: `${url}/repos/${owner}/${repo}/labels/${encodeURIComponent(name)}`,
        name,
        color: 'ededed',
        default: false,
        description: null,
      };
      labelsByRepo.set(key, [...known, label]);
    }
    return { ...label };
  };

  const addIssue = (
    owner: string,
    repo: string,
    fields: { title: string; body: string | null; labels: string[]; user: FakeUser; isPullRequest: boolean },
  ): FakeIssue => {
    const key = repoKey(owner, repo);
    const existing = issuesByRepo.get(key) ?? [];
    // Issues and pull requests share one sequence of numbers, which pull requests known only by
    // their comments take part in too.
    let highest = existing.reduce((max, issue) => Math.max(max, issue.number), 0);
    for (const commented of commentsByIssue.keys()) {
      if (commented.startsWith(`${key}#`)) highest = Math.max(highest, Number(commented.slice(key.length + 1)));
    }
    const number = highest + 1;
    const id = nextIssueId++;
    const timestamp = now();
    const apiUrl = `${url}/repos/${owner}/${repo}`;
    const issue: FakeIssue = {
      id,
      node_id: `${fields.isPullRequest ? 'PR' : 'I'}_fake${id}`,
      number,
      url: `${apiUrl}/issues/${number}`,
      repository_url: apiUrl,
      comments_url: `${apiUrl}/issues/${number}/comments`,
      html_url: `${serverUrl}/${owner}/${repo}/${fields.isPullRequest ? 'pull' : 'issues'}/${number}`,
      title: fields.title,
      body: fields.body,
      state: 'open',
      state_reason: null,
      user: fields.user,
      labels: fields.labels.map((name) => labelFor(owner, repo, name)),
      locked: false,
      assignees: [],
      comments: 0,
      created_at: timestamp,
      updated_at: timestamp,
      closed_at: null,
      author_association: fields.user.type === 'Bot' ? 'NONE' : 'MEMBER',
    };
    if (fields.isPullRequest) {
      issue.pull_request = {
        url: `${apiUrl}/pulls/${number}`,
        html_url: `${serverUrl}/${owner}/${repo}/pull/${number}`,
        diff_url: `${serverUrl}/${owner}/${repo}/pull/${number}.diff`,
        patch_url: `${serverUrl}/${owner}/${repo}/pull/${number}.patch`,
        merged_at: null,
      };
    }
    issuesByRepo.set(key, [...existing, issue]);
    return issue;
  };

  const setState = (issue: FakeIssue, state: 'open' | 'closed', reason: FakeIssue['state_reason']): void => {
    const timestamp = now();
    if (state === 'closed' && issue.state === 'open') {
      issue.closed_at = timestamp;
      issue.state_reason = reason ?? 'completed';
    } else if (state === 'closed') {
      issue.state_reason = reason ?? issue.state_reason;
    } else if (issue.state === 'closed') {
      issue.closed_at = null;
      issue.state_reason = 'reopened';
    }
    issue.state = state;
    issue.updated_at = timestamp;
  };

  /** One page of `all`, with the `Link` header GitHub sends: every query parameter kept but `page`. */
  const pageOf = (all: unknown[], requestUrl: URL, base: string): RouteAnswer => {
    const requested = positiveInt(requestUrl.searchParams.get('per_page')) ?? 30;
    const pageSize = Math.min(requested, maxPerPage);
    const page = options.stuckPages ? 1 : (positiveInt(requestUrl.searchParams.get('page')) ?? 1);
    const lastPage = options.stuckPages ? 2 : Math.max(1, Math.ceil(all.length / pageSize));
    const link = (n: number) => {
      const target = new URL(`${base}${requestUrl.pathname}${requestUrl.search}`);
      target.searchParams.set('per_page', String(requested));
      target.searchParams.set('page', String(n));
      return `<${target.href}>`;
    };
    const links: string[] = [];
    if (page > 1) links.push(`${link(page - 1)}; rel="prev"`);
    if (page < lastPage) links.push(`${link(page + 1)}; rel="next"`, `${link(lastPage)}; rel="last"`);
    if (page > 1) links.push(`${link(1)}; rel="first"`);
    return {
      status: 200,
      body: all.slice((page - 1) * pageSize, page * pageSize),
      headers: links.length > 0 ? { link: links.join(', ') } : undefined,
    };
  };

  const findComment = (owner: string, repo: string, id: number): FakeComment | undefined => {
    const prefix = `${owner.toLowerCase()}/${repo.toLowerCase()}#`;
    for (const [key, list] of commentsByIssue) {
      if (!key.startsWith(prefix)) continue;
      const found = list.find((comment) => comment.id === id);
      if (found) return found;
    }
    return undefined;
  };

  const routes: Route[] = [
    {
      method: 'POST',
      pattern: /^\/graphql$/,
      handle({ identity, body }) {
        const query = isRecord(body) && typeof body['query'] === 'string' ? body['query'] : '';
        if (/^\s*(query\s*)?\{\s*viewer\s*\{\s*login\s*\}\s*\}\s*$/.test(query)) {
          return { status: 200, body: { data: { viewer: { login: identity.viewerLogin ?? identity.login } } } };
        }
        return {
          status: 200,
          body: { errors: [{ message: 'The fake GitHub API answers only `query { viewer { login } }`.' }] },
        };
      },
    },
    {
      method: 'GET',
      pattern: /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/,
      repoScoped: true,
      handle({ url: requestUrl, base, params: [owner = '', repo = '', issue = ''] }) {
        return pageOf(commentsByIssue.get(issueKey(owner, repo, Number(issue))) ?? [], requestUrl, base);
      },
    },
    {
      method: 'POST',
      pattern: /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/,
      repoScoped: true,
      write: true,
      writesIssue: ([owner = '', repo = '', issue = '']) => isPlainIssue(owner, repo, Number(issue)),
      handle({ identity, body, params: [owner = '', repo = '', issue = ''] }) {
        const text = validCommentBody(body, 'create-an-issue-comment');
        return { status: 201, body: addComment(owner, repo, Number(issue), text, userFor(identity.login, identity.type)) };
      },
    },
    {
      method: 'PATCH',
      pattern: /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/,
      repoScoped: true,
      write: true,
      handle({ body, params: [owner = '', repo = '', id = ''] }) {
        // GitHub lets a token edit any comment it has the rights to, not only its own; so does the fake.
        const comment = findComment(owner, repo, Number(id));
        if (!comment) throw notFound('update-an-issue-comment');
        comment.body = validCommentBody(body, 'update-an-issue-comment');
        comment.updated_at = now();
        return { status: 200, body: comment };
      },
    },
    {
      method: 'GET',
      pattern: /^\/repos\/([^/]+)\/([^/]+)\/issues$/,
      repoScoped: true,
      handle({ url: requestUrl, base, params: [owner = '', repo = ''] }) {
        const query = requestUrl.searchParams;
        const state = oneOf(query.get('state') ?? 'open', ['open', 'closed', 'all'], 'state');
        const sort = oneOf(query.get('sort') ?? 'created', ['created', 'updated', 'comments'], 'sort');
        const direction = oneOf(query.get('direction') ?? 'desc', ['asc', 'desc'], 'direction');
        const creator = query.get('creator')?.toLowerCase();
        const labels = (query.get('labels') ?? '')
          .split(',')
          .map((name) => name.trim().toLowerCase())
          .filter((name) => name !== '');
        const sortKey = (issue: FakeIssue): string | number =>
          sort === 'created' ? issue.created_at : sort === 'updated' ? issue.updated_at : issue.comments;
        const matching = (issuesByRepo.get(repoKey(owner, repo)) ?? [])
          .filter((issue) => state === 'all' || issue.state === state)
          .filter((issue) => creator === undefined || issue.user.login.toLowerCase() === creator)
          .filter((issue) => labels.every((name) => issue.labels.some((label) => label.name.toLowerCase() === name)))
          .sort((a, b) => {
            const [x, y] = [sortKey(a), sortKey(b)];
            const order = x < y ? -1 : x > y ? 1 : a.number - b.number;
            return direction === 'asc' ? order : -order;
          });
        return pageOf(matching, requestUrl, base);
      },
    },
    {
      method: 'POST',
      pattern: /^\/repos\/([^/]+)\/([^/]+)\/issues$/,
      repoScoped: true,
      write: true,
      writesIssue: () => true,
      handle({ identity, body, params: [owner = '', repo = ''] }) {
        const fields = isRecord(body) ? body : {};
        const title = validTitle(fields['title'], true);
        const text = fields['body'] === undefined || fields['body'] === null ? null : validIssueBody(fields['body']);
        const user = userFor(identity.login, identity.type);
        const labels = fields['labels'] === undefined ? [] : labelNames(fields['labels']);
        const issue = addIssue(owner, repo, { title, body: text, labels, user, isPullRequest: false });
        return { status: 201, body: issue };
      },
    },
    {
      method: 'GET',
      pattern: /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)$/,
      repoScoped: true,
      handle({ params: [owner = '', repo = '', number = ''] }) {
        const issue = findIssue(owner, repo, Number(number));
        if (!issue) throw notFound('get-an-issue', 'issues/issues');
        return { status: 200, body: issue };
      },
    },
    {
      method: 'PATCH',
      pattern: /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)$/,
      repoScoped: true,
      write: true,
      writesIssue: () => true,
      handle({ body, params: [owner = '', repo = '', number = ''] }) {
        const issue = findIssue(owner, repo, Number(number));
        if (!issue) throw notFound('update-an-issue', 'issues/issues');
        const fields = isRecord(body) ? body : {};
        // Validate everything before changing anything, as GitHub does.
        const title = fields['title'] === undefined ? undefined : validTitle(fields['title'], false);
        const text =
          fields['body'] === undefined ? undefined : fields['body'] === null ? null : validIssueBody(fields['body']);
        const state =
          fields['state'] === undefined ? undefined : oneOf(String(fields['state']), ['open', 'closed'], 'state');
        const reason =
          fields['state_reason'] === undefined || fields['state_reason'] === null
            ? null
            : oneOf(String(fields['state_reason']), STATE_REASONS, 'state_reason');
        const labels = fields['labels'] === undefined ? undefined : labelNames(fields['labels']);

        if (title !== undefined) issue.title = title;
        if (text !== undefined) issue.body = text;
        if (labels !== undefined) issue.labels = labels.map((name) => labelFor(owner, repo, name));
        if (state !== undefined) setState(issue, state, reason);
        else issue.updated_at = now();
        return { status: 200, body: issue };
      },
    },
    ...artifactRoutes(options.artifacts ?? null, maxPerPage).map(
      (artifactRoute): Route => ({
        ...artifactRoute,
        handle(request) {
          try {
            return artifactRoute.handle({ ...request, canReadActions: request.identity.canReadActions ?? true });
          } catch (error) {
            throw error instanceof ArtifactRouteError ? new HttpError(error.status, error.body) : error;
          }
        },
      }),
    ),
  ];

  const route = (request: RouteRequest & { path: string }): RouteAnswer => {
    for (const candidate of routes) {
      const match = candidate.method === request.method ? candidate.pattern.exec(request.path) : null;
      if (!match) continue;
      const params = match.slice(1).map((part) => decodeURIComponent(part ?? ''));
      if (candidate.repoScoped) {
        const fullName = `${params[0]}/${params[1]}`.toLowerCase();
        const visible = request.identity.repos?.some((name) => name.toLowerCase() === fullName) ?? true;
        if (!visible) throw notFound();
      }
      const writesIssue = candidate.write === true && (candidate.writesIssue?.(params) ?? false);
      const allowed = request.identity.canWrite && (!writesIssue || (request.identity.canWriteIssues ?? true));
      if (candidate.write && !allowed) {
        const docs = writesIssue && !request.path.endsWith('/comments') ? 'issues' : 'comments';
        throw new HttpError(403, {
          message: 'Resource not accessible by integration',
          documentation_url: `${DOCS}/issues/${docs}`,
          status: '403',
        });
      }
      return candidate.handle({ ...request, params });
    }
    throw notFound();
  };

  const takeFault = (method: string, path: string): FakeFault | null => {
    const entry = faults.find(
      ({ fault }) =>
        (fault.method === undefined || fault.method.toUpperCase() === method) &&
        (fault.path === undefined ||
          (typeof fault.path === 'string' ? fault.path === path : fault.path.test(path))),
    );
    if (!entry) return null;
    entry.remaining -= 1;
    if (entry.remaining <= 0) faults.splice(faults.indexOf(entry), 1);
    return entry.fault;
  };

  const timers = new Set<NodeJS.Timeout>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = (req.method ?? 'GET').toUpperCase();
    const base = `http://${req.headers.host ?? '127.0.0.1'}`;
    const requestUrl = new URL(req.url ?? '/', base);
    const raw = await readBody(req);
    const body = parseBody(raw);
    const token = tokenOf(req.headers.authorization);
    const record: RecordedRequest = {
      method,
      path: requestUrl.pathname,
      query: Object.fromEntries(requestUrl.searchParams),
      token,
      body,
      status: 0,
    };
    requests.push(record);

    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      if (res.destroyed) return;
      if (status === 302) {
        res.writeHead(status, { 'content-length': '0', ...headers }).end();
        return;
      }
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'x-github-media-type': 'github.v3; format=json',
        ...headers,
      });
      res.end(JSON.stringify(payload));
    };

    const fault = takeFault(method, requestUrl.pathname);
    if (fault?.delayMs) await sleep(fault.delayMs);
    if (fault?.status !== undefined) {
      send(fault.status, fault.body ?? { message: STATUS_MESSAGES[fault.status] ?? 'Error', documentation_url: DOCS }, fault.headers);
      return;
    }

    const identity = token === null ? undefined : tokens[token];
    if (!identity) {
      send(401, {
        message: token === null ? 'Requires authentication' : 'Bad credentials',
        documentation_url: 'https://docs.github.com/rest',
        status: '401',
      });
      return;
    }

    try {
      const answer = route({ method, url: requestUrl, path: requestUrl.pathname, base, params: [], identity, body });
      send(answer.status, answer.body, answer.headers);
    } catch (error) {
      if (error instanceof HttpError) send(error.status, error.body);
      else send(500, { message: `fake GitHub API: ${error instanceof Error ? error.message : String(error)}` });
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    requests,
    comments(owner, repo, issue) {
      return (commentsByIssue.get(issueKey(owner, repo, issue)) ?? []).map((comment) => ({
        ...comment,
        user: { ...comment.user },
      }));
    },
    seedComment({ owner, repo, issue, body, login, type }) {
      const comment = addComment(owner, repo, issue, body, userFor(login, type));
      return { ...comment, user: { ...comment.user } };
    },
    issues(owner, repo) {
      return [...(issuesByRepo.get(repoKey(owner, repo)) ?? [])]
        .sort((a, b) => a.number - b.number)
        .map(copyIssue);
    },
    seedIssue({ owner, repo, title, body, login, type, state, labels, isPullRequest }) {
      const issue = addIssue(owner, repo, {
        title,
        body: body ?? null,
        labels: labels ?? [],
        user: userFor(login, type),
        isPullRequest: isPullRequest ?? false,
      });
      if (state === 'closed') setState(issue, 'closed', 'completed');
      return copyIssue(issue);
    },
    failNext(count, fault) {
      if (count > 0) faults.push({ remaining: count, fault });
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

function validCommentBody(body: unknown, docsAnchor: string): string {
  const text = isRecord(body) ? body['body'] : undefined;
  if (typeof text !== 'string') {
    throw new HttpError(422, {
      message: 'Invalid request.\n\n"body" wasn\'t supplied.',
      documentation_url: `${DOCS}/issues/comments#${docsAnchor}`,
      status: '422',
    });
  }
  return withinLength(text, 'IssueComment', 'body', MAX_COMMENT_LENGTH, `issues/comments#${docsAnchor}`);
}

function validIssueBody(body: unknown): string {
  if (typeof body !== 'string') throw invalid('For \'properties/body\', it is not a string or null.');
  return withinLength(body, 'Issue', 'body', MAX_COMMENT_LENGTH, 'issues/issues');
}

function validTitle(title: unknown, required: boolean): string {
  if (typeof title !== 'string' && typeof title !== 'number') {
    if (!required) throw invalid('For \'properties/title\', it is not a string or integer.');
    throw new HttpError(422, {
      message: 'Invalid request.\n\n"title" wasn\'t supplied.',
      documentation_url: `${DOCS}/issues/issues#create-an-issue`,
      status: '422',
    });
  }
  const text = String(title);
  if (text.trim() === '') {
    throw validationFailed({ resource: 'Issue', code: 'missing_field', field: 'title' }, 'issues/issues');
  }
  return withinLength(text, 'Issue', 'title', MAX_TITLE_LENGTH, 'issues/issues');
}

function labelNames(labels: unknown): string[] {
  if (!Array.isArray(labels)) throw invalid('For \'properties/labels\', it is not an array.');
  return labels.map((label) => {
    const name = isRecord(label) ? label['name'] : label;
    if (typeof name !== 'string' || name.trim() === '') throw invalid('For \'items\', it is not a string or object.');
    return name;
  });
}

/** A query parameter or field that must be one of `allowed`; GitHub answers anything else with 422. */
function oneOf<T extends string>(value: string, allowed: readonly T[], name: string): T {
  const found = allowed.find((candidate) => candidate === value);
  if (found === undefined) throw invalid(`For '${name}', "${value}" is not one of ${allowed.join(', ')}.`);
  return found;
}

function withinLength(text: string, resource: string, field: string, max: number, docsPath: string): string {
  // GitHub counts characters (code points), not UTF-16 units.
  if ([...text].length > max) {
    throw validationFailed(
      { resource, code: 'custom', field, message: `${field} is too long (maximum is ${max} characters)` },
      docsPath,
    );
  }
  return text;
}

function validationFailed(error: Record<string, string>, docsPath: string): HttpError {
  return new HttpError(422, {
    message: 'Validation Failed',
    errors: [error],
    documentation_url: `${DOCS}/${docsPath}`,
    status: '422',
  });
}

function invalid(detail: string): HttpError {
  return new HttpError(422, { message: `Invalid request.\n\n${detail}`, documentation_url: DOCS, status: '422' });
}

function notFound(docsAnchor?: string, docsPath = 'issues/comments'): HttpError {
  return new HttpError(404, {
    message: 'Not Found',
    documentation_url: docsAnchor ? `${DOCS}/${docsPath}#${docsAnchor}` : DOCS,
    status: '404',
  });
}

function copyIssue(issue: FakeIssue): FakeIssue {
  return {
    ...issue,
    user: { ...issue.user },
    labels: issue.labels.map((label) => ({ ...label })),
    assignees: issue.assignees.map((user) => ({ ...user })),
    ...(issue.pull_request ? { pull_request: { ...issue.pull_request } } : {}),
  };
}

function tokenOf(header: string | undefined): string | null {
  const match = header === undefined ? null : /^(?:token|bearer)\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(raw: string): unknown {
  if (raw === '') return null;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

function positiveInt(text: string | null): number | null {
  const value = text === null ? NaN : Number(text);
  return Number.isSafeInteger(value) && value > 0 ? value : null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
