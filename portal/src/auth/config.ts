/**
 * The console's runtime configuration, `/config.json`: written by `dth serve` (LOCAL) or by the CDK deployment
 * (COGNITO, OIDC), and what the sign-in libraries are configured from.
 */
import type { ResourcesConfig } from 'aws-amplify';

export interface PortalConfig {
  authType: 'LOCAL' | 'COGNITO' | 'OIDC';
  apiUrl: string;
  region?: string;
  /** Cognito: the hosted UI domain, e.g. dth-123.auth.us-east-1.amazoncognito.com */
  cognitoDomain?: string;
  /** Cognito: the user pool (Amplify keys its token store by it). */
  userPoolId?: string;
  /** OIDC: the issuer URL (its /.well-known/openid-configuration is read). */
  oidcIssuer?: string;
  clientId?: string;
  /** CloudWatch dashboard link prefix in the cloud; the stack name is appended. */
  dashboardUrlPrefix?: string;
}

export async function loadConfig(): Promise<PortalConfig> {
  // From the root, whatever path the console was opened at.
  const res = await fetch('/config.json', { cache: 'no-store' });
  if (!res.ok) throw new Error(`config.json: HTTP ${res.status}`);
  return parsePortalConfig(await res.json());
}

/** Loopback issuers may use http (a provider run on the same machine, e.g. in tests); any other must be https. */
function secureIssuer(url: string): boolean {
  try {
    const u = new URL(url);
    return (
      u.protocol === 'https:' || (u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname))
    );
  } catch {
    return false;
  }
}

/** Checks config.json; the error names the field at fault. */
export function parsePortalConfig(raw: unknown): PortalConfig {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('config.json: must be a JSON object');
  const c = raw as Record<string, unknown>;
  function text(field: string, required: true): string;
  function text(field: string, required: boolean): string | undefined;
  function text(field: string, required: boolean): string | undefined {
    const v = c[field];
    if (v === undefined || v === null || v === '') {
      if (required) throw new Error(`config.json: ${field} is required`);
      return undefined;
    }
    if (typeof v !== 'string') throw new Error(`config.json: ${field} must be a string`);
    return v;
  }
  const authType = text('authType', true);
  if (authType !== 'LOCAL' && authType !== 'COGNITO' && authType !== 'OIDC') {
    throw new Error(`config.json: authType must be LOCAL, COGNITO or OIDC (got "${authType}")`);
  }
  const cognito = authType === 'COGNITO';
  const config: PortalConfig = {
    authType,
    apiUrl: text('apiUrl', true),
    region: text('region', false),
    cognitoDomain: text('cognitoDomain', cognito),
    userPoolId: text('userPoolId', cognito),
    oidcIssuer: text('oidcIssuer', authType === 'OIDC'),
    clientId: text('clientId', authType !== 'LOCAL'),
    dashboardUrlPrefix: text('dashboardUrlPrefix', false),
  };
  if (config.oidcIssuer && !secureIssuer(config.oidcIssuer))
    throw new Error('config.json: oidcIssuer must be an https:// URL');
  if (config.cognitoDomain && /^[a-z]+:\/\//i.test(config.cognitoDomain))
    throw new Error('config.json: cognitoDomain is a host name, without https://');
  return config;
}

/** Where the provider sends the browser back after sign-in and sign-out: the console itself. */
export function redirectUrl(location: { origin: string }): string {
  // The console's root, the callback URL the deployment registers, whatever path the console was opened at.
  return `${location.origin}/`;
}

/**
 * The OIDC login and logout callback: the console's origin as the original sends it (its domain, no trailing slash),
 * so a client registered at the provider for the original — which compares redirect URIs exactly — accepts ours.
 */
export function oidcRedirectUrl(location: { origin: string }): string {
  return location.origin;
}

/**
 * Amplify's configuration for the cloud console: the AppSync endpoint, and for Cognito the user pool with its hosted
 * UI (authorization code flow with PKCE, done by Amplify). OIDC tokens come from oidc-client-ts instead (auth/oidc.ts).
 */
export function amplifyConfigOf(config: PortalConfig, redirect: string): ResourcesConfig {
  if (config.authType === 'LOCAL') throw new Error('the local hub does not use Amplify');
  const api: ResourcesConfig['API'] = {
    GraphQL: {
      endpoint: config.apiUrl,
      region: config.region,
      defaultAuthMode: config.authType === 'COGNITO' ? 'userPool' : 'oidc',
    },
  };
  if (config.authType === 'OIDC') return { API: api };
  return {
    API: api,
    Auth: {
      Cognito: {
        userPoolId: need(config, 'userPoolId'),
        userPoolClientId: need(config, 'clientId'),
        loginWith: {
          oauth: {
            domain: need(config, 'cognitoDomain'),
            scopes: ['openid', 'email', 'profile'],
            redirectSignIn: [redirect],
            redirectSignOut: [redirect],
            responseType: 'code',
          },
        },
      },
    },
  };
}

/** A field parsePortalConfig requires for this auth type (a config built by hand may still lack it). */
function need(config: PortalConfig, field: 'cognitoDomain' | 'userPoolId' | 'oidcIssuer' | 'clientId'): string {
  const value = config[field];
  if (!value) throw new Error(`config.json: ${field} is required for ${config.authType}`);
  return value;
}

/** oidc-client-ts settings for the OIDC variant (China regions: Authing, Keycloak, …). */
export function oidcSettingsOf(config: PortalConfig, redirect: string) {
  if (config.authType !== 'OIDC') throw new Error('not an OIDC configuration');
  return {
    authority: need(config, 'oidcIssuer'),
    client_id: need(config, 'clientId'),
    redirect_uri: redirect,
    post_logout_redirect_uri: redirect,
    response_type: 'code',
    scope: 'openid email profile',
  };
}
