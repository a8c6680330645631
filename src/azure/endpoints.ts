// What an Evals API endpoint's host says about it: an Azure OpenAI resource, a Foundry project, or
// neither. Azure's published API description and Entra's audiences differ between the two.

export type AzureEndpointKind = 'azure-openai' | 'foundry';

/** Entra token scopes, by kind of endpoint. */
export const AZURE_OPENAI_SCOPE = 'https://cognitiveservices.azure.com/.default';
export const FOUNDRY_SCOPE = 'https://ai.azure.com/.default';

/** The data-plane roles that let a principal use evals, by kind of endpoint. */
export const AZURE_OPENAI_ROLE = 'Cognitive Services OpenAI User';
export const FOUNDRY_ROLE = 'Azure AI User';

const under = (host: string, domain: string) => host === domain || host.endsWith(`.${domain}`);

/**
 * `foundry` for Foundry projects, `azure-openai` for Azure OpenAI resources, null for anything else
 * (OpenAI, a proxy of it). The host decides (`*.services.ai.azure.com`; `*.openai.azure.com`,
 * `*.cognitiveservices.azure.com`); on other hosts (a gateway such as API Management, a private
 * domain) the v1 API's own path does: `/api/projects/NAME/openai/v1` or `/openai/v1`, which OpenAI's
 * API never uses.
 */
export function azureEndpointKind(baseURL: string): AzureEndpointKind | null {
  let url: URL;
  try {
    url = new URL(baseURL);
  } catch {
    return null;
  }
  const host = url.hostname.toLowerCase();
  if (under(host, 'services.ai.azure.com')) return 'foundry';
  if (under(host, 'openai.azure.com') || under(host, 'cognitiveservices.azure.com')) return 'azure-openai';
  const path = url.pathname.replace(/\/+$/, '');
  if (/\/api\/projects\/[^/]+\/openai\/v1$/i.test(path)) return 'foundry';
  if (/\/openai\/v1$/i.test(path)) return 'azure-openai';
  return null;
}

/**
 * The Entra scope for the endpoint when `azure-scope` is empty. Endpoints of neither kind get Azure
 * OpenAI's: it is the audience every Cognitive Services account accepts.
 */
export function defaultAzureScope(baseURL: string): string {
  return azureEndpointKind(baseURL) === 'foundry' ? FOUNDRY_SCOPE : AZURE_OPENAI_SCOPE;
}

/** Which role to grant for the endpoint, said for a person; both when the host does not tell. */
export function dataPlaneRoleAdvice(baseURL: string): string {
  switch (azureEndpointKind(baseURL)) {
    case 'foundry':
      return `the "${FOUNDRY_ROLE}" role on the Foundry project`;
    case 'azure-openai':
      return `the "${AZURE_OPENAI_ROLE}" role on the Azure OpenAI resource`;
    default:
      return `the "${FOUNDRY_ROLE}" role on a Foundry project, or "${AZURE_OPENAI_ROLE}" on an Azure OpenAI resource`;
  }
}
