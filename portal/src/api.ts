/** GraphQL client for the same schema on AppSync and on the local hub. */
export class ApiError extends Error {
  constructor(message: string, readonly field?: string, readonly status?: number) {
    super(message);
  }
}

export interface Api {
  call<T>(query: string, variables?: Record<string, unknown>): Promise<T>;
}

export function createApi(apiUrl: string, token: () => string | undefined, onUnauthorized: () => void, local: boolean): Api {
  return {
    async call<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
      const t = token();
      const res = await fetch(apiUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(t ? { authorization: local ? `Bearer ${t}` : t } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      if (res.status === 401) {
        onUnauthorized();
        throw new ApiError('unauthorized', undefined, 401);
      }
      const body = await res.json();
      if (body.errors?.length) {
        const e = body.errors[0];
        // AppSync names the field in errorInfo (the resolver's util.error); the local hub in both places.
        throw new ApiError(e.message, e.errorInfo?.field ?? e.extensions?.field, res.status);
      }
      return body.data as T;
    },
  };
}

export const TASK_FIELDS = `id description type scheduleType createdAt stoppedAt progress errorCode errorMessage stackName
  parameters { ParameterKey ParameterValue }
  progressInfo { total replicated failed skipped verified bytesTotal bytesDone rate etaSeconds }`;

export interface Task {
  id: string; description?: string; type: 'S3EC2' | 'ECR'; scheduleType: string; createdAt: string; stoppedAt?: string;
  progress: string; errorCode?: string; errorMessage?: string; stackName?: string;
  parameters: { ParameterKey: string; ParameterValue: string }[];
  progressInfo?: { total: number; replicated: number; failed: number; skipped: number; verified: number; bytesTotal: number; bytesDone: number; rate?: number; etaSeconds?: number };
}
