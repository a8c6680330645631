import OpenAI from 'openai';
import type { EndpointSettings } from '../inputs.js';

export type EvalsClient = OpenAI;

/** A per-request ceiling: a poll or a page that hangs longer is retried, not waited on forever. */
export const REQUEST_TIMEOUT_MS = 60_000;

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
  return new OpenAI({
    apiKey,
    baseURL: endpoint.baseURL,
    organization: endpoint.organization,
    project: endpoint.project,
    maxRetries: 2,
    timeout: REQUEST_TIMEOUT_MS,
    defaultHeaders: { ...endpoint.extraHeaders, ...authHeaders, 'User-Agent': 'evals-gate' },
    defaultQuery: Object.keys(endpoint.extraQuery).length > 0 ? endpoint.extraQuery : undefined,
  });
}
