import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { defaultRunName, type GitContext } from '../../../src/github/context.ts';
import { InputError } from '../../../src/settings/input-error.ts';
import { OPENAI_BASE_URL as DEFAULT_BASE_URL } from '../../../src/settings/input-parsers.ts';
import { readSettings } from '../../../src/settings/read-settings.ts';
import type { InputReader } from '../../../src/settings/settings.ts';
import { HEAD_SHA, LOCAL_GIT, PR_GIT, PUSH_GIT } from '../../support/git-context.ts';
import { expectInputError } from '../../support/input-error.ts';

// Every declared input with its action.yml default, as the runner sets them. Read leniently, so that a
// YAML error in action.yml fails its own test below rather than every test of this file.
const actionDocument = parseDocument(readFileSync(new URL('../../../action.yml', import.meta.url), 'utf8'));
const actionYml = actionDocument.toJS() as { inputs: Record<string, { description?: unknown; default?: unknown }> };
const DEFAULTS: Record<string, string> = Object.fromEntries(
  Object.entries(actionYml.inputs).map(([name, spec]) => [name, spec.default === undefined || spec.default === null ? '' : String(spec.default)]),
);

const workspace = mkdtempSync(join(tmpdir(), 'inputs-test-'));
afterAll(() => rmSync(workspace, { recursive: true, force: true }));
mkdirSync(join(workspace, 'evals'));
writeFileSync(join(workspace, 'evals', 'items.jsonl'), '{"item":{"input":"2+2","expected":"4"}}\n');
writeFileSync(join(workspace, 'evals', 'bad.jsonl'), '{"item":\n');

const ENV: NodeJS.ProcessEnv = { GITHUB_WORKSPACE: workspace };

/** The inputs a minimal working workflow sets. */
const BASE: Record<string, string> = {
  'eval-id': 'eval_123',
  'api-key': 'sk-test-0123456789',
  'data-file': 'evals/items.jsonl',
};

/** An input reader over action.yml's defaults; reading or setting an undeclared input is a test failure. */
function reader(values: Record<string, string>): InputReader {
  for (const name of Object.keys(values)) {
    if (!(name in DEFAULTS)) throw new Error(`test sets undeclared input "${name}"`);
  }
  const all: Record<string, string> = { ...DEFAULTS, ...values };
  return (name) => {
    const value = all[name];
    if (value === undefined) throw new Error(`readSettings reads undeclared input "${name}"`);
    return value;
  };
}

/** Secrets masked by the last settings() call, in order. */
let masked: string[] = [];

function settings(values: Record<string, string> = {}, git: GitContext = PR_GIT, env: NodeJS.ProcessEnv = ENV) {
  masked = [];
  return readSettings(git, { read: reader({ ...BASE, ...values }), env, mask: (secret) => masked.push(secret) });
}

/** Expects readSettings to throw an InputError for `input`; returns its message. */
function inputError(input: string, values: Record<string, string>, git: GitContext = PR_GIT, env: NodeJS.ProcessEnv = ENV): string {
  return expectInputError(input, () => settings(values, git, env));
}

describe('readSettings with action.yml defaults', () => {
  it('reads a well-formed action.yml (the runner refuses to load a malformed one)', () => {
    expect(actionDocument.errors.map((error) => error.message.split('\n')[0])).toEqual([]);
    for (const [name, spec] of Object.entries(actionYml.inputs)) {
      expect(typeof spec.description, `description of ${name}`).toBe('string');
    }
  });

  it('builds the whole Settings from the minimal inputs', () => {
    const s = settings();
    expect(s).toMatchObject({
      evalId: 'eval_123',
      endpoint: {
        baseURL: DEFAULT_BASE_URL,
        auth: { kind: 'key', apiKey: 'sk-test-0123456789', header: 'authorization' },
        organization: null,
        project: null,
        extraHeaders: {},
        extraQuery: {},
      },
      dataSource: {
        type: 'jsonl',
        source: { type: 'file_content', content: [{ item: { input: '2+2', expected: '4' } }] },
      },
      runName: 'PR #12 · 1a2b3c4',
      threshold: 1,
      criteriaThresholds: [],
      timeoutMs: 60 * 60_000,
      pollIntervalMs: 10_000,
      comment: true,
      commentKey: 'eval_123',
      githubToken: DEFAULTS['github-token'],
      reportItems: 20,
      showItemContent: true,
    });
  });

  it('reads the optional inputs', () => {
    const s = settings({
      organization: ' org-1 ',
      project: 'proj_1',
      threshold: '90%',
      'criteria-thresholds': 'Exact match: 0.8',
      'timeout-minutes': '0.5',
      'poll-interval': '2',
      comment: 'false',
      'report-items': '5',
      'show-item-content': 'false',
      'run-name': '  nightly  ',
    });
    expect(s.endpoint.organization).toBe('org-1');
    expect(s.endpoint.project).toBe('proj_1');
    expect(s.threshold).toBe(0.9);
    expect(s.criteriaThresholds).toEqual([{ name: 'Exact match', min: 0.8 }]);
    expect(s.timeoutMs).toBe(30_000);
    expect(s.pollIntervalMs).toBe(2000);
    expect(s.comment).toBe(false);
    expect(s.reportItems).toBe(5);
    expect(s.showItemContent).toBe(false);
    expect(s.runName).toBe('nightly');
  });
});

describe('eval-id', () => {
  it('is required', () => {
    expect(inputError('eval-id', { 'eval-id': '' })).toContain('required');
    inputError('eval-id', { 'eval-id': '   ' });
  });

  it('refuses something that is not an id', () => {
    expect(inputError('eval-id', { 'eval-id': 'eval_1/runs' })).toContain('eval_1/runs');
    inputError('eval-id', { 'eval-id': 'eval 1' });
  });
});

describe('endpoint', () => {
  it('falls back to OPENAI_API_KEY when api-key is empty', () => {
    const s = settings({ 'api-key': '' }, PR_GIT, { ...ENV, OPENAI_API_KEY: ' sk-from-env ' });
    expect(s.endpoint.auth).toEqual({ kind: 'key', apiKey: 'sk-from-env', header: 'authorization' });
    expect(masked).toContain('sk-from-env');
  });

  it('prefers api-key over OPENAI_API_KEY', () => {
    const s = settings({ 'api-key': 'sk-input-1234' }, PR_GIT, { ...ENV, OPENAI_API_KEY: 'sk-from-env' });
    expect(s.endpoint.auth).toMatchObject({ kind: 'key', apiKey: 'sk-input-1234' });
    expect(masked).toContain('sk-input-1234');
    expect(masked).not.toContain('sk-from-env');
  });

  it('fails without any credentials, naming every way to give them', () => {
    const message = inputError('api-key', { 'api-key': '' }, PR_GIT, { ...ENV, OPENAI_API_KEY: '  ' });
    expect(message).toContain('OPENAI_API_KEY');
    expect(message).toContain('azure-client-id');
  });

  it('masks the github-token and the api-key as they are read', () => {
    settings({ 'github-token': 'ghs_token_abc', 'api-key': 'sk-secret-42' });
    expect(masked).toEqual(['ghs_token_abc', 'sk-secret-42']);
  });

  it('sends the key in the api-key header with auth-header: api-key (any case)', () => {
    expect(settings({ 'auth-header': 'API-Key' }).endpoint.auth).toEqual({ kind: 'key', apiKey: 'sk-test-0123456789', header: 'api-key' });
    expect(inputError('auth-header', { 'auth-header': 'bearer' })).toContain('"authorization" or "api-key"');
  });
});

describe('Entra ID sign-in', () => {
  const CLIENT = '11111111-2222-3333-4444-555555555555';
  const TENANT = '66666666-7777-8888-9999-000000000000';
  const entra = { 'api-key': '', 'azure-client-id': CLIENT, 'azure-tenant-id': TENANT };

  it('takes azure-client-id and azure-tenant-id with the endpoint\'s scope and the default authority', () => {
    expect(settings({ ...entra, 'base-url': 'https://acct.services.ai.azure.com/api/projects/p/openai/v1' }, PR_GIT, { ...ENV, OPENAI_API_KEY: 'sk-ignored-env' }).endpoint.auth).toEqual({
      kind: 'entra',
      clientId: CLIENT,
      tenantId: TENANT,
      scope: 'https://ai.azure.com/.default',
      authorityHost: 'https://login.microsoftonline.com',
    });
    expect(masked).not.toContain('sk-ignored-env');
  });

  it.each([
    ['https://res.openai.azure.com/openai/v1', 'https://cognitiveservices.azure.com/.default'],
    ['https://res.cognitiveservices.azure.com/openai/v1', 'https://cognitiveservices.azure.com/.default'],
    ['https://acct.services.ai.azure.com/api/projects/p/openai/v1', 'https://ai.azure.com/.default'],
  ])('an empty azure-scope follows the endpoint: %s → %s', (baseUrl, scope) => {
    expect(DEFAULTS['azure-scope']).toBe('');
    expect(settings({ ...entra, 'base-url': baseUrl }).endpoint.auth).toMatchObject({ scope });
    // A value given still wins.
    expect(settings({ ...entra, 'base-url': baseUrl, 'azure-scope': 'https://other.example/.default' }).endpoint.auth).toMatchObject({ scope: 'https://other.example/.default' });
  });

  it('takes azure-scope, a tenant domain and AZURE_AUTHORITY_HOST', () => {
    const auth = settings({ ...entra, 'azure-tenant-id': 'contoso.onmicrosoft.com', 'azure-scope': 'https://cognitiveservices.azure.com/.default' }, PR_GIT, {
      ...ENV,
      AZURE_AUTHORITY_HOST: 'https://login.microsoftonline.us/',
    }).endpoint.auth;
    expect(auth).toMatchObject({ tenantId: 'contoso.onmicrosoft.com', scope: 'https://cognitiveservices.azure.com/.default', authorityHost: 'https://login.microsoftonline.us' });
  });

  it('needs both ids', () => {
    expect(inputError('azure-tenant-id', { ...entra, 'azure-tenant-id': '' })).toContain('required with "azure-client-id"');
    expect(inputError('azure-client-id', { ...entra, 'azure-client-id': '' })).toContain('required with "azure-tenant-id"');
  });

  it('refuses malformed ids and scopes', () => {
    expect(inputError('azure-client-id', { ...entra, 'azure-client-id': 'my-app' })).toContain('GUID');
    expect(inputError('azure-tenant-id', { ...entra, 'azure-tenant-id': 'not a tenant' })).toContain('Directory (tenant) ID');
    expect(inputError('azure-scope', { ...entra, 'azure-scope': 'https://ai.azure.com' })).toContain('/.default');
  });

  it('refuses an api-key as well, and the api-key header', () => {
    expect(inputError('api-key', { ...entra, 'api-key': 'sk-both-1234' })).toContain('not both');
    expect(inputError('auth-header', { ...entra, 'auth-header': 'api-key' })).toContain('Authorization: Bearer');
  });

  it('refuses a plain-http authority other than loopback (tokens would travel in clear)', () => {
    const error = inputError('AZURE_AUTHORITY_HOST', entra, PR_GIT, { ...ENV, AZURE_AUTHORITY_HOST: 'http://login.example.com' });
    expect(error).toContain('https');
    expect(settings(entra, PR_GIT, { ...ENV, AZURE_AUTHORITY_HOST: 'http://127.0.0.1:8080' }).endpoint.auth).toMatchObject({
      authorityHost: 'http://127.0.0.1:8080',
    });
  });
});

describe('extra-headers and extra-query', () => {
  it('reads Name: value lines, masking values of secret-looking names', () => {
    const s = settings({
      'extra-headers': 'Foundry-Features: Evaluations=V1Preview\n# a comment\nOcp-Apim-Subscription-Key: apim-secret-1\nX-Trace: a:b',
      'extra-query': 'api-version: 2025-04-01-preview\nsig=signature-secret',
    });
    expect(s.endpoint.extraHeaders).toEqual({
      'Foundry-Features': 'Evaluations=V1Preview',
      'Ocp-Apim-Subscription-Key': 'apim-secret-1',
      'X-Trace': 'a:b',
    });
    expect(s.endpoint.extraQuery).toEqual({ 'api-version': '2025-04-01-preview', sig: 'signature-secret' });
    expect(masked).toContain('apim-secret-1');
    expect(masked).toContain('signature-secret');
    expect(masked).not.toContain('Evaluations=V1Preview');
    expect(masked).not.toContain('2025-04-01-preview');
  });

  it('refuses authentication headers, which have their own inputs', () => {
    expect(inputError('extra-headers', { 'extra-headers': 'Authorization: Bearer abc' })).toContain('"api-key"');
    expect(inputError('extra-headers', { 'extra-headers': 'API-KEY: abc' })).toContain('auth-header: api-key');
  });

  it('refuses bad lines without quoting them back (they may hold a credential)', () => {
    const error = inputError('extra-headers', { 'extra-headers': 'X-Ok: 1\nsecret-value-without-colon' });
    expect(error).toContain('line 2');
    expect(error).not.toContain('secret-value-without-colon');
    expect(inputError('extra-headers', { 'extra-headers': 'Bad Name: 1' })).toContain('not a valid header name');
    expect(inputError('extra-headers', { 'extra-headers': 'X-A: 1\nx-a: 2' })).toContain('twice');
    expect(inputError('extra-query', { 'extra-query': 'api-version: 1\napi-version: 2' })).toContain('twice');
    expect(inputError('extra-query', { 'extra-query': 'no separator' })).toContain('line 1');
  });

  it('uses base-url, then OPENAI_BASE_URL, then OpenAI', () => {
    const azure = 'https://res.openai.azure.com/openai/v1';
    expect(settings({ 'base-url': `${azure}/` }).endpoint.baseURL).toBe(azure);
    expect(settings({}, PR_GIT, { ...ENV, OPENAI_BASE_URL: `${azure}/` }).endpoint.baseURL).toBe(azure);
    expect(settings({ 'base-url': 'http://127.0.0.1:9/v1' }, PR_GIT, { ...ENV, OPENAI_BASE_URL: azure }).endpoint.baseURL).toBe(
      'http://127.0.0.1:9/v1',
    );
    expect(settings({}, PR_GIT, ENV).endpoint.baseURL).toBe(DEFAULT_BASE_URL);
  });

  it('says a bad URL came from OPENAI_BASE_URL', () => {
    let caught: unknown;
    try {
      settings({}, PR_GIT, { ...ENV, OPENAI_BASE_URL: 'ftp://x.test' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InputError);
    expect((caught as Error).message).toContain('OPENAI_BASE_URL');
  });

  it('refuses a bad base-url', () => {
    expect(inputError('base-url', { 'base-url': 'api.openai.com/v1' })).toContain('api.openai.com/v1');
  });

  it('masks every extra-query value but api-version\'s, whatever the name', () => {
    const s = settings({ 'extra-query': 'api-version: preview\nsubscription: plain-looking-secret' });
    expect(s.endpoint.extraQuery).toEqual({ 'api-version': 'preview', subscription: 'plain-looking-secret' });
    expect(masked).toContain('plain-looking-secret');
    expect(masked).not.toContain('preview');
  });

  it('takes a query out of base-url: sent with every request, its values masked, the URL shown without it', () => {
    const s = settings({ 'base-url': 'https://gw.example/openai/v1?api-key=url-key-0123456789&sig=url-sig-abcdef&api-version=preview' });
    expect(s.endpoint.baseURL).toBe('https://gw.example/openai/v1');
    expect(s.endpoint.extraQuery).toEqual({ 'api-key': 'url-key-0123456789', sig: 'url-sig-abcdef', 'api-version': 'preview' });
    expect(masked).toEqual(expect.arrayContaining(['url-key-0123456789', 'url-sig-abcdef']));
    expect(masked).not.toContain('preview');
    // From OPENAI_BASE_URL too.
    const fromEnv = settings({}, PR_GIT, { ...ENV, OPENAI_BASE_URL: 'https://gw.example/v1?subscription-key=env-sub-key-42' });
    expect(fromEnv.endpoint).toMatchObject({ baseURL: 'https://gw.example/v1', extraQuery: { 'subscription-key': 'env-sub-key-42' } });
    expect(masked).toContain('env-sub-key-42');
  });

  it('refuses a query parameter given in base-url and extra-query both, or twice, without quoting a value', () => {
    const twice = inputError('base-url', { 'base-url': 'https://gw.example/v1?sig=first-value', 'extra-query': 'sig: second-value' });
    expect(twice).toContain('"sig"');
    expect(twice).not.toMatch(/first-value|second-value/);
    expect(inputError('base-url', { 'base-url': 'https://gw.example/v1?sig=a1&sig=b2' })).toContain('given twice');
    const unparsable = inputError('base-url', { 'base-url': 'gw.example/v1?api-key=never-shown-123' });
    expect(unparsable).not.toContain('never-shown-123');
    expect(unparsable).toContain('api-key=***');
  });
});

describe('poll-interval', () => {
  it('refuses less than a second, naming the input', () => {
    expect(inputError('poll-interval', { 'poll-interval': '0.5' })).toBe(
      'Input "poll-interval": 0.5 seconds is less than the 1 second allowed: faster polls only cost requests (polling starts at 1 s and backs off to this).',
    );
    expect(settings({ 'poll-interval': '1' }).pollIntervalMs).toBe(1000);
  });
});

describe('threshold', () => {
  it.each(['abc', '1.5'])('names the input and the value %j', (raw) => {
    expect(inputError('threshold', { threshold: raw })).toContain(JSON.stringify(raw));
  });
});

describe('comment-key and run-name', () => {
  it('comment-key defaults to the eval id', () => {
    expect(settings({ 'comment-key': '' }).commentKey).toBe('eval_123');
    expect(settings({ 'comment-key': ' matrix-a ' }).commentKey).toBe('matrix-a');
  });

  it('run-name defaults to defaultRunName of the git context', () => {
    expect(settings({}, PR_GIT).runName).toBe(defaultRunName(PR_GIT));
    expect(settings({}, PUSH_GIT).runName).toBe(defaultRunName(PUSH_GIT));
    expect(settings({}, PUSH_GIT).runName).toBe('main · 1a2b3c4');
    expect(settings({}, LOCAL_GIT).runName).toBe('local run');
  });
});

describe('metadata', () => {
  it('merges the user keys with the keys the action writes', () => {
    const s = settings({ metadata: 'team=evals\nmodel_family=gpt' });
    expect(s.metadata).toEqual({
      created_by: 'evals-gate',
      repository: 'acme/widgets',
      branch: 'feature/x',
      sha: HEAD_SHA,
      pr: '12',
      event: 'pull_request',
      workflow_run: '9876543210/1',
      gate_key: 'eval_123',
      gate_attempt: s.attemptToken,
      dataset: expect.stringMatching(/^[0-9a-f]{16}$/),
      team: 'evals',
      model_family: 'gpt',
    });
  });

  it('leaves out the git keys it does not know', () => {
    const s = settings({}, LOCAL_GIT);
    expect(s.metadata).toEqual({ created_by: 'evals-gate', gate_key: 'eval_123', gate_attempt: s.attemptToken, dataset: expect.any(String) });
  });

  it('takes the user keys up to 16 in all', () => {
    const six = Array.from({ length: 6 }, (_, i) => `k${i}=v`).join('\n');
    expect(Object.keys(settings({ metadata: six }).metadata)).toHaveLength(16);
  });

  it('refuses a 17th key, saying how many are left for the user', () => {
    const seven = Array.from({ length: 7 }, (_, i) => `k${i}=v`).join('\n');
    const message = inputError('metadata', { metadata: seven });
    expect(message).toContain('7 keys given');
    expect(message).toContain('the action writes 10');
    expect(message).toContain('at most 6');
  });

  it('leaves more room when the action writes fewer keys', () => {
    const fourteen = Array.from({ length: 14 }, (_, i) => `k${i}=v`).join('\n');
    expect(inputError('metadata', { metadata: fourteen }, LOCAL_GIT)).toContain('at most 12');
  });

  it('refuses a user key the action writes itself', () => {
    expect(inputError('metadata', { metadata: 'branch=mine' })).toContain('"branch"');
    // Also when the action has no value for it on this event.
    expect(inputError('metadata', { metadata: 'pr=7' }, PUSH_GIT)).toContain('"pr"');
  });

  it('accepts an ordinary key that happens to be an Object.prototype member', () => {
    expect(settings({ metadata: 'toString=yes' }).metadata['toString']).toBe('yes');
  });
});

describe('dataset fingerprint', () => {
  it('is the same for the same rows in any key order, and differs for other rows', () => {
    writeFileSync(join(workspace, 'evals', 'same.jsonl'), '{"item":{"expected":"4","input":"2+2"}}\n');
    writeFileSync(join(workspace, 'evals', 'other.jsonl'), '{"item":{"input":"2+3","expected":"5"}}\n');
    const base = settings().metadata.dataset;
    expect(settings({ 'data-file': 'evals/same.jsonl' }).metadata.dataset).toBe(base);
    expect(settings({ 'data-file': 'evals/other.jsonl' }).metadata.dataset).not.toBe(base);
  });
});

describe('baselines and regressions', () => {
  it('takes a path as a baseline file in the workspace, and refuses one that is missing or outside', () => {
    writeFileSync(join(workspace, 'evals', 'earlier-results.json'), '{}');
    expect(settings({ baseline: 'evals/earlier-results.json' }).baseline).toEqual({ kind: 'file', path: join(workspace, 'evals', 'earlier-results.json'), label: 'evals/earlier-results.json' });
    expect(inputError('baseline', { baseline: 'evals/missing.json' })).toMatch(/cannot read evals\/missing\.json: ENOENT/);
    expect(inputError('baseline', { baseline: 'results.jsonl' })).toMatch(/results\.jsonl/);
    expect(inputError('baseline', { baseline: '../elsewhere/results.json' })).toMatch(/outside the workspace/);
  });

  it('names the results artifact after the gate key, takes a name, or none; refuses names GitHub refuses', () => {
    expect(settings({ 'comment-key': 'support' }).resultsArtifact).toMatch(/^evals-gate-support-[0-9a-f]{8}\.jsonl$/);
    expect(settings({ 'comment-key': 'other' }).resultsArtifact).not.toBe(settings({ 'comment-key': 'support' }).resultsArtifact);
    expect(settings({ 'results-artifact': 'nightly-record.jsonl' }).resultsArtifact).toBe('nightly-record.jsonl');
    expect(settings({ 'results-artifact': 'None' }).resultsArtifact).toBeNull();
    expect(inputError('results-artifact', { 'results-artifact': 'records/main' })).toMatch(/cannot name an artifact: it contains "\/"/);
  });

  it('defaults: auto baseline from the base branch on a pull request, the same branch on push; no limits; 20 runs of history', () => {
    const pr = settings();
    expect(pr).toMatchObject({ baseline: { kind: 'auto' }, baselineRef: 'main', maxRegressions: null, maxScoreDrop: null, minSignificance: null, history: 20, issueOnFailure: false });
    expect(settings({}, PUSH_GIT).baselineRef).toBe(PUSH_GIT.branch);
    expect(settings({ 'baseline-ref': ' release ' }).baselineRef).toBe('release');
  });

  it('reads baseline none, a run id, and the limits', () => {
    const s = settings({
      baseline: 'evalrun_abc',
      'max-regressions': '3',
      'max-score-drop': '2',
      'min-significance': '0.05',
      history: '50',
      'issue-on-failure': 'true',
    });
    expect(s).toMatchObject({ baseline: { kind: 'run', runId: 'evalrun_abc' }, maxRegressions: 3, maxScoreDrop: { unit: 'points', value: 0.02 }, minSignificance: 0.05, history: 50, issueOnFailure: true });
    expect(settings({ baseline: 'NONE' }).baseline).toEqual({ kind: 'none' });
    expect(settings({ 'max-score-drop': '2.5%' }).maxScoreDrop).toEqual({ unit: 'percent', value: 0.025 });
    expect(settings({ 'max-score-drop': '1.5 pts' }).maxScoreDrop).toEqual({ unit: 'points', value: 0.015 });
  });

  it('refuses bad values, naming the input', () => {
    expect(inputError('baseline', { baseline: 'run 1' })).toContain('"auto", "none" or a run id');
    expect(inputError('max-regressions', { 'max-regressions': '-1' })).toContain('whole number');
    expect(inputError('max-score-drop', { 'max-score-drop': 'a lot' })).toContain('points such as 2');
    expect(inputError('min-significance', { 'min-significance': '1' })).toContain('between 0 and 1');
    expect(inputError('min-significance', { 'min-significance': '0' })).toContain('between 0 and 1');
    expect(inputError('history', { history: '500' })).toContain('100');
    expect(inputError('issue-on-failure', { 'issue-on-failure': 'maybe' })).toContain('true or false');
  });
});

describe('attemptToken', () => {
  // Matrix legs share run, job and step: only a token drawn per step process tells their runs apart.
  it('is fresh for every step, even with the same git context and inputs', () => {
    const a = settings().attemptToken;
    const b = settings().attemptToken;
    expect(a).toMatch(/^[0-9a-f-]{36}$/);
    expect(b).not.toBe(a);
    expect(settings({}, LOCAL_GIT).attemptToken).not.toBe(a);
  });
});

describe('data-source and data-file', () => {
  it('needs one of them', () => {
    expect(inputError('data-source', { 'data-file': '' })).toContain('data-file');
  });

  it('resolves files against GITHUB_WORKSPACE', () => {
    writeFileSync(join(workspace, 'evals', 'ds.json'), JSON.stringify({ type: 'completions', source: { type: 'file_id', id: 'file-1' } }));
    const s = settings({ 'data-file': '', 'data-source': 'evals/ds.json', model: 'gpt-4o-mini' });
    expect(s.dataSource).toEqual({ type: 'completions', source: { type: 'file_id', id: 'file-1' }, model: 'gpt-4o-mini' });
  });

  it('names a missing data-source file', () => {
    expect(inputError('data-source', { 'data-file': '', 'data-source': 'evals/missing.json' })).toContain('evals/missing.json');
  });

  it('names a missing data-file', () => {
    expect(inputError('data-file', { 'data-file': 'evals/missing.jsonl' })).toContain('evals/missing.jsonl');
  });

  it('refuses a data-file outside the workspace', () => {
    expect(inputError('data-file', { 'data-file': '../outside.jsonl' })).toContain('outside the workspace');
  });

  it('reports a malformed data-file line', () => {
    expect(inputError('data-file', { 'data-file': 'evals/bad.jsonl' })).toContain('line 1');
  });

  it('refuses a model on a jsonl data source', () => {
    inputError('model', { model: 'gpt-4o-mini' });
  });
});

describe('allow-code-graders', () => {
  const PYTHON = { 'eval-id': '', 'api-key': '', 'eval-file': 'evals/python.eval.yaml' };
  writeFileSync(
    join(workspace, 'evals', 'python.eval.yaml'),
    [
      'name: Checked by code',
      'data_source_config: { type: custom }',
      'testing_criteria:',
      '  - { type: string_check, name: Exact, input: "{{sample.output_text}}", reference: "{{item.expected}}", operation: eq }',
      '  - type: python',
      '    name: Own check',
      '    pass_threshold: 1',
      '    source: "def grade(sample, item):\\n    return 1.0\\n"',
      '',
    ].join('\n'),
  );

  it.each(['pull_request_target', 'workflow_run'])('refuses python graders on %s, naming the input and the graders', (eventName) => {
    const message = inputError('allow-code-graders', PYTHON, { ...PR_GIT, eventName });
    expect(message).toContain('"Own check"');
    expect(message).toContain(eventName);
    expect(message).toContain('allow-code-graders: true');
  });

  it('lets them run when the workflow says so, on other events, and on a remote endpoint (which runs them itself)', () => {
    expect(settings({ ...PYTHON, 'allow-code-graders': 'true' }, { ...PR_GIT, eventName: 'pull_request_target' }).engine).toBe('local');
    expect(settings(PYTHON, PR_GIT).engine).toBe('local');
    expect(settings(PYTHON, PUSH_GIT).engine).toBe('local');
    const remote = settings({ ...PYTHON, engine: 'remote', 'api-key': 'sk-test-0123456789' }, { ...PR_GIT, eventName: 'workflow_run' });
    expect(remote.engine).toBe('remote');
  });

  it('refuses a criteria-thresholds line for a criterion the eval file does not have, before anything runs', () => {
    const message = inputError('criteria-thresholds', { ...PYTHON, 'criteria-thresholds': 'Exact: 90%\nOwn chek: 50%' });
    expect(message).toBe('Input "criteria-thresholds": "Own chek" is not a criterion of evals/python.eval.yaml (its criteria: "Exact", "Own check").');
    expect(settings({ ...PYTHON, 'criteria-thresholds': 'Own check: 50%' }).criteriaThresholds).toEqual([{ name: 'Own check', min: 0.5 }]);
  });

  it('does not mind an eval without python graders on those events', () => {
    expect(settings({}, { ...PR_GIT, eventName: 'pull_request_target' }).engine).toBe('remote');
  });

  it('is a boolean', () => {
    expect(inputError('allow-code-graders', { 'allow-code-graders': 'maybe' })).toMatch(/expected true or false/);
  });
});

describe('the engine: eval-file, engine, model-base-url, model-api-key, concurrency', () => {
  writeFileSync(
    join(workspace, 'evals', 'local.eval.yaml'),
    [
      'name: Local',
      'data_source_config: { type: custom, item_schema: { type: object } }',
      'testing_criteria:',
      '  - { type: string_check, name: exact, input: "{{sample.output_text}}", reference: "{{item.expected}}", operation: eq }',
    ].join('\n'),
  );
  writeFileSync(
    join(workspace, 'evals', 'judged.eval.yaml'),
    [
      'data_source_config: { type: custom, item_schema: { type: object } }',
      'testing_criteria:',
      '  - { type: score_model, name: judge, model: gpt-4o-mini, input: [{ role: user, content: "{{sample.output_text}}" }], range: [0, 1], pass_threshold: 0.5 }',
    ].join('\n'),
  );
  const LOCAL = { 'eval-id': '', 'api-key': '', 'eval-file': 'evals/local.eval.yaml' };

  it('an eval-file alone runs locally: a stable local eval id, no Evals API key, the data file streamed', () => {
    const first = settings(LOCAL);
    expect(first.engine).toBe('local');
    expect(first.evalId).toMatch(/^eval_local_[0-9a-f]{16}$/);
    expect(settings(LOCAL).evalId).toBe(first.evalId);
    expect(first.commentKey).toBe('evals/local.eval.yaml');
    expect(first.models).toBeNull();
    expect(first.concurrency).toBe(8);
    expect(first.dataSource.source).toEqual({ type: 'file_path', path: join(workspace, 'evals', 'items.jsonl'), label: 'evals/items.jsonl' });
  });

  it('an eval-id defaults to the remote engine; engine: remote with an eval-file leaves the id to be found', () => {
    expect(settings().engine).toBe('remote');
    const remote = settings({ ...LOCAL, engine: 'remote', 'api-key': 'sk-test-0123456789' });
    expect(remote.engine).toBe('remote');
    expect(remote.evalId).toBe('');
    expect(remote.dataSource.source).toMatchObject({ type: 'file_content' });
  });

  it('refuses what cannot work, naming the input', () => {
    expect(inputError('eval-file', { 'eval-file': 'evals/local.eval.yaml' })).toMatch(/not both/);
    expect(inputError('eval-id', { 'eval-id': '' })).toMatch(/eval-file/);
    expect(inputError('engine', { engine: 'local' })).toMatch(/npx evals-gate export --eval-id eval_123/);
    expect(inputError('concurrency', { ...LOCAL, concurrency: '0' })).toMatch(/from 1 to 256/);
    expect(inputError('baseline', { ...LOCAL, baseline: 'evalrun_abc' })).toMatch(/keeps no runs between jobs/);
  });

  it("refuses templates naming a field the eval-file's item_schema does not define, on either engine, before any run", () => {
    writeFileSync(
      join(workspace, 'evals', 'typo.eval.yaml'),
      [
        'data_source_config: { type: custom, item_schema: { type: object, properties: { input: { type: string }, expected: { type: string } } } }',
        'testing_criteria:',
        '  - { type: string_check, name: exact, input: "{{sample.output_text}}", reference: "{{item.expectd}}", operation: eq }',
      ].join('\n'),
    );
    const typo = { ...LOCAL, 'eval-file': 'evals/typo.eval.yaml' };
    const message = 'evals/typo.eval.yaml: testing_criteria[0] ("exact"): {{item.expectd}} names "expectd", which the eval\'s item_schema does not define (it defines "input", "expected").';
    expect(inputError('eval-file', typo)).toBe(`Input "eval-file": ${message}`);
    expect(inputError('eval-file', { ...typo, engine: 'remote', 'api-key': 'sk-test-0123456789' })).toBe(`Input "eval-file": ${message}`);

    writeFileSync(
      join(workspace, 'evals', 'typed.eval.yaml'),
      [
        'data_source_config: { type: custom, item_schema: { type: object, properties: { input: { type: string }, expected: { type: string } } } }',
        'testing_criteria:',
        '  - { type: string_check, name: exact, input: "{{sample.output_txt}}", reference: "{{item.expected}}", operation: eq }',
      ].join('\n'),
    );
    const sampled = (content: string) => JSON.stringify({ type: 'completions', model: 'gpt-4o-mini', input_messages: { type: 'template', template: [{ role: 'user', content }] } });
    const typed = { ...LOCAL, 'eval-file': 'evals/typed.eval.yaml', 'model-api-key': 'sk-model-0123456789' };
    expect(inputError('data-source', { ...typed, 'data-source': sampled('{{item.inptu}}') })).toBe(
      'Input "data-source": input_messages.template: {{item.inptu}} names "inptu", which the eval\'s item_schema does not define (it defines "input", "expected").',
    );
    // The local engine's samples have known fields: {{sample.output_txt}} would error every item.
    expect(inputError('eval-file', { ...typed, 'data-source': sampled('{{item.input}}') })).toMatch(
      /^Input "eval-file": evals\/typed\.eval\.yaml: testing_criteria\[0\] \("exact"\): \{\{sample\.output_txt\}\} names "output_txt", which a sample made by the local engine does not have/,
    );
    // Pre-generated samples may have any field.
    expect(settings({ ...LOCAL, 'eval-file': 'evals/typed.eval.yaml' }).engine).toBe('local');
  });

  it('refuses an item_schema the local engine cannot compile', () => {
    writeFileSync(
      join(workspace, 'evals', 'schema.eval.yaml'),
      ['data_source_config: { type: custom, item_schema: { type: objekt } }', 'testing_criteria:', '  - { type: string_check, name: exact, input: a, reference: a, operation: eq }'].join('\n'),
    );
    expect(inputError('eval-file', { ...LOCAL, 'eval-file': 'evals/schema.eval.yaml' })).toMatch(
      /^Input "eval-file": evals\/schema\.eval\.yaml: data_source_config\.item_schema: is not a JSON Schema the engine can use: /,
    );
  });

  it('a model is needed only when the eval calls one; its key is masked, and a self-hosted endpoint may go without', () => {
    const judged = { ...LOCAL, 'eval-file': 'evals/judged.eval.yaml' };
    expect(inputError('model-api-key', judged)).toMatch(/score_model grader "judge"/);
    const withKey = settings({ ...judged, 'model-api-key': 'sk-model-0123456789' });
    expect(withKey.models).toEqual({ baseURL: 'https://api.openai.com/v1', apiKey: 'sk-model-0123456789', query: {} });
    expect(masked).toContain('sk-model-0123456789');
    expect(settings({ ...judged, 'model-base-url': 'http://127.0.0.1:11434/v1' }).models).toEqual({ baseURL: 'http://127.0.0.1:11434/v1', apiKey: '', query: {} });
    // A query in model-base-url is sent with every request, its values masked.
    const withQuery = settings({ ...judged, 'model-base-url': 'https://gw.example/v1?api-version=preview&code=model-query-key-1', 'model-api-key': 'sk-model-0123456789' });
    expect(withQuery.models).toEqual({ baseURL: 'https://gw.example/v1', apiKey: 'sk-model-0123456789', query: { 'api-version': 'preview', code: 'model-query-key-1' } });
    expect(masked).toContain('model-query-key-1');
    expect(masked).not.toContain('preview');
    expect(settings({ ...judged }, PR_GIT, { ...ENV, OPENAI_API_KEY: 'sk-env-0123456789' }).models?.apiKey).toBe('sk-env-0123456789');
  });
});
