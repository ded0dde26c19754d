/**
 * Node's error codes for an endpoint that cannot be reached at all — a wrong host or region, no route, nothing
 * listening — as opposed to a connection that broke mid-request. Read by every adapter that maps network failures.
 */
export const UNREACHABLE_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
