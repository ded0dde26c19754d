import type { Api } from '../api/client.js';

/** A signed-in console: how to call the API and how to sign out. */
export interface Session {
  api: Api;
  signOut(): Promise<void>;
}
