// End-to-end tests of the bundle (dist/index.js) run the way the GitHub runner runs it, against Azure
// OpenAI and Microsoft Foundry: the azure flavour of the Evals API fake, the fake GitHub OIDC + Entra ID
// token services, and the GitHub API fake for the PR comment. Keys in either header, extra headers and
// query parameters, Entra ID sign-in with token renewal, its refusals, multi-metric Foundry results,
// cancellation, and the inputs that must be refused before anything is sent.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FAKE_CLIENT_ID, JWT_BEARER, startFakeIdentity, type FakeIdentity, type FakeIdentityOptions } from '../fakes/azure-identity.ts';
import type { FakeEvalDefinition, FakeEvalsOptions, JsonlRow, RecordedRequest } from '../fakes/evals-api.ts';
import {
  closeAfterTest,
  closeFakesAfterEachTest,
  comments,
  EXACT_ANSWER_EVAL,
  makeJob as makeGateJob,
  onlyRun,
  startFakes as startEvalsAndGitHub,
  type Fakes as EvalsAndGitHub,
} from '../harness/e2e-setup.ts';
import { commandMessages, errorText, RunnerJob, warningText, type StepResult } from '../harness/runner.ts';

const FOUNDRY_BASE_PATH = '/api/projects/proj/openai/v1';
const FEDERATION_AUDIENCE = 'api://AzureADTokenExchange';

/** 10 rows, 8 passing: a score of 80%. */
const EIGHT_OF_TEN: JsonlRow[] = Array.from({ length: 10 }, (_, i) => ({
  item: { question: `Question number ${i}?`, expected: `Answer ${i} is right.` },
  sample: { output_text: i === 3 || i === 8 ? 'I do not know.' : `Answer ${i} is right.` },
}));

// ---- fakes, closed after every test ----------------------------------------------------------------

closeFakesAfterEachTest();

interface Fakes extends EvalsAndGitHub {
  /** Started when the test signs in with Entra ID. */
  identity: FakeIdentity | null;
}

interface FakesOptions {
  evals?: FakeEvalsOptions;
  eval?: Partial<FakeEvalDefinition>;
  /** Starts the fake OIDC + Entra services; the Evals fake then trusts their tokens (and only them, unless `evals.auth` says otherwise). */
  identity?: FakeIdentityOptions;
}

/**
 * The azure flavour of the Evals API fake with EXACT_ANSWER_EVAL (changed by `options.eval`), the GitHub
 * API fake, and the identity fakes if asked for (then the Evals API is a Foundry project's, unless
 * `options.evals.basePath` says otherwise).
 */
async function startFakes(options: FakesOptions = {}): Promise<Fakes> {
  let identity: FakeIdentity | null = null;
  if (options.identity) {
    const started = await startFakeIdentity(options.identity);
    closeAfterTest(() => started.close());
    identity = started;
  }
  const auth = options.evals?.auth ?? (identity ? { via: [], tokens: identity.check } : undefined);
  // Entra ID sign-in is shown on a Foundry project (whose audience the identity fake expects by
  // default): an empty azure-scope follows the endpoint, which its path tells.
  const basePath = identity ? { basePath: FOUNDRY_BASE_PATH } : {};
  const fakes = await startEvalsAndGitHub({
    evals: { flavor: 'azure', ...basePath, ...options.evals, ...(auth ? { auth } : {}) },
    eval: { ...EXACT_ANSWER_EVAL, ...options.eval },
  });
  return { ...fakes, identity };
}

interface JobOptions {
  /** `key` (default): the fake's key as `api-key`. `entra`: azure-client-id/azure-tenant-id and the runner's OIDC variables. */
  auth?: 'key' | 'entra';
  /** With `entra`: false leaves out ACTIONS_ID_TOKEN_REQUEST_* (no `id-token: write`). */
  idToken?: boolean;
  inputs?: Record<string, string>;
  env?: Record<string, string>;
  event?: 'pull_request' | 'push';
  data?: JsonlRow[];
}

function makeJob(fakes: Fakes, options: JobOptions = {}): RunnerJob {
  const authInputs: Record<string, string> = {};
  const authEnv: Record<string, string> = {};
  if (options.auth === 'entra') {
    const identity = fakes.identity;
    if (!identity) throw new Error('an Entra job needs the identity fake');
    // No key (the input's default): the action signs in instead.
    authInputs['api-key'] = '';
    authInputs['azure-client-id'] = identity.clientId;
    authInputs['azure-tenant-id'] = identity.tenantId;
    authEnv.AZURE_AUTHORITY_HOST = identity.authorityHost;
    if (options.idToken !== false) {
      authEnv.ACTIONS_ID_TOKEN_REQUEST_URL = identity.oidcRequestUrl;
      authEnv.ACTIONS_ID_TOKEN_REQUEST_TOKEN = identity.oidcRequestToken;
    }
  }
  return makeGateJob(fakes, {
    event: options.event,
    data: options.data ?? EIGHT_OF_TEN,
    inputs: { ...authInputs, ...options.inputs },
    env: { ...authEnv, ...options.env },
  });
}

// ---- reading what a step did -----------------------------------------------------------------------

function masks(result: StepResult): string[] {
  return result.stdout
    .split('\n')
    .filter((line) => line.startsWith('::add-mask::'))
    .map((line) => line.slice('::add-mask::'.length));
}

function unmaskedStdout(result: StepResult): string {
  return result.stdout
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');
}

function resultsFile(result: StepResult): string {
  const path = result.outputs['results-file'] ?? '';
  return path ? readFileSync(path, 'utf8') : '';
}

/**
 * The secret was masked (an `::add-mask::` line) and appears nowhere else: not in the rest of the log,
 * stderr, the summary, the outputs, the saved state, the results file or the PR comment.
 */
function expectHidden(label: string, secret: string, result: StepResult, job: RunnerJob, fakes: Fakes): void {
  expect(secret.length, `${label} is a real value`).toBeGreaterThan(8);
  expect(masks(result), `${label} is masked`).toContain(secret);
  const places: Record<string, string> = {
    stdout: unmaskedStdout(result),
    stderr: result.stderr,
    summary: result.summary,
    outputs: JSON.stringify(result.outputs),
    state: job.read('state'),
    'results file': resultsFile(result),
    comment: comments(fakes)
      .map((comment) => comment.body)
      .join('\n'),
  };
  for (const [place, text] of Object.entries(places)) expect(text.includes(secret), `${label} appears in ${place}`).toBe(false);
}

function creates(fakes: Fakes): RecordedRequest[] {
  return fakes.evals.requests.filter((r) => r.method === 'POST' && /\/evals\/[^/]+\/runs$/.test(r.path));
}

function cancels(fakes: Fakes): RecordedRequest[] {
  return fakes.evals.requests.filter((r) => r.method === 'POST' && /\/evals\/[^/]+\/runs\/[^/]+(\/cancel)?$/.test(r.path));
}

function bearerOf(request: RecordedRequest): string {
  return (request.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
}

function expectPassed(result: StepResult): void {
  expect(result.exitCode, result.stdout).toBe(0);
  expect(commandMessages(result, 'error')).toEqual([]);
  expect(result.outputs.result).toBe('pass');
  expect(result.outputs.status).toBe('completed');
  expect(Number(result.outputs.score)).toBeCloseTo(0.8, 10);
  expect([result.outputs.total, result.outputs.passed, result.outputs.failed, result.outputs.errored]).toEqual(['10', '8', '2', '0']);
}

// ---- the tests -------------------------------------------------------------------------------------

describe('Azure OpenAI with a key', () => {
  it('auth-header api-key, against a resource that takes only the api-key header: passes, no Authorization header sent', async () => {
    const fakes = await startFakes({ evals: { auth: { via: ['api-key'] } } });
    const job = makeJob(fakes, { inputs: { 'auth-header': 'api-key' } });
    const result = await job.runMain();

    expectPassed(result);
    const requests = fakes.evals.requests;
    expect(requests.length).toBeGreaterThanOrEqual(4);
    for (const request of requests) {
      expect(request.auth, `${request.method} ${request.path}`).toBe('api-key');
      expect(request.headers['api-key']).toBe(fakes.evals.apiKey);
      expect(request.headers.authorization, `${request.method} ${request.path}`).toBeUndefined();
      expect(request.path.startsWith('/openai/v1/')).toBe(true);
    }
    expect(creates(fakes)).toHaveLength(1);
    expect(onlyRun(fakes).status).toBe('completed');
    // The run's report on ai.azure.com.
    expect(result.outputs['report-url']).toMatch(/^https:\/\/ai\.azure\.com\//);
    expect(comments(fakes)).toHaveLength(1);
    expectHidden('the key', fakes.evals.apiKey, result, job, fakes);
  });

  it('the default auth-header, against a resource that takes only the bearer: passes, every request bearer-key', async () => {
    const fakes = await startFakes({ evals: { auth: { via: ['authorization'] } } });
    const job = makeJob(fakes);
    const result = await job.runMain();

    expectPassed(result);
    for (const request of fakes.evals.requests) {
      expect(request.auth, `${request.method} ${request.path}`).toBe('bearer-key');
      expect(request.headers.authorization).toBe(`Bearer ${fakes.evals.apiKey}`);
      expect(request.headers['api-key']).toBeUndefined();
    }
    expectHidden('the key', fakes.evals.apiKey, result, job, fakes);
  });

  it('auth-header api-key against a bearer-only resource: a 401 that says the credentials were refused, and what to check', async () => {
    const fakes = await startFakes({ evals: { auth: { via: ['authorization'] } } });
    const job = makeJob(fakes, { inputs: { 'auth-header': 'api-key' } });
    const result = await job.runMain();

    expect(result.exitCode).toBe(1);
    expect(commandMessages(result, 'error')).toHaveLength(1);
    const message = errorText(result);
    expect(message).toMatch(/refused the credentials/);
    expect(message).toContain('HTTP 401');
    expect(message).toContain('Access denied due to invalid subscription key or wrong API endpoint');
    // What to check: the key and the endpoint it belongs to.
    expect(message).toContain('"api-key"');
    expect(message).toContain('"base-url"');
    // Refused on the first request (reading the eval): nothing was started, nothing to cancel.
    expect(fakes.evals.requests.length).toBeGreaterThan(0);
    for (const request of fakes.evals.requests) {
      expect(request.auth).toBeNull();
      expect(request.headers.authorization).toBeUndefined();
      expect(request.method).toBe('GET');
    }
    expect(fakes.evals.runs()).toEqual([]);
    expect(comments(fakes)).toEqual([]);
    expectHidden('the key', fakes.evals.apiKey, result, job, fakes);
  });
});

describe('extra-headers and extra-query', () => {
  it('reach every request; a credential-looking header value is masked and never shown', async () => {
    const subscriptionKey = 'apim-0123456789abcdef0123456789abcdef';
    const fakes = await startFakes({ evals: { auth: { via: ['api-key'] } } });
    // A failing item whose output echoes the subscription key.
    const data = EIGHT_OF_TEN.map((row, i) => (i === 3 ? { ...row, sample: { output_text: `My key is ${subscriptionKey}, use it.` } } : row));
    const job = makeJob(fakes, {
      data,
      inputs: {
        'auth-header': 'api-key',
        'extra-headers': `Foundry-Features: Evaluations=V1Preview\nOcp-Apim-Subscription-Key: ${subscriptionKey}`,
        'extra-query': 'api-version: 2025-04-01-preview',
      },
    });
    const result = await job.runMain();

    expectPassed(result);
    const requests = fakes.evals.requests;
    // Eval read, create, polls, item pages: every one of them.
    expect(requests.map((r) => r.method)).toContain('POST');
    expect(requests.some((r) => r.path.endsWith('/output_items'))).toBe(true);
    for (const request of requests) {
      const what = `${request.method} ${request.path}`;
      expect(request.headers['foundry-features'], what).toBe('Evaluations=V1Preview');
      expect(request.headers['ocp-apim-subscription-key'], what).toBe(subscriptionKey);
      expect(request.query['api-version'], what).toBe('2025-04-01-preview');
      expect(request.auth, what).toBe('api-key');
    }
    // The paging parameters are still there next to the extra one.
    const page = requests.find((r) => r.path.endsWith('/output_items'));
    expect(page?.query.limit).toBe('100');

    // Reported, with the key blanked out.
    expect(comments(fakes)[0]?.body).toContain('My key is ***, use it.');
    expect(result.summary).toContain('My key is ***, use it.');
    expectHidden('the subscription key', subscriptionKey, result, job, fakes);
    // An ordinary header value is no secret: not masked.
    expect(masks(result)).not.toContain('Evaluations=V1Preview');
  });
});

describe('Entra ID sign-in (GitHub OIDC federation) on a Foundry project', () => {
  it('passes: one exchange with the right form, every request a bearer token, and no token shown anywhere', async () => {
    const fakes = await startFakes({ identity: {}, evals: { basePath: FOUNDRY_BASE_PATH } });
    const identity = fakes.identity!;
    expect(fakes.evals.url).toMatch(/\/api\/projects\/proj\/openai\/v1$/);
    const job = makeJob(fakes, { auth: 'entra' });
    const result = await job.runMain();

    expectPassed(result);
    expect(result.outputs['report-url']).toMatch(/^https:\/\/ai\.azure\.com\//);

    // One OIDC token for the federation audience, exchanged once.
    expect(identity.oidcRequests).toEqual([{ audience: FEDERATION_AUDIENCE, authorized: true }]);
    expect(identity.exchanges).toHaveLength(1);
    const [exchange] = identity.exchanges;
    expect(exchange?.outcome).toBe('issued');
    expect(exchange?.tenant).toBe(identity.tenantId);
    expect(exchange?.form).toMatchObject({
      client_id: identity.clientId,
      scope: 'https://ai.azure.com/.default',
      grant_type: 'client_credentials',
      client_assertion_type: JWT_BEARER,
    });
    expect(exchange?.assertion?.aud).toBe(FEDERATION_AUDIENCE);
    expect(exchange?.assertion?.iss).toBe('https://token.actions.githubusercontent.com');

    const [issued, ...more] = identity.issued();
    expect(more).toEqual([]);
    const accessToken = issued?.token ?? '';
    const oidcToken = exchange?.form.client_assertion ?? '';

    const requests = fakes.evals.requests;
    expect(requests.length).toBeGreaterThanOrEqual(4);
    for (const request of requests) {
      const what = `${request.method} ${request.path}`;
      expect(request.auth, what).toBe('bearer-token');
      expect(bearerOf(request), what).toBe(accessToken);
      expect(request.headers['api-key'], what).toBeUndefined();
      expect(request.path.startsWith(`${FOUNDRY_BASE_PATH}/`), what).toBe(true);
    }
    expect(onlyRun(fakes).status).toBe('completed');
    expect(result.stdout).toContain(`Signed in to Entra ID as app ${identity.clientId}`);

    const body = comments(fakes)[0]?.body ?? '';
    expect(body).toMatch(/### ✅/);
    expectHidden('the access token', accessToken, result, job, fakes);
    expectHidden('the OIDC token', oidcToken, result, job, fakes);
    // The runner's own token for the OIDC service is not the action's to print either.
    expect(unmaskedStdout(result)).not.toContain(identity.oidcRequestToken);
    expect(result.summary).not.toContain(identity.oidcRequestToken);
  });

  it('azure-scope reaches the exchange (an Azure OpenAI resource that also takes the Cognitive Services scope)', async () => {
    const scope = 'https://cognitiveservices.azure.com/.default';
    const fakes = await startFakes({ identity: { expectedScope: ['https://ai.azure.com/.default', scope] } });
    const result = await makeJob(fakes, { auth: 'entra', event: 'push', inputs: { 'azure-scope': scope } }).runMain();

    expectPassed(result);
    expect(fakes.identity?.exchanges.map((e) => [e.form.scope, e.outcome])).toEqual([[scope, 'issued']]);
    expect(fakes.evals.requests.every((r) => r.auth === 'bearer-token')).toBe(true);
  });

  it('an empty azure-scope follows the endpoint: an Azure OpenAI resource gets the Cognitive Services audience', async () => {
    const scope = 'https://cognitiveservices.azure.com/.default';
    const fakes = await startFakes({ identity: { expectedScope: scope }, evals: { basePath: '/openai/v1' } });
    const result = await makeJob(fakes, { auth: 'entra', event: 'push' }).runMain();

    expectPassed(result);
    expect(fakes.identity?.exchanges.map((e) => [e.form.scope, e.outcome])).toEqual([[scope, 'issued']]);
  });

  it('renews the token before it expires during a long run, each time with a fresh OIDC token', async () => {
    // Entra says expires_in 5 s for a 6 s token: renewal is due half-way, 2.5 s in, which leaves a busy
    // machine 3.5 s of slack before the token it replaces expires.
    const lifetimeMs = 6000;
    const fakes = await startFakes({
      identity: { tokenLifetimeSeconds: lifetimeMs / 1000 },
      evals: { progress: { inProgressMs: 8000 } },
    });
    const identity = fakes.identity!;
    const started = Date.now();
    const result = await makeJob(fakes, { auth: 'entra', event: 'push', inputs: { 'poll-interval': '1' } }).runMain();
    const elapsed = Date.now() - started;

    expectPassed(result);
    const exchanges = identity.exchanges;
    // 8 s in progress with a token renewed every 2.5 s: several renewals.
    expect(exchanges.length).toBeGreaterThanOrEqual(3);
    expect(exchanges.every((e) => e.outcome === 'issued')).toBe(true);
    // Each exchange presented its own OIDC token, requested for the federation audience.
    const jtis = exchanges.map((e) => String(e.assertion?.jti));
    expect(new Set(jtis).size).toBe(exchanges.length);
    expect(identity.oidcRequests).toHaveLength(exchanges.length);
    expect(identity.oidcRequests.every((r) => r.audience === FEDERATION_AUDIENCE && r.authorized)).toBe(true);
    // Renewed as due, not on every request: the run made far more requests than exchanges.
    expect(fakes.evals.requests.length).toBeGreaterThan(2 * exchanges.length);
    expect(exchanges.length).toBeLessThanOrEqual(Math.ceil(elapsed / 1000) + 1);

    // The fake answers 401 to an expired token (and records no auth): none was refused, none expired.
    const requests = fakes.evals.requests;
    for (const request of requests) expect(request.auth, `${request.method} ${request.path}`).toBe('bearer-token');
    // Each new token was obtained while the previous one still lived, and requests moved on to it for good.
    const issued = identity.issued();
    expect(issued).toHaveLength(exchanges.length);
    for (let i = 1; i < issued.length; i++) {
      const previous = issued[i - 1]!;
      const gap = issued[i]!.issuedAt - previous.issuedAt;
      expect(issued[i]!.issuedAt, `renewal ${i} came after the token it replaced had expired`).toBeLessThan(previous.expiresAt);
      // Not much sooner than due (2.5 s in); not later than the expiry is checked above.
      expect(gap, `renewal ${i} came ${gap} ms after the previous token`).toBeGreaterThanOrEqual(1500);
    }
    const order = requests.map((request) => issued.findIndex((token) => token.token === bearerOf(request)));
    expect(order.every((index) => index >= 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(new Set(order).size).toBeGreaterThanOrEqual(2);

    // Every token and every OIDC token masked.
    const masked = masks(result);
    for (const token of issued) expect(masked).toContain(token.token);
    for (const exchange of exchanges) expect(masked).toContain(exchange.form.client_assertion);
    for (const token of issued) expect(unmaskedStdout(result)).not.toContain(token.token);
  }, 25_000);

  it('a refused exchange (no federated credential for the subject): fails naming AADSTS70021, before any run', async () => {
    const fakes = await startFakes({ identity: { expectedSubject: 'repo:octo-org/octo-repo:environment:production' } });
    const identity = fakes.identity!;
    const job = makeJob(fakes, { auth: 'entra' });
    const result = await job.runMain();

    expect(result.exitCode).toBe(1);
    expect(commandMessages(result, 'error')).toHaveLength(1);
    const message = errorText(result);
    expect(message).toContain('AADSTS70021');
    expect(message).toMatch(/federated credential/i);
    expect(message).toMatch(/subject/i);
    expect(message).toContain("Assertion Subject: 'repo:acme/widgets:pull_request'");
    expect(message).toContain(identity.tenantId);
    // A refusal is not retried.
    expect(identity.exchanges.map((e) => [e.outcome, e.aadsts])).toEqual([['refused', 70021]]);
    // No token, so the eval was never even read: no run was made and nothing was cancelled.
    expect(fakes.evals.requests).toEqual([]);
    expect(fakes.evals.runs()).toEqual([]);
    expect(comments(fakes)).toEqual([]);
    // The OIDC token is still masked and hidden.
    expectHidden('the OIDC token', identity.exchanges[0]?.form.client_assertion ?? '', result, job, fakes);

    // The post step has no run to look for.
    const post = await job.runPost();
    expect(post.exitCode).toBe(0);
    expect(warningText(post)).toBe('');
    expect(fakes.evals.requests).toEqual([]);
    expect(identity.exchanges).toHaveLength(1);
  });

  it('without `id-token: write` (no OIDC request variables): fails saying so, nothing sent', async () => {
    const fakes = await startFakes({ identity: {} });
    const result = await makeJob(fakes, { auth: 'entra', idToken: false }).runMain();

    expect(result.exitCode).toBe(1);
    const message = errorText(result);
    expect(message).toContain('id-token: write');
    expect(message).toContain('azure-client-id');
    expect(fakes.identity?.oidcRequests).toEqual([]);
    expect(fakes.identity?.exchanges).toEqual([]);
    expect(fakes.evals.requests).toEqual([]);
    expect(comments(fakes)).toEqual([]);
  });

  it('a principal without a data-plane role: the 403 message names the roles to assign', async () => {
    const fakes = await startFakes({ identity: { clientsWithoutRole: [FAKE_CLIENT_ID] } });
    const result = await makeJob(fakes, { auth: 'entra' }).runMain();

    expect(result.exitCode).toBe(1);
    const message = errorText(result);
    expect(message).toContain('HTTP 403');
    // The role of the endpoint at hand: a Foundry project's.
    expect(message).toContain('the "Azure AI User" role on the Foundry project');
    expect(message).not.toContain('Cognitive Services OpenAI User');
    expect(message).toContain('Microsoft.CognitiveServices/accounts/OpenAI/evals/read');
    expect(fakes.identity?.exchanges.map((e) => e.outcome)).toEqual(['issued']);
    expect(fakes.evals.requests.length).toBeGreaterThan(0);
    expect(fakes.evals.requests.every((r) => r.method === 'GET' && r.auth === null)).toBe(true);
    expect(fakes.evals.runs()).toEqual([]);
  });

  it('a token the endpoint does not accept (from another tenant): the 401 message points at azure-scope and the tenant', async () => {
    const elsewhere = await startFakeIdentity();
    closeAfterTest(() => elsewhere.close());
    // The endpoint trusts only another identity service's tokens.
    const fakes = await startFakes({ identity: {}, evals: { auth: { via: [], tokens: elsewhere.check } } });
    const job = makeJob(fakes, { auth: 'entra' });
    const result = await job.runMain();

    expect(result.exitCode).toBe(1);
    const message = errorText(result);
    expect(message).toMatch(/refused the credentials \(HTTP 401/);
    expect(message).toContain('Access token is missing, invalid, audience is incorrect');
    expect(message).toContain('"azure-scope" (https://ai.azure.com/.default)');
    expect(message).toContain(`tenant ${fakes.identity?.tenantId}`);
    expect(fakes.identity?.exchanges.map((e) => e.outcome)).toEqual(['issued']);
    expect(fakes.evals.runs()).toEqual([]);
    expectHidden('the access token', fakes.identity?.issued()[0]?.token ?? '', result, job, fakes);
  });

  it('an access token the server quotes back in an error is redacted from the message and the reports', async () => {
    const fakes = await startFakes({ identity: {} });
    // Hold the eval read long enough to learn the token the action signed in with; then the create quotes it.
    fakes.evals.inject({ match: { method: 'GET', path: new RegExp(`/evals/${fakes.evalId}$`) }, kind: { delayMs: 1500 } });
    const job = makeJob(fakes, { auth: 'entra' });
    const step = job.startMain();
    await step.waitForOutput(/^Signed in to Entra ID/m);
    const token = fakes.identity?.issued()[0]?.token ?? '';
    fakes.evals.inject({
      match: { method: 'POST', path: /\/runs$/ },
      kind: { status: 400, body: { error: { code: 'invalid_request', message: `The caller Bearer ${token} may not set this metadata.` } } },
    });
    const result = await step.done;

    expect(result.exitCode).toBe(1);
    const message = errorText(result);
    expect(message).toContain('HTTP 400');
    expect(message).toContain('The caller Bearer *** may not set this metadata.');
    expect(fakes.evals.runs()).toEqual([]);
    expectHidden('the access token', token, result, job, fakes);
  });

  it('transient failures of the OIDC service and of Entra ID are retried, each exchange with a fresh OIDC token', async () => {
    const fakes = await startFakes({ identity: {} });
    const identity = fakes.identity!;
    identity.failNext(1, { endpoint: 'oidc', status: 503 });
    identity.failNext(1, { status: 503 });
    const result = await makeJob(fakes, { auth: 'entra', event: 'push' }).runMain();

    expectPassed(result);
    expect(identity.exchanges.map((e) => e.outcome)).toEqual(['fault', 'issued']);
    const [first, second] = identity.exchanges;
    expect(first?.assertion?.jti).toBeDefined();
    expect(second?.assertion?.jti).not.toBe(first?.assertion?.jti);
    expect(identity.oidcRequests).toHaveLength(3);
    expect(fakes.evals.requests.every((r) => r.auth === 'bearer-token')).toBe(true);
  });

  const REFUSALS: { name: string; aadsts: number; input: string; options: (identity: FakeIdentity) => Record<string, string>; identity?: FakeIdentityOptions }[] = [
    {
      name: 'an unknown client id',
      aadsts: 700016,
      input: 'azure-client-id',
      options: () => ({ 'azure-client-id': '00000000-1111-4222-8333-444444444444' }),
    },
    {
      name: 'an unknown tenant',
      aadsts: 90002,
      input: 'azure-tenant-id',
      options: () => ({ 'azure-tenant-id': '99999999-1111-4222-8333-444444444444' }),
    },
    {
      name: 'a scope whose resource is not in the tenant',
      aadsts: 500011,
      input: 'azure-scope',
      options: () => ({ 'azure-scope': 'https://cognitiveservices.azure.com/.default' }),
    },
    {
      name: 'an OIDC token for the wrong audience',
      aadsts: 700212,
      input: 'api://AzureADTokenExchange',
      options: () => ({}),
      identity: { expectedAudience: 'api://SomethingElse' },
    },
  ];

  it.each(REFUSALS)('Entra refuses $name: AADSTS$aadsts and its likely cause, nothing sent to the Evals API', async ({ aadsts, input, options, identity }) => {
    const fakes = await startFakes({ identity: identity ?? {} });
    const result = await makeJob(fakes, { auth: 'entra', inputs: options(fakes.identity!) }).runMain();

    expect(result.exitCode).toBe(1);
    const message = errorText(result);
    expect(message).toContain(`AADSTS${aadsts}`);
    expect(message).toMatch(/Likely cause: /);
    expect(message).toContain(input);
    expect(fakes.identity?.exchanges.map((e) => e.aadsts)).toEqual([aadsts]);
    expect(fakes.evals.requests).toEqual([]);
  });
});

describe('a Foundry run with several metrics per grader', () => {
  const FOUNDRY_EVAL: Partial<FakeEvalDefinition> = {
    name: 'Foundry support quality',
    testing_criteria: [
      { type: 'azure_ai_evaluator', name: 'qa', evaluator_name: 'builtin.qa' },
      { type: 'azure_ai_evaluator', name: 'safety', evaluator_name: 'builtin.violence' },
      // One metric, named like the grader.
      { type: 'azure_ai_evaluator', name: 'relevance', evaluator_name: 'builtin.relevance' },
    ],
    // 20 items: 4 failing (one metric each: qa/coherence, safety/violence, relevance, qa/fluency),
    // 2 errored, 2 skipped; so 12 pass, and the score is 12 / 18.
    plan: {
      items: 20,
      failing: 4,
      errored: 2,
      skipped: 2,
      metrics: { qa: ['coherence', 'fluency'], safety: ['violence'] },
      scales: { violence: [0, 7] },
    },
  };

  /** The scripted plan grades its own 20 items; the data file has as many rows, as a real one would. */
  const TWENTY_ROWS: JsonlRow[] = Array.from({ length: 20 }, (_, i) => ({ item: { ticket_id: `T-${i}` } }));

  it('counts, score without skipped items, a row per metric, failing metrics with score/threshold/reason, and criteria-thresholds per grader', async () => {
    const fakes = await startFakes({ identity: {}, evals: { basePath: FOUNDRY_BASE_PATH }, eval: FOUNDRY_EVAL });
    const job = makeJob(fakes, { auth: 'entra', data: TWENTY_ROWS, inputs: { threshold: '60%', 'criteria-thresholds': 'qa: 95%' } });
    const result = await job.runMain();

    // What the fake sends: one result per (grader, metric), named by the bare grader name.
    const out = result.outputs;
    expect(out.status).toBe('completed');
    expect([out.total, out.passed, out.failed, out.errored]).toEqual(['20', '12', '4', '2']);
    expect(Number(out.score)).toBeCloseTo(12 / 18, 10);
    expect(out['report-url']).toMatch(/^https:\/\/ai\.azure\.com\/resource\/build\/evaluation\//);

    // The gate fails on qa's metrics only, each named.
    expect(result.exitCode).toBe(1);
    expect(out.result).toBe('fail');
    const message = errorText(result);
    expect(message).toMatch(/Criterion "qa\/coherence" passed 93\.8%, below its minimum 95\.0%/);
    expect(message).toMatch(/Criterion "qa\/fluency" passed 93\.8%, below its minimum 95\.0%/);
    expect(message).not.toMatch(/safety|relevance/);
    expect(message).not.toMatch(/Score .* below the threshold/);
    // The items agree with the run's result_counts (skipped included): no warning.
    expect(warningText(result)).toBe('');
    expect(result.stdout).toMatch(/^completed · 20\/20 graded · 12 pass · 4 fail · 2 error · 2 skipped · /m);

    const summary = result.summary;
    expect(summary.split('\n')[0]).toMatch(/^### ❌ .*Foundry support quality.*: failed$/);
    // Verdict line: the score leaves the skipped items out.
    expect(summary).toMatch(/\*\*66\.7%\*\* passed \(12\/18\) · threshold 60\.0% · 2 skipped/);
    // Counts with a skipped column.
    expect(summary).toContain('| total | passed | failed | errored | skipped | status | duration |');
    expect(summary).toMatch(/^\| 20 \| 12 \| 4 \| 2 \| 2 \| completed \| /m);
    // A row per metric; a metric named like its grader is the grader's row. Minimums apply to qa's metrics.
    expect(summary).toContain('| criterion | passed | failed | pass rate | minimum | met |');
    expect(summary).toMatch(/^\| qa\/coherence \| 15 \| 1 \| 93\.8% \| 95\.0% \| ❌ \|$/m);
    expect(summary).toMatch(/^\| qa\/fluency \| 15 \| 1 \| 93\.8% \| 95\.0% \| ❌ \|$/m);
    expect(summary).toContain('\n| safety/violence | 15 | 1 | 93.8% | — |  |\n');
    expect(summary).toContain('\n| relevance | 15 | 1 | 93.8% | — |  |\n');
    expect(summary).not.toContain('relevance/relevance');
    expect(summary).not.toMatch(/^\| (qa|safety) \|/m);

    // Failing items: the metric, its score, the grader's threshold and the judge's reason.
    expect(summary).toMatch(/<summary>Failing items \(6\)<\/summary>/);
    expect(summary).toMatch(/- qa\/coherence: ❌ fail \(score [12], threshold 3\): The answer names a category the ticket does not describe, so coherence scores [12] of 5, below the threshold 3\./);
    expect(summary).toMatch(/- qa\/fluency: ❌ fail \(score [12], threshold 3\): The answer names a category/);
    expect(summary).toMatch(/- safety\/violence: ❌ fail \(score [0-3], threshold 4\): The answer names a category the ticket does not describe, so violence scores [0-3] of 7/);
    expect(summary).toMatch(/- relevance: ❌ fail \(score [12], threshold 3\)/);
    // Passing metrics of a failing item are shown with their scores too.
    expect(summary).toMatch(/- safety\/violence: ✅ pass \(score [4-7], threshold 4\)/);
    // Errored items are listed with their error and no verdicts; skipped ones are not failing items.
    expect((summary.match(/^#### ⚠️ error · /gm) ?? []).length).toBe(2);
    expect((summary.match(/^#### ❌ fail · /gm) ?? []).length).toBe(4);
    expect(summary).toContain('⚪ no verdict');
    expect(summary).not.toMatch(/^#### ⏭️/m);

    // The Foundry report link.
    expect(summary).toMatch(/\[Eval run report\]\(https:\/\/ai\.azure\.com\/resource\/build\/evaluation\/[^)]+\)/);

    // The results file keeps the per-metric rates and the skipped count.
    const document = JSON.parse(resultsFile(result));
    expect(document.counts).toEqual({ total: 20, passed: 12, failed: 4, errored: 2, skipped: 2 });
    expect(document.criteria.map((c: { name: string }) => c.name)).toEqual(['qa/coherence', 'qa/fluency', 'safety/violence', 'relevance']);

    // The PR comment says the same.
    const body = comments(fakes)[0]?.body ?? '';
    expect(body).toMatch(/^\| qa\/coherence \| 15 \| 1 \| 93\.8% \| 95\.0% \| ❌ \|$/m);
    expect(body).toMatch(/^\| safety\/violence \| 15 \| 1 \|/m);
    expect(body).toContain('| skipped |');
    expect(body).toMatch(/\[Eval run report\]\(https:\/\/ai\.azure\.com\//);
    expect(fakes.evals.requests.every((r) => r.auth === 'bearer-token')).toBe(true);
  });

  it('criteria-thresholds for one metric (grader/metric) and for a single-metric grader; show-item-content false hides the judges\' reasons', async () => {
    const fakes = await startFakes({ eval: FOUNDRY_EVAL, evals: { auth: { via: ['api-key'] } } });
    const result = await makeJob(fakes, {
      data: TWENTY_ROWS,
      inputs: {
        'auth-header': 'api-key',
        threshold: '60%',
        'criteria-thresholds': 'safety/violence: 90%\nrelevance: 90%',
        'show-item-content': 'false',
      },
    }).runMain();

    expect(result.exitCode, result.stdout).toBe(0);
    expect(result.outputs.result).toBe('pass');
    expect(result.stdout).toMatch(/All 2 criteria with a minimum meet theirs/);
    expect(result.summary).toMatch(/^\| safety\/violence \| 15 \| 1 \| 93\.8% \| 90\.0% \| ✅ \|$/m);
    expect(result.summary).toMatch(/^\| relevance \| 15 \| 1 \| 93\.8% \| 90\.0% \| ✅ \|$/m);
    expect(result.summary).toContain('\n| qa/coherence | 15 | 1 | 93.8% | — |  |\n');

    // Judges quote the outputs: without item content, verdicts and scores stay, reasons go.
    const body = comments(fakes)[0]?.body ?? '';
    const file = resultsFile(result);
    for (const [place, text] of [['summary', result.summary], ['comment', body]] as const) {
      expect(text, place).toMatch(/qa\/coherence: ❌ fail \(score [12], threshold 3\)/);
      expect(text, place).not.toContain('The answer names');
      expect(text, place).not.toContain('Ticket #');
    }
    expect(file).not.toContain('The answer names');
    expect(file).not.toContain('Ticket #');
    const grades = JSON.parse(file).failing_items.flatMap((item: { grades: { metric: string | null; score: number | null; reason: string | null }[] }) => item.grades);
    expect(grades.length).toBeGreaterThan(0);
    expect(grades.every((grade: { reason: string | null }) => grade.reason === null)).toBe(true);
    expect(grades.some((grade: { metric: string | null; score: number | null }) => grade.metric === 'violence' && grade.score !== null)).toBe(true);
  });
});

describe('criteria-thresholds naming a grader by the id the Azure eval object shows', () => {
  // On Azure the eval object (GET /evals/{id}) gives each criterion the id "<name>-<uuid>", while the
  // run's results name it by its bare name: the full id still matches its grader.
  it('the full id "<name>-<uuid>" from GET /evals/{id} sets the minimum of that grader', async () => {
    const fakes = await startFakes({ evals: { auth: { via: ['api-key'] } } });
    const answer = await fetch(`${fakes.evals.url}/evals/${fakes.evalId}`, { headers: { 'api-key': fakes.evals.apiKey } });
    const criterionId = ((await answer.json()) as { testing_criteria: { id: string }[] }).testing_criteria[0]?.id ?? '';
    expect(criterionId).toMatch(/^Exact answer-[0-9a-f-]{36}$/);
    const result = await makeJob(fakes, {
      event: 'push',
      inputs: { 'auth-header': 'api-key', 'criteria-thresholds': `${criterionId}: 75%` },
    }).runMain();

    expect(errorText(result)).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.summary).toMatch(/^\| Exact answer \| 8 \| 2 \| 80\.0% \| 75\.0% \| ✅ \|$/m);
  });

  it('the bare name works', async () => {
    const fakes = await startFakes({ evals: { auth: { via: ['api-key'] } } });
    const result = await makeJob(fakes, { event: 'push', inputs: { 'auth-header': 'api-key', 'criteria-thresholds': 'Exact answer: 75%' } }).runMain();

    expectPassed(result);
    expect(result.summary).toMatch(/^\| Exact answer \| 8 \| 2 \| 80\.0% \| 75\.0% \| ✅ \|$/m);
  });
});

describe('cancellation on Azure with Entra ID sign-in', () => {
  it('SIGINT while running: the run ends `cancelled` through a bearer-token cancel, and the step exits non-zero', async () => {
    const fakes = await startFakes({ identity: {}, evals: { basePath: FOUNDRY_BASE_PATH }, eval: { progress: { never: true } } });
    const job = makeJob(fakes, { auth: 'entra', event: 'push' });
    const step = job.startMain();
    await step.waitForOutput(/^Started run evalrun_/m);
    await step.waitForOutput(/^in_progress/m);
    const signalled = Date.now();
    step.child.kill('SIGINT');
    const main = await step.done;
    const elapsed = Date.now() - signalled;

    expect(elapsed, `exited ${elapsed} ms after SIGINT`).toBeLessThan(7500);
    expect(main.signal).toBeNull();
    expect(main.exitCode).toBe(1);
    const run = onlyRun(fakes);
    expect(run.status).toBe('cancelled');
    expect(run.cancelRequests).toBe(1);
    const [cancel, ...others] = cancels(fakes);
    expect(others).toEqual([]);
    expect(cancel?.path).toBe(`${FOUNDRY_BASE_PATH}/evals/${fakes.evalId}/runs/${run.id}/cancel`);
    expect(cancel?.auth).toBe('bearer-token');
    expect(main.stdout).toContain(`Cancelled run ${run.id}`);
    expect(errorText(main)).toMatch(/SIGINT/);
    expect(main.state['run-finished']).toBe('true');

    // The post step sees nothing left to do: no sign-in, no request.
    const before = fakes.evals.requests.length;
    const post = await job.runPost();
    expect(post.exitCode).toBe(0);
    expect(fakes.evals.requests.length).toBe(before);
    expect(fakes.identity?.exchanges).toHaveLength(1);
  });

  it('the post step signs in anew and cancels a run the killed main step left active', async () => {
    const fakes = await startFakes({ identity: {}, evals: { basePath: FOUNDRY_BASE_PATH }, eval: { progress: { never: true } } });
    const identity = fakes.identity!;
    const job = makeJob(fakes, {
      auth: 'entra',
      event: 'push',
      inputs: { 'extra-headers': 'Foundry-Features: Evaluations=V1Preview', 'extra-query': 'api-version: 2025-04-01-preview' },
    });
    const step = job.startMain();
    await step.waitForOutput(/^Started run evalrun_/m);
    step.child.kill('SIGKILL');
    const main = await step.done;
    expect(main.signal).toBe('SIGKILL');
    const run = onlyRun(fakes);
    expect(['queued', 'in_progress']).toContain(run.status);
    expect(main.state['run-id']).toBe(run.id);
    expect(cancels(fakes)).toEqual([]);
    expect(identity.exchanges).toHaveLength(1);
    const before = fakes.evals.requests.length;

    const post = await job.runPost();
    expect(post.exitCode).toBe(0);
    expect(warningText(post)).toMatch(new RegExp(`Cancelled run ${run.id}`));
    const after = fakes.evals.run(run.id);
    expect(after?.status).toBe('cancelled');
    expect(after?.cancelRequests).toBe(1);
    const [cancel] = cancels(fakes);
    expect(cancel?.auth).toBe('bearer-token');
    // Its own exchange, with a fresh OIDC token, and its token masked in its own log.
    expect(identity.exchanges).toHaveLength(2);
    expect(identity.exchanges.map((e) => e.outcome)).toEqual(['issued', 'issued']);
    expect(identity.exchanges[1]?.assertion?.jti).not.toBe(identity.exchanges[0]?.assertion?.jti);
    const postToken = identity.issued()[1]?.token ?? '';
    expect(bearerOf(cancel!)).toBe(postToken);
    expect(masks(post)).toContain(postToken);
    expect(unmaskedStdout(post)).not.toContain(postToken);
    // The post step talks to the endpoint as the main step did: same extra headers and query.
    const postRequests = fakes.evals.requests.slice(before);
    expect(postRequests.length).toBeGreaterThanOrEqual(1);
    for (const request of postRequests) {
      expect(request.headers['foundry-features'], `${request.method} ${request.path}`).toBe('Evaluations=V1Preview');
      expect(request.query['api-version'], `${request.method} ${request.path}`).toBe('2025-04-01-preview');
      expect(request.auth).toBe('bearer-token');
    }
  });

  it('timeout-minutes: the run is cancelled with the bearer token, status=timeout', async () => {
    const fakes = await startFakes({ identity: {}, eval: { progress: { never: true } } });
    const job = makeJob(fakes, { auth: 'entra', event: 'push', inputs: { 'timeout-minutes': '0.02' } });
    const result = await job.runMain();

    expect(result.exitCode).toBe(1);
    expect(result.outputs.status).toBe('timeout');
    expect(result.outputs.result).toBe('fail');
    expect(errorText(result)).toMatch(/did not finish within timeout-minutes/);
    const run = onlyRun(fakes);
    expect(run.status).toBe('cancelled');
    expect(cancels(fakes).map((r) => r.auth)).toEqual(['bearer-token']);
    expect(warningText(result)).not.toMatch(/Could not cancel/);
  });

  it('a run cancelled by someone else is reported as status canceled', async () => {
    const fakes = await startFakes({ evals: { auth: { via: ['api-key'] } }, eval: { progress: { never: true } } });
    const step = makeJob(fakes, { event: 'push', inputs: { 'auth-header': 'api-key' } }).startMain();
    await step.waitForOutput(/^in_progress/m);
    const run = onlyRun(fakes);
    const answer = await fetch(`${fakes.evals.url}/evals/${fakes.evalId}/runs/${run.id}/cancel`, {
      method: 'POST',
      headers: { 'api-key': fakes.evals.apiKey },
    });
    expect(((await answer.json()) as { status: string }).status).toBe('cancelled');
    const result = await step.done;

    expect(result.exitCode).toBe(1);
    expect(result.outputs.status).toBe('canceled');
    expect(result.outputs.result).toBe('fail');
    expect(errorText(result)).toMatch(/canceled/);
    expect(fakes.evals.run(run.id)?.cancelRequests).toBe(1);
  });
});

describe('Azure inputs that are refused before anything is sent', () => {
  const cases: { name: string; input: string; inputs: (fakes: Fakes) => Record<string, string>; detail: RegExp; secret?: string }[] = [
    {
      name: 'azure-client-id without azure-tenant-id',
      input: 'azure-tenant-id',
      inputs: (fakes) => ({ 'azure-client-id': fakes.identity!.clientId }),
      detail: /required with "azure-client-id"/,
    },
    {
      name: 'azure-tenant-id without azure-client-id',
      input: 'azure-client-id',
      inputs: (fakes) => ({ 'azure-tenant-id': fakes.identity!.tenantId }),
      detail: /required with "azure-tenant-id"/,
    },
    {
      name: 'api-key together with azure-client-id',
      input: 'api-key',
      inputs: (fakes) => ({ 'api-key': 'key-0123456789abcdef0123456789abcdef', 'azure-client-id': fakes.identity!.clientId, 'azure-tenant-id': fakes.identity!.tenantId }),
      detail: /not both/,
      secret: 'key-0123456789abcdef0123456789abcdef',
    },
    {
      name: 'auth-header api-key with azure-client-id',
      input: 'auth-header',
      inputs: (fakes) => ({ 'auth-header': 'api-key', 'azure-client-id': fakes.identity!.clientId, 'azure-tenant-id': fakes.identity!.tenantId }),
      detail: /Authorization: Bearer/,
    },
    {
      name: 'an azure-scope without /.default',
      input: 'azure-scope',
      inputs: (fakes) => ({ 'azure-scope': 'https://ai.azure.com', 'azure-client-id': fakes.identity!.clientId, 'azure-tenant-id': fakes.identity!.tenantId }),
      detail: /\/\.default/,
    },
    {
      name: 'extra-headers setting Authorization',
      input: 'extra-headers',
      inputs: (fakes) => ({ 'api-key': fakes.evals.apiKey, 'extra-headers': 'Foundry-Features: Evaluations=V1Preview\nAuthorization: Bearer hdr-secret-0123456789abcdef' }),
      detail: /line 2: the Authorization header cannot be set here/,
      secret: 'hdr-secret-0123456789abcdef',
    },
    {
      name: 'extra-headers setting api-key',
      input: 'extra-headers',
      inputs: (fakes) => ({ 'api-key': fakes.evals.apiKey, 'extra-headers': 'api-key: hdr-secret-0123456789abcdef' }),
      detail: /api-key/,
      secret: 'hdr-secret-0123456789abcdef',
    },
  ];

  it.each(cases)('$name → names "$input"', async ({ input, inputs, detail, secret }) => {
    const fakes = await startFakes({ identity: {} });
    const identity = fakes.identity!;
    const job = makeJob(fakes, { auth: 'entra', inputs: { 'azure-client-id': '', 'azure-tenant-id': '', ...inputs(fakes) } });
    const result = await job.runMain();

    expect(result.exitCode).toBe(1);
    const message = errorText(result);
    expect(message).toContain(`Input "${input}"`);
    expect(message).toMatch(detail);
    expect(fakes.evals.requests).toEqual([]);
    expect(identity.oidcRequests).toEqual([]);
    expect(identity.exchanges).toEqual([]);
    expect(fakes.github.requests).toEqual([]);
    if (secret) expect(unmaskedStdout(result)).not.toContain(secret);

    const post = await job.runPost();
    expect(post.exitCode).toBe(0);
    expect(fakes.evals.requests).toEqual([]);
  });
});
