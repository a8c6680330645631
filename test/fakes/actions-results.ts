// A loopback fake of what `@actions/artifact` (v6) talks to when a step uploads an artifact: the runner's
// results service (Twirp JSON, `github.actions.results.api.v1.ArtifactService`, authenticated by the
// step's ACTIONS_RUNTIME_TOKEN) and the blob host its signed URLs point at (Azure Blob Storage's block
// upload: Put Block, Put Block List, or Put Blob; and Get Blob for downloads). Two servers on 127.0.0.1,
// as the two hosts are distinct on GitHub. What is finalized lands in an ArtifactStore that the GitHub
// API fake lists and serves, so a later "run" finds what an earlier one kept.
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ArtifactStore, type FakeArtifact, type FakeWorkflowRun } from './artifact-store.ts';

const SERVICE = 'github.actions.results.api.v1.ArtifactService';
const SIGNING_KEY = 'fake-results-service-signing-key';
/** Signed URLs live this long, as GitHub's short-lived ones do. */
const SIGNED_URL_SECONDS = 3600;

export interface ResultsRequest {
  host: 'results' | 'blob';
  method: string;
  /** e.g. `/twirp/…/CreateArtifact`, `/artifacts/7000001/record.jsonl`. */
  path: string;
  query: Record<string, string>;
  authorization: string | null;
  /** Parsed JSON for Twirp calls; the byte count for blob uploads. */
  body: unknown;
  status: number;
}

export interface ResultsFault {
  host?: 'results' | 'blob';
  /** A Twirp method (`CreateArtifact`) or a blob operation (`block`, `blocklist`, `put`, `get`). */
  operation?: string;
  status?: number;
  /** Twirp error code or Azure error code; a sensible one for the status by default. */
  code?: string;
  msg?: string;
  delayMs?: number;
}

export interface FakeActionsResults {
  /** ACTIONS_RESULTS_URL. */
  url: string;
  /** The blob host's origin. */
  blobUrl: string;
  store: ArtifactStore;
  requests: ResultsRequest[];
  /** A run that tokens can name (defaults: a push run on main of `owner/repo`). */
  registerRun(run: Partial<FakeWorkflowRun> & { owner: string; repo: string; repositoryId: number }): FakeWorkflowRun;
  /** ACTIONS_RUNTIME_TOKEN for a job of `run`: a signed JWT whose `scp` names the run's and job's backend ids. */
  runtimeToken(run: FakeWorkflowRun, options?: { jobBackendId?: string; expiresInSeconds?: number }): string;
  /** A signed download URL of an artifact's blob (what the REST API's zip endpoint redirects to). */
  signedDownloadUrl(artifact: FakeArtifact): string;
  /** The next `count` matching requests take `fault`. */
  failNext(count: number, fault: ResultsFault): void;
  close(): Promise<void>;
}

class TwirpError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, msg: string) {
    super(msg);
    this.status = status;
    this.code = code;
  }
}

class BlobError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const TWIRP_CODES: Record<number, string> = { 400: 'invalid_argument', 401: 'unauthenticated', 403: 'permission_denied', 404: 'not_found', 409: 'already_exists', 429: 'resource_exhausted', 500: 'internal', 503: 'unavailable' };
const BLOB_CODES: Record<number, string> = { 403: 'AuthenticationFailed', 404: 'BlobNotFound', 500: 'InternalError', 503: 'ServerBusy' };

export async function startActionsResults(options: { store?: ArtifactStore } = {}): Promise<FakeActionsResults> {
  const store = options.store ?? new ArtifactStore();
  const requests: ResultsRequest[] = [];
  const faults: { remaining: number; fault: ResultsFault }[] = [];
  /** Staged blocks of each artifact, by block id. */
  const blocks = new Map<number, Map<string, Buffer>>();
  let blobUrl = '';

  const sign = (text: string) => createHmac('sha256', SIGNING_KEY).update(text).digest('base64url');

  const runtimeToken = (run: FakeWorkflowRun, tokenOptions: { jobBackendId?: string; expiresInSeconds?: number } = {}): string => {
    store.runs.set(run.backendId, run);
    const job = tokenOptions.jobBackendId ?? randomUUID();
    const now = Math.floor(Date.now() / 1000);
    const header = Buffer.from(JSON.stringify({ typ: 'JWT', alg: 'HS256', x5t: 'fake' })).toString('base64url');
    const payload = Buffer.from(
      JSON.stringify({
        nameid: 'dddddddd-dddd-dddd-dddd-dddddddddddd',
        scp: `Actions.ExampleScope Actions.Results:${run.backendId}:${job}`,
        IdentityTypeClaim: 'System:ServiceIdentity',
        iss: 'vstoken.actions.githubusercontent.com',
        aud: 'vstoken.actions.githubusercontent.com|vso:fake',
        nbf: now - 60,
        exp: now + (tokenOptions.expiresInSeconds ?? 6 * 3600),
      }),
    ).toString('base64url');
    return `${header}.${payload}.${sign(`${header}.${payload}`)}`;
  };

  /** The scope a bearer token grants, or why it grants none. */
  const scopeOf = (authorization: string | undefined): { run: string; job: string } => {
    const token = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
    if (!token) throw new TwirpError(401, 'unauthenticated', 'missing bearer token');
    const [header = '', payload = '', signature = ''] = token.split('.');
    const expected = Buffer.from(sign(`${header}.${payload}`));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw new TwirpError(401, 'unauthenticated', 'token signature is invalid');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { scp?: string; exp?: number };
    if (typeof claims.exp !== 'number' || claims.exp * 1000 < Date.now()) throw new TwirpError(401, 'unauthenticated', 'token has expired');
    for (const scope of (claims.scp ?? '').split(' ')) {
      const parts = scope.split(':');
      if (parts[0] === 'Actions.Results' && parts.length === 3) return { run: parts[1] ?? '', job: parts[2] ?? '' };
    }
    throw new TwirpError(403, 'permission_denied', 'token has no Actions.Results scope');
  };

  const takeFault = (host: 'results' | 'blob', operation: string): ResultsFault | null => {
    const entry = faults.find(({ fault }) => (fault.host === undefined || fault.host === host) && (fault.operation === undefined || fault.operation === operation));
    if (!entry) return null;
    if (--entry.remaining <= 0) faults.splice(faults.indexOf(entry), 1);
    return entry.fault;
  };

  const signedUrl = (artifact: FakeArtifact, permission: 'w' | 'r'): string => {
    const path = `/artifacts/${artifact.id}/${encodeURIComponent(artifact.name)}`;
    const expiry = new Date(Date.now() + SIGNED_URL_SECONDS * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const query = new URLSearchParams({ sv: '2025-01-05', se: expiry, sr: 'b', sp: permission, sig: sign(`${artifact.id}\n${permission}\n${expiry}`) });
    return `${blobUrl}${path}?${query}`;
  };

  // ---- the results service (Twirp) -----------------------------------------------------------------

  type Body = Record<string, unknown>;
  const text = (body: Body, key: string): string => (typeof body[key] === 'string' ? (body[key] as string) : '');

  const inScope = (body: Body, scope: { run: string; job: string }): FakeWorkflowRun => {
    const runId = text(body, 'workflow_run_backend_id');
    const jobId = text(body, 'workflow_job_run_backend_id');
    if (!runId || !jobId) throw new TwirpError(400, 'invalid_argument', 'workflow_run_backend_id and workflow_job_run_backend_id are required');
    if (runId !== scope.run || jobId !== scope.job) throw new TwirpError(403, 'permission_denied', 'the token does not grant access to this workflow run');
    const run = store.runs.get(runId);
    if (!run) throw new TwirpError(404, 'not_found', 'workflow run not found');
    return run;
  };

  const ofRun = (run: FakeWorkflowRun) => store.artifacts.filter((artifact) => artifact.run.backendId === run.backendId);

  const methods: Record<string, (body: Body, scope: { run: string; job: string }) => Body> = {
    CreateArtifact(body, scope) {
      const run = inScope(body, scope);
      const name = text(body, 'name');
      if (!name) throw new TwirpError(400, 'invalid_argument', 'name is required');
      if (typeof body['version'] !== 'number' || body['version'] < 4) throw new TwirpError(400, 'invalid_argument', 'unsupported artifact version');
      if (ofRun(run).some((artifact) => artifact.name === name)) {
        throw new TwirpError(409, 'already_exists', 'an artifact with this name already exists on the workflow run');
      }
      const contentType = typeof body['mime_type'] === 'string' ? body['mime_type'] : 'application/zip';
      const expiresAt = typeof body['expires_at'] === 'string' ? body['expires_at'] : undefined;
      const artifact = store.create(run, scope.job, name, contentType, expiresAt);
      return { ok: true, signed_upload_url: signedUrl(artifact, 'w') };
    },
    FinalizeArtifact(body, scope) {
      const run = inScope(body, scope);
      const artifact = ofRun(run).find((candidate) => candidate.name === text(body, 'name') && !candidate.finalized);
      if (!artifact) throw new TwirpError(404, 'not_found', 'artifact not found');
      if (artifact.content === null) throw new TwirpError(400, 'invalid_argument', 'no blob was uploaded for this artifact');
      if (String(artifact.content.length) !== String(body['size'] ?? '')) throw new TwirpError(400, 'invalid_argument', `size ${String(body['size'])} does not match the uploaded ${artifact.content.length} bytes`);
      const hash = typeof body['hash'] === 'string' ? body['hash'] : null;
      const actual = `sha256:${createHash('sha256').update(artifact.content).digest('hex')}`;
      if (hash !== null && hash !== actual) throw new TwirpError(400, 'invalid_argument', 'hash does not match the uploaded content');
      artifact.digest = actual;
      artifact.finalized = true;
      return { ok: true, artifact_id: String(artifact.id) };
    },
    ListArtifacts(body, scope) {
      const run = inScope(body, scope);
      const nameFilter = typeof body['name_filter'] === 'string' ? body['name_filter'] : null;
      const idFilter = typeof body['id_filter'] === 'string' ? Number(body['id_filter']) : null;
      const artifacts = ofRun(run)
        .filter((artifact) => artifact.finalized && (nameFilter === null || artifact.name === nameFilter) && (idFilter === null || artifact.id === idFilter))
        .map((artifact) => ({
          workflow_run_backend_id: artifact.run.backendId,
          workflow_job_run_backend_id: artifact.jobBackendId,
          database_id: String(artifact.id),
          name: artifact.name,
          size: String(artifact.content?.length ?? 0),
          created_at: artifact.createdAt,
          ...(artifact.digest ? { digest: artifact.digest } : {}),
        }));
      return { artifacts };
    },
    GetSignedArtifactURL(body, scope) {
      const run = inScope(body, scope);
      const artifact = ofRun(run).find((candidate) => candidate.finalized && candidate.name === text(body, 'name'));
      if (!artifact) throw new TwirpError(404, 'not_found', 'artifact not found');
      return { signed_url: signedUrl(artifact, 'r') };
    },
    DeleteArtifact(body, scope) {
      const run = inScope(body, scope);
      const artifact = ofRun(run).find((candidate) => candidate.finalized && candidate.name === text(body, 'name'));
      if (!artifact) throw new TwirpError(404, 'not_found', 'artifact not found');
      store.artifacts.splice(store.artifacts.indexOf(artifact), 1);
      return { ok: true, artifact_id: String(artifact.id) };
    },
  };

  const handleResults = async (req: IncomingMessage, res: ServerResponse, raw: Buffer, record: ResultsRequest): Promise<void> => {
    const send = (status: number, body: unknown) => {
      record.status = status;
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const method = new RegExp(`^/twirp/${SERVICE.replace(/\./g, '\\.')}/(\\w+)$`).exec(record.path)?.[1];
    try {
      if (req.method !== 'POST' || !method || !methods[method]) throw new TwirpError(404, 'bad_route', `no handler for ${req.method} ${record.path}`);
      const fault = takeFault('results', method);
      if (fault?.delayMs) await sleep(fault.delayMs);
      if (fault?.status) throw new TwirpError(fault.status, fault.code ?? TWIRP_CODES[fault.status] ?? 'internal', fault.msg ?? 'injected fault');
      if (!/^application\/json/.test(req.headers['content-type'] ?? '')) throw new TwirpError(400, 'malformed', 'content type must be application/json');
      const scope = scopeOf(req.headers.authorization);
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new TwirpError(400, 'malformed', 'the body is not JSON');
      }
      record.body = body;
      send(200, methods[method](isObject(body) ? body : {}, scope));
    } catch (error) {
      if (error instanceof TwirpError) send(error.status, { code: error.code, msg: error.message });
      else send(500, { code: 'internal', msg: String(error) });
    }
  };

  // ---- the blob host (Azure Blob Storage, block blobs) -------------------------------------------------

  const blobHeaders = () => ({ 'x-ms-request-id': randomUUID(), 'x-ms-version': '2025-01-05', date: new Date().toUTCString() });

  const checkSignature = (url: URL, artifact: FakeArtifact, permission: 'w' | 'r'): void => {
    const sp = url.searchParams.get('sp') ?? '';
    const se = url.searchParams.get('se') ?? '';
    const sig = url.searchParams.get('sig') ?? '';
    if (!sp.includes(permission) || sig !== sign(`${artifact.id}\n${sp}\n${se}`)) {
      throw new BlobError(403, 'AuthenticationFailed', 'Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.');
    }
    if (Date.parse(se) < Date.now()) throw new BlobError(403, 'AuthenticationFailed', 'Signed expiry time has passed.');
  };

  const handleBlob = async (req: IncomingMessage, res: ServerResponse, raw: Buffer, record: ResultsRequest, url: URL): Promise<void> => {
    const sendError = (status: number, code: string, message: string) => {
      record.status = status;
      res
        .writeHead(status, { 'content-type': 'application/xml', 'x-ms-error-code': code, ...blobHeaders() })
        .end(`<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`);
    };
    const comp = url.searchParams.get('comp');
    const operation = req.method === 'GET' ? 'get' : comp === 'block' ? 'block' : comp === 'blocklist' ? 'blocklist' : 'put';
    try {
      const fault = takeFault('blob', operation);
      if (fault?.delayMs) await sleep(fault.delayMs);
      if (fault?.status) throw new BlobError(fault.status, fault.code ?? BLOB_CODES[fault.status] ?? 'InternalError', fault.msg ?? 'Injected fault.');
      const match = /^\/artifacts\/(\d+)\/[^/]+$/.exec(url.pathname);
      const artifact = match ? store.byId(Number(match[1])) : undefined;
      if (!artifact) throw new BlobError(404, 'BlobNotFound', 'The specified blob does not exist.');
      checkSignature(url, artifact, req.method === 'GET' ? 'r' : 'w');
      if (req.method === 'GET') {
        if (!artifact.content) throw new BlobError(404, 'BlobNotFound', 'The specified blob does not exist.');
        record.status = 200;
        res
          .writeHead(200, {
            'content-type': artifact.contentType,
            'content-length': String(artifact.content.length),
            'content-disposition': `attachment; filename="${artifact.name.replace(/[^\x20-\x7e]|"/g, '_')}"; filename*=UTF-8''${encodeURIComponent(artifact.name)}`,
            ...blobHeaders(),
          })
          .end(artifact.content);
        return;
      }
      if (req.method !== 'PUT') throw new BlobError(405, 'UnsupportedHttpVerb', 'The resource doesn\'t support the specified HTTP verb.');
      if (artifact.finalized) throw new BlobError(409, 'BlobImmutableDueToPolicy', 'The artifact is finalized.');
      record.body = raw.length;
      const staged = blocks.get(artifact.id) ?? new Map<string, Buffer>();
      blocks.set(artifact.id, staged);
      const contentType = req.headers['x-ms-blob-content-type'];
      if (operation === 'block') {
        const blockId = url.searchParams.get('blockid');
        if (!blockId) throw new BlobError(400, 'InvalidQueryParameterValue', 'blockid is required.');
        staged.set(blockId, raw);
      } else if (operation === 'blocklist') {
        const ids = [...raw.toString('utf8').matchAll(/<(?:Latest|Uncommitted|Committed)>([^<]*)<\/(?:Latest|Uncommitted|Committed)>/g)].map((found) => found[1] ?? '');
        const missing = ids.find((id) => !staged.has(id));
        if (missing !== undefined) throw new BlobError(400, 'InvalidBlockList', 'The specified block list is invalid.');
        artifact.content = Buffer.concat(ids.map((id) => staged.get(id) ?? Buffer.alloc(0)));
        blocks.delete(artifact.id);
        if (typeof contentType === 'string') artifact.contentType = contentType;
      } else {
        if (req.headers['x-ms-blob-type'] !== 'BlockBlob') throw new BlobError(400, 'MissingRequiredHeader', 'x-ms-blob-type is required.');
        artifact.content = raw;
        if (typeof contentType === 'string') artifact.contentType = contentType;
      }
      record.status = 201;
      res.writeHead(201, { etag: `"0x${createHash('md5').update(raw).digest('hex').slice(0, 16).toUpperCase()}"`, 'last-modified': new Date().toUTCString(), 'x-ms-request-server-encrypted': 'true', ...blobHeaders() }).end();
    } catch (error) {
      if (error instanceof BlobError) sendError(error.status, error.code, error.message);
      else sendError(500, 'InternalError', String(error));
    }
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

  const serve = (host: 'results' | 'blob') =>
    createServer((req, res) => {
      void (async () => {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        const raw = Buffer.concat(chunks);
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        const record: ResultsRequest = { host, method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), authorization: req.headers.authorization ?? null, body: null, status: 0 };
        requests.push(record);
        await (host === 'results' ? handleResults(req, res, raw, record) : handleBlob(req, res, raw, record, url));
      })().catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500).end(String(error));
      });
    });

  const results = serve('results');
  const blobs = serve('blob');
  const listen = (server: Server) =>
    new Promise<string>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
    });
  const url = await listen(results);
  blobUrl = await listen(blobs);

  return {
    url,
    blobUrl,
    store,
    requests,
    registerRun: (run) => store.registerRun(run),
    runtimeToken,
    signedDownloadUrl: (artifact) => signedUrl(artifact, 'r'),
    failNext(count, fault) {
      if (count > 0) faults.push({ remaining: count, fault });
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      for (const server of [results, blobs]) server.closeAllConnections();
      await Promise.all([results, blobs].map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
