import * as core from '@actions/core';

/** A problem getting the job's GitHub OIDC token, with what to change in the workflow. */
export class OidcTokenError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OidcTokenError';
  }
}

/**
 * The job's OIDC token for `audience`, from the runner's token service. The runner offers it only
 * with `permissions: id-token: write`, and never to pull requests from forks.
 */
export async function requestOidcToken(audience: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (!env.ACTIONS_ID_TOKEN_REQUEST_URL || !env.ACTIONS_ID_TOKEN_REQUEST_TOKEN) {
    throw new OidcTokenError(
      'Entra ID sign-in ("azure-client-id") needs the job\'s GitHub OIDC token, and this job has none: add `permissions: id-token: write` to the workflow or job. Pull requests from forks never get one; see the README on fork PRs.',
    );
  }
  try {
    // getIDToken masks the token itself.
    return await core.getIDToken(audience);
  } catch (error) {
    throw new OidcTokenError(`Could not get the job's GitHub OIDC token: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
