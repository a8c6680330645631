import type { EndpointAuth } from '../settings/settings.js';

/** How a hint names an input and a value for it: the action's `"api-key"`, the CLI's `--api-key`. */
export type InputNamer = (input: string, value?: string) => string;

const actionInput: InputNamer = (input, value) => (value === undefined ? `"${input}"` : `"${input}: ${value}"`);

/** What to check after a 401 or 403, for the way the action authenticated. Empty for other statuses. */
export function authHint(auth: EndpointAuth, status: number | null, name: InputNamer = actionInput): string {
  if (status !== 401 && status !== 403) return '';
  if (auth.kind === 'entra') {
    return status === 401
      ? `The Entra ID token was refused: check that ${name('azure-scope')} (${auth.scope}) is right for this endpoint and that ${name('base-url')} belongs to tenant ${auth.tenantId}.`
      : 'The Entra ID app has no data-plane role here: give its service principal the "Foundry User" role on the Foundry project, or "Cognitive Services OpenAI User" on the Azure OpenAI resource (Access control (IAM) → Add role assignment). New assignments can take a few minutes to apply.';
  }
  if (status === 403) return `The key is valid but may not use this eval: check ${name('base-url')} and, on OpenAI, ${name('organization')} and ${name('project')}.`;
  return auth.header === 'api-key'
    ? `Check ${name('api-key')} and ${name('base-url')}: Azure keys work only with their own resource's URL. A server that wants the key as a bearer token needs ${name('auth-header', 'authorization')}.`
    : `Check ${name('api-key')} and ${name('base-url')}: a key works only with its own endpoint. Azure OpenAI also takes the key in its own api-key header (${name('auth-header', 'api-key')}).`;
}
