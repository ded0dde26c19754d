import type { Api } from '../api/client.js';

/** A signed-in console: how to call the API, who signed in and how to sign out. */
export interface Session {
  api: Api;
  signOut(): Promise<void>;
  /** Who signed in (cloud sign-in: the ID token's e-mail, else a name); the local hub has no user. */
  user?: string;
}

/** The user to show from ID token claims: e-mail as the original's "Welcome, <email>", else a name the token gives. */
export function userOfClaims(claims: Record<string, unknown> | undefined): string | undefined {
  for (const claim of ['email', 'preferred_username', 'name', 'cognito:username', 'username']) {
    const value = claims?.[claim];
    if (typeof value === 'string' && value.trim()) return value.trim();
  }
  return undefined;
}
