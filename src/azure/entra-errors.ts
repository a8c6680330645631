/** A refused or failed Entra ID token request, described for a person: the AADSTS code, what it means, what to check. */
export class EntraError extends Error {
  /** The AADSTS code, e.g. 70021, when Entra gave one. */
  readonly code: number | null;
  /** A 429, a 5xx or a lost connection: worth trying again. */
  readonly transient: boolean;

  constructor(message: string, code: number | null, transient: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EntraError';
    this.code = code;
    this.transient = transient;
  }
}

/** The likely cause of each refusal a CI setup runs into, by AADSTS code. */
const LIKELY_CAUSES: Record<number, string> = {
  90002: 'The tenant does not exist: check "azure-tenant-id" (the Directory (tenant) ID).',
  700016: 'No app with this client id in the tenant: check "azure-client-id" (the Application (client) ID) and "azure-tenant-id".',
  70021:
    'No federated credential of the app matches this workflow. Add one (Entra ID → App registrations → the app → Certificates & secrets → Federated credentials) whose issuer is https://token.actions.githubusercontent.com and whose subject matches the one above, e.g. repo:OWNER/REPO:pull_request for pull requests or repo:OWNER/REPO:ref:refs/heads/main for pushes and schedules on main.',
  700211: 'The federated credential expects another issuer: it must be https://token.actions.githubusercontent.com.',
  700212: 'The federated credential expects another audience: it must be api://AzureADTokenExchange.',
  700213: 'No federated credential matches the workflow\'s subject: add one for this repository and event (e.g. repo:OWNER/REPO:pull_request).',
  700024: 'The GitHub OIDC token was no longer valid when Entra read it (clock skew or a slow runner). It is requested anew on each attempt.',
  500011:
    'The scope names a resource that is not in the tenant: check "azure-scope" (empty follows the endpoint: https://cognitiveservices.azure.com/.default for Azure OpenAI resources, https://ai.azure.com/.default for Foundry projects).',
  70011: 'The scope is not valid: "azure-scope" must end in /.default.',
  1002012: 'The scope is not valid: "azure-scope" must end in /.default.',
  7000215: 'The app expects a client secret, not a federated credential: add a federated credential for GitHub Actions.',
  50027: 'Entra rejected the GitHub OIDC token as malformed.',
};

/** Entra's error body: `{error, error_description: "AADSTS70021: …\r\nTrace ID: …", error_codes: [70021], …}`. */
export function describeEntraRefusal(status: number, body: unknown, tenantId: string): EntraError {
  const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const description = typeof fields.error_description === 'string' ? fields.error_description : '';
  const codes = Array.isArray(fields.error_codes) ? fields.error_codes.filter((c): c is number => typeof c === 'number') : [];
  const fromText = /AADSTS(\d+)/.exec(description)?.[1];
  const code = codes[0] ?? (fromText ? Number(fromText) : null);
  // Entra's description goes on with trace and correlation ids on later lines: the first line is the message.
  const said = description.split(/\r?\n/)[0]?.trim() || (typeof fields.error === 'string' ? fields.error : '');
  const cause = code !== null ? LIKELY_CAUSES[code] : undefined;
  const transient = status === 429 || status >= 500;
  const parts = [
    `Entra ID refused the token request for tenant ${tenantId} (HTTP ${status}${code !== null ? `, AADSTS${code}` : ''})${said ? `: ${said}` : '.'}`,
    cause ? `Likely cause: ${cause}` : '',
  ];
  return new EntraError(parts.filter(Boolean).join(' '), code, transient);
}

/** A problem getting the job's GitHub OIDC token (the assertion for Entra ID), with what to change in the workflow. */
export class OidcTokenError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OidcTokenError';
  }
}
