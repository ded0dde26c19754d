/**
 * The API's CDK constructs synthesized in bare stacks (fast; the whole app is test/cdk): AppSync's auth modes and
 * resolvers (lib/task-api.ts), and the lifecycle state machine's route to the notify step (lib/task-orchestrator.ts).
 */
import { readFileSync } from 'node:fs';
import { App, Stack } from 'aws-cdk-lib';
import { AuthorizationType } from 'aws-cdk-lib/aws-appsync';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { UserPool } from 'aws-cdk-lib/aws-cognito';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { describe, expect, it } from 'vitest';
import { RESOLVER_CODE_FILE, rootFields, TaskApi } from '../../../lib/task-api.js';
import { TaskOrchestrator } from '../../../lib/task-orchestrator.js';

const fn = (stack: Stack, id: string) =>
  new LambdaFunction(stack, id, {
    runtime: Runtime.NODEJS_20_X,
    handler: 'index.handler',
    code: Code.fromInline('exports.handler = async () => null;'),
  });

function apiTemplate(kind: 'COGNITO' | 'OIDC'): Template {
  const stack = new Stack(new App(), `Api${kind}`);
  const authorizationMode =
    kind === 'COGNITO'
      ? { authorizationType: AuthorizationType.USER_POOL, userPoolConfig: { userPool: new UserPool(stack, 'Pool') } }
      : {
          authorizationType: AuthorizationType.OIDC,
          openIdConnectConfig: { oidcProvider: 'https://issuer.example.com' },
        };
  new TaskApi(stack, 'TaskApi', { authorizationMode, handler: fn(stack, 'ApiFn') });
  return Template.fromStack(stack);
}

describe('AppSync API (lib/task-api.ts)', () => {
  it("takes IAM (SigV4) as an additional auth mode besides the console's sign-in, as the original", () => {
    for (const [kind, main] of [
      ['COGNITO', 'AMAZON_COGNITO_USER_POOLS'],
      ['OIDC', 'OPENID_CONNECT'],
    ] as const) {
      apiTemplate(kind).hasResourceProperties('AWS::AppSync::GraphQLApi', {
        AuthenticationType: main,
        AdditionalAuthenticationProviders: [{ AuthenticationType: 'AWS_IAM' }],
      });
    }
  });

  it('marks createTask, stopTask and the task types for IAM and the sign-in modes in the deployed schema', () => {
    const t = apiTemplate('COGNITO');
    const sdl = Object.values(t.findResources('AWS::AppSync::GraphQLSchema'))[0].Properties.Definition as string;
    const all = '@aws_iam @aws_cognito_user_pools @aws_oidc';
    expect(sdl).toContain(`createTask(input: CreateTaskInput!): Task ${all}`);
    expect(sdl).toContain(`stopTask(id: String): Task ${all}`);
    for (const type of ['Task', 'TaskParameter', 'StackOutputs', 'CommonProgressInfo', 'Secret'])
      expect(sdl).toContain(`type ${type} ${all} {`);
    // Fields without a directive stay with the default (sign-in) mode only, e.g. the log and chart queries.
    expect(sdl).toMatch(/listLogStreams\([^)]*\): ListLogStreamsResponse\n/);
  });

  it("resolves every field with the JavaScript resolver that maps the Lambda's user errors (errorType, errorInfo)", () => {
    const t = apiTemplate('OIDC');
    const resolvers = Object.values(t.findResources('AWS::AppSync::Resolver'));
    expect(resolvers.map((r) => `${r.Properties.TypeName}.${r.Properties.FieldName}`).sort()).toEqual(
      rootFields()
        .map((f) => `${f.typeName}.${f.fieldName}`)
        .sort(),
    );
    const code = readFileSync(RESOLVER_CODE_FILE, 'utf8');
    for (const r of resolvers) {
      expect(r.Properties).toMatchObject({
        Kind: 'UNIT',
        Runtime: { Name: 'APPSYNC_JS', RuntimeVersion: '1.0.0' },
        Code: code,
      });
    }
    t.hasResourceProperties('AWS::AppSync::DataSource', {
      Type: 'AWS_LAMBDA',
      LambdaConfig: { LambdaFunctionArn: Match.anyValue() },
    });
  });
});

describe('lifecycle state machine (lib/task-orchestrator.ts)', () => {
  it('notifies after the monitor ends a task and after a stack that could not be created; a stop ends quietly', () => {
    const stack = new Stack(new App(), 'Orchestrator');
    const names = [
      'startStack',
      'stopStack',
      'queryStackStatus',
      'checkFinder',
      'checkQueueEmpty',
      'checkComplete',
      'releaseWorkers',
      'notify',
    ] as const;
    const steps = Object.fromEntries(names.map((n) => [n, fn(stack, n) as unknown as NodejsFunction])) as Record<
      (typeof names)[number],
      NodejsFunction
    >;
    new TaskOrchestrator(stack, 'Lifecycle', { steps });
    const sm = Object.values(Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine'))[0];
    const parts = (sm.Properties.DefinitionString['Fn::Join'] as [string, unknown[]])[1];
    const states = JSON.parse(parts.map((p) => (typeof p === 'string' ? p : 'TOKEN')).join('')).States;
    const defaultOf = (choice: string) => states[choice].Default;
    // Every way out goes through ReleaseWorkers (a finished one-time task's fleet to zero) to Notify.
    expect(defaultOf('StackRequested?')).toBe('ReleaseWorkers');
    expect(defaultOf('CreateSettled?')).toBe('ReleaseWorkers');
    expect(states.ReleaseWorkers.Next).toBe('Notify');
    expect(defaultOf('Complete?')).toBe('MonitorWait');
    expect(states['Complete?'].Choices).toEqual([
      expect.objectContaining({ Variable: '$.result', StringEquals: 'END', Next: 'ReleaseWorkers' }),
    ]);
    expect(defaultOf('StackDeleting?')).toBe('Done');
    expect(defaultOf('DeleteSettled?')).toBe('Done');
    expect(states.Notify.Next).toBe('Notified');
  });
});
