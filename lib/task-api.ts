import { readFileSync } from 'node:fs';

import { Definition, FieldLogLevel, GraphqlApi, type AuthorizationMode } from 'aws-cdk-lib/aws-appsync';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { parse, type ObjectTypeDefinitionNode } from 'graphql';
import { SCHEMA_FILE } from './paths.js';

/** Every field of the schema's Query and Mutation types (the Lambda resolver answers each by fieldName). */
export function rootFields(schemaFile = SCHEMA_FILE): { typeName: 'Query' | 'Mutation'; fieldName: string }[] {
  const doc = parse(readFileSync(schemaFile, 'utf8'));
  return doc.definitions
    .filter((d): d is ObjectTypeDefinitionNode => d.kind === 'ObjectTypeDefinition' && (d.name.value === 'Query' || d.name.value === 'Mutation'))
    .flatMap((d) => (d.fields ?? []).map((f) => ({ typeName: d.name.value as 'Query' | 'Mutation', fieldName: f.name.value })));
}

export interface TaskApiProps {
  authorizationMode: AuthorizationMode;
  /** The API Lambda (control-plane/aws/handlers/api.ts). */
  handler: IFunction;
}

/** AppSync GraphQL API over control-plane/api/schema.graphql, one Lambda data source resolving every Query/Mutation field. */
export class TaskApi extends Construct {
  readonly api: GraphqlApi;

  constructor(scope: Construct, id: string, props: TaskApiProps) {
    super(scope, id);
    this.api = new GraphqlApi(this, 'Api', {
      name: 'DataTransferHubApi',
      definition: Definition.fromFile(SCHEMA_FILE),
      authorizationConfig: { defaultAuthorization: props.authorizationMode },
      logConfig: { fieldLogLevel: FieldLogLevel.ERROR, retention: RetentionDays.ONE_MONTH },
      xrayEnabled: true,
    });
    const source = this.api.addLambdaDataSource('Resolver', props.handler);
    for (const f of rootFields()) {
      source.createResolver(`${f.typeName}${f.fieldName}`, { typeName: f.typeName, fieldName: f.fieldName });
    }
  }
}
