/**
 * Sign-in. Local hub: the token printed by `dth serve` (also accepted as #token=… in the URL).
 * Cloud: OAuth2 authorization code + PKCE against Cognito's hosted UI or any OIDC provider (both speak OIDC),
 * done with fetch — no SDK needed; the ID token goes to AppSync.
 */
export interface PortalConfig {
  authType: 'LOCAL' | 'COGNITO' | 'OIDC';
  apiUrl: string;
  region?: string;
  /** Cognito: the hosted UI domain, e.g. dth-123.auth.us-east-1.amazoncognito.com */
  cognitoDomain?: string;
  /** OIDC: the issuer URL (its /.well-known/openid-configuration is read). */
  oidcIssuer?: string;
  clientId?: string;
  /** CloudWatch dashboard link prefix in the cloud. */
  dashboardUrlPrefix?: string;
}

const TOKEN_KEY = 'dth.token';

export async function loadConfig(): Promise<PortalConfig> {
  const res = await fetch('./config.json', { cache: 'no-store' });
  if (!res.ok) throw new Error(`config.json: HTTP ${res.status}`);
  return parsePortalConfig(await res.json());
}

/** Checks config.json (written by `dth serve` or by the CDK deployment); the error names the field at fault. */
export function parsePortalConfig(raw: unknown): PortalConfig {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('config.json: must be a JSON object');
  const c = raw as Record<string, unknown>;
  const text = (field: string, required: boolean): string | undefined => {
    const v = c[field];
    if (v === undefined || v === null || v === '') {
      if (required) throw new Error(`config.json: ${field} is required`);
      return undefined;
    }
    if (typeof v !== 'string') throw new Error(`config.json: ${field} must be a string`);
    return v;
  };
  const authType = text('authType', true);
  if (authType !== 'LOCAL' && authType !== 'COGNITO' && authType !== 'OIDC') {
    throw new Error(`config.json: authType must be LOCAL, COGNITO or OIDC (got "${authType}")`);
  }
  const config: PortalConfig = {
    authType, apiUrl: text('apiUrl', true)!, region: text('region', false), cognitoDomain: text('cognitoDomain', authType === 'COGNITO'),
    oidcIssuer: text('oidcIssuer', authType === 'OIDC'), clientId: text('clientId', authType !== 'LOCAL'),
    dashboardUrlPrefix: text('dashboardUrlPrefix', false),
  };
  if (config.oidcIssuer && !/^https:\/\//.test(config.oidcIssuer)) throw new Error('config.json: oidcIssuer must be an https:// URL');
  return config;
}

/** The provider's sign-in URL for the authorization-code + PKCE flow. */
export function authorizeUrl(authorizeEndpoint: string, clientId: string, redirectUri: string, challenge: string, state: string): string {
  const q = new URLSearchParams({
    response_type: 'code', client_id: clientId, redirect_uri: redirectUri,
    scope: 'openid email profile', code_challenge: challenge, code_challenge_method: 'S256', state,
  });
  return `${authorizeEndpoint}?${q}`;
}

/** RFC 7636 S256 code challenge of a verifier. */
export async function pkceChallenge(verifier: string): Promise<string> {
  return base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
}

export function storedToken(): string | undefined {
  const fromHash = /[#&]token=([^&]+)/.exec(window.location.hash)?.[1];
  if (fromHash) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(fromHash));
    window.history.replaceState(null, '', window.location.pathname + '#/');
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

export function saveToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function signOut(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}

function base64url(bytes: ArrayBuffer | Uint8Array): string {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

async function endpoints(config: PortalConfig): Promise<{ authorize: string; token: string }> {
  if (config.authType === 'COGNITO') {
    return { authorize: `https://${config.cognitoDomain}/oauth2/authorize`, token: `https://${config.cognitoDomain}/oauth2/token` };
  }
  const meta = await (await fetch(`${config.oidcIssuer!.replace(/\/$/, '')}/.well-known/openid-configuration`)).json();
  return { authorize: meta.authorization_endpoint, token: meta.token_endpoint };
}

/** Sends the browser to the provider's sign-in page. */
export async function startCloudSignIn(config: PortalConfig): Promise<void> {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
  const challenge = await pkceChallenge(verifier);
  sessionStorage.setItem('dth.pkce', JSON.stringify({ verifier, state }));
  const { authorize } = await endpoints(config);
  window.location.assign(authorizeUrl(authorize, config.clientId!, window.location.origin + window.location.pathname, challenge, state));
}

/** Completes the code exchange when the provider redirects back with ?code=…; returns the ID token. */
export async function finishCloudSignIn(config: PortalConfig): Promise<string | undefined> {
  const params = new URLSearchParams(window.location.search);
  const code = params.get('code');
  const pkce = JSON.parse(sessionStorage.getItem('dth.pkce') ?? 'null') as { verifier: string; state: string } | null;
  if (!code || !pkce || params.get('state') !== pkce.state) return storedToken();
  const { token } = await endpoints(config);
  const res = await fetch(token, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code', code, client_id: config.clientId!, code_verifier: pkce.verifier,
      redirect_uri: window.location.origin + window.location.pathname,
    }),
  });
  const body = await res.json();
  sessionStorage.removeItem('dth.pkce');
  window.history.replaceState(null, '', window.location.pathname + '#/');
  if (!body.id_token) return undefined;
  saveToken(body.id_token);
  return body.id_token as string;
}
