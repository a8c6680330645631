import { dataPlaneRoleAdvice } from '../azure/endpoints.js';
import type { EndpointAuth } from '../settings/settings.js';

/** What Azure says when a principal has no role that allows the call ("…lacks the required data action…"). */
const MISSING_DATA_ACTION = /lacks the required data action|PermissionDenied/i;

/**
 * What to check after a 401 or 403, for the way the action authenticated and the endpoint at
 * `baseURL`. Empty for other statuses. A 403 that says a data action is missing names the role to
 * grant, whatever the sign-in.
 */
export function authHint(auth: EndpointAuth, status: number | null, baseURL = '', serverMessage = ''): string {
  if (status !== 401 && status !== 403) return '';
  const grant = `give ${auth.kind === 'entra' ? `the Entra ID app ${auth.clientId}'s service principal` : 'the principal'} ${dataPlaneRoleAdvice(baseURL)} (Access control (IAM) → Add role assignment). New assignments can take a few minutes to apply.`;
  if (status === 403 && MISSING_DATA_ACTION.test(serverMessage)) return `The principal has no data-plane role that allows this: ${grant}`;
  if (auth.kind === 'entra') {
    return status === 401
      ? `The Entra ID token was refused: check that "azure-scope" (${auth.scope}) is right for this endpoint (leave it empty to follow the endpoint) and that "base-url" belongs to tenant ${auth.tenantId}.`
      : `The Entra ID app may have no data-plane role here: ${grant}`;
  }
  if (status === 403) return 'The key is valid but may not use this eval: check "base-url" and, on OpenAI, "organization" and "project".';
  return auth.header === 'api-key'
    ? 'Check "api-key" and "base-url": Azure keys work only with their own resource\'s URL. A server that wants the key as a bearer token needs "auth-header: authorization".'
    : 'Check "api-key" and "base-url": a key works only with its own endpoint. Azure OpenAI also takes the key as an "api-key" header ("auth-header: api-key").';
}
