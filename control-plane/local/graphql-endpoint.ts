import { readFileSync } from 'node:fs';
import {
  buildSchema, execute, GraphQLError, parse, specifiedRules, validate, type DocumentNode, type ExecutionResult, type GraphQLSchema,
} from 'graphql';
import { REQUEST_LIMITS } from '../core/request-limits.js';
import type { Resolvers } from '../core/resolvers.js';
import { isStorageFull } from '../../worker/adapters/embedded/sqlite-database.js';
import { DthError, InvalidParameterError } from '../../worker/core/errors.js';
import { redactText } from '../../worker/core/log.js';
import { REQUEST_LIMIT_RULES } from './graphql-limits.js';
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
  if (isStorageFull(err)) {
    return new GraphQLError("disk full: the hub's data directory has no space left; free space there and try again", { extensions: { code: 'DISK_FULL' } });
  }
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
  // parse → cost limits → graphql's own validation → execute: a request over a limit is refused before anything runs.
  const run = async (source: string, body: { variables?: unknown; operationName?: unknown }): Promise<ExecutionResult> => {
    let document: DocumentNode;
    try {
      document = parse(source, { maxTokens: REQUEST_LIMITS.maxTokens });
    } catch (err) {
      return { errors: [err instanceof GraphQLError ? err : new GraphQLError(String(err))] };
    }
    const refused = validate(schema, document, REQUEST_LIMIT_RULES);
    if (refused.length) return { errors: refused };
    const invalid = validate(schema, document, specifiedRules);
    if (invalid.length) return { errors: invalid };
    return execute({
      schema, document, rootValue,
      variableValues: (body.variables ?? undefined) as Record<string, unknown> | undefined,
      operationName: typeof body.operationName === 'string' ? body.operationName : undefined,
    });
  };
  return async (body: { query?: unknown; variables?: unknown; operationName?: unknown }) => {
    if (typeof body.query !== 'string') return { errors: [{ message: 'query: a GraphQL query string is required' }] };
    const result = await run(body.query, body);
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
