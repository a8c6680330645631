import * as core from '@actions/core';
import { EntraCredential, FEDERATION_AUDIENCE } from './azure/entra-credential.js';
import { createEvalsClient, type EvalsClient } from './evals/client.js';
import { requestOidcToken } from './github/oidc-token.js';
import type { EndpointSettings } from './inputs.js';
import type { Secrets } from './secrets.js';

/** The Evals API client for the endpoint's way of signing in; every token it obtains joins `secrets`. */
export function connectEvalsApi(endpoint: EndpointSettings, secrets: Secrets): EvalsClient {
  const { auth } = endpoint;
  if (auth.kind === 'key') return createEvalsClient(endpoint);
  const credential = new EntraCredential({
    tenantId: auth.tenantId,
    clientId: auth.clientId,
    scope: auth.scope,
    authorityHost: auth.authorityHost,
    getAssertion: async () => {
      const assertion = await requestOidcToken(FEDERATION_AUDIENCE);
      secrets.add(assertion);
      return assertion;
    },
    onToken: (token, expiresAt) => {
      secrets.add(token);
      core.info(`Signed in to Entra ID as app ${auth.clientId}; the token is valid until ${new Date(expiresAt).toISOString()}.`);
    },
    onRefreshFailed: (message) => core.warning(message),
  });
  return createEvalsClient(endpoint, () => credential.getToken());
}
