// Pins the fakes that stand in for Azure: the fake GitHub OIDC + Microsoft Entra token services
// (test/fakes/azure-identity.ts) and the azure flavour of the Evals API fake (test/fakes/evals-api.ts),
// driven by plain fetch, by @actions/core's getIDToken and by the real openai SDK over HTTP.
import * as core from '@actions/core';
import OpenAI from 'openai';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type FakeIdentity, type FakeIdentityOptions, JWT_BEARER, startFakeIdentity } from '../../fakes/azure-identity.ts';
import { type FakeEvalsApi, type JsonlRow, startEvalsApi } from '../../fakes/evals-api.ts';
import { useClosers } from '../../support/closers.ts';
import { exactCriterion, instant, jsonl, useEvalsFake } from '../../support/evals-fake-setup.ts';
import { expectRejection } from '../../support/rejection.ts';

type EntraError = {
  error: string;
  error_description: string;
  error_codes: number[];
  timestamp: string;
  trace_id: string;
  correlation_id: string;
  error_uri: string;
};
type TokenResponse = { token_type: string; expires_in: number; ext_expires_in: number; access_token: string };
type Loose = Record<string, unknown>;
/** A result of the azure flavour; the SDK's output item type knows only name, type, score, passed, sample. */
type AzureResult = {
  name: string;
  type: string;
  metric: string;
  score: number | null;
  label: 'pass' | 'fail' | null;
  reason: string | null;
  threshold: number;
  passed: boolean | null;
  sample: null;
};

function azureResults(item: { results: unknown[] }): AzureResult[] {
  return item.results as AzureResult[];
}

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});
const track = useClosers();

async function identity(options: FakeIdentityOptions = {}): Promise<FakeIdentity> {
  const fake = await startFakeIdentity(options);
  track(() => fake.close());
  return fake;
}

const evalsApi = useEvalsFake();

const exact = exactCriterion('Exact');
const coherence = { type: 'azure_ai_evaluator' as const, name: 'Coherence', evaluator_name: 'builtin.coherence', data_mapping: { query: '{{item.input}}', response: '{{sample.output_text}}' } };

/** The api-key header route: the SDK must be told not to send its own Authorization. */
function keyClient(f: FakeEvalsApi, key = f.apiKey): OpenAI {
  return new OpenAI({ baseURL: f.url, apiKey: key, maxRetries: 0, defaultHeaders: { 'api-key': key, Authorization: null } });
}

function bearerClient(f: FakeEvalsApi, apiKey: string | (() => Promise<string>) = f.apiKey): OpenAI {
  return new OpenAI({ baseURL: f.url, apiKey, maxRetries: 0 });
}

async function oidcToken(id: FakeIdentity, audience?: string): Promise<string> {
  const url = audience === undefined ? id.oidcRequestUrl : `${id.oidcRequestUrl}&audience=${encodeURIComponent(audience)}`;
  const response = await fetch(url, { headers: { authorization: `Bearer ${id.oidcRequestToken}` } });
  expect(response.status).toBe(200);
  return ((await response.json()) as { value: string }).value;
}

function claims(jwt: string): Loose {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Loose;
}

async function postToken(id: FakeIdentity, form: Record<string, string | undefined>, tenant = id.tenantId): Promise<{ status: number; body: Loose }> {
  const fields = Object.entries(form).filter((entry): entry is [string, string] => entry[1] !== undefined);
  const response = await fetch(`${id.authorityHost}/${tenant}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: response.status, body: (await response.json()) as Loose };
}

async function goodForm(id: FakeIdentity, overrides: Record<string, string | undefined> = {}): Promise<Record<string, string | undefined>> {
  return {
    client_id: id.clientId,
    scope: 'https://ai.azure.com/.default',
    grant_type: 'client_credentials',
    client_assertion_type: JWT_BEARER,
    client_assertion: await oidcToken(id, 'api://AzureADTokenExchange'),
    ...overrides,
  };
}

/** A fresh access token for `clientId`, through the whole OIDC → Entra exchange. */
async function accessToken(id: FakeIdentity, clientId = id.clientId): Promise<string> {
  const { status, body } = await postToken(id, await goodForm(id, { client_id: clientId }));
  expect(status).toBe(200);
  return (body as TokenResponse).access_token;
}

describe('fake GitHub OIDC token service', () => {
  it('issues JWTs for the requested audience to the holder of the request token, and records requests', async () => {
    const id = await identity({ subject: 'repo:acme/widgets:environment:ci' });
    expect(id.oidcRequestUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/oidc\/token\?api-version=2\.0$/);
    const before = Math.floor(Date.now() / 1000);

    const response = await fetch(`${id.oidcRequestUrl}&audience=${encodeURIComponent('api://AzureADTokenExchange')}`, {
      headers: { authorization: `Bearer ${id.oidcRequestToken}` },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { count: number; value: string };
    expect(body.count).toBe(body.value.length);
    const [header, , signature] = body.value.split('.');
    expect(JSON.parse(Buffer.from(header ?? '', 'base64url').toString('utf8'))).toMatchObject({ alg: 'RS256', typ: 'JWT', kid: 'fake' });
    expect(signature?.length).toBeGreaterThan(100);
    const payload = claims(body.value);
    expect(payload).toMatchObject({
      iss: 'https://token.actions.githubusercontent.com',
      sub: 'repo:acme/widgets:environment:ci',
      aud: 'api://AzureADTokenExchange',
      repository: 'acme/widgets',
      ref: 'refs/pull/12/merge',
    });
    expect(payload.iat).toBeGreaterThanOrEqual(before);
    expect(payload.nbf).toBe(payload.iat);
    expect(payload.exp).toBe(Number(payload.iat) + 600);
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(claims(await oidcToken(id)).jti).not.toBe(payload.jti);

    expect(claims(await oidcToken(id)).aud).toBe('https://github.com/acme');
    expect((await fetch(id.oidcRequestUrl)).status).toBe(401);
    const wrong = await fetch(id.oidcRequestUrl, { headers: { authorization: 'Bearer not-the-token' } });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ message: 'Bad credentials' });
    expect(id.oidcRequests).toEqual([
      { audience: 'api://AzureADTokenExchange', authorized: true },
      { audience: null, authorized: true },
      { audience: null, authorized: true },
      { audience: null, authorized: false },
      { audience: null, authorized: false },
    ]);
  });

  it('serves @actions/core getIDToken from the runner variables, which retries a 503', async () => {
    const id = await identity();
    vi.stubEnv('ACTIONS_ID_TOKEN_REQUEST_URL', id.oidcRequestUrl);
    vi.stubEnv('ACTIONS_ID_TOKEN_REQUEST_TOKEN', id.oidcRequestToken);
    // getIDToken masks the token and logs debug lines on stdout: keep them out of the test output.
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });

    const jwt = await core.getIDToken('api://AzureADTokenExchange');
    expect(claims(jwt)).toMatchObject({ aud: 'api://AzureADTokenExchange', sub: 'repo:acme/widgets:pull_request' });
    expect(written.join('')).toContain(`::add-mask::${jwt}`);

    id.failNext(1, { status: 503, endpoint: 'oidc' });
    expect(claims(await core.getIDToken('api://AzureADTokenExchange')).aud).toBe('api://AzureADTokenExchange');
    expect(id.oidcRequests.map((r) => r.audience)).toEqual(['api://AzureADTokenExchange', 'api://AzureADTokenExchange', 'api://AzureADTokenExchange']);
    expect(id.exchanges).toEqual([]);
  });
});

describe('fake Microsoft Entra token endpoint', () => {
  it('exchanges a federated OIDC assertion for a unique opaque access token', async () => {
    const now = 1_800_000_000_000;
    const id = await identity({ clock: () => now });
    expect(id.authorityHost).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const form = await goodForm(id);

    const first = await postToken(id, form);
    expect(first.status).toBe(200);
    const body = first.body as TokenResponse;
    expect(body).toEqual({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: expect.any(String) });
    expect(body.access_token.length).toBeGreaterThanOrEqual(40);

    const second = (await postToken(id, form)).body as TokenResponse;
    expect(second.access_token).not.toBe(body.access_token);
    expect(id.issued()).toEqual([
      { token: body.access_token, clientId: id.clientId, issuedAt: now, expiresAt: now + 3_600_000 },
      { token: second.access_token, clientId: id.clientId, issuedAt: now, expiresAt: now + 3_600_000 },
    ]);
    expect(id.exchanges).toHaveLength(2);
    expect(id.exchanges[0]).toEqual({
      tenant: id.tenantId,
      form: { ...form },
      assertion: expect.objectContaining({ aud: 'api://AzureADTokenExchange', iss: 'https://token.actions.githubusercontent.com', iat: 1_800_000_000 }),
      outcome: 'issued',
    });
    expect(id.check(body.access_token)).toEqual({ ok: true, clientId: id.clientId });
  });

  it('honours the options: tenant, client, subject, audience, scope list and lifetimes', async () => {
    const tenantId = '11111111-2222-4333-8444-555555555555';
    const clientId = '99999999-8888-4777-8666-555555555555';
    const id = await identity({
      tenantId,
      clientId,
      subject: 'repo:acme/widgets:ref:refs/heads/main',
      expectedSubject: 'repo:acme/widgets:ref:refs/heads/main',
      expectedAudience: 'api://custom',
      expectedScope: ['https://cognitiveservices.azure.com/.default', 'https://ai.azure.com/.default'],
      tokenLifetimeSeconds: 300,
      assertionLifetimeSeconds: 60,
    });
    expect({ tenantId: id.tenantId, clientId: id.clientId }).toEqual({ tenantId, clientId });
    const assertion = await oidcToken(id, 'api://custom');
    expect(Number(claims(assertion).exp) - Number(claims(assertion).iat)).toBe(60);
    const form = { client_id: clientId, grant_type: 'client_credentials', client_assertion_type: JWT_BEARER, client_assertion: assertion };
    const cognitive = await postToken(id, { ...form, scope: 'https://cognitiveservices.azure.com/.default' });
    expect(cognitive.status).toBe(200);
    expect(cognitive.body.expires_in).toBe(299);
    expect((await postToken(id, { ...form, scope: 'https://ai.azure.com/.default' })).status).toBe(200);
  });

  it('refuses bad exchanges with Entra error bodies, in order, each with its AADSTS code', async () => {
    let now = 1_800_000_000_000;
    const id = await identity({ clock: () => now, expectedSubject: 'repo:acme/widgets:pull_request', clientsWithoutRole: ['00000000-0000-4000-8000-00000000beef'] });
    const good = await goodForm(id);
    const forged = (() => {
      const [header, payload] = String(good.client_assertion).split('.');
      return `${header}.${payload}.${Buffer.from('not the signature').toString('base64url')}`;
    })();
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ ...claims(String(good.client_assertion)), sub: 'repo:evil/fork:pull_request' })).toString('base64url')}.x`;
    const cases: Array<{ name: string; tenant?: string; form: Record<string, string | undefined>; status: number; error: string; code: number; text: string }> = [
      { name: 'unknown tenant', tenant: 'contoso.onmicrosoft.com', form: good, status: 400, error: 'invalid_request', code: 90002, text: "Tenant 'contoso.onmicrosoft.com' not found" },
      { name: 'no client_id', form: { ...good, client_id: undefined }, status: 400, error: 'invalid_request', code: 900144, text: "The request body must contain the following parameter: 'client_id'." },
      { name: 'unknown client', form: { ...good, client_id: 'a0a0a0a0-0000-4000-8000-000000000000' }, status: 400, error: 'unauthorized_client', code: 700016, text: "Application with identifier 'a0a0a0a0-0000-4000-8000-000000000000' was not found in the directory" },
      { name: 'no grant_type', form: { ...good, grant_type: undefined }, status: 400, error: 'invalid_request', code: 900144, text: "The request body must contain the following parameter: 'grant_type'." },
      { name: 'wrong grant_type', form: { ...good, grant_type: 'password' }, status: 400, error: 'unsupported_grant_type', code: 70003, text: "unsupported grant type 'password'" },
      { name: 'no scope', form: { ...good, scope: undefined }, status: 400, error: 'invalid_request', code: 900144, text: "The request body must contain the following parameter: 'scope'." },
      { name: 'no assertion type', form: { ...good, client_assertion_type: undefined }, status: 400, error: 'invalid_request', code: 900144, text: "The request body must contain the following parameter: 'client_assertion_type'." },
      { name: 'wrong assertion type', form: { ...good, client_assertion_type: 'urn:x' }, status: 400, error: 'invalid_request', code: 50027, text: "Invalid client_assertion_type 'urn:x'" },
      { name: 'no assertion', form: { ...good, client_assertion: undefined }, status: 400, error: 'invalid_request', code: 900144, text: "The request body must contain the following parameter: 'client_assertion'." },
      { name: 'not a JWT', form: { ...good, client_assertion: 'not-a-jwt' }, status: 400, error: 'invalid_request', code: 50027, text: 'JWT token is invalid or malformed.' },
      { name: 'forged signature', form: { ...good, client_assertion: forged }, status: 401, error: 'invalid_client', code: 700211, text: "presented assertion issuer 'https://token.actions.githubusercontent.com'" },
      { name: 'edited claims', form: { ...good, client_assertion: unsigned }, status: 401, error: 'invalid_client', code: 700211, text: 'No matching federated identity record found for presented assertion issuer' },
      { name: 'default audience', form: { ...good, client_assertion: await oidcToken(id) }, status: 401, error: 'invalid_client', code: 700212, text: "presented assertion audience 'https://github.com/acme'" },
      { name: 'no /.default', form: { ...good, scope: 'https://ai.azure.com/user_impersonation' }, status: 400, error: 'invalid_scope', code: 1002012, text: 'must have a scope value with /.default' },
      { name: 'other resource', form: { ...good, scope: 'https://storage.azure.com/.default' }, status: 400, error: 'invalid_resource', code: 500011, text: `The resource principal named https://storage.azure.com was not found in the tenant named ${id.tenantId}` },
    ];
    for (const c of cases) {
      const { status, body } = await postToken(id, c.form, c.tenant);
      expect({ name: c.name, status, error: body.error, codes: body.error_codes }).toEqual({ name: c.name, status: c.status, error: c.error, codes: [c.code] });
      const entra = body as EntraError;
      expect(entra.error_description.startsWith(`AADSTS${c.code}: `)).toBe(true);
      expect(entra.error_description.split('\r\n')[0]).toContain(c.text);
      expect(entra.error_description).toMatch(/\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: [0-9a-f-]{36}\r\nTimestamp: 2027-01-15 08:00:00Z$/);
      expect(entra.error_description).toContain(`Trace ID: ${entra.trace_id}`);
      expect(entra.error_description).toContain(`Correlation ID: ${entra.correlation_id}`);
      expect(entra.timestamp).toBe('2027-01-15 08:00:00Z');
      expect(entra.error_uri).toBe(`https://login.microsoftonline.com/error?code=${c.code}`);
    }
    expect(id.exchanges.map((e) => e.outcome)).toEqual(cases.map(() => 'refused'));
    expect(id.exchanges.map((e) => e.aadsts)).toEqual(cases.map((c) => c.code));
    expect(id.exchanges.find((e) => e.form.client_assertion === 'not-a-jwt')?.assertion).toBeNull();
    expect(id.exchanges[0]?.tenant).toBe('contoso.onmicrosoft.com');

    const otherSubject = await identity({ clock: () => now, expectedSubject: 'repo:acme/widgets:environment:production' });
    const mismatch = await postToken(otherSubject, await goodForm(otherSubject));
    expect(mismatch.status).toBe(401);
    expect(mismatch.body).toMatchObject({ error: 'invalid_client', error_codes: [70021], error_uri: 'https://login.microsoftonline.com/error?code=70021' });
    expect((mismatch.body as EntraError).error_description).toMatch(
      /^AADSTS70021: No matching federated identity record found for presented assertion\. Assertion Issuer: 'https:\/\/token\.actions\.githubusercontent\.com'\. Assertion Subject: 'repo:acme\/widgets:pull_request'\. Assertion Audience: 'api:\/\/AzureADTokenExchange'\. https:\/\/docs\.microsoft\.com\/\S+\r\nTrace ID: /,
    );

    now += 600_000;
    const expired = await postToken(id, good);
    expect(expired.status).toBe(401);
    expect(expired.body).toMatchObject({ error: 'invalid_client', error_codes: [700024] });
    expect((expired.body as EntraError).error_description).toContain(
      'AADSTS700024: Client assertion is not within its valid time range. Current time: 2027-01-15T08:10:00.000Z, assertion valid from 2027-01-15T08:00:00.000Z, expiry time of assertion 2027-01-15T08:10:00.000Z.',
    );
    now -= 1;
    expect((await postToken(id, good)).status).toBe(200);
  });

  it('answers a non-POST and a non-form body as Entra does, and serves discovery', async () => {
    const id = await identity();
    const get = await fetch(`${id.authorityHost}/${id.tenantId}/oauth2/v2.0/token`);
    expect(get.status).toBe(400);
    expect(await get.json()).toMatchObject({ error: 'invalid_request', error_codes: [900561] });
    const json = await fetch(`${id.authorityHost}/${id.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(await goodForm(id)),
    });
    expect(json.status).toBe(400);
    expect(await json.json()).toMatchObject({ error_codes: [900144] });
    const discovery = await fetch(`${id.authorityHost}/${id.tenantId}/v2.0/.well-known/openid-configuration`);
    expect(await discovery.json()).toMatchObject({ token_endpoint: `${id.authorityHost}/${id.tenantId}/oauth2/v2.0/token` });
    expect((await fetch(`${id.authorityHost}/elsewhere`)).status).toBe(404);
  });

  it('failNext answers the next n token requests with the given reply, then recovers', async () => {
    const id = await identity();
    const form = await goodForm(id);
    id.failNext(2, { status: 503, headers: { 'retry-after': '2' } });
    const first = await fetch(`${id.authorityHost}/${id.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form as Record<string, string>).toString(),
    });
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('2');
    expect(await first.json()).toMatchObject({ error: 'temporarily_unavailable', error_codes: [90033] });
    expect((await postToken(id, form)).status).toBe(503);
    expect((await postToken(id, form)).status).toBe(200);

    const custom = { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.', error_codes: [7000215] };
    id.failNext(1, { status: 401, body: custom });
    expect(await postToken(id, form)).toEqual({ status: 401, body: custom });
    expect(id.exchanges.map((e) => e.outcome)).toEqual(['fault', 'fault', 'issued', 'fault']);
    expect(id.issued()).toHaveLength(1);
  });

  it('check(): live, unknown, expired by the clock, and without a data-plane role', async () => {
    let now = 1_800_000_000_000;
    const noRole = '00000000-0000-4000-8000-00000000beef';
    const id = await identity({ clock: () => now, clientsWithoutRole: [noRole], tokenLifetimeSeconds: 60 });
    const token = await accessToken(id);
    const roleless = await accessToken(id, noRole);

    expect(id.check(token)).toEqual({ ok: true, clientId: id.clientId });
    expect(id.check('fake-entra.never-issued')).toEqual({ ok: false, status: 401, reason: 'unknown' });
    expect(id.check(roleless)).toEqual({ ok: false, status: 403, reason: 'no-role', clientId: noRole });
    now += 59_999;
    expect(id.check(token).ok).toBe(true);
    now += 1;
    expect(id.check(token)).toEqual({ ok: false, status: 401, reason: 'expired', clientId: id.clientId });
    expect(id.check(roleless)).toMatchObject({ ok: false, status: 401, reason: 'expired' });
  });
});

describe('Evals API fake, azure flavour: authentication', () => {
  it('serves /openai/v1 with the key in an api-key header or as a bearer, and records how', async () => {
    const f = await evalsApi({ flavor: 'azure' });
    expect(f.flavor).toBe('azure');
    expect(f.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/openai\/v1$/);
    expect(f.apiKey).toMatch(/^[0-9a-f]{32}$/);
    const evalId = f.addEval({ name: 'auth', testing_criteria: [exact] });

    expect((await keyClient(f).evals.retrieve(evalId)).id).toBe(evalId);
    expect(f.requests.at(-1)?.headers['api-key']).toBe(f.apiKey);
    expect(f.requests.at(-1)?.headers.authorization).toBeUndefined();
    expect(f.requests.at(-1)?.auth).toBe('api-key');

    expect((await bearerClient(f).evals.retrieve(evalId)).id).toBe(evalId);
    expect(f.requests.at(-1)?.headers['api-key']).toBeUndefined();
    expect(f.requests.at(-1)?.auth).toBe('bearer-key');
  });

  it('answers a wrong or missing key with Azure 401 bodies', async () => {
    const f = await evalsApi({ flavor: 'azure' });
    const evalId = f.addEval({ name: 'auth', testing_criteria: [exact] });
    const keyMessage =
      'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.';

    const wrongHeader = await expectRejection(keyClient(f, 'ffffffffffffffffffffffffffffffff').evals.retrieve(evalId), OpenAI.AuthenticationError);
    expect(wrongHeader.status).toBe(401);
    expect(wrongHeader.error).toEqual({ code: '401', message: keyMessage });
    expect(wrongHeader.code).toBe('401');
    const wrongBearer = await expectRejection(bearerClient(f, 'wrong').evals.retrieve(evalId), OpenAI.AuthenticationError);
    expect(wrongBearer.error).toEqual({ code: '401', message: keyMessage });

    const none = await fetch(`${f.url}/evals/${evalId}`);
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ error: { code: '401', message: keyMessage } });
    expect(f.requests.map((r) => r.auth)).toEqual([null, null, null]);
  });

  it('auth.via limits how the key may be sent; via [] takes tokens only', async () => {
    const headerOnly = await evalsApi({ flavor: 'azure', apiKey: 'key-header-only', auth: { via: ['api-key'] } });
    const evalA = headerOnly.addEval({ name: 'a', testing_criteria: [exact] });
    expect((await keyClient(headerOnly).evals.retrieve(evalA)).id).toBe(evalA);
    expect((await expectRejection(bearerClient(headerOnly).evals.retrieve(evalA), OpenAI.AuthenticationError)).status).toBe(401);

    const bearerOnly = await evalsApi({ flavor: 'azure', auth: { apiKey: 'key-bearer-only', via: ['authorization'] } });
    expect(bearerOnly.apiKey).toBe('key-bearer-only');
    const evalB = bearerOnly.addEval({ name: 'b', testing_criteria: [exact] });
    expect((await bearerClient(bearerOnly).evals.retrieve(evalB)).id).toBe(evalB);
    expect((await expectRejection(keyClient(bearerOnly).evals.retrieve(evalB), OpenAI.AuthenticationError)).status).toBe(401);

    const id = await identity();
    const keyless = await evalsApi({ flavor: 'azure', auth: { via: [], tokens: id.check } });
    const evalC = keyless.addEval({ name: 'c', testing_criteria: [exact] });
    await expectRejection(keyClient(keyless).evals.retrieve(evalC), OpenAI.AuthenticationError);
    await expectRejection(bearerClient(keyless).evals.retrieve(evalC), OpenAI.AuthenticationError);
    const token = await accessToken(id);
    expect((await bearerClient(keyless, async () => token).evals.retrieve(evalC)).id).toBe(evalC);
    expect(keyless.requests.map((r) => r.auth)).toEqual([null, null, 'bearer-token']);
  });

  it('accepts Entra tokens from the identity fake; expired ones get 401, role-less ones 403', async () => {
    let now = 1_800_000_000_000;
    const noRole = '00000000-0000-4000-8000-00000000beef';
    const id = await identity({ clock: () => now, clientsWithoutRole: [noRole] });
    const f = await evalsApi({ flavor: 'azure', basePath: '/api/projects/proj/openai/v1', auth: { tokens: id.check }, progress: instant });
    expect(f.url).toMatch(/\/api\/projects\/proj\/openai\/v1$/);
    const evalId = f.addEval({ name: 'entra', testing_criteria: [exact] });
    const token = await accessToken(id);
    let calls = 0;
    const client = bearerClient(f, async () => {
      calls++;
      return token;
    });

    const run = await client.evals.runs.create(evalId, { data_source: jsonl([{ item: { expected: 'a' }, sample: { output_text: 'a' } }]) });
    expect(run.status).toBe('queued');
    expect(calls).toBeGreaterThanOrEqual(1);
    expect(f.requests.at(-1)).toMatchObject({ method: 'POST', path: `/api/projects/proj/openai/v1/evals/${evalId}/runs`, auth: 'bearer-token' });
    expect(f.requests.at(-1)?.headers.authorization).toBe(`Bearer ${token}`);

    const unknown = await expectRejection(bearerClient(f, 'fake-entra.unknown').evals.retrieve(evalId), OpenAI.AuthenticationError);
    expect(unknown.error).toEqual({ code: '401', message: 'Unauthorized. Access token is missing, invalid, audience is incorrect (https://cognitiveservices.azure.com), or have expired.' });

    const roleless = await accessToken(id, noRole);
    const denied = await expectRejection(bearerClient(f, roleless).evals.runs.retrieve(run.id, { eval_id: evalId }), OpenAI.PermissionDeniedError);
    expect(denied.status).toBe(403);
    expect(denied.error).toEqual({
      code: 'PermissionDenied',
      message: `The principal \`${noRole}\` lacks the required data action \`Microsoft.CognitiveServices/accounts/OpenAI/evals/read\` to perform \`GET /api/projects/proj/openai/v1/evals/${evalId}/runs/${run.id}\` operation.`,
    });
    const deniedWrite = await expectRejection(bearerClient(f, roleless).evals.runs.cancel(run.id, { eval_id: evalId }), OpenAI.PermissionDeniedError);
    expect((deniedWrite.error as { message: string }).message).toContain('`Microsoft.CognitiveServices/accounts/OpenAI/evals/write` to perform `POST ');

    now += 3_600_000;
    const expired = await expectRejection(client.evals.retrieve(evalId), OpenAI.AuthenticationError);
    expect(expired.error).toEqual({ code: '401', message: 'Unauthorized. Access token has expired or is not yet valid.' });
    expect(f.runs()).toHaveLength(1);
  });

  it('requireEvalsPreviewHeader refuses evals requests without aoai-evals: preview, after auth', async () => {
    const f = await evalsApi({ flavor: 'azure', requireEvalsPreviewHeader: true });
    const evalId = f.addEval({ name: 'preview', testing_criteria: [exact] });
    const without = await expectRejection(keyClient(f).evals.retrieve(evalId), OpenAI.BadRequestError);
    expect(without.error).toEqual({ code: 'BadRequest', message: "This operation requires the 'aoai-evals' header to be set to 'preview'." });
    // A wrong key is still a 401 first.
    await expectRejection(keyClient(f, 'wrong').evals.retrieve(evalId, { headers: { 'aoai-evals': 'preview' } }), OpenAI.AuthenticationError);

    const withHeader = new OpenAI({ baseURL: f.url, apiKey: f.apiKey, maxRetries: 0, defaultHeaders: { 'aoai-evals': 'preview' } });
    expect((await withHeader.evals.retrieve(evalId)).id).toBe(evalId);
    expect(f.requests.at(-1)?.headers['aoai-evals']).toBe('preview');
  });

  it('answers unknown URLs with Azure 404 bodies', async () => {
    const f = await evalsApi({ flavor: 'azure' });
    const headers = { 'api-key': f.apiKey };
    const outside = await fetch(`${f.url.replace('/openai/v1', '/openai/deployments')}/x`, { headers });
    expect(outside.status).toBe(404);
    expect(await outside.json()).toEqual({ error: { code: '404', message: 'Resource not found' } });
    const inside = await fetch(`${f.url}/nothing`, { headers });
    expect(await inside.json()).toEqual({ error: { code: '404', message: 'Resource not found' } });
  });
});

describe('Evals API fake, azure flavour: runs and items', () => {
  it('spells a canceled run "cancelled", and filters runs by either spelling', async () => {
    const f = await evalsApi({ flavor: 'azure', progress: { queuedPolls: 0, never: true } });
    const evalId = f.addEval({ name: 'cancel', testing_criteria: [exact] });
    const client = keyClient(f);
    const run = await client.evals.runs.create(evalId, { data_source: jsonl([{ item: { expected: 'a' } }]) });
    const other = await client.evals.runs.create(evalId, { data_source: jsonl([{ item: { expected: 'a' } }]) });

    expect((await client.evals.runs.cancel(run.id, { eval_id: evalId })).status).toBe('cancelled');
    expect((await client.evals.runs.retrieve(run.id, { eval_id: evalId })).status).toBe('cancelled');
    expect((await client.evals.runs.cancel(run.id, { eval_id: evalId })).status).toBe('cancelled');
    expect(f.run(run.id)).toMatchObject({ status: 'cancelled', cancelRequests: 2 });
    expect((await client.evals.runs.list(evalId, { status: 'canceled' })).data.map((r) => r.id)).toEqual([run.id]);
    const cancelled = await client.get<{ data: Array<{ id: string }> }>(`/evals/${evalId}/runs`, { query: { status: 'cancelled' } });
    expect(cancelled.data.map((r) => r.id)).toEqual([run.id]);
    expect((await client.evals.runs.list(evalId, { status: 'queued' })).data.map((r) => r.id)).toEqual([other.id]);
  });

  it('grades rows by string_check with bare criterion names, a skipped count and an ai.azure.com report URL', async () => {
    const f = await evalsApi({ flavor: 'azure', progress: instant });
    const evalId = f.addEval({ name: 'rows', testing_criteria: [exact] });
    const client = keyClient(f);
    const rows: JsonlRow[] = [
      { item: { expected: 'a' }, sample: { output_text: 'a' } },
      { item: { expected: 'a' }, sample: { output_text: 'b' } },
    ];
    const created = await client.evals.runs.create(evalId, { data_source: jsonl(rows) });
    expect(created.result_counts).toEqual({ total: 0, errored: 0, failed: 0, passed: 0, skipped: 0 });
    expect(created.report_url).toMatch(new RegExp(`^https://ai\\.azure\\.com/resource/build/evaluation/${evalId}/run/${created.id}\\?wsid=%2Fsubscriptions%2F`));
    const done = await client.evals.runs.retrieve(created.id, { eval_id: evalId });
    expect(done.report_url).toBe(created.report_url);
    expect(done.result_counts).toEqual({ total: 2, errored: 0, failed: 1, passed: 1, skipped: 0 });
    expect(done.per_testing_criteria_results).toEqual([{ testing_criteria: 'Exact', passed: 1, failed: 1 }]);
    const items = (await client.evals.runs.outputItems.list(created.id, { eval_id: evalId })).data;
    expect(items.map((i) => i.results)).toEqual([
      [{ name: 'Exact', type: 'string_check', score: 1, passed: true, sample: null }],
      [{ name: 'Exact', type: 'string_check', score: 0, passed: false, sample: null }],
    ]);
    expect(f.run(created.id)?.resultCounts).toEqual({ total: 2, errored: 0, failed: 1, passed: 1, skipped: 0 });

    const evalObject = await client.evals.retrieve(evalId);
    expect(evalObject).toMatchObject({ object: 'eval', id: evalId, name: 'rows', testing_criteria: [{ ...exact, id: expect.stringMatching(/^Exact-[0-9a-f-]{36}$/) }] });
  });

  it('scripted plans: skipped items, multi-metric results on several scales, per-criterion counts', async () => {
    const f = await evalsApi({
      flavor: 'azure',
      progress: instant,
      plan: {
        items: 20,
        failing: 4,
        errored: 2,
        skipped: 3,
        criteria: ['Quality', 'Safety'],
        metrics: { Quality: ['coherence', 'fluency'], Safety: ['violence'] },
        scales: { fluency: [0, 1], violence: [0, 7] },
      },
    });
    const evalId = f.addEval({ name: 'scripted', testing_criteria: [] });
    const client = keyClient(f);
    const run = await client.evals.runs.create(evalId, { data_source: jsonl([]) });
    const done = await client.evals.runs.retrieve(run.id, { eval_id: evalId });
    expect(done.result_counts).toEqual({ total: 20, errored: 2, failed: 4, passed: 11, skipped: 3 });
    expect(done.per_testing_criteria_results).toEqual([
      { testing_criteria: 'Quality', passed: 13, failed: 2 },
      { testing_criteria: 'Safety', passed: 13, failed: 2 },
    ]);

    const items = (await client.evals.runs.outputItems.list(run.id, { eval_id: evalId, limit: 100 })).data;
    expect(items).toHaveLength(20);
    const byStatus = (status: string) => items.filter((i) => i.status === status);
    expect(byStatus('pass')).toHaveLength(11);
    expect(byStatus('skipped')).toHaveLength(3);
    expect(byStatus('fail')).toHaveLength(6);
    const errored = items.filter((i) => i.sample.error !== null);
    expect(errored).toHaveLength(2);
    expect(errored.every((i) => i.status === 'fail')).toBe(true);

    for (const item of items) {
      expect(item.results.map((r) => [r.name, r.type, (r as Loose).metric, (r as Loose).threshold])).toEqual([
        ['Quality', 'azure_ai_evaluator', 'coherence', 3],
        ['Quality', 'azure_ai_evaluator', 'fluency', 0.5],
        ['Safety', 'azure_ai_evaluator', 'violence', 4],
      ]);
    }
    for (const item of byStatus('pass')) {
      for (const r of azureResults(item)) {
        expect(r).toMatchObject({ passed: true, label: 'pass', sample: null });
        expect(r.score).toBeGreaterThanOrEqual(r.threshold);
        expect(String(r.reason)).toContain(String(r.metric));
      }
    }
    const scales: Record<string, [number, number]> = { coherence: [1, 5], fluency: [0, 1], violence: [0, 7] };
    const failedMetrics: string[] = [];
    for (const item of byStatus('fail').filter((i) => i.sample.error === null)) {
      const failed = azureResults(item).filter((r) => r.passed === false);
      expect(failed).toHaveLength(1);
      const [metric] = failed.map((r) => r.metric);
      failedMetrics.push(`${failed[0]?.name}/${metric}`);
      for (const r of azureResults(item)) {
        const [low, high] = scales[r.metric] ?? [0, 0];
        expect(r.score).toBeGreaterThanOrEqual(low);
        expect(r.score).toBeLessThanOrEqual(high);
        if (r.passed) expect(r.score).toBeGreaterThanOrEqual(r.threshold);
        else expect(r).toMatchObject({ label: 'fail', score: expect.any(Number) });
        if (!r.passed) expect(r.score).toBeLessThan(r.threshold);
      }
    }
    expect(failedMetrics).toEqual(['Quality/coherence', 'Safety/violence', 'Quality/fluency', 'Safety/violence']);
    const integral = items.flatMap((i) => i.results).filter((r) => (r as Loose).metric !== 'fluency' && r.score !== null);
    expect(integral.every((r) => Number.isInteger(r.score))).toBe(true);

    for (const item of byStatus('skipped')) {
      expect(item.sample.error).toBeNull();
      for (const r of item.results as Loose[]) {
        expect(r).toMatchObject({ passed: null, score: null, label: null, sample: null });
        expect(String(r.reason)).toMatch(/^Skipped: .*\b(coherence|fluency|violence)\b/);
      }
    }
    for (const item of errored) {
      expect(item.sample.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
      expect(item.results).toHaveLength(3);
      for (const r of item.results as Loose[]) {
        expect(r).toEqual({ name: expect.any(String), type: 'azure_ai_evaluator', metric: expect.any(String), threshold: expect.any(Number), score: null, passed: null, label: null, reason: null, sample: null });
      }
    }

    // The per-criterion counts are what the items say: a criterion passes an item when all its metrics passed.
    const tally = (name: string) => {
      const graded = items.filter((i) => i.status !== 'skipped' && i.sample.error === null);
      const passed = graded.filter((i) => i.results.filter((r) => r.name === name).every((r) => r.passed === true)).length;
      return { testing_criteria: name, passed, failed: graded.length - passed };
    };
    expect(done.per_testing_criteria_results).toEqual([tally('Quality'), tally('Safety')]);

    const list = async (status: string) => {
      const listed = await client.get<{ data: Array<{ status: string; datasource_item_id: number }> }>(`/evals/${evalId}/runs/${run.id}/output_items`, { query: { status, limit: 100 } });
      return listed.data;
    };
    expect((await list('pass')).map((i) => i.datasource_item_id)).toEqual(byStatus('pass').map((i) => i.datasource_item_id));
    expect((await list('fail')).map((i) => i.datasource_item_id)).toEqual(byStatus('fail').map((i) => i.datasource_item_id));
    expect((await list('skipped')).map((i) => i.status)).toEqual(['skipped', 'skipped', 'skipped']);
  });

  it('counts skipped items while running, and keeps 100,000-item plans cheap', async () => {
    const f = await evalsApi({ flavor: 'azure', progress: { queuedPolls: 0, inProgressPolls: 1 } });
    const evalId = f.addEval({ name: 'big', testing_criteria: [coherence], plan: { items: 100_000, failing: 1000, errored: 100, skipped: 500 } });
    const client = keyClient(f);
    const run = await client.evals.runs.create(evalId, { data_source: jsonl([]) });
    const half = await client.evals.runs.retrieve(run.id, { eval_id: evalId });
    expect(half.status).toBe('in_progress');
    expect(half.result_counts).toEqual({ total: 50_000, errored: 50, failed: 500, passed: 49_200, skipped: 250 });
    const done = await client.evals.runs.retrieve(run.id, { eval_id: evalId });
    expect(done.result_counts).toEqual({ total: 100_000, errored: 100, failed: 1000, passed: 98_400, skipped: 500 });
    expect(done.per_testing_criteria_results).toEqual([{ testing_criteria: 'Coherence', passed: 98_400, failed: 1000 }]);
    const last = await client.evals.runs.outputItems.list(run.id, { eval_id: evalId, limit: 100, after: f.outputItemId(run.id, 99_899) });
    expect(last.data.map((i) => i.datasource_item_id)).toEqual(Array.from({ length: 100 }, (_, i) => 99_900 + i));
    expect(last.has_more).toBe(false);
  });
});

describe('Evals API fake, azure flavour: azure_ai_evaluator criteria', () => {
  it('are accepted by addEval and the create-eval route, echoed in the eval object, and grade scripted runs', async () => {
    const f = await evalsApi({ flavor: 'azure', progress: instant });
    const client = keyClient(f);
    const created = await client.evals.create({
      name: 'foundry',
      data_source_config: { type: 'custom', item_schema: { type: 'object', properties: { input: { type: 'string' } } } },
      testing_criteria: [coherence, { ...exact, name: 'Exact' }] as unknown as OpenAI.Evals.EvalCreateParams['testing_criteria'],
    });
    expect(created.testing_criteria).toEqual([
      { ...coherence, id: expect.stringMatching(/^Coherence-[0-9a-f-]{36}$/) },
      { ...exact, id: expect.stringMatching(/^Exact-/) },
    ]);

    const bad = await expectRejection(
      client.evals.create({
        name: 'bad',
        data_source_config: { type: 'custom', item_schema: {} },
        testing_criteria: [{ type: 'azure_ai_evaluator', name: 'No evaluator' }] as unknown as OpenAI.Evals.EvalCreateParams['testing_criteria'],
      }),
      OpenAI.BadRequestError,
    );
    expect(bad.message).toContain("Invalid 'testing_criteria[0]': an azure_ai_evaluator needs string name and evaluator_name");

    const rowsErr = await expectRejection(client.evals.runs.create(created.id, { data_source: jsonl([{ item: { input: 'hi' } }]) }), OpenAI.BadRequestError);
    expect(rowsErr.param).toBe('testing_criteria');
    expect(rowsErr.message).toContain("Criterion 'Coherence' (azure_ai_evaluator 'builtin.coherence')");
    expect(rowsErr.message).toContain('only under a scripted plan');
    expect(f.runs()).toHaveLength(0);

    const evalId = f.addEval({
      name: 'scripted',
      testing_criteria: [{ ...coherence, initialization_parameters: { deployment_name: 'gpt-4o-mini' } }, exact],
      plan: { items: 4, failing: 2, errored: 0, metrics: { Coherence: ['coherence', 'relevance'] } },
    });
    expect((await client.evals.retrieve(evalId)).testing_criteria[0]).toEqual({
      ...coherence,
      initialization_parameters: { deployment_name: 'gpt-4o-mini' },
      id: expect.stringMatching(/^Coherence-/),
    });
    const run = await client.evals.runs.create(evalId, { data_source: jsonl([]) });
    await client.evals.runs.retrieve(run.id, { eval_id: evalId });
    const items = (await client.evals.runs.outputItems.list(run.id, { eval_id: evalId })).data;
    expect(items[0]?.results.map((r) => [r.name, r.type, (r as Loose).metric])).toEqual([
      ['Coherence', 'azure_ai_evaluator', 'coherence'],
      ['Coherence', 'azure_ai_evaluator', 'relevance'],
      ['Exact', 'string_check', 'Exact'],
    ]);
    const failed = items.flatMap((i) => i.results.filter((r) => r.passed === false).map((r) => `${r.name}/${(r as Loose).metric}`));
    expect(failed).toEqual(['Coherence/coherence', 'Exact/Exact']);
  });
});

describe('Evals API fake, openai flavour stays as it was', () => {
  it('keeps /v1, sk- keys, canceled, four counts and string_check only; auth.tokens works there too', async () => {
    const noRole = '00000000-0000-4000-8000-00000000beef';
    const id = await identity({ clientsWithoutRole: [noRole] });
    const f = await evalsApi({ auth: { tokens: id.check }, progress: { queuedPolls: 0, never: true } });
    expect(f.flavor).toBe('openai');
    expect(f.url).toMatch(/\/v1$/);
    expect(f.apiKey).toMatch(/^sk-fake-/);
    const evalId = f.addEval({ name: 'openai', testing_criteria: [exact] });
    const client = bearerClient(f);
    const run = await client.evals.runs.create(evalId, { data_source: jsonl([{ item: { expected: 'a' } }]) });
    expect(run.result_counts).toEqual({ total: 0, errored: 0, failed: 0, passed: 0 });
    expect(run.report_url).toBe(`https://platform.openai.com/evaluations/${evalId}?run_id=${run.id}`);
    expect((await client.evals.runs.cancel(run.id, { eval_id: evalId })).status).toBe('canceled');
    expect(f.run(run.id)?.resultCounts).toEqual({ total: 0, errored: 0, failed: 0, passed: 0 });

    const token = await accessToken(id);
    expect((await bearerClient(f, async () => token).evals.retrieve(evalId)).id).toBe(evalId);
    expect(f.requests.map((r) => r.auth)).toEqual(['bearer-key', 'bearer-key', 'bearer-token']);
    // The api-key header means nothing to OpenAI.
    await expectRejection(keyClient(f).evals.retrieve(evalId), OpenAI.AuthenticationError);
    const denied = await expectRejection(bearerClient(f, await accessToken(id, noRole)).evals.retrieve(evalId), OpenAI.PermissionDeniedError);
    expect(denied.code).toBe('insufficient_permissions');
    expect((await expectRejection(bearerClient(f, 'fake-entra.unknown-token').evals.retrieve(evalId), OpenAI.AuthenticationError)).code).toBe('invalid_api_key');

    const refused = await expectRejection(
      client.evals.create({
        name: 'x',
        data_source_config: { type: 'custom', item_schema: {} },
        testing_criteria: [coherence] as unknown as OpenAI.Evals.EvalCreateParams['testing_criteria'],
      }),
      OpenAI.BadRequestError,
    );
    expect(refused.message).toContain("this fake grades only 'string_check' criteria");
    expect(() => f.addEval({ name: 'x', testing_criteria: [coherence] })).toThrow(/azure flavour only/);
    expect(() => f.addEval({ name: 'x', testing_criteria: [], plan: { items: 2, failing: 0, errored: 0, skipped: 1 } })).toThrow(/azure flavour only/);
    await expect(startEvalsApi({ plan: { items: 2, failing: 0, errored: 0, metrics: { a: ['b'] } } })).rejects.toThrow(/azure flavour only/);
  });
});
