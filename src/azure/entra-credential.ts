import { setTimeout as sleep } from 'node:timers/promises';
import { describeEntraRefusal, EntraError } from './entra-errors.js';

/** GitHub's OIDC tokens are exchanged for this audience by Entra's workload identity federation. */
export const FEDERATION_AUDIENCE = 'api://AzureADTokenExchange';

/** Renew this long before expiry (the Azure SDKs use 5 minutes), or after half the lifetime of short tokens. */
const REFRESH_MARGIN_MS = 5 * 60_000;
const REQUEST_TIMEOUT_MS = 30_000;
const ATTEMPTS = 4;

export interface EntraCredentialOptions {
  tenantId: string;
  clientId: string;
  scope: string;
  /** `https://login.microsoftonline.com`, or AZURE_AUTHORITY_HOST's value. */
  authorityHost: string;
  /** A fresh GitHub OIDC token for FEDERATION_AUDIENCE: each exchange needs one (they live 5–10 minutes). */
  getAssertion: () => Promise<string>;
  /** Called with every access token and its expiry before it is used (the action masks it). */
  onToken?: (token: string, expiresAt: number) => void;
  /** A refresh failed while the current token still works: the gate carries on with it. */
  onRefreshFailed?: (message: string) => void;
  now?: () => number;
  /** How to pause between tries; tests pass a virtual one. */
  sleep?: (ms: number) => Promise<void>;
}

interface AccessToken {
  value: string;
  expiresAt: number;
  refreshAt: number;
}

/**
 * Entra ID access tokens obtained with the job's GitHub OIDC token (the client-credentials grant with a
 * federated `client_assertion`). Tokens are renewed before they expire, so a run that outlasts the
 * 10-minute OIDC token and the ~60-minute access token keeps its access.
 */
export class EntraCredential {
  private readonly options: EntraCredentialOptions;
  private readonly now: () => number;
  private current: AccessToken | null = null;
  private pending: Promise<AccessToken> | null = null;

  constructor(options: EntraCredentialOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  /** A valid access token: the cached one, or a new one when it is due for renewal. */
  async getToken(): Promise<string> {
    const now = this.now();
    const current = this.current;
    if (current && now < current.refreshAt) return current.value;
    try {
      return (await this.renew()).value;
    } catch (error) {
      // Still valid for a while: keep working with it and try again on the next request.
      if (current && now < current.expiresAt - 10_000) {
        this.options.onRefreshFailed?.(`Could not renew the Entra ID token; the current one is valid until ${new Date(current.expiresAt).toISOString()}: ${error instanceof Error ? error.message : String(error)}`);
        return current.value;
      }
      throw error;
    }
  }

  /** One exchange at a time: concurrent requests share it. */
  private renew(): Promise<AccessToken> {
    this.pending ??= this.exchangeWithRetries().finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  private async exchangeWithRetries(): Promise<AccessToken> {
    for (let attempt = 1; ; attempt++) {
      try {
        const token = await this.exchange();
        this.current = token;
        return token;
      } catch (error) {
        const transient = error instanceof EntraError && error.transient;
        if (!transient || attempt >= ATTEMPTS) throw error;
        await (this.options.sleep ?? sleep)(Math.min(1000 * 2 ** (attempt - 1), 8000));
      }
    }
  }

  private async exchange(): Promise<AccessToken> {
    const { tenantId, clientId, scope, authorityHost } = this.options;
    const assertion = await this.options.getAssertion();
    const url = `${authorityHost}/${encodeURIComponent(tenantId)}/oauth2/v2.0/token`;
    const form = new URLSearchParams({
      client_id: clientId,
      scope,
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    });
    const requested = this.now();
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      const reason = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
      throw new EntraError(`Could not reach Entra ID at ${authorityHost} for a token: ${reason}.`, null, true, { cause: error });
    }
    const text = await response.text();
    let body: unknown = null;
    try {
      body = JSON.parse(text);
    } catch {
      // Proxies answer HTML: described below by the status alone.
    }
    if (!response.ok) throw describeEntraRefusal(response.status, body, tenantId);
    const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    const value = typeof fields.access_token === 'string' ? fields.access_token : '';
    const lifetimeS = Number(fields.expires_in);
    if (!value || !Number.isFinite(lifetimeS) || lifetimeS <= 0) {
      throw new EntraError(`Entra ID at ${authorityHost} answered HTTP ${response.status} without an access token and its lifetime.`, null, false);
    }
    const lifetimeMs = lifetimeS * 1000;
    const expiresAt = requested + lifetimeMs;
    this.options.onToken?.(value, expiresAt);
    return { value, expiresAt, refreshAt: expiresAt - Math.min(REFRESH_MARGIN_MS, lifetimeMs / 2) };
  }
}
