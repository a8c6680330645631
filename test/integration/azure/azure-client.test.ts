// The Evals API side against the Azure flavour of the loopback fake: the ways Azure authenticates
// (api-key header, bearer key, Entra tokens), extra headers and query, and Azure's shapes read into records.
import { describe, expect, it } from 'vitest';
import { EntraCredential } from '../../../src/azure/entra-credential.ts';
import { describeApiError, isTransient } from '../../../src/evals-api/api-errors.ts';
import { authHint } from '../../../src/evals-api/auth-hints.ts';
import { cancelRun } from '../../../src/evals-api/cancel-run.ts';
import { createEvalsClient, type EvalsClient } from '../../../src/evals-api/client.ts';
import { collectOutputItems } from '../../../src/evals-api/collect-items.ts';
import { toRunSnapshot } from '../../../src/evals-api/records.ts';
import type { ItemRecord } from '../../../src/evals-api/run-types.ts';
import { waitForTerminalRun } from '../../../src/evals-api/wait-for-run.ts';
import { type FakeIdentity, startFakeIdentity } from '../../fakes/azure-identity.ts';
import type { FakeEvalsApi } from '../../fakes/evals-api.ts';
import { useClosers } from '../../support/closers.ts';
import { evalsEndpoint, useEvalsFake } from '../../support/evals-fake-setup.ts';

const track = useClosers();

const KEY = 'azure-key-0123456789abcdef0123456789ab';

const azure = useEvalsFake({ flavor: 'azure', progress: { queuedPolls: 0, inProgressPolls: 1 } });

async function identity(): Promise<FakeIdentity> {
  const fake = await startFakeIdentity();
  track(() => fake.close());
  return fake;
}

function scriptedEval(f: FakeEvalsApi): string {
  return f.addEval({
    name: 'Foundry quality',
    testing_criteria: [
      { type: 'azure_ai_evaluator', name: 'qa', evaluator_name: 'builtin.qa' },
      { type: 'azure_ai_evaluator', name: 'violence', evaluator_name: 'builtin.violence' },
    ],
    plan: { items: 30, failing: 4, errored: 2, skipped: 3, metrics: { qa: ['coherence', 'fluency'], violence: ['violence'] } },
  });
}

async function startRun(client: EvalsClient, evalId: string): Promise<string> {
  const run = await client.evals.runs.create(evalId, { data_source: { type: 'jsonl', source: { type: 'file_content', content: [] } } });
  return run.id;
}

describe('authentication', () => {
  it('sends the key in the api-key header, and no Authorization header, with auth-header: api-key', async () => {
    const f = await azure({ auth: { apiKey: KEY, via: ['api-key'] } });
    const evalId = scriptedEval(f);
    const client = createEvalsClient(evalsEndpoint(f, { kind: 'key', apiKey: KEY, header: 'api-key' }));

    await client.evals.retrieve(evalId);

    const [request] = f.requests;
    expect(request?.auth).toBe('api-key');
    expect(request?.headers['api-key']).toBe(KEY);
    expect(request?.headers.authorization).toBeUndefined();
  });

  it('is refused when the server wants the other header, with a message that says so', async () => {
    const f = await azure({ auth: { apiKey: KEY, via: ['authorization'] } });
    const evalId = scriptedEval(f);
    const client = createEvalsClient(evalsEndpoint(f, { kind: 'key', apiKey: KEY, header: 'api-key' }));

    const error = await client.evals.retrieve(evalId).then(
      () => expect.fail('expected a 401'),
      (caught: unknown) => describeApiError(caught, { doing: 'reading the eval', evalId, baseURL: f.url }),
    );

    expect(error.status).toBe(401);
    expect(error.message).toMatch(/refused the credentials \(HTTP 401 while reading the eval\): Access denied due to invalid subscription key/);
    expect(error.message).not.toContain(KEY);
  });

  it('sends extra headers and query parameters with every request', async () => {
    const f = await azure({ auth: { apiKey: KEY } });
    const evalId = scriptedEval(f);
    const client = createEvalsClient(
      evalsEndpoint(f, { kind: 'key', apiKey: KEY, header: 'authorization' }, {
        extraHeaders: { 'Foundry-Features': 'Evaluations=V1Preview' },
        extraQuery: { 'api-version': '2025-04-01-preview' },
      }),
    );

    const runId = await startRun(client, evalId);
    await client.evals.runs.retrieve(runId, { eval_id: evalId });
    await client.evals.runs.outputItems.list(runId, { eval_id: evalId, limit: 100 });

    expect(f.requests).toHaveLength(3);
    for (const request of f.requests) {
      expect(request.auth).toBe('bearer-key');
      expect(request.headers['foundry-features']).toBe('Evaluations=V1Preview');
      expect(request.query['api-version']).toBe('2025-04-01-preview');
    }
    // Page parameters and the extra ones travel together.
    expect(f.requests[2]?.query.limit).toBe('100');
  });

  it('sends aoai-evals: preview, which Azure marks required, on every evals request', async () => {
    const f = await azure({ auth: { apiKey: KEY }, requireEvalsPreviewHeader: true });
    const evalId = scriptedEval(f);
    const client = createEvalsClient(evalsEndpoint(f, { kind: 'key', apiKey: KEY, header: 'authorization' }));

    const runId = await startRun(client, evalId);
    await client.evals.runs.retrieve(runId, { eval_id: evalId });
    await client.evals.runs.outputItems.list(runId, { eval_id: evalId, limit: 100 });
    await cancelRun(client, { evalId, runId, baseURL: f.url, timeoutMs: 5000 });

    expect(f.requests.length).toBeGreaterThanOrEqual(4);
    for (const request of f.requests) expect(request.headers['aoai-evals']).toBe('preview');
  });

  it('lets extra-headers set aoai-evals itself, whatever its case, and sends it once', async () => {
    const f = await azure({ auth: { apiKey: KEY } });
    const evalId = scriptedEval(f);
    const client = createEvalsClient(evalsEndpoint(f, { kind: 'key', apiKey: KEY, header: 'authorization' }, { extraHeaders: { 'AOAI-Evals': 'next' } }));
    await client.evals.retrieve(evalId);
    expect(f.requests[0]?.headers['aoai-evals']).toBe('next');
  });

  it('sends no aoai-evals header to an endpoint that is not Azure', async () => {
    const f = await azure({ auth: { apiKey: KEY }, basePath: '/v1' });
    const evalId = scriptedEval(f);
    await createEvalsClient(evalsEndpoint(f, { kind: 'key', apiKey: KEY, header: 'authorization' })).evals.retrieve(evalId);
    expect(f.requests[0]?.headers['aoai-evals']).toBeUndefined();
  });

  it('says which role to grant when a principal lacks the data action, whatever the sign-in', async () => {
    const foundry = await azure({ basePath: '/api/projects/p1/openai/v1', auth: { apiKey: KEY } });
    const evalId = scriptedEval(foundry);
    const message = `The principal \`3f2a…\` lacks the required data action \`Microsoft.CognitiveServices/accounts/OpenAI/evals/read\` to perform \`GET /api/projects/p1/openai/v1/evals/${evalId}\` operation.`;
    foundry.inject({ kind: { status: 403, body: { error: { code: 'PermissionDenied', message } } } });
    const client = createEvalsClient(evalsEndpoint(foundry, { kind: 'key', apiKey: KEY, header: 'authorization' }));

    const error = describeApiError(await client.evals.retrieve(evalId).catch((caught: unknown) => caught), { doing: 'reading the eval', evalId, baseURL: foundry.url });

    expect(error.status).toBe(403);
    expect(error.message).toContain('lacks the required data action');
    const hint = authHint({ kind: 'key', apiKey: KEY, header: 'authorization' }, 403, { baseURL: foundry.url, serverMessage: error.message });
    expect(hint).toContain('"Azure AI User" role on the Foundry project');
    expect(hint).not.toContain('Cognitive Services OpenAI User');
  });

  it('sends a fresh Entra token with each request through the token provider', async () => {
    const id = await identity();
    const f = await azure({ auth: { tokens: (token) => id.check(token) } });
    const evalId = scriptedEval(f);
    const credential = new EntraCredential({
      tenantId: id.tenantId,
      clientId: id.clientId,
      scope: 'https://ai.azure.com/.default',
      authorityHost: id.authorityHost,
      getAssertion: async () => {
        const response = await fetch(`${id.oidcRequestUrl}&audience=api%3A%2F%2FAzureADTokenExchange`, { headers: { authorization: `Bearer ${id.oidcRequestToken}` } });
        return ((await response.json()) as { value: string }).value;
      },
    });
    const client = createEvalsClient(evalsEndpoint(f, { kind: 'entra', tenantId: id.tenantId, clientId: id.clientId, scope: 'x/.default', authorityHost: id.authorityHost }), () =>
      credential.getToken(),
    );

    const runId = await startRun(client, evalId);
    await client.evals.runs.retrieve(runId, { eval_id: evalId });

    expect(f.requests.map((request) => request.auth)).toEqual(['bearer-token', 'bearer-token']);
    expect(f.requests[0]?.headers.authorization).toBe(`Bearer ${id.issued()[0]?.token}`);
    expect(id.exchanges).toHaveLength(1);
  });

  it('describes a sign-in failure by its Entra error, and classes it transient only when Entra was', async () => {
    const id = await identity();
    const f = await azure({ auth: { tokens: (token) => id.check(token) } });
    const evalId = scriptedEval(f);
    const clientWith = (getAssertion: () => Promise<string>) => {
      const credential = new EntraCredential({
        tenantId: id.tenantId,
        clientId: id.clientId,
        scope: 'https://ai.azure.com/.default',
        authorityHost: id.authorityHost,
        getAssertion,
        sleep: async () => {},
      });
      return createEvalsClient(evalsEndpoint(f, { kind: 'entra', tenantId: id.tenantId, clientId: id.clientId, scope: 'x/.default', authorityHost: id.authorityHost }), () =>
        credential.getToken(),
      );
    };
    const failure = (client: EvalsClient) =>
      client.evals.retrieve(evalId).then(
        () => expect.fail('expected a sign-in failure'),
        (caught: unknown) => caught,
      );

    // An assertion the fake OIDC service never issued: refused (AADSTS700211), not worth retrying.
    const refused = await failure(clientWith(async () => 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln'));
    expect(isTransient(refused)).toBe(false);
    const described = describeApiError(refused, { doing: 'reading eval', evalId, baseURL: f.url });
    expect(described.status).toBeNull();
    expect(described.message).toMatch(/^Could not sign in to the Evals API while reading eval: Entra ID refused the token request .*AADSTS700211/);
    expect(f.requests).toHaveLength(0);

    id.failNext(10, { status: 503 });
    const down = await failure(clientWith(async () => 'x'));
    expect(isTransient(down)).toBe(true);
  });
});

describe("Azure's shapes", () => {
  it('reads multi-metric results, skipped items and the skipped count into records', async () => {
    const f = await azure({ auth: { apiKey: KEY } });
    const evalId = scriptedEval(f);
    const client = createEvalsClient(evalsEndpoint(f, { kind: 'key', apiKey: KEY, header: 'api-key' }));
    const runId = await startRun(client, evalId);
    const outcome = await waitForTerminalRun(client, { evalId, runId, baseURL: f.url, timeoutMs: 10_000, pollIntervalMs: 10 });
    expect(outcome.timedOut).toBe(false);
    const run = outcome.run!;
    expect(run.resultCounts).toEqual({ total: 30, passed: 21, failed: 4, errored: 2, skipped: 3 });
    expect(run.reportUrl).toMatch(/^https:\/\/ai\.azure\.com\//);

    const records: ItemRecord[] = [];
    await collectOutputItems(client, { evalId, runId, baseURL: f.url, expectedTotal: 30 }, (record) => records.push(record));

    const outcomes = records.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.outcome]: (acc[r.outcome] ?? 0) + 1 }), {});
    expect(outcomes).toEqual({ pass: 21, fail: 4, error: 2, skipped: 3 });
    const failing = records.find((r) => r.outcome === 'fail')!;
    expect(failing.grades.map((g) => `${g.name}/${g.metric ?? ''}`)).toEqual(['qa/coherence', 'qa/fluency', 'violence/']);
    const failed = failing.grades.find((g) => g.passed === false)!;
    expect(failed).toMatchObject({ type: 'azure_ai_evaluator', label: 'fail', threshold: 3 });
    expect(failed.score).toBeLessThan(3);
    expect(failed.reason).toEqual(expect.any(String));
    const errored = records.find((r) => r.outcome === 'error')!;
    expect(errored.error).toEqual(expect.any(String));
    expect(errored.grades.every((g) => g.passed === null && g.score === null)).toBe(true);
  });

  it("cancels a run that Azure then spells 'cancelled'", async () => {
    const f = await azure({ auth: { apiKey: KEY }, progress: { never: true } });
    const evalId = scriptedEval(f);
    const client = createEvalsClient(evalsEndpoint(f, { kind: 'key', apiKey: KEY, header: 'authorization' }));
    const runId = await startRun(client, evalId);

    expect(await cancelRun(client, { evalId, runId, baseURL: f.url, timeoutMs: 5000 })).toBe('canceled');
    const raw = await client.evals.runs.retrieve(runId, { eval_id: evalId });
    expect(raw.status).toBe('cancelled');
    expect(toRunSnapshot(raw).status).toBe('canceled');
  });
});
