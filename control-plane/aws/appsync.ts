import { DthError } from '../../worker/core/errors.js';
import { redactText } from '../../worker/core/log.js';
import type { Resolvers } from '../core/resolvers.js';

/** The AppSync direct Lambda resolver event (the parts used here). */
export interface AppSyncResolverEvent {
  arguments?: Record<string, unknown> | null;
  info?: { fieldName?: string; parentTypeName?: string };
}

/** An error AppSync shows as `errorType` (the class name) and message; internal messages are redacted. */
function publicError(err: unknown): Error {
  if (err instanceof DthError) return err;
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
    throw publicError(err);
  }
}
