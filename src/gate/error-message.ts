import { EvalsApiError } from '../evals-api/api-errors.js';
import { authHint } from '../evals-api/auth-hints.js';
import { InputError } from '../settings/input-error.js';
import type { EndpointSettings } from '../settings/settings.js';

/**
 * What to tell the user when the gate could not run: the error's own message, with what to check after
 * a 401/403 for the way the action signed in. One builder for the action and the CLI, which only
 * rename inputs to flags (`inputName`). The caller redacts it.
 */
export function describeGateError(
  error: unknown,
  endpoint: Pick<EndpointSettings, 'auth' | 'baseURL'> | null,
  inputName: (input: string) => string = (input) => `Input "${input}"`,
): string {
  if (error instanceof InputError) return `${inputName(error.input)}: ${error.problem}`;
  if (error instanceof EvalsApiError) return [error.message, endpoint ? authHint(endpoint.auth, error.status, endpoint.baseURL, error.message) : ''].filter(Boolean).join(' ');
  return error instanceof Error ? error.message : String(error);
}
