import { EvalsApiError } from '../evals-api/api-errors.js';
import { authHint, type InputNamer } from '../evals-api/auth-hints.js';
import { InputError } from '../settings/input-error.js';
import type { EndpointSettings } from '../settings/settings.js';

/** How the action and the CLI name an input in their messages. */
export interface InputNaming {
  /** The subject of an input error: `Input "threshold"`, `Flag --threshold`. */
  subject: (input: string) => string;
  /** An input in a hint, with a value or not: `"auth-header: api-key"`, `--auth-header api-key`. */
  hint?: InputNamer;
}

export const ACTION_NAMING: InputNaming = { subject: (input) => `Input "${input}"` };

/**
 * What to tell the user when the gate could not run: the error's own message, with what to check after
 * a 401/403 for the way the action signed in. One builder for the action and the CLI, which name inputs
 * as flags (`naming`). The caller redacts it.
 */
export function describeGateError(
  error: unknown,
  endpoint: Pick<EndpointSettings, 'auth' | 'baseURL'> | null,
  naming: InputNaming = ACTION_NAMING,
): string {
  if (error instanceof InputError) return `${naming.subject(error.input)}: ${error.problem}`;
  if (error instanceof EvalsApiError) {
    const hint = endpoint ? authHint(endpoint.auth, error.status, { baseURL: endpoint.baseURL, serverMessage: error.message, name: naming.hint }) : '';
    return [error.message, hint].filter(Boolean).join(' ');
  }
  return error instanceof Error ? error.message : String(error);
}
