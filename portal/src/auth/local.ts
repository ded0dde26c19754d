/** Local hub sign-in: the token `dth serve` printed (also accepted once as #token=… in the URL, then removed). */
import { createLocalApi } from '../api/client.js';
import type { Session } from './session.js';

const TOKEN_KEY = 'dth.token';

export function storedToken(): string | undefined {
  const fromHash = /[#&]token=([^&]+)/.exec(window.location.hash)?.[1];
  if (fromHash) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(fromHash));
    window.history.replaceState(null, '', `${window.location.pathname}#/`);
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

export function forgetToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** Asks the hub whether a token is right (401 = wrong). */
export async function tokenAccepted(apiUrl: string, token: string): Promise<boolean> {
  const res = await fetch(apiUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: '{ __typename }' }),
  });
  return res.status !== 401;
}

/** `onEnded` says why: the user signed out, or the hub refused the token (it restarted with a new one). */
export function localSession(apiUrl: string, token: string, onEnded: (why: 'signedOut' | 'refused') => void): Session {
  sessionStorage.setItem(TOKEN_KEY, token);
  const end = (why: 'signedOut' | 'refused') => {
    forgetToken();
    onEnded(why);
  };
  return {
    api: createLocalApi(
      apiUrl,
      () => sessionStorage.getItem(TOKEN_KEY) ?? undefined,
      () => end('refused'),
    ),
    signOut: async () => end('signedOut'),
  };
}
