import type { ParameterProblem } from '../../../worker/core/errors.js';

/** The console's view of the GraphQL API: one `call`, whichever transport (local hub, AppSync via Amplify) is behind it. */
export class ApiError extends Error {
  constructor(
    message: string,
    /** The input field the API named (extensions.field locally, errorInfo.field from AppSync). */
    readonly field?: string,
    readonly status?: number,
    readonly code?: string,
    /** Every parameter the API refused at once, each with its own message (errorInfo/extensions.problems). */
    readonly problems?: readonly ParameterProblem[],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface Api {
  call<T>(query: string, variables?: Record<string, unknown>): Promise<T>;
}

interface GraphQLErrorBody {
  message: string;
  errorType?: string;
  errorInfo?: { field?: string; problems?: ParameterProblem[] } | null;
  extensions?: { field?: string; code?: string; problems?: ParameterProblem[] };
}

/** The first error of a GraphQL answer as an ApiError, with the field from either the hub's or AppSync's shape. */
export function apiErrorOf(errors: GraphQLErrorBody[], status?: number): ApiError {
  const e = errors[0];
  const field = e.extensions?.field ?? e.errorInfo?.field ?? undefined;
  const problems = e.extensions?.problems ?? e.errorInfo?.problems ?? undefined;
  return new ApiError(e.message, field, status, e.extensions?.code ?? e.errorType, problems);
}

/** The local hub: POST /graphql with the token `dth serve` printed. */
export function createLocalApi(apiUrl: string, token: () => string | undefined, onUnauthorized: () => void): Api {
  return {
    async call<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
      const t = token();
      const res = await fetch(apiUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(t ? { authorization: `Bearer ${t}` } : {}) },
        body: JSON.stringify({ query, variables }),
      }).catch((err: unknown) => {
        // The browser says only "Failed to fetch" (or "NetworkError …"): the hub is down or the network is.
        throw new ApiError(
          `the hub did not answer (${err instanceof Error ? err.message : String(err)}): is dth serve still running?`,
        );
      });
      if (res.status === 401) {
        onUnauthorized();
        throw new ApiError('unauthorized', undefined, 401);
      }
      const body = (await res.json()) as { data?: T; errors?: GraphQLErrorBody[] };
      if (body.errors?.length) throw apiErrorOf(body.errors, res.status);
      return body.data as T;
    },
  };
}
