import { HttpClient } from '@actions/http-client';
import { BearerCredentialHandler } from '@actions/http-client/lib/auth';
import { OidcTokenError } from '../azure/entra-errors.js';

/**
 * The job's OIDC token for `audience`, from the runner's token service (what `core.getIDToken` asks,
 * with the same client and retries, but reading the request URL and token from `env` as given: the
 * caller decides which environment holds them). The runner offers it only with
 * `permissions: id-token: write`, and never to pull requests from forks. The caller masks the token.
 */
export async function requestOidcToken(audience: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const url = env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const token = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (!url || !token) {
    throw new OidcTokenError(
      'Entra ID sign-in ("azure-client-id") needs the job\'s GitHub OIDC token, and this job has none: add `permissions: id-token: write` to the workflow or job. Pull requests from forks never get one; see the README on fork PRs.',
    );
  }
  try {
    const client = new HttpClient('evals-gate', [new BearerCredentialHandler(token)], { allowRetries: true, maxRetries: 10 });
    const response = await client.getJson<{ value?: unknown }>(`${url}&audience=${encodeURIComponent(audience)}`);
    const value = response.result?.value;
    if (typeof value !== 'string' || !value) throw new Error('the answer carried no token ("value").');
    return value;
  } catch (error) {
    throw new OidcTokenError(`Could not get the job's GitHub OIDC token: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
