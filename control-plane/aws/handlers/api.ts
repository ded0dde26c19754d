/** AppSync direct Lambda resolver for every Query and Mutation field of api/schema.graphql. */
import { resolveAppSyncField, type AppSyncResolverEvent } from '../appsync.js';
import { apiResolvers } from './runtime.js';

export const handler = (event: AppSyncResolverEvent): Promise<unknown> => resolveAppSyncField(apiResolvers(), event);
