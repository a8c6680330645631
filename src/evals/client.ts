import OpenAI from 'openai';
import type { EndpointSettings } from '../inputs.js';

export type EvalsClient = OpenAI;

/** A per-request ceiling: a poll or a page that hangs longer is retried, not waited on forever. */
export const REQUEST_TIMEOUT_MS = 60_000;

/** The one place that builds the SDK client, for whichever server answers at `baseURL`. */
export function createEvalsClient(endpoint: EndpointSettings): EvalsClient {
  return new OpenAI({
    apiKey: endpoint.apiKey,
    baseURL: endpoint.baseURL,
    organization: endpoint.organization,
    project: endpoint.project,
    maxRetries: 2,
    timeout: REQUEST_TIMEOUT_MS,
    defaultHeaders: { 'User-Agent': 'evals-gate' },
  });
}
