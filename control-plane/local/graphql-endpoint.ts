import { readFileSync } from 'node:fs';
import { buildSchema, graphql, GraphQLError, type GraphQLSchema } from 'graphql';
import type { Resolvers } from '../core/resolvers.js';
import { DthError, InvalidParameterError } from '../../worker/core/errors.js';
import { redactText } from '../../worker/core/log.js';
import { findRepoPath } from './repo-files.js';

/** AppSync provides these scalars itself; a plain GraphQL server must declare them. */
const APPSYNC_SCALARS = 'scalar AWSDateTime\nscalar AWSJSON\n';

export function loadSchema(): GraphQLSchema {
  const path = findRepoPath('control-plane/api/schema.graphql');
  if (!path) throw new Error('control-plane/api/schema.graphql was not found next to the dth sources or bundle');
  const sdl = readFileSync(path, 'utf8');
  return buildSchema(APPSYNC_SCALARS + sdl);
}

/** Errors carry the failing field (for inline form errors) and a code; internal errors say only what is safe. */
function toGraphQLError(err: unknown): GraphQLError {
  if (err instanceof InvalidParameterError) {
    return new GraphQLError(err.message, { extensions: { code: err.code, field: err.field } });
  }
  if (err instanceof DthError) return new GraphQLError(err.message, { extensions: { code: err.code } });
  return new GraphQLError(redactText(err instanceof Error ? err.message : String(err)), { extensions: { code: 'INTERNAL' } });
}

/**
 * GraphQL's own input checks (wrong enum value, missing required field) name the field only in the message;
 * expose it as `extensions.field` too, like the resolvers' errors, so forms can mark the field.
 */
function coercionField(message: string): { field: string; code: string } | Record<string, never> {
  const at = /got invalid value .* at "[^"]*?\.?([A-Za-z_][A-Za-z0-9_]*)"/.exec(message)?.[1];
  const missing = /Field "([A-Za-z_][A-Za-z0-9_]*)" of required type/.exec(message)?.[1];
  const field = missing ?? at;
  return field ? { field, code: 'INVALID_PARAMETER' } : {};
}

export function createGraphQLExecutor(schema: GraphQLSchema, resolvers: Resolvers) {
  const wrap = <A,>(fn: (args: A) => Promise<unknown>) => async (args: A) => {
    try {
      return await fn(args);
    } catch (err) {
      throw toGraphQLError(err);
    }
  };
  const rootValue = Object.fromEntries(
    Object.entries(resolvers).map(([name, fn]) => [name, wrap(fn as (a: unknown) => Promise<unknown>)]),
  );
  return async (body: { query?: unknown; variables?: unknown; operationName?: unknown }) => {
    if (typeof body.query !== 'string') return { errors: [{ message: 'query: a GraphQL query string is required' }] };
    const result = await graphql({
      schema, source: body.query, rootValue,
      variableValues: (body.variables ?? undefined) as Record<string, unknown> | undefined,
      operationName: typeof body.operationName === 'string' ? body.operationName : undefined,
    });
    return {
      data: result.data,
      errors: result.errors?.map((e) => ({
        message: e.originalError && !(e.originalError instanceof GraphQLError) ? toGraphQLError(e.originalError).message : e.message,
        path: e.path,
        extensions: e.extensions?.field ? e.extensions : { ...e.extensions, ...coercionField(e.message) },
      })),
    };
  };
}
