import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { describeApiError, OPENAI_SHUTDOWN } from '../../../src/evals-api/api-errors.ts';
import { authHint } from '../../../src/evals-api/auth-hints.ts';
import type { EndpointAuth } from '../../../src/settings/settings.ts';

const KEY: EndpointAuth = { kind: 'key', apiKey: 'k', header: 'api-key' };
const ENTRA: EndpointAuth = { kind: 'entra', tenantId: 't', clientId: '11111111-2222-4333-8444-555555555555', scope: 'https://cognitiveservices.azure.com/.default', authorityHost: 'https://login.microsoftonline.com' };
const AOAI = 'https://contoso.openai.azure.com/openai/v1';
const FOUNDRY = 'https://acct.services.ai.azure.com/api/projects/p/openai/v1';
const DENIED = 'The principal `abc` lacks the required data action `Microsoft.CognitiveServices/accounts/OpenAI/evals/write` to perform `POST /openai/v1/evals/e/runs` operation. [PermissionDenied]';

describe('authHint', () => {
  it.each([
    ['a key', KEY],
    ['Entra ID', ENTRA],
  ])('names the role that fits the endpoint when a data action is missing, with %s', (_, auth) => {
    expect(authHint(auth, 403, { baseURL: AOAI, serverMessage: DENIED })).toContain('"Cognitive Services OpenAI User" role on the Azure OpenAI resource');
    expect(authHint(auth, 403, { baseURL: FOUNDRY, serverMessage: DENIED })).toContain('"Azure AI User" role on the Foundry project');
    expect(authHint(auth, 403, { baseURL: 'https://gateway.example/v1', serverMessage: 'PermissionDenied' })).toMatch(/"Azure AI User".*"Cognitive Services OpenAI User"/);
  });

  it('keeps the key advice for a 403 that is not about roles, and says nothing for other statuses', () => {
    expect(authHint(KEY, 403, { baseURL: AOAI, serverMessage: 'Forbidden' })).toContain('The key is valid but may not use this eval');
    expect(authHint(KEY, 404, { baseURL: AOAI, serverMessage: DENIED })).toBe('');
  });

  it('after a 401 with Entra ID, points at azure-scope and says empty follows the endpoint', () => {
    expect(authHint(ENTRA, 401, { baseURL: AOAI })).toContain('"azure-scope" (https://cognitiveservices.azure.com/.default)');
    expect(authHint(ENTRA, 401, { baseURL: AOAI })).toContain('leave it empty');
  });
});

describe("OpenAI's hosted Evals API, shut down", () => {
  const notFound = (status: number) => OpenAI.APIError.generate(status, { error: { message: 'Not found' } }, undefined, new Headers());

  it.each([404, 410])('a %i from api.openai.com says the API is gone and what to do instead', (status) => {
    const error = describeApiError(notFound(status), { doing: 'reading eval eval_1', evalId: 'eval_1', baseURL: 'https://api.openai.com/v1' });
    expect(error.message).toContain(OPENAI_SHUTDOWN);
    expect(OPENAI_SHUTDOWN).toMatch(/shut down on 2026-11-30/);
    expect(OPENAI_SHUTDOWN).toContain('"base-url"');
    expect(OPENAI_SHUTDOWN).toContain('"eval-file"');
  });

  it('says nothing of it for other hosts or other statuses', () => {
    expect(describeApiError(notFound(404), { doing: 'x', evalId: 'e', baseURL: AOAI }).message).not.toContain('shut down');
    expect(describeApiError(notFound(400), { doing: 'x', evalId: 'e', baseURL: 'https://api.openai.com/v1' }).message).not.toContain('shut down');
  });
});
