// The artifacts endpoints of the GitHub API fake (github-api.ts composes them): listing a repository's
// artifacts (`name` filter, newest first, `Link` pages, `expired`, `workflow_run`), getting one, and the
// zip download, which answers 302 to a signed URL on the results fake's blob host, as GitHub's does. A
// token without `actions: read` gets GitHub's 403.
import type { FakeArtifact } from './artifact-store.ts';
import type { FakeActionsResults } from './actions-results.ts';

const DOCS = 'https://docs.github.com/rest/actions/artifacts';

export interface ArtifactRouteRequest {
  method: string;
  url: URL;
  base: string;
  params: string[];
  /** The token may read Actions data (`permissions: actions: read`). */
  canReadActions: boolean;
}

export interface ArtifactRouteAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface ArtifactRoute {
  method: string;
  pattern: RegExp;
  repoScoped: true;
  handle(request: ArtifactRouteRequest): ArtifactRouteAnswer;
}

/** An error answer, thrown by a route: the composing fake sends it. */
export class ArtifactRouteError extends Error {
  readonly status: number;
  readonly body: unknown;

  constructor(status: number, body: unknown) {
    super(`HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

/** The REST representation of an artifact. */
export function artifactJson(artifact: FakeArtifact, base: string): Record<string, unknown> {
  const { owner, repo } = artifact.run;
  const url = `${base}/repos/${owner}/${repo}/actions/artifacts/${artifact.id}`;
  return {
    id: artifact.id,
    node_id: `MDg6QXJ0aWZhY3Q${artifact.id}`,
    name: artifact.name,
    size_in_bytes: artifact.content?.length ?? 0,
    url,
    archive_download_url: `${url}/zip`,
    expired: artifact.expired,
    digest: artifact.digest,
    created_at: artifact.createdAt,
    updated_at: artifact.createdAt,
    expires_at: artifact.expiresAt,
    workflow_run: {
      id: artifact.run.id,
      repository_id: artifact.run.repositoryId,
      head_repository_id: artifact.run.headRepositoryId,
      head_branch: artifact.run.headBranch,
      head_sha: artifact.run.headSha,
    },
  };
}

export function artifactRoutes(results: FakeActionsResults | null, maxPerPage: number): ArtifactRoute[] {
  const store = results?.store;
  const needActionsRead = (request: ArtifactRouteRequest, anchor: string) => {
    if (!request.canReadActions) {
      throw new ArtifactRouteError(403, { message: 'Resource not accessible by integration', documentation_url: `${DOCS}#${anchor}`, status: '403' });
    }
  };
  const find = (owner: string, repo: string, id: string): FakeArtifact => {
    const artifact = store?.listed(owner, repo).find((candidate) => candidate.id === Number(id));
    if (!artifact) throw new ArtifactRouteError(404, { message: 'Not Found', documentation_url: `${DOCS}#get-an-artifact`, status: '404' });
    return artifact;
  };
  return [
    {
      method: 'GET',
      pattern: /^\/repos\/([^/]+)\/([^/]+)\/actions\/artifacts$/,
      repoScoped: true,
      handle(request) {
        needActionsRead(request, 'list-artifacts-for-a-repository');
        const [owner = '', repo = ''] = request.params;
        const query = request.url.searchParams;
        const name = query.get('name');
        const all = (store?.listed(owner, repo) ?? []).filter((artifact) => name === null || artifact.name === name);
        const requested = positiveInt(query.get('per_page')) ?? 30;
        const pageSize = Math.min(requested, maxPerPage);
        const page = positiveInt(query.get('page')) ?? 1;
        const lastPage = Math.max(1, Math.ceil(all.length / pageSize));
        const link = (n: number) => {
          const target = new URL(`${request.base}${request.url.pathname}${request.url.search}`);
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
          body: { total_count: all.length, artifacts: all.slice((page - 1) * pageSize, page * pageSize).map((artifact) => artifactJson(artifact, request.base)) },
          headers: links.length > 0 ? { link: links.join(', ') } : undefined,
        };
      },
    },
    {
      method: 'GET',
      pattern: /^\/repos\/([^/]+)\/([^/]+)\/actions\/artifacts\/(\d+)$/,
      repoScoped: true,
      handle(request) {
        needActionsRead(request, 'get-an-artifact');
        const [owner = '', repo = '', id = ''] = request.params;
        return { status: 200, body: artifactJson(find(owner, repo, id), request.base) };
      },
    },
    {
      method: 'GET',
      pattern: /^\/repos\/([^/]+)\/([^/]+)\/actions\/artifacts\/(\d+)\/(\w+)$/,
      repoScoped: true,
      handle(request) {
        needActionsRead(request, 'download-an-artifact');
        const [owner = '', repo = '', id = '', format = ''] = request.params;
        if (format !== 'zip') throw new ArtifactRouteError(422, { message: 'Invalid archive_format', documentation_url: `${DOCS}#download-an-artifact`, status: '422' });
        const artifact = find(owner, repo, id);
        if (artifact.expired || !artifact.content || !results) {
          throw new ArtifactRouteError(410, { message: 'Artifact has expired', documentation_url: `${DOCS}#download-an-artifact`, status: '410' });
        }
        return { status: 302, body: null, headers: { location: results.signedDownloadUrl(artifact) } };
      },
    },
  ];
}

function positiveInt(text: string | null): number | null {
  const value = text === null ? NaN : Number(text);
  return Number.isSafeInteger(value) && value > 0 ? value : null;
}
