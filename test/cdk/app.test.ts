/**
 * The CDK app synthesized in-process once (cdk-nag AwsSolutions plugin registered: any unacknowledged finding makes
 * synth throw), then every stack checked with Template assertions. No Docker, no AWS account.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { PLUGIN_OPTIONAL_PARAMETERS, PLUGIN_OUTPUTS, PLUGIN_PARAMETERS } from '../../control-plane/core/plugin-contract.js';
import { REQUEST_LIMITS } from '../../control-plane/core/request-limits.js';
import { TASK_TABLE_PARTITION_KEY } from '../../control-plane/core/task-table.js';
import { buildApp, type DthApp } from '../../lib/app.js';
import type { ConsoleAuth } from '../../lib/console-auth.js';
import { configFor, MainStack } from '../../lib/main-stack.js';
import { rootFields } from '../../lib/task-api.js';
import { IMAGE_COPY_CONCURRENCY, IMAGE_COPY_RETRIES } from '../../plugins/ecr/ecr-plugin-stack.js';
import { ECR_PARAMETERS, S3_PARAMETERS, type ParamSpec } from '../../worker/params/index.js';
import { createInput, initialState } from '../../portal/src/pages/create-task/parameters.js';
import { STATUS_TABLE_PARTITION_KEY, STATUS_TABLE_SORT_KEY } from '../../worker/adapters/aws/status-table.js';
import { LOG_EVENTS, metricFilterValue, WORKER_METRICS } from '../../worker/core/events.js';
import { ECR_PARAM_NAMES } from '../../worker/ecr/params.js';
import { S3_PARAM_NAMES } from '../../worker/s3/params.js';

let stacks: DthApp;
let cognito: Template;
let oidc: Template;
let s3: Template;
let ecr: Template;
let unbuilt: Template;

const STATUS_KEYS = [
  { AttributeName: STATUS_TABLE_PARTITION_KEY, KeyType: 'HASH' },
  { AttributeName: STATUS_TABLE_SORT_KEY, KeyType: 'RANGE' },
];

beforeAll(() => {
  // A "built" console: one file is enough for the deployment to include the directory.
  const portal = mkdtempSync(join(tmpdir(), 'dth-portal-'));
  mkdirSync(join(portal, 'assets'));
  writeFileSync(join(portal, 'index.html'), '<!doctype html><title>DTH</title>');
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'dth-cdk-')) });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  stacks = buildApp(app, { portalDist: portal });
  app.synth(); // throws on any unacknowledged cdk-nag finding
  cognito = Template.fromStack(stacks.cognito);
  oidc = Template.fromStack(stacks.oidc);
  s3 = Template.fromStack(stacks.s3Plugin);
  ecr = Template.fromStack(stacks.ecrPlugin);
  // The console not built: only config.json is deployed.
  const bare = new App({ outdir: mkdtempSync(join(tmpdir(), 'dth-cdk-')) });
  unbuilt = Template.fromStack(new MainStack(bare, 'Bare', { authType: 'COGNITO', portalDist: join(portal, 'missing') }));
}, 600_000);

describe('main stack', () => {
  it('serves the console from a private bucket through CloudFront with origin access control, HTTPS only and security headers', () => {
    for (const t of [cognito, oidc]) {
      t.hasResourceProperties('AWS::CloudFront::Distribution', {
        DistributionConfig: Match.objectLike({
          DefaultRootObject: 'index.html',
          DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https', ResponseHeadersPolicyId: Match.anyValue() }),
          Origins: [Match.objectLike({ OriginAccessControlId: Match.anyValue() })],
        }),
      });
      t.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
      t.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
        ResponseHeadersPolicyConfig: { SecurityHeadersConfig: Match.objectLike({ StrictTransportSecurity: Match.objectLike({ Override: true }), FrameOptions: { FrameOption: 'DENY', Override: true } }) },
      });
      t.hasResourceProperties('AWS::S3::Bucket', {
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        BucketEncryption: Match.anyValue(), LoggingConfiguration: Match.anyValue(),
      });
    }
  });

  it('deploys the built console plus config.json, or only config.json when the console is not built', () => {
    const sources = (t: Template) => Object.values(t.findResources('Custom::CDKBucketDeployment')).map((r) => r.Properties.SourceObjectKeys.length);
    expect(sources(cognito)).toEqual([2]);
    expect(sources(unbuilt)).toEqual([1]);
  });

  it('writes the console config.json in the shape portal/src/auth.ts reads, with the deployed API and client', () => {
    const markers = (t: Template) => JSON.stringify(Object.values(t.findResources('Custom::CDKBucketDeployment'))[0].Properties.SourceMarkers);
    expect(markers(cognito)).toContain('AuthConsoleClient');
    expect(markers(cognito)).toContain('GraphQLUrl');
    expect(markers(cognito)).toContain('UserPool'); // userPoolId, for Amplify
    expect(markers(oidc)).toContain('OidcClientId');
    expect(markers(oidc)).toContain('OidcProvider');
    const config = configFor({ authType: 'OIDC', cognitoDomain: '', oidcIssuer: 'https://id.example', clientId: 'c1' } as ConsoleAuth, 'https://api.example/graphql');
    expect(Object.keys(config).sort()).toEqual(['apiUrl', 'authType', 'clientId', 'cognitoDomain', 'dashboardUrlPrefix', 'oidcIssuer', 'region', 'userPoolId']);
    expect(config).toMatchObject({ authType: 'OIDC', apiUrl: 'https://api.example/graphql', oidcIssuer: 'https://id.example', clientId: 'c1' });
    // The dashboard link points at the console of the partition deployed to (China regions: console.amazonaws.cn).
    expect(cognito.findMappings('ConsoleHosts')).toEqual({
      ConsoleHosts: { aws: { host: 'console.aws.amazon.com' }, 'aws-cn': { host: 'console.amazonaws.cn' }, 'aws-us-gov': { host: 'console.amazonaws-us-gov.com' } },
    });
    expect(markers(cognito)).toMatch(/"Fn::FindInMap":\["ConsoleHosts",\{"Ref":"AWS::Partition"\},"host"\]/);
  });

  it('signs in with Cognito (AdminEmail parameter, admin user, PKCE client) or with OIDC (issuer and client parameters)', () => {
    expect(Object.keys(cognito.findParameters('AdminEmail'))).toEqual(['AdminEmail']);
    cognito.resourceCountIs('AWS::Cognito::UserPool', 1);
    cognito.hasResourceProperties('AWS::Cognito::UserPoolUser', { DesiredDeliveryMediums: ['EMAIL'] });
    cognito.hasResourceProperties('AWS::Cognito::UserPoolClient', { AllowedOAuthFlows: ['code'], GenerateSecret: false });
    cognito.resourceCountIs('AWS::Cognito::UserPoolDomain', 1);
    cognito.hasResourceProperties('AWS::AppSync::GraphQLApi', { AuthenticationType: 'AMAZON_COGNITO_USER_POOLS' });

    for (const p of ['OidcProvider', 'OidcClientId', 'OidcCustomerDomain']) expect(Object.keys(oidc.findParameters(p))).toEqual([p]);
    oidc.resourceCountIs('AWS::Cognito::UserPool', 0);
    oidc.hasResourceProperties('AWS::AppSync::GraphQLApi', {
      AuthenticationType: 'OPENID_CONNECT', OpenIDConnectConfig: { Issuer: { Ref: 'OidcProvider' }, ClientId: { Ref: 'OidcClientId' } },
    });
  });

  it('resolves every Query and Mutation field of the schema with the one Lambda data source', () => {
    const fields = rootFields();
    expect(fields.length).toBeGreaterThan(8);
    for (const t of [cognito, oidc]) {
      t.resourceCountIs('AWS::AppSync::DataSource', 1);
      t.hasResourceProperties('AWS::AppSync::DataSource', { Type: 'AWS_LAMBDA' });
      t.hasResourceProperties('AWS::AppSync::GraphQLSchema', { Definition: Match.stringLikeRegexp('createTask') });
      // The local hub's request limits (control-plane/core/request-limits.ts), as far as AppSync has them.
      t.hasResourceProperties('AWS::AppSync::GraphQLApi', { QueryDepthLimit: REQUEST_LIMITS.maxDepth, ResolverCountLimit: REQUEST_LIMITS.maxRootFields });
      const resolved = Object.values(t.findResources('AWS::AppSync::Resolver')).map((r) => `${r.Properties.TypeName}.${r.Properties.FieldName}`).sort();
      expect(resolved).toEqual(fields.map((f) => `${f.typeName}.${f.fieldName}`).sort());
    }
  });

  it('has the task table with the key schema the DynamoTaskStore uses', () => {
    cognito.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: TASK_TABLE_PARTITION_KEY, KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true }, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it('runs Node Lambdas (arm64) configured from the environment: the API knows the state machine, steps the plugin templates', () => {
    const fns = Object.values(cognito.findResources('AWS::Lambda::Function', { Properties: { Runtime: Match.stringLikeRegexp('^nodejs2'), Environment: Match.anyValue() } }));
    const ours = fns.filter((f) => f.Properties.Environment.Variables.TASK_TABLE);
    expect(ours).toHaveLength(8);
    for (const f of ours) {
      expect(f.Properties.Architectures).toEqual(['arm64']);
      expect(Object.keys(f.Properties.Environment.Variables)).toEqual(expect.arrayContaining(['TASK_TABLE', 'S3_PLUGIN_TEMPLATE_URL', 'ECR_PLUGIN_TEMPLATE_URL', 'STACK_NAME_PREFIX']));
    }
    expect(ours.filter((f) => f.Properties.Environment.Variables.STATE_MACHINE_ARN)).toHaveLength(1);
    expect(ours.filter((f) => f.Properties.Environment.Variables.NOTIFY_TOPIC_ARN)).toHaveLength(1);
  });

  it('orchestrates with a state machine invoking each lifecycle step, logging and tracing on', () => {
    const sm = Object.values(cognito.findResources('AWS::StepFunctions::StateMachine'));
    expect(sm).toHaveLength(1);
    const definition = JSON.stringify(sm[0].Properties.DefinitionString);
    for (const state of ['StartStack', 'StopStack', 'CreateQueryStackStatus', 'DeleteQueryStackStatus', 'CheckFinder', 'CheckQueueEmpty', 'CheckComplete', 'Notify', 'MonitorWait']) {
      expect(definition).toContain(`\\"${state}\\"`);
    }
    expect(definition).toContain('\\"$.action\\"');
    expect(sm[0].Properties.TracingConfiguration).toEqual({ Enabled: true });
    expect(sm[0].Properties.LoggingConfiguration.Level).toBe('ALL');
  });

  it('mails task outcomes to the admin (Cognito hub) and lets the API read a failed plugin stack\'s events', () => {
    cognito.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: { Ref: 'AdminEmail' } });
    const statements = Object.values(cognito.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(statements).toContainEqual(expect.objectContaining({ Action: 'cloudformation:DescribeStackEvents', Effect: 'Allow' }));
  });

  it('keeps every log group on a retention', () => {
    for (const t of [cognito, oidc, s3, ecr]) {
      const groups = Object.values(t.findResources('AWS::Logs::LogGroup'));
      expect(groups.length).toBeGreaterThan(0);
      for (const g of groups) expect(g.Properties.RetentionInDays).toBe(30);
    }
  });

  it('uploads both plugin templates as assets, pointing at assets the main stack itself publishes', () => {
    const published = new Set(Object.values(stacks.cognito.node.findAll()).flatMap((c) => {
      const hash = (c as { assetHash?: string }).assetHash;
      return hash ? [hash] : [];
    }));
    for (const t of [stacks.cognito.s3Template, stacks.cognito.ecrTemplate]) {
      expect(JSON.stringify(stacks.cognito.resolve(t.templateUrl))).toContain('https://s3.');
      const pairs = Object.entries(t.republished);
      expect(pairs.length).toBeGreaterThan(0);
      const text = JSON.stringify(t.template);
      const referenced = new Set(text.match(/[0-9a-f]{64}/g) ?? []);
      expect(referenced.size).toBeGreaterThan(0);
      for (const h of referenced) expect(published, h).toContain(h);
      expect(Object.keys((t.template as { Parameters?: object }).Parameters ?? {})).not.toContain('BootstrapVersion');
    }
  });

  it('grants least privilege: CloudFormation only on the plugin stacks, status tables read-only', () => {
    cognito.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({
        Action: ['cloudformation:CreateStack', 'cloudformation:DeleteStack', 'cloudformation:DescribeStacks', 'cloudformation:TagResource'],
        Resource: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':stack/DTH-\\*$')])] },
      })]) },
    });
    cognito.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: ['dynamodb:Scan', 'dynamodb:Query', 'dynamodb:GetItem'] })]) },
    });
  });

  it('lets CloudFormation alone hold the rights on plugin resources, through a service role the start step hands it', () => {
    const roles = cognito.findResources('AWS::IAM::Role');
    const cfnRoles = Object.entries(roles).filter(([, r]) => JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('cloudformation.amazonaws.com'));
    expect(cfnRoles.map(([id]) => id)).toHaveLength(1);
    const [cfnRoleId] = cfnRoles[0];
    const policies = Object.values(cognito.findResources('AWS::IAM::Policy'));
    const statementsOf = (roleId: string) => policies
      .filter((p) => JSON.stringify(p.Properties.Roles).includes(`"${roleId}"`))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]);
    const actionsOf = (roleId: string) => statementsOf(roleId).flatMap((st) => [st.Action].flat());
    expect(actionsOf(cfnRoleId)).toEqual(expect.arrayContaining(['ec2:*', 'ecs:*', 'autoscaling:*', 'iam:CreateRole', 'iam:PassRole']));

    // Every kind of resource the plugin templates declare is within the role's rights (else CreateStack fails in AWS).
    const service: Record<string, string> = { StepFunctions: 'states', AutoScaling: 'autoscaling', CloudWatch: 'cloudwatch' };
    const types = new Set([stacks.cognito.s3Template, stacks.cognito.ecrTemplate].flatMap((t) =>
      Object.values((t.template as { Resources: Record<string, { Type: string }> }).Resources).map((r) => r.Type)));
    const granted = actionsOf(cfnRoleId);
    for (const type of types) {
      if (type === 'AWS::CDK::Metadata') continue;
      if (type.startsWith('Custom::')) { expect(granted, type).toContain('lambda:*'); continue; }
      const ns = type.split('::')[1];
      const prefix = service[ns] ?? ns.toLowerCase();
      expect(granted.some((a) => a.startsWith(`${prefix}:`)), `${type} needs ${prefix}:… on the plugin stack role`).toBe(true);
    }
    if (types.has('AWS::S3::Bucket')) expect(granted).toEqual(expect.arrayContaining(['s3:CreateBucket', 's3:DeleteBucket', 's3:PutBucketPolicy', 's3:PutEncryptionConfiguration']));

    // The start step's role: no plugin-resource rights of its own, iam:PassRole on that one role only.
    const start = Object.values(cognito.findResources('AWS::Lambda::Function')).find((f) => f.Properties.Environment?.Variables?.PLUGIN_STACK_ROLE_ARN);
    expect(start?.Properties.Environment.Variables.PLUGIN_STACK_ROLE_ARN).toEqual({ 'Fn::GetAtt': [cfnRoleId, 'Arn'] });
    const startRoleId = (start?.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
    const startActions = actionsOf(startRoleId);
    for (const broad of ['ec2:*', 'ecs:*', 'iam:CreateRole', 'lambda:*']) expect(startActions).not.toContain(broad);
    const passRole = statementsOf(startRoleId).filter((st) => [st.Action].flat().includes('iam:PassRole'));
    expect(passRole.map((st) => st.Resource)).toEqual([{ 'Fn::GetAtt': [cfnRoleId, 'Arn'] }]);
  });
});

describe('plugin template parameters come from the schema', () => {
  const check = (t: Template, schema: readonly ParamSpec[]) => {
    const params = t.toJSON().Parameters as Record<string, { Type: string; Default?: unknown; AllowedValues?: string[]; Description?: string }>;
    const declared = schema.filter((p) => p.template !== false);
    // Exactly the schema's declared parameters plus the orchestrator's, and nothing else but CDK's own (SSM AMI, bootstrap).
    const own = Object.keys(params).filter((k) => !k.startsWith('SsmParameterValue') && k !== 'BootstrapVersion');
    const optional = Object.values(PLUGIN_OPTIONAL_PARAMETERS).filter((k) => k in params);
    expect(own.sort()).toEqual([...declared.map((p) => p.name), ...Object.values(PLUGIN_PARAMETERS), ...optional].sort());
    for (const p of declared) {
      const tpl = p.template as Exclude<ParamSpec['template'], false>;
      const cfn = params[p.name];
      expect(cfn.Type, p.name).toBe(tpl.cfnType ?? 'String');
      expect(String(cfn.Default), p.name).toBe(p.default ?? '');
      expect(cfn.AllowedValues, p.name).toEqual(p.values ? [...p.values] : undefined);
      expect(cfn.Description, p.name).toContain(p.description);
    }
    const ui = t.toJSON().Metadata['AWS::CloudFormation::Interface'];
    for (const p of declared) expect(ui.ParameterLabels[p.name], p.name).toEqual({ default: (p.template as { label: string }).label });
    const grouped = ui.ParameterGroups.flatMap((g: { Parameters: string[] }) => g.Parameters);
    expect(grouped.sort()).toEqual(own.sort());
    return ui.ParameterGroups.map((g: { Label: { default: string } }) => g.Label.default);
  };

  it('S3: every schema parameter with its type, default, AllowedValues and description; the original\'s groups and labels', () => {
    expect(check(s3, S3_PARAMETERS).slice(0, 5)).toEqual(['Source Information', 'Destination Information', 'Notification Information', 'EC2 Cluster Information', 'Advanced Options']);
    expect(s3.toJSON().Metadata['AWS::CloudFormation::Interface'].ParameterLabels.srcPrefixListBucket).toEqual({ default: 'Bucket Name for Source Prefix List File' });
  });

  it('ECR: every parameter the schema declares for the template (local-only ones absent); the original\'s groups', () => {
    expect(check(ecr, ECR_PARAMETERS).slice(0, 4)).toEqual(['Type', 'Source Information', 'Destination Information', 'Notification Information']);
    expect(Object.keys(ecr.findParameters('insecure'))).toEqual([]);
  });

  it('every parameter the console sends reaches a parameter the template declares, under its own name', () => {
    // The wizard with every optional field used: our additions (endpoint, patterns, registries) are sent only when set.
    const state = initialState();
    state.s3 = { ...state.s3, destEndpoint: 'https://s3.example.com', include: '*.csv', exclude: 'tmp/**' };
    const s3Keys = createInput(state).parameters.map((p) => p.ParameterKey);
    state.type = 'ECR';
    state.ecr = { ...state.ecr, sourceType: 'Public', srcRegistry: 'ghcr.io', destKind: 'Registry', destRegistry: 'registry.example.com' };
    const ecrKeys = createInput(state).parameters.map((p) => p.ParameterKey);
    expect(s3Keys).toEqual(expect.arrayContaining(['ec2CronExpression', 'destEndpoint', 'include', 'exclude']));
    for (const key of s3Keys) expect(Object.keys(s3.findParameters(key)), key).toEqual([key]);
    for (const key of ecrKeys) expect(Object.keys(ecr.findParameters(key)), key).toEqual([key]);
    // The one local-only setting (plain-HTTP registries) is sent only when set, and refused by name in the cloud.
    expect(ecrKeys).not.toContain('insecure');
  });
});

describe('S3 plugin stack', () => {
  it('declares the orchestrator contract parameters and every S3 schema parameter by its name', () => {
    for (const p of Object.values(PLUGIN_PARAMETERS)) expect(Object.keys(s3.findParameters(p))).toEqual([p]);
    for (const p of S3_PARAMETERS) {
      expect(S3_PARAM_NAMES as readonly string[]).toContain(p.name);
      expect(Object.keys(s3.findParameters(p.name))).toEqual([p.name]);
    }
  });

  it('outputs what the control plane reads', () => {
    for (const o of [PLUGIN_OUTPUTS.statusTable, PLUGIN_OUTPUTS.queueUrl, PLUGIN_OUTPUTS.dlqUrl, PLUGIN_OUTPUTS.finderLogGroup, PLUGIN_OUTPUTS.workerLogGroup, 'WorkerAutoScalingGroupName']) {
      expect(Object.keys(s3.findOutputs(o))).toEqual([o]);
    }
  });

  it('describes its log group outputs as the original did (its console looks them up by description)', () => {
    for (const t of [s3, ecr]) {
      expect(t.findOutputs(PLUGIN_OUTPUTS.finderLogGroup)[PLUGIN_OUTPUTS.finderLogGroup].Description).toBe('Finder Log Group Name');
      expect(t.findOutputs(PLUGIN_OUTPUTS.workerLogGroup)[PLUGIN_OUTPUTS.workerLogGroup].Description).toBe('Worker Log Group Name');
    }
  });

  it('has the status table with the exact key schema of DynamoStatusStore', () => {
    s3.hasResourceProperties('AWS::DynamoDB::Table', { KeySchema: STATUS_KEYS, BillingMode: 'PAY_PER_REQUEST' });
  });

  it('queues jobs with a dead-letter queue, an alarm on its depth and an optional email subscription', () => {
    s3.resourceCountIs('AWS::SQS::Queue', 2);
    s3.hasResourceProperties('AWS::SQS::Queue', { RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 5 }, SqsManagedSseEnabled: true });
    s3.hasResourceProperties('AWS::CloudWatch::Alarm', { ComparisonOperator: 'GreaterThanThreshold', Threshold: 0, MetricName: 'ApproximateNumberOfMessagesVisible', AlarmActions: [Match.anyValue()] });
    s3.hasResource('AWS::SNS::Subscription', { Condition: 'HasAlarmEmail', Properties: { Protocol: 'email', Endpoint: { Ref: 'alarmEmail' } } });
  });

  it('runs the finder as a scheduled Fargate task (`dth finder`) and once at creation', () => {
    s3.hasResourceProperties('AWS::ECS::TaskDefinition', { RequiresCompatibilities: ['FARGATE'], ContainerDefinitions: [Match.objectLike({ Command: ['finder'] })] });
    const finder = Object.values(s3.findResources('AWS::ECS::TaskDefinition'))[0].Properties.ContainerDefinitions[0];
    expect(finder.Environment.map((e: { Name: string }) => e.Name)).toEqual(expect.arrayContaining(['QUEUE_URL', 'STATUS_TABLE', 'TASK_PARAMS', 'TASK_ID']));
    s3.hasResource('AWS::Events::Rule', { Condition: 'HasSchedule', Properties: { ScheduleExpression: { 'Fn::If': ['HasOrchestratorSchedule', { Ref: PLUGIN_PARAMETERS.schedule }, Match.anyValue()] }, Targets: [Match.objectLike({ EcsParameters: Match.anyValue() })] } });
    expect(JSON.stringify(s3.findResources('Custom::AWS'))).toContain('runTask');
  });

  it('runs JobWorkers on Graviton: ARM64 AMI, launch template user data running `dth worker`, step scaling on queue depth', () => {
    s3.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      MinSize: { Ref: 'minCapacity' }, MaxSize: { Ref: 'maxCapacity' }, DesiredCapacity: { Ref: 'desiredCapacity' },
    });
    const params = JSON.stringify(s3.toJSON().Parameters);
    expect(params).toMatch(/al2023-ami-kernel-[^"]*arm64/);
    const instanceTypes = s3.toJSON().Parameters.workerInstanceType.AllowedValues as string[];
    for (const t of instanceTypes) expect(t).toMatch(/^(c6g|c7g|m6g|m7g|c6gn|c7gn|t4g)\./);
    const lt = Object.values(s3.findResources('AWS::EC2::LaunchTemplate'))[0];
    const userData = JSON.stringify(lt.Properties.LaunchTemplateData.UserData);
    expect(userData).toContain('nodejs20');
    expect(userData).toContain('/opt/dth/dth.mjs worker');
    expect(userData).toContain('amazon-cloudwatch-agent');
    expect(lt.Properties.LaunchTemplateData.MetadataOptions).toEqual({ HttpTokens: 'required' });
    s3.hasResourceProperties('AWS::AutoScaling::ScalingPolicy', { PolicyType: 'StepScaling', StepAdjustments: Match.arrayWith([Match.objectLike({ ScalingAdjustment: 1 })]) });
  });

  it('wires S3 event notifications only when srcEvent asks for them', () => {
    s3.hasResource('Custom::S3BucketNotifications', { Condition: 'UseSourceEvents' });
  });

  it('has a dashboard of network, objects, jobs and instances, and worker metric filters', () => {
    const body = JSON.stringify(Object.values(s3.findResources('AWS::CloudWatch::Dashboard'))[0].Properties.DashboardBody);
    for (const w of ['Network', 'Objects', 'Jobs', 'JobWorker instances', 'GroupInServiceInstances', 'GroupDesiredCapacity']) expect(body).toContain(w);
    s3.resourceCountIs('AWS::Logs::MetricFilter', 3);
  });

  it('builds the worker metric filters from the log contract: FailedObjects counts failed objects, not crashed workers', () => {
    const filters = Object.values(s3.findResources('AWS::Logs::MetricFilter')).map((r) => r.Properties as {
      FilterPattern: string; MetricTransformations: { MetricName: string; MetricValue: string }[];
    });
    const byName = Object.fromEntries(filters.map((f) => [f.MetricTransformations[0].MetricName, { pattern: f.FilterPattern, value: f.MetricTransformations[0].MetricValue }]));
    expect(byName).toEqual(Object.fromEntries(Object.values(WORKER_METRICS).map((m) => [m.metricName, { pattern: `{ $.event = "${m.event}" }`, value: metricFilterValue(m) }])));
    expect(byName[WORKER_METRICS.failedObjects.metricName].pattern).not.toContain(LOG_EVENTS.workerCrashed);
  });

  it('reads credentials from Secrets Manager by name only (GetSecretValue on the two named secrets)', () => {
    s3.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({
        Action: 'secretsmanager:GetSecretValue',
        Resource: [Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([{ Ref: 'srcCredentials' }])] }), Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([{ Ref: 'destCredentials' }])] })],
      })]) },
    });
  });
});

describe('ECR plugin stack', () => {
  it('declares the image engine parameters by their engine names and the contract outputs', () => {
    for (const p of ECR_PARAMETERS.filter((x) => x.template !== false)) {
      expect(ECR_PARAM_NAMES as readonly string[]).toContain(p.name);
      expect(Object.keys(ecr.findParameters(p.name))).toEqual([p.name]);
    }
    for (const o of [PLUGIN_OUTPUTS.statusTable, PLUGIN_OUTPUTS.finderLogGroup, PLUGIN_OUTPUTS.workerLogGroup]) expect(Object.keys(ecr.findOutputs(o))).toEqual([o]);
    ecr.hasResourceProperties('AWS::DynamoDB::Table', { KeySchema: STATUS_KEYS });
  });

  it('lists images with a Lambda, then copies each in Fargate (`dth ecr copy-one`), 10 at a time, 3 retries, status in DynamoDB', () => {
    const sm = Object.values(ecr.findResources('AWS::StepFunctions::StateMachine'));
    expect(sm).toHaveLength(1);
    const definition = JSON.stringify(sm[0].Properties.DefinitionString);
    expect(definition).toContain(`\\"MaxConcurrency\\":${IMAGE_COPY_CONCURRENCY}`);
    expect(definition).toContain('ecs:runTask.sync');
    expect(definition).toContain(`\\"MaxAttempts\\":${IMAGE_COPY_RETRIES}`);
    expect(definition).toContain('dynamodb:updateItem');
    expect(definition).toContain('\\"Name\\":\\"IMAGE\\"');
    ecr.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RequiresCompatibilities: ['FARGATE'], ContainerDefinitions: [Match.objectLike({ Command: ['ecr', 'copy-one'] })],
    });
    ecr.hasResourceProperties('AWS::Lambda::Function', { Runtime: Match.stringLikeRegexp('^nodejs2'), Environment: { Variables: Match.objectLike({ STATUS_TABLE: Match.anyValue(), TASK_PARAMS: Match.anyValue() }) } });
    ecr.hasResource('AWS::Events::Rule', { Condition: 'HasSchedule' });
    // The list travels through S3, not the state (256 KB): the lister writes it, a Distributed Map reads it.
    expect(definition).toContain('\\"Mode\\":\\"DISTRIBUTED\\",\\"ExecutionType\\":\\"STANDARD\\"');
    expect(definition).toContain(':states:::s3:getObject');
    expect(definition).toContain('\\"Key.$\\":\\"$.listKey\\"');
    expect(definition).toContain('\\"executionName.$\\":\\"$$.Execution.Name\\"');
    const [listsId] = Object.keys(ecr.findResources('AWS::S3::Bucket'));
    expect(definition).toContain(`{"Ref":"${listsId}"}`);
    ecr.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ IMAGE_LIST_BUCKET: { Ref: listsId } }) } });
    // The lister reads manifest digests on both registries (ECR: BatchGetImage) to leave unchanged images out.
    ecr.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['ecr:ListImages', 'ecr:BatchGetImage']) })]) },
    });
  });

  it('takes parameters too large for CloudFormation from SSM (TaskParamsPath), and lets the copy task record its image', () => {
    expect(Object.keys(ecr.findParameters(PLUGIN_OPTIONAL_PARAMETERS.taskParamsPath))).toEqual([PLUGIN_OPTIONAL_PARAMETERS.taskParamsPath]);
    const path = { Ref: PLUGIN_OPTIONAL_PARAMETERS.taskParamsPath };
    const [taskDef] = Object.values(ecr.findResources('AWS::ECS::TaskDefinition'));
    const architecture = taskDef.Properties.RuntimePlatform.CpuArchitecture;
    // The lister compares the image of the platform the copy task runs on (includeUntagged=false).
    ecr.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({
      TASK_PARAMS_PATH: path, COPY_PLATFORM: architecture === 'ARM64' ? 'linux/arm64' : 'linux/amd64',
    }) } });
    const env = Object.fromEntries((taskDef.Properties.ContainerDefinitions[0].Environment as { Name: string; Value: unknown }[]).map((e) => [e.Name, e.Value]));
    expect(env).toMatchObject({ TASK_PARAMS_PATH: path, STATUS_TABLE: { Ref: Object.keys(ecr.findResources('AWS::DynamoDB::Table'))[0] } });
    const ssmReads = Object.values(ecr.findResources('AWS::IAM::Policy')).filter((pol) => JSON.stringify(pol).includes('ssm:GetParametersByPath'));
    expect(ssmReads).toHaveLength(2);
  });

  it('records each image DONE or FAILED with updates DynamoDB accepts (status and error are reserved words); the copy task\'s own error wins', async () => {
    const [machine] = Object.values(ecr.findResources('AWS::StepFunctions::StateMachine'));
    const [tableId] = Object.keys(ecr.findResources('AWS::DynamoDB::Table'));
    const parts = machine.Properties.DefinitionString['Fn::Join'][1] as unknown[];
    const definition = parts.map((p) => (typeof p === 'string' ? p : JSON.stringify(p) === JSON.stringify({ Ref: tableId }) ? 'TABLE' : 'TOKEN')).join('');
    const states: Record<string, { Parameters: Record<string, unknown> }> = {};
    const collect = (o: unknown): void => {
      if (!o || typeof o !== 'object') return;
      for (const [k, v] of Object.entries(o)) {
        if (k === 'MarkDone' || k === 'MarkFailed') states[k] = v as { Parameters: Record<string, unknown> };
        collect(v);
      }
    };
    collect(JSON.parse(definition));
    expect(Object.keys(states).sort()).toEqual(['MarkDone', 'MarkFailed']);
    // Step Functions' input for one image (JsonPath fields resolved as the service would).
    const input: Record<string, string> = { '$.image': 'team/app:v1', '$.failure.Cause': '{"StopCode":"EssentialContainerExited"}', '$$.State.EnteredTime': '2026-12-01T00:00:00Z' };
    const resolve = (o: unknown): unknown => {
      if (!o || typeof o !== 'object') return o;
      return Object.fromEntries(Object.entries(o).map(([k, v]) => (k.endsWith('.$') ? [k.slice(0, -2), input[v as string]] : [k, resolve(v)])));
    };
    const { DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } = await import('@aws-sdk/client-dynamodb');
    const { localDynamoClient } = await import('../adapters/aws/clients.js');
    const { ensureStatusTable } = await import('../../worker/adapters/aws/index.js');
    const dynamo: InstanceType<typeof DynamoDBClient> = localDynamoClient();
    const tableName = `ecr-updates-${Date.now().toString(36)}`;
    await ensureStatusTable(dynamo, tableName);
    const update = async (state: 'MarkDone' | 'MarkFailed') => {
      const p = resolve(states[state].Parameters) as Record<string, unknown>;
      await dynamo.send(new UpdateItemCommand({ ...p, TableName: tableName } as ConstructorParameters<typeof UpdateItemCommand>[0]));
    };
    const key = { [STATUS_TABLE_PARTITION_KEY]: { S: 'team/app:v1' }, [STATUS_TABLE_SORT_KEY]: { S: '#object' } };
    const read = async () => (await dynamo.send(new GetItemCommand({ TableName: tableName, Key: key }))).Item;
    // The copy task wrote its own reason: the state machine marks FAILED and keeps it.
    await dynamo.send(new PutItemCommand({ TableName: tableName, Item: { ...key, status: { S: 'FAILED' }, error: { S: 'source image x does not exist' } } }));
    await update('MarkFailed');
    expect(await read()).toMatchObject({ status: { S: 'FAILED' }, error: { S: 'source image x does not exist' }, finishedAt: { S: '2026-12-01T00:00:00Z' } });
    // A task that died before writing anything: the ECS failure is the reason.
    await dynamo.send(new PutItemCommand({ TableName: tableName, Item: { ...key, status: { S: 'IN_PROGRESS' } } }));
    await update('MarkFailed');
    expect(await read()).toMatchObject({ status: { S: 'FAILED' }, error: { S: '{"StopCode":"EssentialContainerExited"}' } });
    await update('MarkDone');
    expect(await read()).toMatchObject({ status: { S: 'DONE' }, verified: { BOOL: true } });
  });
});

describe('templates', () => {
  it('are valid JSON within the CloudFormation limits (≤ 1 MB via S3, ≤ 500 resources)', () => {
    const all = [cognito, oidc, s3, ecr].map((t) => t.toJSON());
    all.push(stacks.cognito.s3Template.template as never, stacks.cognito.ecrTemplate.template as never);
    for (const t of all) {
      const text = JSON.stringify(t);
      expect(() => JSON.parse(text)).not.toThrow();
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(1_000_000);
      expect(Object.keys((t as { Resources: object }).Resources).length).toBeLessThanOrEqual(500);
    }
  });
});
