// A loopback fake of the two identity services a keyless Azure login from GitHub Actions meets, on one
// HTTP server on 127.0.0.1:
// - GitHub's OIDC token service (what `core.getIDToken(audience)` calls, through the runner's
//   ACTIONS_ID_TOKEN_REQUEST_URL / ACTIONS_ID_TOKEN_REQUEST_TOKEN), and
// - Microsoft Entra ID's token endpoint (`POST {authority}/{tenant}/oauth2/v2.0/token`), exchanging
//   that OIDC token (a federated credential's client assertion) for an access token.
// The Evals API fake trusts the access tokens through `check` (pass it as `auth.tokens`).
//
// Choices where the real services are unclear (the tests in test/integration/azure-fakes.test.ts pin them):
// - OIDC: the answer is `{"count": <length of value>, "value": "<jwt>"}`; only `value` is read by
//   @actions/core. A missing or wrong bearer answers 401 `{"message":"Bad credentials"}`. Without an
//   `audience` parameter the token's `aud` is the repository owner's URL, `https://github.com/acme`.
//   The JWT signature is random bytes: nobody verifies it. The fake Entra trusts a JWT only when it is,
//   character for character, one the OIDC side issued (so an edited payload is "not issued").
// - Entra checks a request in this order, first refusal wins:
//     tenant unknown                      400 invalid_request        AADSTS90002
//     client_id missing                   400 invalid_request        AADSTS900144
//     client_id unknown                   400 unauthorized_client    AADSTS700016
//     grant_type missing                  400 invalid_request        AADSTS900144
//     grant_type not client_credentials   400 unsupported_grant_type AADSTS70003
//     scope missing                       400 invalid_request        AADSTS900144
//     client_assertion_type missing       400 invalid_request        AADSTS900144
//     client_assertion_type not jwt-bearer 400 invalid_request       AADSTS50027 (text is the fake's own)
//     client_assertion missing            400 invalid_request        AADSTS900144
//     client_assertion not a JWT          400 invalid_request        AADSTS50027
//     JWT not issued by the OIDC side     401 invalid_client         AADSTS700211 (issuer)
//     `aud` ≠ expectedAudience            401 invalid_client         AADSTS700212 (audience)
//     `sub` ≠ expectedSubject             401 invalid_client         AADSTS70021  (issuer, subject, audience)
//     outside nbf ≤ now < exp (no skew)   401 invalid_client         AADSTS700024
//     scope without `/.default`           400 invalid_scope          AADSTS1002012
//     scope resource ≠ expectedScope      400 invalid_resource       AADSTS500011
//   `invalid_client` answers 401 (as Entra does for a bad client secret); everything else 400.
//   A body that is not form-urlencoded is read as an empty form (so: client_id missing).
//   A GET of the token endpoint answers 400 invalid_request AADSTS900561 (POST only).
// - Error bodies: `{error, error_description, error_codes, timestamp, trace_id, correlation_id, error_uri}`;
//   the description ends `\r\nTrace ID: …\r\nCorrelation ID: …\r\nTimestamp: YYYY-MM-DD hh:mm:ssZ`, the
//   `error_uri` is always on https://login.microsoftonline.com (Entra names the host it was asked on).
// - An assertion may be exchanged any number of times until it expires (no replay check on `jti`).
// - Access tokens are opaque (`fake-entra.<43 base64url chars>`), not JWTs: clients must not parse them.
//   `expires_in` = `ext_expires_in` = lifetime − 1 s (Entra answers 3599 for an hour); the token really
//   lives the whole lifetime: `check` calls it expired from `issuedAt + lifetime` on. `issued()` times
//   are milliseconds since the epoch, by the injected clock.
// - `expectedScope` may be a list: Azure OpenAI resources take both `https://cognitiveservices.azure.com/.default`
//   and `https://ai.azure.com/.default`; Foundry projects only the latter (the default).
// - `failNext` counts Entra token requests by default; `{endpoint: 'oidc'}` counts OIDC requests instead.
//   Default fault bodies: 429/5xx are Entra's `temporarily_unavailable` (AADSTS90033); others
//   `invalid_request`. OIDC fault bodies default to `{"message": "..."}`.
// - `GET /{tenant}/v2.0/.well-known/openid-configuration` answers a minimal discovery document whose
//   `token_endpoint` is this server's, for clients that discover the endpoint.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';

export interface FakeIdentityOptions {
  /** Default a fixed GUID, `FAKE_TENANT_ID`. */
  tenantId?: string;
  /** The app registration with a federated credential. Default a fixed GUID, `FAKE_CLIENT_ID`. */
  clientId?: string;
  /** Client ids that exist and exchange fine but whose tokens lack a data-plane role (Evals API answers 403). */
  clientsWithoutRole?: string[];
  /** Subject the federated credential expects; default: accept any subject. */
  expectedSubject?: string;
  /** Subject of the OIDC tokens issued; default 'repo:acme/widgets:pull_request'. */
  subject?: string;
  /** Default 'api://AzureADTokenExchange'. */
  expectedAudience?: string;
  /** Default 'https://ai.azure.com/.default'. A list accepts any of its scopes. */
  expectedScope?: string | string[];
  /** Access tokens, default 3600 (Entra answers expires_in = lifetime - 1). */
  tokenLifetimeSeconds?: number;
  /** OIDC JWTs, default 600. */
  assertionLifetimeSeconds?: number;
  /** Milliseconds since the epoch, default Date.now. */
  clock?: () => number;
}

export type TokenCheck =
  | { ok: true; clientId: string }
  | { ok: false; status: 401 | 403; reason: 'unknown' | 'expired' | 'no-role'; clientId?: string };

export interface FakeIdentityReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Which requests the fault applies to. Default 'entra' (the token endpoint). */
  endpoint?: 'entra' | 'oidc';
}

export interface TokenExchange {
  tenant: string;
  form: Record<string, string>;
  /** The decoded claims of client_assertion, null if absent or not decodable. */
  assertion: Record<string, unknown> | null;
  outcome: 'issued' | 'refused' | 'fault';
  /** The AADSTS number of a refusal. */
  aadsts?: number;
}

export interface IssuedToken {
  token: string;
  clientId: string;
  issuedAt: number;
  expiresAt: number;
}

export interface FakeIdentity {
  /** Base URL to put in AZURE_AUTHORITY_HOST (replaces https://login.microsoftonline.com), e.g. http://127.0.0.1:PORT */
  authorityHost: string;
  /** Value for ACTIONS_ID_TOKEN_REQUEST_URL. It already has a query (`?api-version=2.0`), because @actions/core appends `&audience=…`. */
  oidcRequestUrl: string;
  /** Value for ACTIONS_ID_TOKEN_REQUEST_TOKEN (random). */
  oidcRequestToken: string;
  tenantId: string;
  clientId: string;
  oidcRequests: Array<{ audience: string | null; authorized: boolean }>;
  /** Every POST to the token endpoint, with the form fields and the decoded claims of client_assertion (null if not decodable). */
  exchanges: TokenExchange[];
  issued(): IssuedToken[];
  /** For the Evals fake: is this bearer token a live token we issued? */
  check(token: string): TokenCheck;
  /** The next n token requests answer this status/body instead (e.g. 503 for transient tests, or a custom Entra error). */
  failNext(n: number, reply: FakeIdentityReply): void;
  close(): Promise<void>;
}

export const FAKE_TENANT_ID = '72f988bf-0000-4000-8000-00000000fa4e';
export const FAKE_CLIENT_ID = '3c1f8a52-0000-4000-8000-0000000c11e7';
export const GITHUB_OIDC_ISSUER = 'https://token.actions.githubusercontent.com';
export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

type Json = Record<string, unknown>;

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Refusal {
  status: number;
  error: string;
  code: number;
  message: string;
}

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The payload of a compact JWT, or null when it is not one. */
function decodeJwt(token: string): Json | null {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) return null;
  try {
    const header: unknown = JSON.parse(Buffer.from(parts[0] ?? '', 'base64url').toString('utf8'));
    const payload: unknown = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8'));
    return isObject(header) && isObject(payload) ? payload : null;
  } catch {
    return null;
  }
}

function entraTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, reply: Reply): void {
  if (res.destroyed || res.writableEnded) return;
  const headers: Record<string, string> = { ...reply.headers };
  let payload = '';
  if (reply.body !== undefined) {
    payload = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    headers['content-type'] ??= typeof reply.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8';
  }
  res.writeHead(reply.status, headers);
  res.end(payload);
}

export async function startFakeIdentity(options: FakeIdentityOptions = {}): Promise<FakeIdentity> {
  const tenantId = options.tenantId ?? FAKE_TENANT_ID;
  const clientId = options.clientId ?? FAKE_CLIENT_ID;
  const withoutRole = new Set(options.clientsWithoutRole ?? []);
  const knownClients = new Set([clientId, ...withoutRole]);
  const subject = options.subject ?? 'repo:acme/widgets:pull_request';
  const expectedAudience = options.expectedAudience ?? 'api://AzureADTokenExchange';
  const expectedScopes = [options.expectedScope ?? 'https://ai.azure.com/.default'].flat();
  const tokenLifetime = options.tokenLifetimeSeconds ?? 3600;
  const assertionLifetime = options.assertionLifetimeSeconds ?? 600;
  const clock = options.clock ?? Date.now;
  const oidcRequestToken = randomBytes(24).toString('base64url');
  const oidcRequests: FakeIdentity['oidcRequests'] = [];
  const exchanges: TokenExchange[] = [];
  const issuedJwts = new Map<string, string>();
  const tokens = new Map<string, IssuedToken>();
  const pending: Record<'entra' | 'oidc', Array<{ remaining: number; reply: FakeIdentityReply }>> = { entra: [], oidc: [] };
  const sockets = new Set<Socket>();

  function takeFault(endpoint: 'entra' | 'oidc'): FakeIdentityReply | undefined {
    const queue = pending[endpoint];
    const entry = queue[0];
    if (!entry) return undefined;
    entry.remaining--;
    if (entry.remaining <= 0) queue.shift();
    return entry.reply;
  }

  function entraError(refusal: Refusal): Reply {
    const now = clock();
    const traceId = randomUUID();
    const correlationId = randomUUID();
    const timestamp = entraTimestamp(now);
    return {
      status: refusal.status,
      headers: { 'cache-control': 'no-store, no-cache', 'x-ms-request-id': traceId },
      body: {
        error: refusal.error,
        error_description: `AADSTS${refusal.code}: ${refusal.message}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
        error_codes: [refusal.code],
        timestamp,
        trace_id: traceId,
        correlation_id: correlationId,
        error_uri: `https://login.microsoftonline.com/error?code=${refusal.code}`,
      },
    };
  }

  function missing(parameter: string): Refusal {
    return { status: 400, error: 'invalid_request', code: 900144, message: `The request body must contain the following parameter: '${parameter}'.` };
  }

  function issueJwt(audience: string | null): string {
    const iat = Math.floor(clock() / 1000);
    const jti = randomUUID();
    const header = { alg: 'RS256', typ: 'JWT', kid: 'fake', x5t: 'fake' };
    const payload = {
      jti,
      sub: subject,
      aud: audience ?? 'https://github.com/acme',
      ref: 'refs/pull/12/merge',
      sha: '5b4e0f6d2a1c9e8b7a6f5e4d3c2b1a0f9e8d7c6b',
      repository: 'acme/widgets',
      repository_owner: 'acme',
      repository_visibility: 'private',
      run_id: '9876543210',
      run_number: '42',
      run_attempt: '1',
      actor: 'octocat',
      workflow: 'evals',
      head_ref: 'feature/better-prompts',
      base_ref: 'main',
      event_name: 'pull_request',
      ref_type: 'branch',
      job_workflow_ref: 'acme/widgets/.github/workflows/evals.yml@refs/pull/12/merge',
      iss: GITHUB_OIDC_ISSUER,
      nbf: iat,
      iat,
      exp: iat + assertionLifetime,
    };
    const jwt = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}.${randomBytes(256).toString('base64url')}`;
    issuedJwts.set(jti, jwt);
    return jwt;
  }

  function oidc(req: IncomingMessage, url: URL): Reply {
    const authorized = req.headers.authorization === `Bearer ${oidcRequestToken}`;
    const audience = url.searchParams.get('audience');
    oidcRequests.push({ audience, authorized });
    const fault = takeFault('oidc');
    if (fault) return { status: fault.status, body: fault.body ?? { message: `Injected error ${fault.status}.` }, headers: fault.headers };
    if (req.method !== 'GET') return { status: 405, body: { message: 'Method not allowed' } };
    if (!authorized) return { status: 401, body: { message: 'Bad credentials' } };
    const value = issueJwt(audience);
    return { status: 200, body: { count: value.length, value } };
  }

  /** The first refusal that applies, in the order of the header comment; null when the exchange is good. */
  function refusal(tenant: string, form: Record<string, string>, assertion: Json | null): Refusal | null {
    if (tenant !== tenantId) {
      return {
        status: 400,
        error: 'invalid_request',
        code: 90002,
        message: `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
      };
    }
    if (!form.client_id) return missing('client_id');
    if (!knownClients.has(form.client_id)) {
      return {
        status: 400,
        error: 'unauthorized_client',
        code: 700016,
        message: `Application with identifier '${form.client_id}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
      };
    }
    if (!form.grant_type) return missing('grant_type');
    if (form.grant_type !== 'client_credentials') {
      return { status: 400, error: 'unsupported_grant_type', code: 70003, message: `The app requested an unsupported grant type '${form.grant_type}'.` };
    }
    if (!form.scope) return missing('scope');
    if (!form.client_assertion_type) return missing('client_assertion_type');
    if (form.client_assertion_type !== JWT_BEARER) {
      return { status: 400, error: 'invalid_request', code: 50027, message: `Invalid client_assertion_type '${form.client_assertion_type}'. Expected '${JWT_BEARER}'.` };
    }
    if (!form.client_assertion) return missing('client_assertion');
    if (!assertion) return { status: 400, error: 'invalid_request', code: 50027, message: 'JWT token is invalid or malformed.' };
    const issuer = String(assertion.iss ?? '');
    const jti = typeof assertion.jti === 'string' ? assertion.jti : '';
    if (issuedJwts.get(jti) !== form.client_assertion) {
      return {
        status: 401,
        error: 'invalid_client',
        code: 700211,
        message: `No matching federated identity record found for presented assertion issuer '${issuer}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation`,
      };
    }
    const audiences = [assertion.aud].flat().map(String);
    if (!audiences.includes(expectedAudience)) {
      return {
        status: 401,
        error: 'invalid_client',
        code: 700212,
        message: `No matching federated identity record found for presented assertion audience '${audiences.join(', ')}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation`,
      };
    }
    const presentedSubject = String(assertion.sub ?? '');
    if (options.expectedSubject !== undefined && presentedSubject !== options.expectedSubject) {
      return {
        status: 401,
        error: 'invalid_client',
        code: 70021,
        message: `No matching federated identity record found for presented assertion. Assertion Issuer: '${issuer}'. Assertion Subject: '${presentedSubject}'. Assertion Audience: '${audiences.join(', ')}'. https://docs.microsoft.com/en-us/azure/active-directory/develop/workload-identity-federation`,
      };
    }
    const now = clock();
    const nbf = Number(assertion.nbf ?? assertion.iat);
    const exp = Number(assertion.exp);
    if (!(nbf * 1000 <= now && now < exp * 1000)) {
      const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
      return {
        status: 401,
        error: 'invalid_client',
        code: 700024,
        message: `Client assertion is not within its valid time range. Current time: ${new Date(now).toISOString()}, assertion valid from ${iso(nbf)}, expiry time of assertion ${iso(exp)}. Review the documentation at https://docs.microsoft.com/azure/active-directory/develop/active-directory-certificate-credentials .`,
      };
    }
    if (!form.scope.endsWith('/.default')) {
      return {
        status: 400,
        error: 'invalid_scope',
        code: 1002012,
        message: `The provided value for scope ${form.scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
      };
    }
    if (!expectedScopes.includes(form.scope)) {
      const resource = form.scope.slice(0, -'/.default'.length);
      return {
        status: 400,
        error: 'invalid_resource',
        code: 500011,
        message: `The resource principal named ${resource} was not found in the tenant named ${tenant}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
      };
    }
    return null;
  }

  async function exchange(req: IncomingMessage, tenant: string): Promise<Reply> {
    const text = await readBody(req);
    const form: Record<string, string> = {};
    if (/application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '')) {
      for (const [key, value] of new URLSearchParams(text)) form[key] = value;
    }
    const assertion = form.client_assertion ? decodeJwt(form.client_assertion) : null;
    const record: TokenExchange = { tenant, form, assertion, outcome: 'refused' };
    exchanges.push(record);
    const fault = takeFault('entra');
    if (fault) {
      record.outcome = 'fault';
      const transient = fault.status === 429 || fault.status >= 500;
      const reply = fault.body !== undefined
        ? { status: fault.status, body: fault.body }
        : entraError(
            transient
              ? { status: fault.status, error: 'temporarily_unavailable', code: 90033, message: 'A transient error has occurred. Please try again.' }
              : { status: fault.status, error: 'invalid_request', code: 90000, message: `Injected error ${fault.status}.` },
          );
      return { ...reply, headers: { ...reply.headers, ...fault.headers } };
    }
    const refused = refusal(tenant, form, assertion);
    if (refused) {
      record.aadsts = refused.code;
      return entraError(refused);
    }
    const issuedAt = clock();
    const token = `fake-entra.${randomBytes(32).toString('base64url')}`;
    tokens.set(token, { token, clientId: form.client_id ?? '', issuedAt, expiresAt: issuedAt + tokenLifetime * 1000 });
    record.outcome = 'issued';
    const expiresIn = Math.max(0, tokenLifetime - 1);
    return {
      status: 200,
      headers: { 'cache-control': 'no-store, no-cache', 'x-ms-request-id': randomUUID() },
      body: { token_type: 'Bearer', expires_in: expiresIn, ext_expires_in: expiresIn, access_token: token },
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const segments = url.pathname.split('/').filter((s) => s !== '').map(decodeURIComponent);
    if (segments.length === 2 && segments[0] === 'oidc' && segments[1] === 'token') {
      send(res, oidc(req, url));
      return;
    }
    const [tenant, a, b, c, d] = segments;
    if (tenant !== undefined && a === 'oauth2' && b === 'v2.0' && c === 'token' && d === undefined) {
      if (req.method === 'POST') {
        send(res, await exchange(req, tenant));
        return;
      }
      send(res, entraError({ status: 400, error: 'invalid_request', code: 900561, message: `The endpoint only accepts POST requests. Received a ${req.method ?? 'GET'} request.` }));
      return;
    }
    if (tenant === tenantId && a === 'v2.0' && b === '.well-known' && c === 'openid-configuration' && d === undefined) {
      send(res, {
        status: 200,
        body: {
          token_endpoint: `${authorityHost}/${tenantId}/oauth2/v2.0/token`,
          issuer: `${authorityHost}/${tenantId}/v2.0`,
          authorization_endpoint: `${authorityHost}/${tenantId}/oauth2/v2.0/authorize`,
          token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
          grant_types_supported: ['authorization_code', 'client_credentials', 'refresh_token'],
          tenant_region_scope: 'EU',
        },
      });
      return;
    }
    send(res, { status: 404, body: { error: 'not_found', error_description: `No route for ${req.method ?? 'GET'} ${url.pathname}` } });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent && !res.destroyed) send(res, { status: 500, body: { error: 'server_error', error_description: `Fake failure: ${String(error)}` } });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const authorityHost = `http://127.0.0.1:${port}`;

  function check(token: string): TokenCheck {
    const issued = tokens.get(token);
    if (!issued) return { ok: false, status: 401, reason: 'unknown' };
    if (clock() >= issued.expiresAt) return { ok: false, status: 401, reason: 'expired', clientId: issued.clientId };
    if (withoutRole.has(issued.clientId)) return { ok: false, status: 403, reason: 'no-role', clientId: issued.clientId };
    return { ok: true, clientId: issued.clientId };
  }

  return {
    authorityHost,
    oidcRequestUrl: `${authorityHost}/oidc/token?api-version=2.0`,
    oidcRequestToken,
    tenantId,
    clientId,
    oidcRequests,
    exchanges,
    issued: () => [...tokens.values()].map((t) => ({ ...t })),
    check,
    failNext: (n, reply) => {
      if (!Number.isInteger(n) || n < 1) throw new Error(`failNext needs a count ≥ 1, got ${n}`);
      pending[reply.endpoint ?? 'entra'].push({ remaining: n, reply });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        for (const socket of sockets) socket.destroy();
      }),
  };
}
