// AppSync JavaScript resolver (runtime APPSYNC_JS 1.0.0) of every Query and Mutation field, in front of the API
// Lambda (handlers/api.ts). The request hands the Lambda the field and its arguments; the response raises the
// Lambda's user-error envelope (appsync.ts, APPSYNC_ERROR_KEY) as a GraphQL error with errorType and errorInfo
// (code, field), which a thrown Lambda error cannot carry. APPSYNC_JS has no try/catch or classes: keep it plain.
import { util } from '@aws-appsync/utils';

export function request(ctx) {
  return {
    operation: 'Invoke',
    payload: {
      arguments: ctx.arguments,
      info: { fieldName: ctx.info.fieldName, parentTypeName: ctx.info.parentTypeName },
    },
  };
}

export function response(ctx) {
  if (ctx.error) {
    util.error(ctx.error.message, ctx.error.type);
  }
  const result = ctx.result;
  if (result?.dthError) {
    util.error(result.dthError.message, result.dthError.errorType, null, result.dthError.errorInfo);
  }
  return result;
}
