import OpenAI from 'openai';
import { EntraError, OidcTokenError } from '../azure/entra-errors.js';
import { retryAfterMs } from '../shared/retry-after.js';
import { LOCAL_ENGINE_URL } from './client.js';

/** An Evals API failure, described for a person: what was being done, the status, the server's message. */
export class EvalsApiError extends Error {
  readonly status: number | null;

  constructor(message: string, status: number | null, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EvalsApiError';
    this.status = status;
  }
}

export interface ErrorContext {
  /** What was being done, e.g. `starting a run of eval eval_123`. */
  doing: string;
  evalId: string;
  runId?: string | null;
  baseURL: string;
}

/** 408/409/429/5xx and lost connections: worth trying again after a pause. */
export function isTransient(error: unknown): boolean {
  if (error instanceof OpenAI.APIUserAbortError) return false;
  const credentialError = credentialFailure(error);
  if (credentialError) return credentialError instanceof EntraError && credentialError.transient;
  if (error instanceof OpenAI.APIConnectionError) return true;
  if (error instanceof OpenAI.APIError) {
    const status = error.status ?? 0;
    return status === 408 || status === 409 || status === 429 || status >= 500;
  }
  return false;
}

/** How long to wait before try number `attempt + 1`: what the server asked for, else 1 s, 2 s, 4 s…, capped. */
export function retryDelayMs(error: unknown, attempt: number, capMs = 30_000): number {
  const asked = error instanceof OpenAI.APIError ? retryAfterMs(error.headers) : null;
  return Math.min(asked ?? 1000 * 2 ** (attempt - 1), capMs);
}

/**
 * The SDK wraps a failure of the token provider ("Failed to get token from 'apiKey' function"): the
 * Entra or OIDC error inside says what went wrong.
 */
function credentialFailure(error: unknown): EntraError | OidcTokenError | null {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    if (current instanceof EntraError || current instanceof OidcTokenError) return current;
  }
  return null;
}

/** `the Evals API at URL`, or `the local engine`: who answered, for messages. */
export function describeEndpoint(baseURL: string): string {
  return baseURL === LOCAL_ENGINE_URL ? 'the local engine' : `the Evals API at ${baseURL}`;
}

export function describeApiError(error: unknown, context: ErrorContext): EvalsApiError {
  if (error instanceof EvalsApiError) return error;
  const credentialError = credentialFailure(error);
  if (credentialError) return new EvalsApiError(`Could not sign in to the Evals API while ${context.doing}: ${credentialError.message}`, null, { cause: error });
  const where = describeEndpoint(context.baseURL);
  const subject = context.runId ? `run ${context.runId} of eval ${context.evalId}` : `eval ${context.evalId}`;
  if (error instanceof OpenAI.APIConnectionError) {
    const timedOut = error instanceof OpenAI.APIConnectionTimeoutError;
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return new EvalsApiError(
      `${timedOut ? 'Timed out' : 'Could not connect'} while ${context.doing}: ${where} did not answer${timedOut ? ' in time' : cause}.`,
      null,
      { cause: error },
    );
  }
  if (error instanceof OpenAI.APIError && typeof error.status === 'number') {
    const status = error.status;
    const said = serverMessage(error);
    const explanation = explain(status, subject, where);
    const gone = (status === 404 || status === 410) && isOpenAIHosted(context.baseURL) ? ` ${OPENAI_SHUTDOWN}` : '';
    return new EvalsApiError(`${explanation} (HTTP ${status} while ${context.doing})${said ? `: ${said}` : '.'}${gone}`, status, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new EvalsApiError(`Failed while ${context.doing}: ${message}`, null, { cause: error });
}

/** What a 404 or 410 from OpenAI's own API means for evals since its shutdown. */
export const OPENAI_SHUTDOWN =
  'OpenAI\'s hosted Evals API shut down on 2026-11-30, and "base-url" is empty or OpenAI\'s. Set "base-url" to an Azure OpenAI (https://RESOURCE.openai.azure.com/openai/v1) or Foundry (https://ACCOUNT.services.ai.azure.com/api/projects/PROJECT/openai/v1) endpoint, or keep the eval in the repository as an "eval-file" and run it on the local engine.';

/** OpenAI's own API, where evals no longer are. */
export function isOpenAIHosted(baseURL: string): boolean {
  try {
    return new URL(baseURL).hostname.toLowerCase() === 'api.openai.com';
  } catch {
    return false;
  }
}

function explain(status: number, subject: string, where: string): string {
  switch (status) {
    case 401:
      return `${capitalize(where)} refused the credentials`;
    case 403:
      return `The credentials may not access ${subject} at ${where}`;
    case 404:
      return `${capitalize(subject)} was not found at ${where}`;
    case 429:
      return `${capitalize(where)} answered "too many requests"`;
    default:
      if (status >= 500) return `${capitalize(where)} failed with a server error`;
      return `${capitalize(where)} rejected the request about ${subject}`;
  }
}

function serverMessage(error: InstanceType<typeof OpenAI.APIError>): string {
  const body = error.error as { message?: unknown; code?: unknown; param?: unknown } | undefined;
  const message = typeof body?.message === 'string' ? body.message : '';
  const param = typeof body?.param === 'string' && body.param ? ` (param: ${body.param})` : '';
  const code = typeof body?.code === 'string' && body.code ? ` [${body.code}]` : '';
  return `${message}${param}${code}`.trim();
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
