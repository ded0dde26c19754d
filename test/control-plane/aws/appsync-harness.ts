/**
 * What AppSync does with a document, offline: validates it against control-plane/api/schema.graphql (graphql-js; the
 * auth directives parse as AppSync's built-ins), and resolves each root field by running the deployed JavaScript
 * resolver (control-plane/aws/appsync-resolver.js) around the API Lambda handler — request → handler → response, with
 * `util.error` raising AppSync's error shape (message, errorType, errorInfo). AppSync itself cannot run offline; the
 * resolver code is the real file, evaluated with a `util` that behaves as AppSync documents it.
 */
import { readFileSync } from 'node:fs';
import { buildSchema, graphql, GraphQLError } from 'graphql';
import { APPSYNC_BUILT_INS } from '../../../control-plane/local/graphql-endpoint.js';
import { RESOLVER_CODE_FILE } from '../../../lib/task-api.js';

/** The error `util.error(message, errorType, data, errorInfo)` raises in an AppSync resolver. */
class AppSyncUtilError extends Error {
  constructor(
    message: string,
    readonly errorType?: string,
    readonly errorInfo?: unknown,
  ) {
    super(message);
  }
}

export interface ResolverCode {
  request(ctx: unknown): { operation: string; payload: unknown };
  response(ctx: unknown): unknown;
}

/** The resolver file as AppSync runs it: its `util` import bound to AppSync's behaviour. */
export function loadResolverCode(): ResolverCode {
  const source = readFileSync(RESOLVER_CODE_FILE, 'utf8')
    .replace(/^import \{ util \} from '@aws-appsync\/utils';$/m, '')
    .replace(/^export function /gm, 'function ');
  const util = {
    error: (message: string, errorType?: string, _data?: unknown, errorInfo?: unknown) => {
      throw new AppSyncUtilError(message, errorType, errorInfo);
    },
  };
  return new Function('util', `${source}\nreturn { request, response };`)(util) as ResolverCode;
}

export interface AppSyncAnswer<T = any> {
  data?: T;
  errors?: {
    message: string;
    errorType?: string;
    errorInfo?: { field?: string; code?: string } | null;
    path?: readonly (string | number)[];
  }[];
}

export function appSyncExecutor(handler: (event: unknown) => Promise<unknown>) {
  const schema = buildSchema(APPSYNC_BUILT_INS + readFileSync('control-plane/api/schema.graphql', 'utf8'));
  const code = loadResolverCode();
  const field = (parentTypeName: string, fieldName: string) => async (args: Record<string, unknown>) => {
    const ctx = { arguments: args, info: { fieldName, parentTypeName } };
    const invoke = code.request(ctx);
    if (invoke.operation !== 'Invoke') throw new Error(`resolver request: ${invoke.operation} is not a Lambda invoke`);
    let result: unknown;
    let error: { message: string; type: string } | undefined;
    try {
      result = await handler(invoke.payload);
    } catch (err) {
      // A Lambda function error reaches the response as ctx.error { message, type }.
      error = { message: (err as Error).message, type: (err as Error).name };
    }
    return code.response({ ...ctx, result, error });
  };
  const rootValue = Object.fromEntries([
    ...Object.keys(schema.getQueryType()!.getFields()).map((f) => [f, field('Query', f)]),
    ...Object.keys(schema.getMutationType()!.getFields()).map((f) => [f, field('Mutation', f)]),
  ]);
  return async <T = any>(source: string, variableValues?: Record<string, unknown>): Promise<AppSyncAnswer<T>> => {
    const out = await graphql({ schema, source, rootValue, variableValues });
    return {
      data: out.data as T,
      errors: out.errors?.map((e) => {
        const raised = e.originalError instanceof AppSyncUtilError ? e.originalError : undefined;
        return {
          message: e.message,
          errorType:
            raised?.errorType ??
            (e.originalError && !(e.originalError instanceof GraphQLError) ? 'Lambda:Unhandled' : 'ValidationError'),
          errorInfo: (raised?.errorInfo as { field?: string; code?: string } | undefined) ?? null,
          path: e.path,
        };
      }),
    };
  };
}
