import { readFileSync } from 'node:fs';
import {
  buildSchema,
  execute,
  GraphQLError,
  Kind,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
  type TypeNode,
} from 'graphql';
import { REQUEST_LIMITS } from '../core/request-limits.js';
import type { Resolvers } from '../core/resolvers.js';
import { isStorageFull } from '../../worker/adapters/embedded/sqlite-database.js';
import { DthError, errorDetails } from '../../worker/core/errors.js';
import { redactText } from '../../worker/core/log.js';
import { REQUEST_LIMIT_RULES } from './graphql-limits.js';
import { findRepoPath } from './repo-files.js';

/**
 * AppSync provides these scalars and auth directives itself; a plain GraphQL server must declare them. The local hub
 * has one user (the bearer token), so the directives only have to parse.
 */
export const APPSYNC_BUILT_INS = `${[
  'scalar AWSDateTime',
  'scalar AWSJSON',
  ...['aws_iam', 'aws_cognito_user_pools', 'aws_oidc', 'aws_api_key', 'aws_lambda'].map(
    (d) => `directive @${d} on FIELD_DEFINITION | OBJECT`,
  ),
].join('\n')}\n`;

export function loadSchema(): GraphQLSchema {
  const path = findRepoPath('control-plane/api/schema.graphql');
  if (!path) throw new Error('control-plane/api/schema.graphql was not found next to the dth sources or bundle');
  const sdl = readFileSync(path, 'utf8');
  return buildSchema(APPSYNC_BUILT_INS + sdl);
}

/** Errors carry the failing field (for inline form errors) and a code; internal errors say only what is safe. */
function toGraphQLError(err: unknown): GraphQLError {
  if (err instanceof DthError) {
    return new GraphQLError(err.message, { originalError: err, extensions: errorDetails(err) });
  }
  if (isStorageFull(err)) {
    const full = new DthError(
      'DISK_FULL',
      "disk full: the hub's data directory has no space left; free space there and try again",
    );
    return new GraphQLError(full.message, { originalError: full, extensions: errorDetails(full) });
  }
  const internal = new Error(redactText(err instanceof Error ? err.message : String(err)));
  internal.name = 'InternalError';
  return new GraphQLError(internal.message, { originalError: internal, extensions: { code: 'INTERNAL' } });
}

/**
 * GraphQL's own input checks (wrong enum value, missing required field) name the field only in the message;
 * expose it as `extensions.field` too, like the resolvers' errors, so forms can mark the field.
 */
function coercionField(message: string, variables?: unknown): { field: string; code: string } | Record<string, never> {
  // A task parameter's value of the wrong type (`"ParameterValue": 8`): the parameter it is the value of.
  const parameter = /at "(\w+)\.parameters\[(\d+)\]\.ParameterValue"/.exec(message);
  if (parameter) {
    const given = (variables as Record<string, { parameters?: { ParameterKey?: unknown }[] }> | undefined)?.[
      parameter[1]
    ]?.parameters?.[Number(parameter[2])]?.ParameterKey;
    if (typeof given === 'string' && given) return { field: given, code: 'INVALID_PARAMETER' };
  }
  const at = /got invalid value .* at "[^"]*?\.?([A-Za-z_][A-Za-z0-9_]*)"/.exec(message)?.[1];
  const missing = /Field "([A-Za-z_][A-Za-z0-9_]*)" of required type/.exec(message)?.[1];
  // A variable itself wrong or absent (`$limit` not an Int, `$input` not an object, `$id` not given): its name, which
  // is what the caller sent.
  const variable = /^Variable "\$([A-Za-z_][A-Za-z0-9_]*)" (?:got invalid value|of required type)/.exec(message)?.[1];
  const field = missing ?? at ?? variable;
  return field ? { field, code: 'INVALID_PARAMETER' } : {};
}

/** The error class name, as AppSync reports a Lambda resolver's error (`errorType`). */
function errorTypeOf(e: GraphQLError): string {
  const thrown = e.originalError instanceof GraphQLError ? e.originalError.originalError : e.originalError;
  if (thrown) return thrown instanceof DthError || thrown.name === 'InternalError' ? thrown.name : 'InternalError';
  // GraphQL's own checks of the document and variables.
  return coercionField(e.message).field ? 'InvalidParameterError' : 'ValidationError';
}

/**
 * The original console sends getMetricHistoryData's `$startTime: String` / `$endTime: String` as JSON numbers (unix
 * seconds); AppSync takes them. graphql-js refuses a number for String, so the hub turns numbers given for String
 * variables into their decimal text before executing, as the cloud API accepts them.
 */
function numbersAsStrings(
  doc: DocumentNode,
  variables: Record<string, unknown> | undefined,
): Record<string, unknown> | undefined {
  if (!variables) return variables;
  const named = (t: TypeNode): string | undefined =>
    t.kind === Kind.NON_NULL_TYPE ? named(t.type) : t.kind === Kind.NAMED_TYPE ? t.name.value : undefined;
  const out = { ...variables };
  for (const def of doc.definitions) {
    if (def.kind !== Kind.OPERATION_DEFINITION) continue;
    for (const v of def.variableDefinitions ?? []) {
      const name = v.variable.name.value;
      if (named(v.type) === 'String' && typeof out[name] === 'number' && Number.isFinite(out[name]))
        out[name] = String(out[name]);
    }
  }
  return out;
}

export function createGraphQLExecutor(schema: GraphQLSchema, resolvers: Resolvers) {
  const wrap =
    <A>(fn: (args: A) => Promise<unknown>) =>
    async (args: A) => {
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
  const run = async (
    source: string,
    body: { variables?: unknown; operationName?: unknown },
  ): Promise<ExecutionResult> => {
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
      schema,
      document,
      rootValue,
      variableValues: numbersAsStrings(document, (body.variables ?? undefined) as Record<string, unknown> | undefined),
      operationName: typeof body.operationName === 'string' ? body.operationName : undefined,
    });
  };
  return async (body: { query?: unknown; variables?: unknown; operationName?: unknown }) => {
    if (typeof body.query !== 'string') return { errors: [{ message: 'query: a GraphQL query string is required' }] };
    const result = await run(body.query, body);
    return {
      data: result.data,
      errors: result.errors?.map((e) => {
        const extensions = e.extensions?.field
          ? e.extensions
          : { ...e.extensions, ...coercionField(e.message, body.variables) };
        return {
          message:
            e.originalError && !(e.originalError instanceof GraphQLError)
              ? toGraphQLError(e.originalError).message
              : e.message,
          path: e.path,
          // AppSync's error shape too (errorType, errorInfo), so one console reads field errors from either API.
          errorType: errorTypeOf(e),
          // As AppSync answers a user error: its code always, its field when it names one (not for an internal error).
          errorInfo:
            extensions.code && extensions.code !== 'INTERNAL'
              ? {
                  code: extensions.code,
                  ...(extensions.field ? { field: extensions.field } : {}),
                  ...(extensions.problems ? { problems: extensions.problems } : {}),
                }
              : null,
          extensions,
        };
      }),
    };
  };
}
