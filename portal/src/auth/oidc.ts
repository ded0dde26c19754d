/**
 * OpenID Connect sign-in (the China deployment: Authing, Keycloak, …) with oidc-client-ts: discovery, authorization
 * code + PKCE, state check and token storage are the library's. AppSync (OIDC auth mode) gets the ID token through
 * Amplify's token provider hook.
 */
import { Amplify } from 'aws-amplify';
import { UserManager, WebStorageStateStore, type User } from 'oidc-client-ts';
import { amplifyConfigOf, oidcRedirectUrl, oidcSettingsOf, redirectUrl, type PortalConfig } from './config.js';
import { appSyncApi } from './appsync.js';
import { type Session, userOfClaims } from './session.js';

export function oidcUserManager(config: PortalConfig): UserManager {
  return new UserManager({
    ...oidcSettingsOf(config, oidcRedirectUrl(window.location)),
    userStore: new WebStorageStateStore({ store: window.sessionStorage }),
    // Renewal happens when a call needs a token (freshUser below): the library's own timer falls back to a hidden
    // iframe without a refresh token, which the console's frame policy (X-Frame-Options DENY, CSP) blocks.
    automaticSilentRenew: false,
  });
}

/** Seconds before its `exp` an ID token is renewed: 30, or a quarter of its lifetime when that is shorter. */
function renewalMargin(claims: { exp?: number; iat?: number }): number {
  const lifetime = claims.exp && claims.iat ? claims.exp - claims.iat : 3600;
  return Math.min(30, lifetime / 4);
}

function idTokenEnding(user: User): boolean {
  const claims = user.profile as { exp?: number; iat?: number };
  if (!claims.exp) return user.expired ?? false;
  return claims.exp - Date.now() / 1000 <= renewalMargin(claims);
}

/**
 * A user whose ID token AppSync still accepts: the stored one, or one renewed with its refresh token; without one
 * (providers that give none without offline_access) the browser goes back to the provider, which signs a user with a
 * live session in again at once and returns to the same page. Never resolves in that case: the page unloads.
 */
async function freshUser(manager: UserManager): Promise<User> {
  const stored = await manager.getUser();
  if (stored?.id_token && !idTokenEnding(stored)) return stored;
  if (stored?.refresh_token) {
    const renewed = await manager.signinSilent().catch(() => null);
    if (renewed?.id_token && !idTokenEnding(renewed)) return renewed;
  }
  if (!(await signInAgain(manager))) {
    // Back from the provider moments ago with a token already ending (a clock far off): AppSync judges it.
    if (stored?.id_token) return stored;
    throw new Error('the provider gave no usable sign-in: reload the page');
  }
  return new Promise<never>(() => {});
}

const LAST_RENEWAL = 'dth.oidc.lastRenewal';
/** Shorter than this since the last trip to the provider, another would loop (a clock or a provider at fault). */
const RENEWAL_PAUSE_MS = 10_000;

/** Sends the browser to the provider, to come back to the page it is on; false when it went there moments ago. */
async function signInAgain(manager: UserManager): Promise<boolean> {
  const last = Number(window.sessionStorage.getItem(LAST_RENEWAL) ?? 0);
  if (Date.now() - last < RENEWAL_PAUSE_MS) return false;
  window.sessionStorage.setItem(LAST_RENEWAL, String(Date.now()));
  await manager.removeUser();
  await manager.signinRedirect({ state: window.location.hash || '#/' });
  return true;
}

/** The user after a redirect back from the provider (?code=…&state=…), else the stored one if still valid. */
async function currentUser(manager: UserManager): Promise<User | null> {
  const query = new URLSearchParams(window.location.search);
  if (query.has('code') && query.has('state')) {
    const user = await manager.signinRedirectCallback();
    // Back to the page the user asked for before signing in (kept in the request's state), without ?code=….
    const hash = typeof user.state === 'string' && user.state.startsWith('#/') ? user.state : '#/';
    window.history.replaceState(null, '', window.location.pathname + hash);
    return user;
  }
  const stored = await manager.getUser();
  return stored && !stored.expired ? stored : null;
}

/** The signed-in session, or undefined after sending the browser to the provider. */
export async function oidcSession(config: PortalConfig): Promise<Session | undefined> {
  const manager = oidcUserManager(config);
  const user = await currentUser(manager);
  if (!user?.id_token) {
    await manager.signinRedirect({ state: window.location.hash || '#/' });
    return undefined;
  }
  Amplify.configure(amplifyConfigOf(config, redirectUrl(window.location)), {
    Auth: {
      tokenProvider: {
        // AppSync's OIDC mode checks the ID token (issuer, audience = client id, expiry); Amplify sends it as the
        // Authorization header. The claims are JSON from the token itself; Amplify's JwtPayload type is narrower than
        // oidc-client-ts's profile type.
        getTokens: async () => {
          const current = await freshUser(manager);
          return { accessToken: { payload: { ...current.profile } as never, toString: () => current.id_token ?? '' } };
        },
      },
    },
  });
  return {
    // AppSync refused the token (revoked, or a clock ahead of ours): sign in again rather than fail every call.
    api: appSyncApi(() => void signInAgain(manager)),
    user: userOfClaims(user.profile as Record<string, unknown>),
    signOut: async () => {
      await manager.removeUser();
      await manager.signoutRedirect().catch(() => window.location.assign(redirectUrl(window.location)));
    },
  };
}
