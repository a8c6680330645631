// connectEvalsApi's Entra ID sign-in in process: the job's OIDC token (from the environment it is handed,
// not process.env) exchanged at the fake Entra for tokens the azure-flavoured Evals API fake trusts.
// Every token joins the secrets, and the sign-in is logged through the Log given (never the runner's).
import { describe, expect, it } from 'vitest';
import { describeApiError } from '../../../src/evals-api/api-errors.ts';
import { connectEvalsApi } from '../../../src/gate/connect.ts';
import type { EndpointSettings } from '../../../src/settings/settings.ts';
import { Secrets } from '../../../src/shared/secrets.ts';
import { startFakeIdentity, type FakeIdentity } from '../../fakes/azure-identity.ts';
import { useClosers } from '../../support/closers.ts';
import { exactCriterion, useEvalsFake } from '../../support/evals-fake-setup.ts';

const track = useClosers();
const azure = useEvalsFake({ flavor: 'azure' });

async function identity(): Promise<FakeIdentity> {
  const fake = await startFakeIdentity();
  track(() => fake.close());
  return fake;
}

function entraEndpoint(baseURL: string, id: FakeIdentity): EndpointSettings {
  return {
    baseURL,
    auth: { kind: 'entra', tenantId: id.tenantId, clientId: id.clientId, scope: 'https://ai.azure.com/.default', authorityHost: id.authorityHost },
    organization: null,
    project: null,
    extraHeaders: {},
    extraQuery: {},
  };
}

function recordingLog() {
  const log = { infos: [] as string[], warnings: [] as string[], info: (line: string) => log.infos.push(line), warning: (line: string) => log.warnings.push(line) };
  return log;
}

describe('connectEvalsApi with Entra ID', () => {
  it('signs in with the OIDC token of the environment it is given, and every token joins the secrets', async () => {
    const id = await identity();
    const evals = await azure({ auth: { via: [], tokens: (token) => id.check(token) } });
    const evalId = evals.addEval({ name: 'Foundry eval', testing_criteria: [exactCriterion('Exact match')] });
    const env = { ACTIONS_ID_TOKEN_REQUEST_URL: id.oidcRequestUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: id.oidcRequestToken };
    const masked: string[] = [];
    const secrets = new Secrets((secret) => masked.push(secret));
    const log = recordingLog();

    const client = connectEvalsApi(entraEndpoint(evals.url, id), secrets, log, env);
    const found = await client.evals.retrieve(evalId);

    expect(found.name).toBe('Foundry eval');
    expect(evals.requests.map((r) => r.auth)).toEqual(['bearer-token']);
    const [issued, ...others] = id.issued();
    expect(others).toEqual([]);
    const assertion = id.exchanges[0]?.form.client_assertion;
    expect(assertion).toBeTruthy();
    expect(masked).toEqual([assertion, issued?.token]);
    expect(secrets.list()).toEqual(masked);
    expect(log.infos).toHaveLength(1);
    expect(log.infos[0]).toMatch(new RegExp(`^Signed in to Entra ID as app ${id.clientId}; the token is valid until \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\.$`));
    // About an hour from now (the client counts from when the answer came, the fake from when it issued).
    const until = Date.parse(/valid until (\S+)\.$/.exec(log.infos[0] ?? '')?.[1] ?? '');
    expect(Math.abs(until - issued!.expiresAt)).toBeLessThan(5000);
    expect(log.warnings).toEqual([]);
  });

  it('without an OIDC token in its environment: a sign-in error that says what the job lacks', async () => {
    const id = await identity();
    const evals = await azure({ auth: { via: [], tokens: (token) => id.check(token) } });
    const evalId = evals.addEval({ name: 'Foundry eval', testing_criteria: [exactCriterion('Exact match')] });

    const client = connectEvalsApi(entraEndpoint(evals.url, id), new Secrets(() => undefined), recordingLog(), {});
    const error = await client.evals.retrieve(evalId).then(
      () => expect.fail('expected the sign-in to fail'),
      (caught: unknown) => describeApiError(caught, { doing: 'reading the eval', evalId, baseURL: evals.url }),
    );

    expect(error.message).toMatch(/^Could not sign in to the Evals API while reading the eval: .*`permissions: id-token: write`/);
    expect(id.oidcRequests).toEqual([]);
    expect(evals.requests).toEqual([]);
  });
});
