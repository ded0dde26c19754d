/**
 * OpenID Connect sign-in (the China deployment: Authing, Keycloak, …) with oidc-client-ts: discovery, authorization
 * code + PKCE, state check and token storage are the library's. AppSync (OIDC auth mode) gets the ID token through
 * Amplify's token provider hook.
 */
import { Amplify } from 'aws-amplify';
import { UserManager, WebStorageStateStore, type User } from 'oidc-client-ts';
import { amplifyConfigOf, oidcSettingsOf, redirectUrl, type PortalConfig } from './config.js';
import { appSyncApi } from './appsync.js';
import { type Session, userOfClaims } from './session.js';

export function oidcUserManager(config: PortalConfig): UserManager {
  return new UserManager({
    ...oidcSettingsOf(config, redirectUrl(window.location)),
    userStore: new WebStorageStateStore({ store: window.sessionStorage }),
  });
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
  let idToken = user.id_token;
  manager.events.addUserLoaded((u) => {
    if (u.id_token) idToken = u.id_token;
  });
  Amplify.configure(amplifyConfigOf(config, redirectUrl(window.location)), {
    Auth: {
      tokenProvider: {
        // AppSync's OIDC mode checks the ID token (issuer, audience = client id); Amplify sends it as the Authorization header.
        // The claims are JSON from the token itself; Amplify's JwtPayload type is narrower than oidc-client-ts's profile type.
        getTokens: async () => ({ accessToken: { payload: { ...user.profile } as never, toString: () => idToken } }),
      },
    },
  });
  return {
    api: appSyncApi(),
    user: userOfClaims(user.profile as Record<string, unknown>),
    signOut: async () => {
      await manager.removeUser();
      await manager.signoutRedirect().catch(() => window.location.assign(redirectUrl(window.location)));
    },
  };
}
