/** proxy-from-env 2.x ships no types: the one function this project uses. */
declare module 'proxy-from-env' {
  /** The proxy URL for `url` from HTTP(S)_PROXY / ALL_PROXY, or '' when none applies (NO_PROXY matches, or unset). */
  export function getProxyForUrl(url: string | URL): string;
}
