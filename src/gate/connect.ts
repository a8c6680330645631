import { EntraCredential, FEDERATION_AUDIENCE } from '../azure/entra-credential.js';
import { engineFetch } from '../engine/engine-fetch.js';
import { LocalEngine } from '../engine/local-engine.js';
import { createEvalsClient, createLocalEvalsClient, type EvalsClient } from '../evals-api/client.js';
import { requestOidcToken } from '../github/oidc-token.js';
import { ModelClient } from '../models/model-client.js';
import type { EndpointSettings, Settings } from '../settings/settings.js';
import type { Log } from '../shared/log.js';
import type { Secrets } from '../shared/secrets.js';

/**
 * A run's output items handed over in this process as the engine stores them (those stored so far
 * first). Returns a function that stops it.
 */
export type FollowItems = (evalId: string, runId: string, onItem: (item: Record<string, unknown>) => void) => () => void;

/** A client of whichever engine answers, and how to let go of it. */
export interface EvalsConnection {
  client: EvalsClient;
  /** The local engine, in this process: its items without the API's pages and JSON. */
  followItems?: FollowItems;
  /** Stops what the local engine still runs and deletes its spooled items; nothing for a remote endpoint. */
  close(): Promise<void>;
}

/** The client for the settings' engine: the endpoint at `base-url`, or a local engine in this process. */
export function connectEvals(settings: Settings, secrets: Secrets, log: Log, env: NodeJS.ProcessEnv = process.env): EvalsConnection {
  const choice = settings.evalChoice;
  if (settings.engine === 'remote' || choice.kind !== 'file') return { client: connectEvalsApi(settings.endpoint, secrets, log, env), close: async () => undefined };
  const endpoint = settings.models;
  let models: ModelClient | null = null;
  const engine = new LocalEngine({
    concurrency: settings.concurrency,
    models: () => {
      // Settings require an endpoint whenever the eval calls a model, so this is a bug if it throws.
      if (!endpoint) throw new Error('This eval calls a model, but no model endpoint was configured.');
      models ??= new ModelClient(endpoint, { maxConcurrency: settings.concurrency, log: (line) => log.warning(line) });
      return models;
    },
  });
  engine.addEval(choice.definition, settings.evalId);
  return {
    client: createLocalEvalsClient(engineFetch(engine)),
    followItems: (evalId, runId, onItem) => engine.followOutputItems(evalId, runId, onItem),
    close: () => engine.close(),
  };
}

/**
 * The Evals API client for the endpoint's way of signing in; every token it obtains joins `secrets`.
 * `env` holds the runner's OIDC token service (Entra ID sign-in).
 */
export function connectEvalsApi(endpoint: EndpointSettings, secrets: Secrets, log: Log, env: NodeJS.ProcessEnv = process.env): EvalsClient {
  const { auth } = endpoint;
  if (auth.kind === 'key') return createEvalsClient(endpoint);
  const credential = new EntraCredential({
    tenantId: auth.tenantId,
    clientId: auth.clientId,
    scope: auth.scope,
    authorityHost: auth.authorityHost,
    getAssertion: async () => {
      const assertion = await requestOidcToken(FEDERATION_AUDIENCE, env);
      secrets.add(assertion);
      return assertion;
    },
    onToken: (token, expiresAt) => {
      secrets.add(token);
      log.info(`Signed in to Entra ID as app ${auth.clientId}; the token is valid until ${new Date(expiresAt).toISOString()}.`);
    },
    onRefreshFailed: (message) => log.warning(message),
  });
  return createEvalsClient(endpoint, () => credential.getToken());
}
