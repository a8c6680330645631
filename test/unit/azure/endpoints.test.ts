import { describe, expect, it } from 'vitest';
import { AZURE_OPENAI_SCOPE, FOUNDRY_SCOPE, azureEndpointKind, dataPlaneRoleAdvice, defaultAzureScope } from '../../../src/azure/endpoints.ts';

describe('Azure endpoints', () => {
  it.each([
    ['https://contoso.openai.azure.com/openai/v1', 'azure-openai', AZURE_OPENAI_SCOPE],
    ['https://contoso.cognitiveservices.azure.com/openai/v1', 'azure-openai', AZURE_OPENAI_SCOPE],
    ['https://CONTOSO.OpenAI.Azure.com/openai/v1', 'azure-openai', AZURE_OPENAI_SCOPE],
    ['https://acct.services.ai.azure.com/api/projects/p1/openai/v1', 'foundry', FOUNDRY_SCOPE],
    ['https://api.openai.com/v1', null, AZURE_OPENAI_SCOPE],
    // Look-alikes are not Azure: only the host's own domain counts.
    ['https://openai.azure.com.evil.example/v1', null, AZURE_OPENAI_SCOPE],
    ['https://evilopenai.azure.com.example/v1', null, AZURE_OPENAI_SCOPE],
    // Elsewhere the v1 API's path tells: a gateway, a private domain, the loopback fake.
    ['https://gateway.contoso.example/openai/v1', 'azure-openai', AZURE_OPENAI_SCOPE],
    ['http://127.0.0.1:4010/openai/v1/', 'azure-openai', AZURE_OPENAI_SCOPE],
    ['http://127.0.0.1:4010/api/projects/p1/openai/v1', 'foundry', FOUNDRY_SCOPE],
    ['https://proxy.example/v1', null, AZURE_OPENAI_SCOPE],
    ['not a url', null, AZURE_OPENAI_SCOPE],
  ])('%s is %s, scope %s', (url, kind, scope) => {
    expect(azureEndpointKind(url)).toBe(kind);
    expect(defaultAzureScope(url)).toBe(scope);
  });

  it('names the role to grant that fits the endpoint, or both', () => {
    expect(dataPlaneRoleAdvice('https://a.services.ai.azure.com/api/projects/p/openai/v1')).toBe('the "Azure AI User" role on the Foundry project');
    expect(dataPlaneRoleAdvice('https://r.openai.azure.com/openai/v1')).toBe('the "Cognitive Services OpenAI User" role on the Azure OpenAI resource');
    expect(dataPlaneRoleAdvice('https://gateway.example/v1')).toContain('"Azure AI User"');
    expect(dataPlaneRoleAdvice('https://gateway.example/v1')).toContain('"Cognitive Services OpenAI User"');
  });
});
