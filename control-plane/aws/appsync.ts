import { DthError, errorDetails } from '../../worker/core/errors.js';
import { redactText } from '../../worker/core/log.js';
import type { Resolvers } from '../core/resolvers.js';

/** The AppSync resolver's payload to the Lambda (the parts used here; appsync-resolver.js builds it). */
export interface AppSyncResolverEvent {
  arguments?: Record<string, unknown> | null;
  info?: { fieldName?: string; parentTypeName?: string };
}

/**
 * A user error as the Lambda returns it. A thrown error reaches AppSync as message and type only, so errors a caller
 * can act on come back as this envelope instead, and the resolver's response (appsync-resolver.js) raises them with
 * `util.error(message, errorType, null, errorInfo)`: the GraphQL error then carries `errorType` (the error class) and
 * `errorInfo: { code, field }`, the field the console marks — as the local hub's errors do.
 */
export const APPSYNC_ERROR_KEY = 'dthError';

export interface AppSyncErrorEnvelope {
  [APPSYNC_ERROR_KEY]: {
    message: string;
    errorType: string;
    errorInfo: ReturnType<typeof errorDetails>;
  };
}

export function errorEnvelope(err: DthError): AppSyncErrorEnvelope {
  return { [APPSYNC_ERROR_KEY]: { message: err.message, errorType: err.name, errorInfo: errorDetails(err) } };
}

/** An unexpected error, thrown to AppSync as `InternalError` with its message redacted of secret values. */
function internalError(err: unknown): Error {
  const e = new Error(redactText(err instanceof Error ? err.message : String(err)));
  e.name = 'InternalError';
  return e;
}

/** Dispatches one AppSync field to its resolver. */
export async function resolveAppSyncField(resolvers: Resolvers, event: AppSyncResolverEvent): Promise<unknown> {
  const field = event.info?.fieldName;
  if (!field || !Object.hasOwn(resolvers, field)) throw new Error(`fieldName: "${field}" has no resolver`);
  const fn = resolvers[field as keyof Resolvers] as (args: unknown) => Promise<unknown>;
  try {
    return await fn(event.arguments ?? {});
  } catch (err) {
    if (err instanceof DthError) return errorEnvelope(err);
    throw internalError(err);
  }
}
