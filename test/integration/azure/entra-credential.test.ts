// EntraCredential against the loopback identity fake (GitHub's OIDC token service and Entra's token
// endpoint), with real fetch, and a virtual clock shared by both sides for renewals.
import { type AddressInfo, createServer } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EntraCredential, type EntraCredentialOptions, FEDERATION_AUDIENCE } from '../../../src/azure/entra-credential.ts';
import { EntraError, OidcTokenError } from '../../../src/azure/entra-errors.ts';
import { requestOidcToken } from '../../../src/github/oidc-token.ts';
import { type FakeIdentity, type FakeIdentityOptions, startFakeIdentity } from '../../fakes/azure-identity.ts';
import { useClosers } from '../../support/closers.ts';

const track = useClosers();

let clock = Date.UTC(2026, 10, 22, 9, 0, 0);
const now = () => clock;
beforeEach(() => {
  clock = Date.UTC(2026, 10, 22, 9, 0, 0);
});

async function identity(options: FakeIdentityOptions = {}): Promise<FakeIdentity> {
  const fake = await startFakeIdentity({ clock: now, ...options });
  track(() => fake.close());
  return fake;
}

/** The runner's OIDC token, fetched as @actions/core does (without its process-wide env and mask lines). */
async function oidcToken(fake: FakeIdentity): Promise<string> {
  const response = await fetch(`${fake.oidcRequestUrl}&audience=${encodeURIComponent(FEDERATION_AUDIENCE)}`, {
    headers: { authorization: `Bearer ${fake.oidcRequestToken}` },
  });
  return ((await response.json()) as { value: string }).value;
}

function credential(fake: FakeIdentity, overrides: Partial<EntraCredentialOptions> = {}) {
  const tokens: string[] = [];
  const refreshFailures: string[] = [];
  const pauses: number[] = [];
  const entra = new EntraCredential({
    tenantId: fake.tenantId,
    clientId: fake.clientId,
    scope: 'https://ai.azure.com/.default',
    authorityHost: fake.authorityHost,
    getAssertion: () => oidcToken(fake),
    onToken: (token) => tokens.push(token),
    onRefreshFailed: (message) => refreshFailures.push(message),
    now,
    sleep: async (ms) => {
      pauses.push(ms);
    },
    ...overrides,
  });
  return { entra, tokens, refreshFailures, pauses };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected a rejection'),
    (error: unknown) => error,
  );
}

describe('EntraCredential', () => {
  it('exchanges a GitHub OIDC token for an access token with the client-credentials grant', async () => {
    const fake = await identity();
    const { entra, tokens } = credential(fake);

    const token = await entra.getToken();

    expect(fake.check(token)).toEqual({ ok: true, clientId: fake.clientId });
    expect(tokens).toEqual([token]);
    expect(fake.exchanges).toHaveLength(1);
    expect(fake.exchanges[0]).toMatchObject({
      tenant: fake.tenantId,
      outcome: 'issued',
      form: {
        client_id: fake.clientId,
        scope: 'https://ai.azure.com/.default',
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      },
      assertion: { aud: FEDERATION_AUDIENCE, iss: 'https://token.actions.githubusercontent.com' },
    });
  });

  it('reuses the token until it is due, then renews it with a fresh OIDC token', async () => {
    // An hour's token (Entra says 3599 s) is renewed 5 minutes before it expires.
    const fake = await identity({ tokenLifetimeSeconds: 3600 });
    const { entra, tokens } = credential(fake);

    const first = await entra.getToken();
    clock += 54 * 60_000;
    expect(await entra.getToken()).toBe(first);
    clock += 60_000;
    const second = await entra.getToken();

    expect(second).not.toBe(first);
    expect(tokens).toEqual([first, second]);
    expect(fake.exchanges.map((exchange) => exchange.outcome)).toEqual(['issued', 'issued']);
    const [a, b] = fake.exchanges.map((exchange) => exchange.assertion?.jti);
    expect(a).not.toBe(b);
    expect(fake.check(second).ok).toBe(true);
  });

  it('renews short-lived tokens after half their lifetime', async () => {
    const fake = await identity({ tokenLifetimeSeconds: 10 });
    const { entra } = credential(fake);

    const first = await entra.getToken();
    clock += 4000;
    expect(await entra.getToken()).toBe(first);
    clock += 1000;
    expect(await entra.getToken()).not.toBe(first);
    expect(fake.exchanges).toHaveLength(2);
  });

  it('makes one exchange for many concurrent requests', async () => {
    const fake = await identity();
    const { entra } = credential(fake);

    const tokens = await Promise.all(Array.from({ length: 20 }, () => entra.getToken()));

    expect(new Set(tokens).size).toBe(1);
    expect(fake.exchanges).toHaveLength(1);
    expect(fake.oidcRequests).toHaveLength(1);
  });

  it('reports a refusal with its AADSTS code, the subject and the likely cause, and does not retry it', async () => {
    const fake = await identity({ expectedSubject: 'repo:acme/widgets:ref:refs/heads/main', subject: 'repo:acme/widgets:pull_request' });
    const { entra } = credential(fake);

    const error = await rejection(entra.getToken());

    expect(error).toBeInstanceOf(EntraError);
    const entraError = error as EntraError;
    expect(entraError.code).toBe(70021);
    expect(entraError.transient).toBe(false);
    expect(entraError.message).toContain(`tenant ${fake.tenantId}`);
    expect(entraError.message).toContain('AADSTS70021');
    expect(entraError.message).toContain('repo:acme/widgets:pull_request');
    expect(entraError.message).toMatch(/Likely cause: No federated credential of the app matches this workflow/);
    // Only the first line of Entra's description: no trace ids.
    expect(entraError.message).not.toMatch(/Trace ID|Correlation ID/);
    expect(fake.exchanges).toHaveLength(1);
  });

  it.each([
    ['an unknown tenant', { tenantId: '00000000-0000-4000-8000-000000000000' }, 90002, /azure-tenant-id/],
    ['an unknown app', { clientId: '00000000-0000-4000-8000-000000000001' }, 700016, /azure-client-id/],
    ['a scope of another resource', { scope: 'https://management.azure.com/.default' }, 500011, /azure-scope/],
  ] as const)('explains %s', async (_what, overrides, code, hint) => {
    const fake = await identity();
    const { entra } = credential(fake, overrides);

    const error = (await rejection(entra.getToken())) as EntraError;

    expect(error.code).toBe(code);
    expect(error.message).toMatch(hint);
  });

  it('explains a wrong audience', async () => {
    const fake = await identity({ expectedAudience: 'api://SomethingElse' });
    const { entra } = credential(fake);

    const error = (await rejection(entra.getToken())) as EntraError;

    expect(error.code).toBe(700212);
    expect(error.message).toContain('api://AzureADTokenExchange');
  });

  it('retries a 503 from Entra with a fresh OIDC token, and gives up after four tries', async () => {
    const fake = await identity();
    fake.failNext(2, { status: 503 });
    const { entra, pauses } = credential(fake);

    const token = await entra.getToken();
    expect(fake.check(token).ok).toBe(true);
    expect(fake.exchanges.map((exchange) => exchange.outcome)).toEqual(['fault', 'fault', 'issued']);
    expect(fake.oidcRequests).toHaveLength(3);
    expect(pauses).toEqual([1000, 2000]);

    const down = await identity();
    down.failNext(10, { status: 503 });
    const failing = credential(down);
    const error = (await rejection(failing.entra.getToken())) as EntraError;
    expect(error.transient).toBe(true);
    expect(error.message).toMatch(/HTTP 503/);
    expect(down.exchanges).toHaveLength(4);
    expect(failing.pauses).toEqual([1000, 2000, 4000]);
  });

  it('keeps using a still-valid token when a renewal fails, and tries again on the next request', async () => {
    const fake = await identity({ tokenLifetimeSeconds: 3600 });
    const { entra, refreshFailures } = credential(fake);
    const first = await entra.getToken();

    clock += 56 * 60_000;
    fake.failNext(1, { status: 400, body: { error: 'invalid_request', error_description: 'AADSTS90002: Tenant not found.', error_codes: [90002] } });
    expect(await entra.getToken()).toBe(first);
    expect(refreshFailures).toHaveLength(1);
    expect(refreshFailures[0]).toMatch(/Could not renew the Entra ID token; the current one is valid until 2026-11-22T09:59:59/);
    expect(refreshFailures[0]).toContain('AADSTS90002');

    const renewed = await entra.getToken();
    expect(renewed).not.toBe(first);
  });

  it('fails when the token has expired and cannot be renewed', async () => {
    const fake = await identity({ tokenLifetimeSeconds: 3600 });
    const { entra } = credential(fake);
    await entra.getToken();

    clock += 61 * 60_000;
    fake.failNext(1, { status: 400, body: { error: 'invalid_client', error_description: 'AADSTS700016: Application not found.', error_codes: [700016] } });
    const error = (await rejection(entra.getToken())) as EntraError;
    expect(error.code).toBe(700016);
  });

  it('says when Entra cannot be reached', async () => {
    const fake = await identity();
    // A port that was just listened on and closed: the connection is refused.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const closed = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const { entra, pauses } = credential(fake, { authorityHost: closed });
    const error = (await rejection(entra.getToken())) as EntraError;
    expect(error).toBeInstanceOf(EntraError);
    expect(error.message).toContain(`Could not reach Entra ID at ${closed}`);
    expect(error.transient).toBe(true);
    expect(pauses).toHaveLength(3);
  });
});

describe('requestOidcToken', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const name of ['ACTIONS_ID_TOKEN_REQUEST_URL', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN']) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
    vi.restoreAllMocks();
  });

  it("gets the job's token for the federation audience from the runner's service (the caller masks it)", async () => {
    const fake = await identity();
    const env = { ACTIONS_ID_TOKEN_REQUEST_URL: fake.oidcRequestUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: fake.oidcRequestToken };

    const token = await requestOidcToken(FEDERATION_AUDIENCE, env);

    expect(token.split('.')).toHaveLength(3);
    expect(fake.oidcRequests).toEqual([{ audience: FEDERATION_AUDIENCE, authorized: true }]);
  });

  it('says to add id-token: write when the runner offers no token', async () => {
    const error = await rejection(requestOidcToken(FEDERATION_AUDIENCE, {}));
    expect(error).toBeInstanceOf(OidcTokenError);
    expect((error as Error).message).toContain('permissions: id-token: write');
    expect((error as Error).message).toMatch(/forks/);
  });
});
