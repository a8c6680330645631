import { GitHubApiError, GitHubClient, type GitHubClientOptions } from './github-api.js';

/** A workflow artifact as the REST API lists it: what choosing a baseline needs. */
export interface StoredArtifact {
  id: number;
  name: string;
  sizeInBytes: number;
  expired: boolean;
  /** ISO 8601, or null when GitHub gives none. */
  createdAt: string | null;
  expiresAt: string | null;
  /** The run that uploaded it. A fork's pull request run has another `headRepositoryId`. */
  workflowRun: {
    id: number | null;
    repositoryId: number | null;
    headRepositoryId: number | null;
    headBranch: string | null;
    headSha: string | null;
  };
}

/** An artifact's bytes, as the blob host serves them. */
export interface ArtifactDownload {
  /** `application/zip` for zipped uploads; a single file uploaded unzipped keeps its own type. */
  contentType: string;
  body: AsyncIterable<Uint8Array>;
}

/** Reading other runs' artifacts needs this permission of the job's token. */
export const ACTIONS_READ = 'permissions: actions: read';

/** The token may not read the repository's artifacts (403 without `actions: read`). */
export class ArtifactsPermissionError extends GitHubApiError {
  override name = 'ArtifactsPermissionError';
}

/** Pages of 100 read at most when listing: 1,000 artifacts of one name. */
export const MAX_LIST_PAGES = 10;
const PER_PAGE = 100;
/** A record of 100,000 items is about 4 MB: minutes are plenty even on a slow link. */
const DOWNLOAD_TIMEOUT_MS = 5 * 60_000;

export interface RepositoryArtifactsOptions extends GitHubClientOptions {
  owner: string;
  repo: string;
}

/** The artifacts of one repository over the REST API: listed by name, and downloaded. */
export class RepositoryArtifacts {
  readonly #github: GitHubClient;
  readonly #owner: string;
  readonly #repo: string;

  constructor(options: RepositoryArtifactsOptions) {
    this.#github = new GitHubClient(options);
    this.#owner = options.owner;
    this.#repo = options.repo;
  }

  /**
   * The artifacts called `name`, newest first, a page at a time: a caller that stops early fetches no
   * further page. A page that brings nothing new (a server repeating itself) ends the listing.
   */
  async *pages(name: string, maxPages = MAX_LIST_PAGES): AsyncGenerator<StoredArtifact[]> {
    const seen = new Set<number>();
    const pages = this.#github.octokit.paginate.iterator(this.#github.octokit.rest.actions.listArtifactsForRepo, {
      owner: this.#owner,
      repo: this.#repo,
      name,
      per_page: PER_PAGE,
    });
    const iterator = pages[Symbol.asyncIterator]();
    for (let page = 0; page < maxPages; page++) {
      const next = await this.#call('list artifacts', () => iterator.next());
      if (next.done) return;
      const fresh = next.value.data.map(toStoredArtifact).filter((artifact) => !seen.has(artifact.id));
      if (fresh.length === 0) return;
      for (const artifact of fresh) seen.add(artifact.id);
      // The name filter is exact on GitHub; a server that ignores it must not hand us other artifacts.
      yield fresh.filter((artifact) => artifact.name === name);
    }
  }

  /**
   * An artifact's content. GitHub answers 302 to a short-lived signed URL on its blob host; that URL is
   * fetched without the GitHub token, which must never reach another host.
   */
  async download(artifactId: number): Promise<ArtifactDownload> {
    const answer = await this.#call('download artifact', () =>
      this.#github.octokit.rest.actions.downloadArtifact({
        owner: this.#owner,
        repo: this.#repo,
        artifact_id: artifactId,
        archive_format: 'zip',
        request: { redirect: 'manual' },
      }),
    );
    const location = (answer.headers as Record<string, unknown>)['location'];
    if (answer.status !== 302 || typeof location !== 'string' || !/^https?:\/\//i.test(location)) {
      throw new GitHubApiError('download artifact', answer.status, `expected a redirect to the artifact's blob URL, got ${answer.status}`);
    }
    let response: Response;
    try {
      response = await fetch(location, { redirect: 'follow', signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
    } catch (error) {
      throw new GitHubApiError('download artifact', null, `the blob host did not answer (${error instanceof Error ? error.message : String(error)})`);
    }
    if (!response.ok || response.body === null) {
      await response.body?.cancel();
      throw new GitHubApiError('download artifact', response.status, `the blob host answered ${response.status}`);
    }
    return { contentType: response.headers.get('content-type') ?? '', body: response.body };
  }

  async #call<T>(operation: string, request: () => Promise<T>): Promise<T> {
    try {
      return await this.#github.call(operation, request);
    } catch (error) {
      if (error instanceof GitHubApiError && error.status === 403 && !/rate limit/i.test(error.message)) {
        throw new ArtifactsPermissionError(
          operation,
          403,
          `GitHub answered 403: reading the artifacts of earlier runs needs \`${ACTIONS_READ}\` in the workflow's permissions block.`,
        );
      }
      throw error;
    }
  }
}

function toStoredArtifact(raw: unknown): StoredArtifact {
  const artifact = isObject(raw) ? raw : {};
  const run = isObject(artifact['workflow_run']) ? artifact['workflow_run'] : {};
  return {
    id: numberOr(artifact['id'], -1),
    name: stringOr(artifact['name'], ''),
    sizeInBytes: numberOr(artifact['size_in_bytes'], 0),
    // Unknown means expired: a record that may be gone is never chosen.
    expired: artifact['expired'] !== false,
    createdAt: stringOr(artifact['created_at'], null),
    expiresAt: stringOr(artifact['expires_at'], null),
    workflowRun: {
      id: numberOr(run['id'], null),
      repositoryId: numberOr(run['repository_id'], null),
      headRepositoryId: numberOr(run['head_repository_id'], null),
      headBranch: stringOr(run['head_branch'], null),
      headSha: stringOr(run['head_sha'], null),
    },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function numberOr<T>(value: unknown, fallback: T): number | T {
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : fallback;
}

function stringOr<T>(value: unknown, fallback: T): string | T {
  return typeof value === 'string' && value !== '' ? value : fallback;
}
