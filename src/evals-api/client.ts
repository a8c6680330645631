import OpenAI from 'openai';
import { azureEndpointKind } from '../azure/endpoints.js';
import type { EndpointSettings } from '../settings/settings.js';

export type EvalsClient = OpenAI;

/** A per-request ceiling: a poll or a page that hangs longer is retried, not waited on forever. */
export const REQUEST_TIMEOUT_MS = 60_000;

/** The base URL the local engine answers at: requests to it never leave the process. */
export const LOCAL_ENGINE_URL = 'http://local-engine.invalid/v1';

/**
 * A client of the local engine: the same SDK calls as for a hosted endpoint, answered in-process by
 * `fetch`. No retries: nothing is lost on the way.
 */
export function createLocalEvalsClient(fetch: typeof globalThis.fetch): EvalsClient {
  return new OpenAI({ apiKey: 'local-engine', baseURL: LOCAL_ENGINE_URL, fetch, maxRetries: 0, timeout: REQUEST_TIMEOUT_MS });
}

/** The header Azure OpenAI and Foundry want on evals requests (`preview`). */
export const AZURE_EVALS_HEADER = 'aoai-evals';

/** A bearer token for each request (Entra ID), renewed by its provider as it nears expiry. */
export type TokenProvider = () => Promise<string>;

/**
 * The one place that builds the SDK client, for whichever server answers at `baseURL`. Entra ID
 * endpoints need `getToken`; the SDK calls it for every request, retries included.
 */
export function createEvalsClient(endpoint: EndpointSettings, getToken?: TokenProvider): EvalsClient {
  const { auth } = endpoint;
  let apiKey: string | TokenProvider;
  const authHeaders: Record<string, string | null> = {};
  if (auth.kind === 'entra') {
    if (!getToken) throw new Error('An Entra ID endpoint needs a token provider.');
    apiKey = getToken;
  } else {
    apiKey = auth.apiKey;
    // Azure's `api-key` header instead of the bearer one: a null removes the SDK's Authorization header.
    if (auth.header === 'api-key') Object.assign(authHeaders, { 'api-key': auth.apiKey, Authorization: null });
  }
  // Azure's published API description marks `aoai-evals: preview` required on every evals operation.
  const setByUser = Object.keys(endpoint.extraHeaders).some((name) => name.toLowerCase() === AZURE_EVALS_HEADER);
  const azureHeaders = azureEndpointKind(endpoint.baseURL) !== null && !setByUser ? { [AZURE_EVALS_HEADER]: 'preview' } : {};
  return new OpenAI({
    apiKey,
    baseURL: endpoint.baseURL,
    organization: endpoint.organization,
    project: endpoint.project,
    maxRetries: 2,
    timeout: REQUEST_TIMEOUT_MS,
    defaultHeaders: { ...azureHeaders, ...endpoint.extraHeaders, ...authHeaders, 'User-Agent': 'evals-gate' },
    defaultQuery: Object.keys(endpoint.extraQuery).length > 0 ? endpoint.extraQuery : undefined,
  });
}
