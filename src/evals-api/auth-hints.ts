import { dataPlaneRoleAdvice } from '../azure/endpoints.js';
import type { EndpointAuth } from '../settings/settings.js';

/** How a hint names an input and a value for it: the action's `"api-key"`, the CLI's `--api-key`. */
export type InputNamer = (input: string, value?: string) => string;

const actionInput: InputNamer = (input, value) => (value === undefined ? `"${input}"` : `"${input}: ${value}"`);

/** What Azure says when a principal has no role that allows the call ("…lacks the required data action…"). */
const MISSING_DATA_ACTION = /lacks the required data action|PermissionDenied/i;

export interface AuthHintContext {
  /** The endpoint: which role to grant depends on whether it is an Azure OpenAI resource or a Foundry project. */
  baseURL?: string;
  /** The server's own message, which tells a missing data action apart from other refusals. */
  serverMessage?: string;
  name?: InputNamer;
}

/**
 * What to check after a 401 or 403, for the way the action authenticated and the endpoint at
 * `baseURL`. Empty for other statuses. A 403 that says a data action is missing names the role to
 * grant, whatever the sign-in.
 */
export function authHint(auth: EndpointAuth, status: number | null, context: AuthHintContext = {}): string {
  if (status !== 401 && status !== 403) return '';
  const { baseURL = '', serverMessage = '', name = actionInput } = context;
  const grant = `give ${auth.kind === 'entra' ? `the Entra ID app ${auth.clientId}'s service principal` : 'the principal'} ${dataPlaneRoleAdvice(baseURL)} (Access control (IAM) → Add role assignment). New assignments can take a few minutes to apply.`;
  if (status === 403 && MISSING_DATA_ACTION.test(serverMessage)) return `The principal has no data-plane role that allows this: ${grant}`;
  if (auth.kind === 'entra') {
    return status === 401
      ? `The Entra ID token was refused: check that ${name('azure-scope')} (${auth.scope}) is right for this endpoint (leave it empty to follow the endpoint) and that ${name('base-url')} belongs to tenant ${auth.tenantId}.`
      : `The Entra ID app may have no data-plane role here: ${grant}`;
  }
  if (status === 403) return `The key is valid but may not use this eval: check ${name('base-url')} and, on OpenAI, ${name('organization')} and ${name('project')}.`;
  return auth.header === 'api-key'
    ? `Check ${name('api-key')} and ${name('base-url')}: Azure keys work only with their own resource's URL. A server that wants the key as a bearer token needs ${name('auth-header', 'authorization')}.`
    : `Check ${name('api-key')} and ${name('base-url')}: a key works only with its own endpoint. Azure OpenAI also takes the key in its own api-key header (${name('auth-header', 'api-key')}).`;
}
