/**
 * Cognito sign-in with Amplify: the hosted UI (authorization code + PKCE), token refresh and sign-out are Amplify's.
 * Loaded only by a cloud console configured for Cognito (a dynamic import keeps Amplify out of the local hub's bundle).
 */
import { Amplify } from 'aws-amplify';
import { fetchAuthSession, signInWithRedirect, signOut } from 'aws-amplify/auth';
import 'aws-amplify/auth/enable-oauth-listener';
import { Hub } from 'aws-amplify/utils';
import { amplifyConfigOf, redirectUrl, type PortalConfig } from './config.js';
import { appSyncApi } from './appsync.js';
import { type Session, userOfClaims } from './session.js';

/** Resolves once Amplify has finished the code exchange of a redirect back from the hosted UI. */
function redirectSettled(): Promise<void> {
  return new Promise((ok) => {
    const stop = Hub.listen('auth', ({ payload }) => {
      if (payload.event === 'signInWithRedirect' || payload.event === 'signInWithRedirect_failure') {
        stop();
        ok();
      }
    });
  });
}

/** The signed-in session, or undefined after sending the browser to the hosted UI. */
export async function cognitoSession(config: PortalConfig): Promise<Session | undefined> {
  const returning = new URLSearchParams(window.location.search).has('code');
  const settled = returning ? redirectSettled() : Promise.resolve();
  Amplify.configure(amplifyConfigOf(config, redirectUrl(window.location)));
  await settled;
  const session = await fetchAuthSession();
  if (!session.tokens?.accessToken) {
    await signInWithRedirect();
    return undefined;
  }
  return {
    api: appSyncApi(),
    signOut: () => signOut(),
    user: userOfClaims(session.tokens.idToken?.payload as Record<string, unknown> | undefined),
  };
}
