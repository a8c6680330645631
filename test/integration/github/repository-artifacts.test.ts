// src/github/artifacts.ts through real Octokit against the GitHub API fake and the results fake's blob host.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ArtifactsPermissionError, RepositoryArtifacts, type StoredArtifact } from '../../../src/github/artifacts.ts';
import { GitHubApiError } from '../../../src/github/github-api.ts';
import { startActionsResults, type FakeActionsResults } from '../../fakes/actions-results.ts';
import { FAKE_GITHUB_IDENTITY, FAKE_GITHUB_TOKEN, startGitHubApi, type FakeGitHub } from '../../fakes/github-api.ts';

const OWNER = 'octo-org';
const REPO = 'octo-repo';
const NAME = 'evals-gate-support.jsonl';
const NO_ACTIONS_TOKEN = 'ghs_NoActionsReadToken000000000000000000';
const closers: (() => Promise<void>)[] = [];

afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function fakes(perPage = 100): Promise<{ results: FakeActionsResults; github: FakeGitHub }> {
  const results = await startActionsResults();
  const github = await startGitHubApi({
    artifacts: results,
    perPage,
    tokens: { [FAKE_GITHUB_TOKEN]: FAKE_GITHUB_IDENTITY, [NO_ACTIONS_TOKEN]: { ...FAKE_GITHUB_IDENTITY, canReadActions: false } },
  });
  closers.push(() => results.close(), () => github.close());
  return { results, github };
}

function seed(results: FakeActionsResults, content: string, run: { headRepositoryId?: number; headBranch?: string; expired?: boolean; name?: string } = {}) {
  const workflowRun = results.registerRun({ owner: OWNER, repo: REPO, repositoryId: 5001, headRepositoryId: run.headRepositoryId, headBranch: run.headBranch });
  return results.store.seed({ name: run.name ?? NAME, content, run: workflowRun, expired: run.expired });
}

function client(github: FakeGitHub, token = FAKE_GITHUB_TOKEN): RepositoryArtifacts {
  return new RepositoryArtifacts({ token, apiUrl: github.url, owner: OWNER, repo: REPO });
}

async function allPages(artifacts: RepositoryArtifacts, name = NAME, maxPages?: number): Promise<StoredArtifact[][]> {
  const pages: StoredArtifact[][] = [];
  for await (const page of artifacts.pages(name, maxPages)) pages.push(page);
  return pages;
}

async function text(body: AsyncIterable<Uint8Array>): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

describe('RepositoryArtifacts', () => {
  it('lists the artifacts of one name, newest first, following Link pages, with their workflow runs', async () => {
    const { results, github } = await fakes(2);
    const seeded = [1, 2, 3, 4, 5].map((n) => seed(results, `record ${n}`, { headRepositoryId: n === 4 ? 6001 : undefined }));
    seed(results, 'another gate', { name: 'evals-gate-other.jsonl' });
    const pages = await allPages(client(github));
    expect(pages.map((page) => page.map((artifact) => artifact.id))).toEqual([
      [seeded[4]!.id, seeded[3]!.id],
      [seeded[2]!.id, seeded[1]!.id],
      [seeded[0]!.id],
    ]);
    const fork = pages[0]![1]!;
    expect(fork).toMatchObject({ name: NAME, expired: false, workflowRun: { id: seeded[3]!.run.id, repositoryId: 5001, headRepositoryId: 6001, headBranch: 'main', headSha: seeded[3]!.run.headSha } });
    const listings = github.requests.filter((request) => request.path.endsWith('/actions/artifacts'));
    expect(listings.map((request) => request.query)).toEqual([
      { name: NAME, per_page: '100' },
      { name: NAME, per_page: '100', page: '2' },
      { name: NAME, per_page: '100', page: '3' },
    ]);
  });

  it('fetches no page beyond the ones read', async () => {
    const { results, github } = await fakes(2);
    for (let n = 0; n < 6; n++) seed(results, `record ${n}`);
    const pages = client(github).pages(NAME);
    for await (const page of pages) {
      expect(page).toHaveLength(2);
      break;
    }
    expect(github.requests.filter((request) => request.path.endsWith('/actions/artifacts'))).toHaveLength(1);
  });

  it('marks expired artifacts and says so when one is downloaded', async () => {
    const { results, github } = await fakes();
    const expired = seed(results, 'old', { expired: true });
    const [page] = await allPages(client(github));
    expect(page?.[0]).toMatchObject({ id: expired.id, expired: true });
    await expect(client(github).download(expired.id)).rejects.toMatchObject({ name: 'GitHubApiError', status: 410 });
  });

  it('downloads through the redirect to the blob host, without sending the GitHub token there', async () => {
    const { results, github } = await fakes();
    const artifact = seed(results, '{"schema":"evals-gate/results-record"}\n["0","h","p","p"]\n');
    const download = await client(github).download(artifact.id);
    expect(download.contentType).toBe('application/octet-stream');
    expect(await text(download.body)).toBe('{"schema":"evals-gate/results-record"}\n["0","h","p","p"]\n');
    const zip = github.requests.find((request) => request.path.endsWith(`/artifacts/${artifact.id}/zip`));
    expect(zip).toMatchObject({ status: 302, token: FAKE_GITHUB_TOKEN });
    const blob = results.requests.filter((request) => request.host === 'blob');
    expect(blob).toHaveLength(1);
    expect(blob[0]).toMatchObject({ method: 'GET', authorization: null, status: 200 });
  });

  it('names `permissions: actions: read` when GitHub answers 403', async () => {
    const { results, github } = await fakes();
    const artifact = seed(results, 'x');
    const denied = client(github, NO_ACTIONS_TOKEN);
    const listing = allPages(denied);
    await expect(listing).rejects.toBeInstanceOf(ArtifactsPermissionError);
    await expect(listing).rejects.toThrow(/list artifacts: GitHub answered 403: .*`permissions: actions: read`/);
    await expect(denied.download(artifact.id)).rejects.toThrow(/download artifact: .*`permissions: actions: read`/);
  });

  it('keeps a rate limit answer a rate limit, not a permission problem', async () => {
    const { github } = await fakes();
    github.failNext(1, { status: 403, body: { message: 'API rate limit exceeded for installation ID 1.' } });
    const error = await allPages(client(github)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GitHubApiError);
    expect(error).not.toBeInstanceOf(ArtifactsPermissionError);
  });

  it('ends a listing whose next page brings nothing new', async () => {
    // A server that always answers the same page and a next link.
    const server = createServer((req, res) => {
      const next = `http://127.0.0.1:${(server.address() as AddressInfo).port}/repos/${OWNER}/${REPO}/actions/artifacts?page=2`;
      const artifact = { id: 1, name: NAME, expired: false, workflow_run: { id: 2, repository_id: 1, head_repository_id: 1, head_branch: 'main', head_sha: 'a' } };
      res.writeHead(200, { 'content-type': 'application/json', link: `<${next}>; rel="next"` }).end(JSON.stringify({ total_count: 1000, artifacts: [artifact] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => server.close(() => resolve())));
    const artifacts = new RepositoryArtifacts({ token: FAKE_GITHUB_TOKEN, apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, owner: OWNER, repo: REPO });
    expect((await allPages(artifacts)).map((page) => page.length)).toEqual([1]);
  });
});
