import { readFileSync } from 'node:fs';

import {
  AuthorizationType,
  Code,
  Definition,
  FieldLogLevel,
  FunctionRuntime,
  GraphqlApi,
  type AuthorizationMode,
} from 'aws-cdk-lib/aws-appsync';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { parse, type ObjectTypeDefinitionNode } from 'graphql';
import { REQUEST_LIMITS } from '../control-plane/core/request-limits.js';
import { repoPath, SCHEMA_FILE } from './paths.js';

/** The JavaScript resolver of every field (control-plane/aws/appsync-resolver.js): Lambda invoke + error mapping. */
export const RESOLVER_CODE_FILE = repoPath('control-plane', 'aws', 'appsync-resolver.js');

/** Every field of the schema's Query and Mutation types (the Lambda resolver answers each by fieldName). */
export function rootFields(schemaFile = SCHEMA_FILE): { typeName: 'Query' | 'Mutation'; fieldName: string }[] {
  const doc = parse(readFileSync(schemaFile, 'utf8'));
  return doc.definitions
    .filter(
      (d): d is ObjectTypeDefinitionNode =>
        d.kind === 'ObjectTypeDefinition' && (d.name.value === 'Query' || d.name.value === 'Mutation'),
    )
    .flatMap((d) =>
      (d.fields ?? []).map((f) => ({ typeName: d.name.value as 'Query' | 'Mutation', fieldName: f.name.value })),
    );
}

export interface TaskApiProps {
  /** The console's sign-in: Cognito user pool or OIDC. */
  authorizationMode: AuthorizationMode;
  /** The API Lambda (control-plane/aws/handlers/api.ts). */
  handler: IFunction;
}

/**
 * AppSync GraphQL API over control-plane/api/schema.graphql, one Lambda data source resolving every Query/Mutation
 * field through one JavaScript resolver. Auth as the original: the console's sign-in by default, IAM (SigV4) as an
 * additional mode for the fields and types the schema marks `@aws_iam` (createTask, stopTask, the task types), so
 * automation with an IAM role can create and stop tasks; which fields a principal may call is its IAM policy's
 * `appsync:GraphQL` resources.
 */
export class TaskApi extends Construct {
  readonly api: GraphqlApi;

  constructor(scope: Construct, id: string, props: TaskApiProps) {
    super(scope, id);
    this.api = new GraphqlApi(this, 'Api', {
      name: 'DataTransferHubApi',
      definition: Definition.fromFile(SCHEMA_FILE),
      authorizationConfig: {
        defaultAuthorization: props.authorizationMode,
        additionalAuthorizationModes: [{ authorizationType: AuthorizationType.IAM }],
      },
      logConfig: { fieldLogLevel: FieldLogLevel.ERROR, retention: RetentionDays.ONE_MONTH },
      xrayEnabled: true,
      // The local hub's request limits, as far as AppSync has them: nesting depth, and resolver calls per request (every
      // root field is one Lambda resolver, so this bounds aliases of createTask too). AppSync has no per-field count, so
      // "one createTask per request" holds locally only; here a request creates at most resolverCountLimit tasks.
      queryDepthLimit: REQUEST_LIMITS.maxDepth,
      resolverCountLimit: REQUEST_LIMITS.maxRootFields,
    });
    const source = this.api.addLambdaDataSource('Resolver', props.handler);
    const code = Code.fromInline(readFileSync(RESOLVER_CODE_FILE, 'utf8'));
    for (const f of rootFields()) {
      source.createResolver(`${f.typeName}${f.fieldName}`, {
        typeName: f.typeName,
        fieldName: f.fieldName,
        runtime: FunctionRuntime.JS_1_0_0,
        code,
      });
    }
  }
}
