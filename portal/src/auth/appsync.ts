/** The AppSync client of the cloud console: Amplify's GraphQL client, its errors turned into ApiError (field kept). */
import { generateClient } from 'aws-amplify/api';
import { apiErrorOf, ApiError, type Api } from '../api/client.js';

/**
 * `onUnauthorized`: AppSync refused the sign-in token (HTTP 401, UnauthorizedException) — the caller signs in again.
 */
export function appSyncApi(onUnauthorized?: () => void): Api {
  const client = generateClient();
  return {
    async call<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
      try {
        const result = (await client.graphql({ query, variables: variables as never })) as { data: T };
        return result.data;
      } catch (err) {
        if (refusedSignIn(err)) {
          onUnauthorized?.();
          throw new ApiError(
            onUnauthorized ? 'your sign-in has ended: signing in again' : 'your sign-in has ended: reload the page',
            undefined,
            401,
            'UnauthorizedException',
          );
        }
        // Amplify rejects with the GraphQL result ({ data, errors }) when AppSync answered with errors.
        const errors = (err as { errors?: Parameters<typeof apiErrorOf>[0] }).errors;
        if (errors?.length) throw apiErrorOf(errors);
        throw new ApiError(err instanceof Error ? err.message : String(err));
      }
    },
  };
}

/** Whether Amplify's rejection is AppSync refusing the token (401), not an error of the operation. */
function refusedSignIn(err: unknown): boolean {
  const e = err as { errors?: { errorType?: string; message?: string; originalError?: unknown }[] } | null;
  return (e?.errors ?? []).some(
    (x) =>
      x.errorType === 'UnauthorizedException' ||
      statusOf(x.originalError) === 401 ||
      /\b401\b|Unauthorized/.test(x.message ?? ''),
  );
}

function statusOf(err: unknown): number | undefined {
  const e = err as { $metadata?: { httpStatusCode?: number }; response?: { statusCode?: number } } | null;
  return e?.$metadata?.httpStatusCode ?? e?.response?.statusCode;
}
