// The real @actions/artifact client uploading to the results service fake and its blob host.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultArtifactClient } from '@actions/artifact';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startActionsResults, type FakeActionsResults } from '../../fakes/actions-results.ts';
import type { FakeWorkflowRun } from '../../fakes/artifact-store.ts';

let results: FakeActionsResults;
let run: FakeWorkflowRun;
const dir = mkdtempSync(join(tmpdir(), 'artifact-upload-'));
const recordPath = join(dir, 'evals-gate-support-0a1b2c3d.jsonl');
const recordText = '{"schema":"evals-gate/results-record","version":1}\n["0","hash0","p","p"]\n';

beforeAll(async () => {
  results = await startActionsResults();
  writeFileSync(recordPath, recordText);
  writeFileSync(join(dir, 'notes.txt'), 'zipped content');
  process.env.ACTIONS_RESULTS_URL = `${results.url}/`;
  process.env.GITHUB_WORKSPACE = dir;
});

afterAll(async () => {
  await results.close();
});

beforeEach(() => {
  run = results.registerRun({ owner: 'octo-org', repo: 'octo-repo', repositoryId: 5001 });
  process.env.ACTIONS_RUNTIME_TOKEN = results.runtimeToken(run);
  results.requests.length = 0;
});

describe('@actions/artifact against the results service fake', () => {
  it('uploads one file unzipped (skipArchive): create, block upload to the signed URL, finalize', async () => {
    const uploaded = await new DefaultArtifactClient().uploadArtifact('ignored', [recordPath], dir, { skipArchive: true });
    const stored = results.store.byId(uploaded.id ?? -1);
    expect(stored).toMatchObject({ name: 'evals-gate-support-0a1b2c3d.jsonl', finalized: true, contentType: 'application/octet-stream', run: { id: run.id } });
    expect(stored?.content?.toString('utf8')).toBe(recordText);
    expect(stored?.digest).toBe(`sha256:${uploaded.digest}`);

    const calls = results.requests.map((request) => (request.host === 'results' ? request.path.split('/').pop() : `blob ${request.query.comp ?? 'put'}`));
    expect(calls).toEqual(['CreateArtifact', 'blob block', 'blob blocklist', 'FinalizeArtifact']);
    // The runtime token goes to the results service only; the blob host gets a signed URL and nothing else.
    for (const request of results.requests) {
      if (request.host === 'results') expect(request.authorization).toMatch(/^Bearer ey/);
      else expect(request.authorization).toBeNull();
    }
    expect(results.requests[0]?.body).toMatchObject({ workflow_run_backend_id: run.backendId, name: 'evals-gate-support-0a1b2c3d.jsonl', version: 7 });
  });

  it('uploads a zip when not told otherwise', async () => {
    const uploaded = await new DefaultArtifactClient().uploadArtifact('notes', [join(dir, 'notes.txt')], dir);
    const stored = results.store.byId(uploaded.id ?? -1);
    expect(stored?.contentType).toBe('application/zip');
    expect(stored?.content?.subarray(0, 4)).toEqual(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
  });

  it('refuses a second artifact of the same name in one workflow run, as GitHub does, but not in another run', async () => {
    const client = new DefaultArtifactClient();
    await client.uploadArtifact('x', [recordPath], dir, { skipArchive: true });
    await expect(client.uploadArtifact('x', [recordPath], dir, { skipArchive: true })).rejects.toThrow(
      /\(409\) Conflict: an artifact with this name already exists on the workflow run/,
    );
    const other = results.registerRun({ owner: 'octo-org', repo: 'octo-repo', repositoryId: 5001 });
    process.env.ACTIONS_RUNTIME_TOKEN = results.runtimeToken(other);
    await expect(client.uploadArtifact('x', [recordPath], dir, { skipArchive: true })).resolves.toMatchObject({ id: expect.any(Number) });
  });

  it('refuses a forged or expired token, and a token for another run', async () => {
    const client = new DefaultArtifactClient();
    const [header, payload] = results.runtimeToken(run).split('.');
    process.env.ACTIONS_RUNTIME_TOKEN = `${header}.${payload}.forged`;
    await expect(client.uploadArtifact('x', [recordPath], dir, { skipArchive: true })).rejects.toThrow(/\(401\).*signature is invalid/);
    process.env.ACTIONS_RUNTIME_TOKEN = results.runtimeToken(run, { expiresInSeconds: -10 });
    await expect(client.uploadArtifact('x', [recordPath], dir, { skipArchive: true })).rejects.toThrow(/\(401\).*expired/);
    expect(results.store.artifacts.filter((artifact) => artifact.run.id === run.id)).toEqual([]);
  });

  it('answers injected 5xx, which the client retries', async () => {
    results.failNext(1, { operation: 'CreateArtifact', status: 503 });
    const uploaded = await new DefaultArtifactClient().uploadArtifact('x', [recordPath], dir, { skipArchive: true });
    expect(results.requests.filter((request) => request.path.endsWith('/CreateArtifact')).map((request) => request.status)).toEqual([503, 200]);
    expect(results.store.byId(uploaded.id ?? -1)?.finalized).toBe(true);
  }, 20_000);

  it('keeps an artifact whose upload never finalized out of sight', async () => {
    results.failNext(1, { operation: 'FinalizeArtifact', status: 400, msg: 'nope' });
    await expect(new DefaultArtifactClient().uploadArtifact('x', [recordPath], dir, { skipArchive: true })).rejects.toThrow(/\(400\)/);
    expect(results.store.listed('octo-org', 'octo-repo').filter((artifact) => artifact.run.id === run.id)).toEqual([]);
  });
});
