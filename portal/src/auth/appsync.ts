/** The AppSync client of the cloud console: Amplify's GraphQL client, its errors turned into ApiError (field kept). */
import { generateClient } from 'aws-amplify/api';
import { apiErrorOf, ApiError, type Api } from '../api/client.js';

export function appSyncApi(): Api {
  const client = generateClient();
  return {
    async call<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
      try {
        const result = (await client.graphql({ query, variables: variables as never })) as { data: T };
        return result.data;
      } catch (err) {
        // Amplify rejects with the GraphQL result ({ data, errors }) when AppSync answered with errors.
        const errors = (err as { errors?: { message: string; errorType?: string; errorInfo?: { field?: string } }[] })
          .errors;
        if (errors?.length) throw apiErrorOf(errors);
        throw new ApiError(err instanceof Error ? err.message : String(err));
      }
    },
  };
}
