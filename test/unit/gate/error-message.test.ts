// describeGateError: the one message the action and the CLI give when the gate could not run.
import { describe, expect, it } from 'vitest';
import { EvalsApiError } from '../../../src/evals-api/api-errors.ts';
import { FLAG_NAMING } from '../../../src/cli/run-command.ts';
import { describeGateError } from '../../../src/gate/error-message.ts';
import { InputError } from '../../../src/settings/input-error.ts';
import type { EndpointAuth } from '../../../src/settings/settings.ts';

const at = (auth: EndpointAuth, baseURL = 'https://api.example.com/v1') => ({ auth, baseURL });
const KEY = at({ kind: 'key', apiKey: 'sk-test', header: 'authorization' });
const AZURE_KEY = at({ kind: 'key', apiKey: 'sk-test', header: 'api-key' }, 'https://res.openai.azure.com/openai/v1');
const ENTRA = at(
  { kind: 'entra', tenantId: 'tenant-1', clientId: 'client-1', scope: 'https://ai.azure.com/.default', authorityHost: 'https://login.microsoftonline.com' },
  'https://acct.services.ai.azure.com/api/projects/p/openai/v1',
);

describe('describeGateError', () => {
  it('an input error names the input, as the action calls it or as the CLI renames it', () => {
    const error = new InputError('threshold', '"150%" is outside 0–1 (0%–100%).');
    expect(describeGateError(error, KEY)).toBe('Input "threshold": "150%" is outside 0–1 (0%–100%).');
    expect(describeGateError(error, null, FLAG_NAMING)).toBe('Flag --threshold: "150%" is outside 0–1 (0%–100%).');
  });

  it('a 401 or 403 of the Evals API says what to check for the way the gate signed in', () => {
    const refused = new EvalsApiError('The Evals API refused the key (401).', 401);
    expect(describeGateError(refused, KEY)).toMatch(/^The Evals API refused the key \(401\)\. Check "api-key" and "base-url": a key works only with its own endpoint\./);
    expect(describeGateError(refused, AZURE_KEY)).toMatch(/Azure keys work only with their own resource's URL/);
    expect(describeGateError(refused, ENTRA)).toMatch(/The Entra ID token was refused: check that "azure-scope" \(https:\/\/ai\.azure\.com\/\.default\)/);
    expect(describeGateError(new EvalsApiError('Forbidden (403).', 403), ENTRA)).toMatch(/^Forbidden \(403\)\. The Entra ID app may have no data-plane role here: give the Entra ID app client-1's service principal/);
  });

  it('other API errors, and any error without a known endpoint, are their message alone', () => {
    expect(describeGateError(new EvalsApiError('Eval eval_1 was not found (404).', 404), KEY)).toBe('Eval eval_1 was not found (404).');
    expect(describeGateError(new EvalsApiError('Refused (401).', 401), null)).toBe('Refused (401).');
    expect(describeGateError(new EvalsApiError('No answer.', null), KEY)).toBe('No answer.');
  });

  it('anything else: an error\'s message, or the thrown value as text', () => {
    expect(describeGateError(new Error('disk full'), KEY)).toBe('disk full');
    expect(describeGateError('a string', KEY)).toBe('a string');
    expect(describeGateError(42, null)).toBe('42');
  });
});
