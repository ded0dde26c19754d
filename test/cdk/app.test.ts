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
import {
  METRICS_NAMESPACE_PREFIX,
  PLUGIN_OPTIONAL_PARAMETERS,
  ORIGINAL_S3_OUTPUTS,
  PLUGIN_OUTPUTS,
  PLUGIN_PARAMETERS,
} from '../../control-plane/core/plugin-contract.js';
import { REQUEST_LIMITS } from '../../control-plane/core/request-limits.js';
import { TASK_TABLE_PARTITION_KEY } from '../../control-plane/core/task-table.js';
import { buildApp, type DthApp } from '../../lib/app.js';
import type { ConsoleAuth } from '../../lib/console-auth.js';
import { CREDENTIAL_SECRET_TAG } from '../../control-plane/core/credential-secret-tag.js';
import { configFor, MainStack } from '../../lib/main-stack.js';
import { rootFields } from '../../lib/task-api.js';
import { IMAGE_COPY_CONCURRENCY, IMAGE_COPY_RETRIES } from '../../plugins/ecr/ecr-plugin-stack.js';
import { ECR_PARAMETERS, S3_PARAMETERS, type ParamSpec } from '../../worker/params/index.js';
import { createInput, initialState } from '../../portal/src/pages/create-task/parameters.js';
import { STATUS_TABLE_PARTITION_KEY, STATUS_TABLE_SORT_KEY } from '../../worker/adapters/aws/status-table.js';
import { IMAGE_METRICS, LOG_EVENTS, metricFilterValue, WORKER_METRICS } from '../../worker/core/events.js';
import { ECR_PARAM_NAMES } from '../../worker/ecr/params.js';
import { S3_PARAM_NAMES } from '../../worker/s3/params.js';
import { definitionOf, walk } from './state-machine-walk.js';
import { resolve } from '../cloud/cfn-resolve.js';
import { type Json, runExecution, StatesError } from '../cloud/state-machine.js';
import type { CfnTemplate } from '../cloud/emulator-template.js';
import { loadCloudRoleConfig } from '../../worker/adapters/aws/cloud-role.js';

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

type Statement = {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};
type Resource = { Type: string; Properties: Record<string, any>; Condition?: string; CreationPolicy?: any };

/** Every IAM statement that applies to a role: its inline policies and the AWS::IAM::Policy resources attached to it. */
function statementsOf(t: Template, roleId: string): Statement[] {
  const role = t.toJSON().Resources[roleId] as Resource;
  const inline = (role.Properties.Policies ?? []).flatMap(
    (p: { PolicyDocument: { Statement: Statement[] } }) => p.PolicyDocument.Statement,
  );
  const attached = Object.values(t.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(`"${roleId}"`))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
  return [...inline, ...attached];
}
const actions = (sts: Statement[]) => sts.flatMap((s) => [s.Action].flat());
/** The role an ECS task definition / function uses, by a property holding { Fn::GetAtt: [role, Arn] }. */
const roleOf = (ref: unknown) => (ref as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];

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
  unbuilt = Template.fromStack(
    new MainStack(bare, 'Bare', { authType: 'COGNITO', portalDist: join(portal, 'missing') }),
  );
}, 600_000);

describe('main stack: console', () => {
  it('serves the console from a private bucket through CloudFront, HTTPS only, with security headers', () => {
    for (const t of [cognito, oidc]) {
      t.hasResourceProperties('AWS::CloudFront::Distribution', {
        DistributionConfig: Match.objectLike({
          DefaultRootObject: 'index.html',
          DefaultCacheBehavior: Match.objectLike({
            ViewerProtocolPolicy: 'redirect-to-https',
            ResponseHeadersPolicyId: Match.anyValue(),
          }),
        }),
      });
      t.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
        ResponseHeadersPolicyConfig: {
          SecurityHeadersConfig: Match.objectLike({
            StrictTransportSecurity: Match.objectLike({ Override: true }),
            FrameOptions: { FrameOption: 'DENY', Override: true },
          }),
        },
      });
      t.hasResourceProperties('AWS::S3::Bucket', {
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        BucketEncryption: Match.anyValue(),
        LoggingConfiguration: Match.anyValue(),
      });
    }
    // AWS regions: origin access control.
    cognito.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    cognito.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Origins: [Match.objectLike({ OriginAccessControlId: Match.anyValue() })],
      }),
    });
  });

  it('OIDC (China) console uses only what CloudFront has in China: origin access identity, legacy cache settings, no IPv6', () => {
    oidc.resourceCountIs('AWS::CloudFront::OriginAccessControl', 0);
    oidc.resourceCountIs('AWS::CloudFront::CloudFrontOriginAccessIdentity', 1);
    const config = Object.values(oidc.findResources('AWS::CloudFront::Distribution'))[0].Properties.DistributionConfig;
    expect(config.Origins[0].S3OriginConfig.OriginAccessIdentity).toBeDefined();
    expect(config.DefaultCacheBehavior.CachePolicyId).toBeUndefined();
    expect(config.DefaultCacheBehavior.ForwardedValues).toEqual({ QueryString: false, Cookies: { Forward: 'none' } });
    expect(config.IPV6Enabled).toBe(false);
  });

  it('OIDC console takes its ICP domain and an IAM (China) or ACM certificate: exactly one certificate per choice, and none without a domain', () => {
    const params = oidc.toJSON().Parameters;
    expect(params.OidcCustomerDomain.AllowedPattern).toBe('^((http|https)://.+)?$');
    expect(Object.keys(params)).toEqual(
      expect.arrayContaining(['IamCertificateId', 'AcmCertificateArn', 'AdminEmail']),
    );
    const config = Object.values(oidc.findResources('AWS::CloudFront::Distribution'))[0].Properties.DistributionConfig;
    // Every branch of the certificate choice sets exactly one of the three certificate kinds.
    const branches: Record<string, unknown>[] = [];
    const collect = (v: any) => (v?.['Fn::If'] ? [v['Fn::If'][1], v['Fn::If'][2]].forEach(collect) : branches.push(v));
    collect(config.ViewerCertificate);
    expect(
      branches.map((b) =>
        ['IamCertificateId', 'AcmCertificateArn', 'CloudFrontDefaultCertificate'].filter((k) => k in b),
      ),
    ).toEqual([['IamCertificateId'], ['AcmCertificateArn'], ['CloudFrontDefaultCertificate']]);
    expect(
      branches
        .slice(0, 2)
        .every((b) => b.SslSupportMethod === 'sni-only' && b.MinimumProtocolVersion === 'TLSv1.2_2021'),
    ).toBe(true);
    // The alias (the domain's host) exists only with a certificate; a certificate without the domain is refused at deploy.
    expect(config.Aliases['Fn::If'][2]).toEqual({ Ref: 'AWS::NoValue' });
    expect(JSON.stringify(config.Aliases)).toContain('OidcCustomerDomain');
    const rule = oidc.toJSON().Rules.CertificateNeedsDomain;
    expect(JSON.stringify(rule.RuleCondition)).toContain('IamCertificateId');
    expect(rule.Assertions[0].Assert).toEqual({ 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'OidcCustomerDomain' }, ''] }] });
  });

  it('deploys the built console plus config.json, or only config.json when the console is not built', () => {
    const sources = (t: Template) =>
      Object.values(t.findResources('Custom::CDKBucketDeployment')).map((r) => r.Properties.SourceObjectKeys.length);
    expect(sources(cognito)).toEqual([2]);
    expect(sources(unbuilt)).toEqual([1]);
  });

  it('writes the console config.json in the shape portal/src/auth.ts reads, with the deployed API and client', () => {
    const markers = (t: Template) =>
      JSON.stringify(Object.values(t.findResources('Custom::CDKBucketDeployment'))[0].Properties.SourceMarkers);
    expect(markers(cognito)).toContain('AuthConsoleClient');
    expect(markers(cognito)).toContain('GraphQLUrl');
    expect(markers(cognito)).toContain('UserPool'); // userPoolId, for Amplify
    expect(markers(oidc)).toContain('OidcClientId');
    expect(markers(oidc)).toContain('OidcProvider');
    const config = configFor(
      { authType: 'OIDC', cognitoDomain: '', oidcIssuer: 'https://id.example', clientId: 'c1' } as ConsoleAuth,
      'https://api.example/graphql',
    );
    expect(Object.keys(config).sort()).toEqual([
      'apiUrl',
      'authType',
      'clientId',
      'cognitoDomain',
      'dashboardUrlPrefix',
      'oidcIssuer',
      'region',
      'userPoolId',
    ]);
    expect(config).toMatchObject({
      authType: 'OIDC',
      apiUrl: 'https://api.example/graphql',
      oidcIssuer: 'https://id.example',
      clientId: 'c1',
    });
    // The dashboard link points at the console of the partition deployed to (China regions: console.amazonaws.cn).
    expect(cognito.findMappings('ConsoleHosts')).toEqual({
      ConsoleHosts: {
        aws: { host: 'console.aws.amazon.com' },
        'aws-cn': { host: 'console.amazonaws.cn' },
        'aws-us-gov': { host: 'console.amazonaws-us-gov.com' },
      },
    });
    expect(markers(cognito)).toMatch(/"Fn::FindInMap":\["ConsoleHosts",\{"Ref":"AWS::Partition"\},"host"\]/);
  });

  it('signs in with Cognito (AdminEmail parameter, admin user, PKCE client) or with OIDC (issuer and client parameters)', () => {
    expect(Object.keys(cognito.findParameters('AdminEmail'))).toEqual(['AdminEmail']);
    cognito.resourceCountIs('AWS::Cognito::UserPool', 1);
    cognito.hasResourceProperties('AWS::Cognito::UserPoolUser', { DesiredDeliveryMediums: ['EMAIL'] });
    cognito.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      AllowedOAuthFlows: ['code'],
      GenerateSecret: false,
    });
    cognito.resourceCountIs('AWS::Cognito::UserPoolDomain', 1);
    cognito.hasResourceProperties('AWS::AppSync::GraphQLApi', { AuthenticationType: 'AMAZON_COGNITO_USER_POOLS' });

    for (const p of ['OidcProvider', 'OidcClientId', 'OidcCustomerDomain'])
      expect(Object.keys(oidc.findParameters(p))).toEqual([p]);
    oidc.resourceCountIs('AWS::Cognito::UserPool', 0);
    oidc.hasResourceProperties('AWS::AppSync::GraphQLApi', {
      AuthenticationType: 'OPENID_CONNECT',
      OpenIDConnectConfig: { Issuer: { Ref: 'OidcProvider' }, ClientId: { Ref: 'OidcClientId' } },
    });
  });

  it("e-mails task outcomes to AdminEmail (both sign-in variants, as the original's central topic)", () => {
    for (const t of [cognito, oidc]) {
      t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: { Ref: 'AdminEmail' } });
      expect(t.toJSON().Outputs.CentralAlarmTopicName.Description).toBe('Central Alarm Topic Name');
    }
  });
});

describe('main stack: API and lifecycle', () => {
  it("answers the original's output keys with its descriptions (its scripts and guides read them)", () => {
    const described = (t: Template) =>
      Object.fromEntries(
        Object.entries(t.toJSON().Outputs as Record<string, { Description?: string }>).map(([k, o]) => [
          k,
          o.Description,
        ]),
      );
    expect(described(cognito)).toMatchObject({
      ApiEndpoint: 'GraphQL API endpoint',
      UserPoolId: 'User Pool Id',
      UserPoolApiClientId: 'API Client Id',
      UserPoolDomain: 'User pool domain',
      AdminUsername: 'Admin username',
      TaskClusterVpc: 'Task VPC ID',
      TaskClusterName: 'Task Cluster Name',
      CentralAlarmTopicName: 'Central Alarm Topic Name',
    });
    expect(cognito.toJSON().Outputs.AdminUsername.Value).toEqual({ Ref: 'AdminEmail' });
    // The hosted UI's domain prefix alone, as the original's output gave it.
    const [domainId] = Object.keys(cognito.findResources('AWS::Cognito::UserPoolDomain'));
    expect(cognito.toJSON().Outputs.UserPoolDomain.Value).toEqual({ Ref: domainId });
    // The original's parameter groups, and the template format version it set.
    for (const [t, groups] of [
      [cognito, [['User Pool', ['AdminEmail']]]],
      [oidc, [['OIDC Settings', ['OidcProvider', 'OidcClientId', 'OidcCustomerDomain']]]],
    ] as const) {
      const json = t.toJSON();
      expect(json.AWSTemplateFormatVersion).toBe('2010-09-09');
      const ui = json.Metadata['AWS::CloudFormation::Interface'];
      expect(ui.ParameterGroups).toEqual(
        expect.arrayContaining(groups.map(([label, names]) => ({ Label: { default: label }, Parameters: names }))),
      );
      // Every parameter of the template is in a group, with a label (CDK's BootstrapVersion aside).
      const grouped = ui.ParameterGroups.flatMap((g: { Parameters: string[] }) => g.Parameters).sort();
      const declared = Object.keys(json.Parameters).filter((p) => p !== 'BootstrapVersion');
      expect(grouped).toEqual(declared.sort());
      expect(Object.keys(ui.ParameterLabels).sort()).toEqual(declared.sort());
    }
    // OIDC has no user pool: only the API endpoint of those.
    expect(Object.keys(described(oidc))).toEqual(expect.arrayContaining(['ApiEndpoint', 'TaskClusterVpc']));
    expect(Object.keys(described(oidc))).not.toContain('UserPoolId');
  });

  it('resolves every Query and Mutation field of the schema with the one Lambda data source', () => {
    const fields = rootFields();
    expect(fields.length).toBeGreaterThan(8);
    for (const t of [cognito, oidc]) {
      t.resourceCountIs('AWS::AppSync::DataSource', 1);
      t.hasResourceProperties('AWS::AppSync::DataSource', { Type: 'AWS_LAMBDA' });
      t.hasResourceProperties('AWS::AppSync::GraphQLSchema', { Definition: Match.stringLikeRegexp('createTask') });
      // The local hub's request limits (control-plane/core/request-limits.ts), as far as AppSync has them.
      t.hasResourceProperties('AWS::AppSync::GraphQLApi', {
        QueryDepthLimit: REQUEST_LIMITS.maxDepth,
        ResolverCountLimit: REQUEST_LIMITS.maxRootFields,
      });
      const resolved = Object.values(t.findResources('AWS::AppSync::Resolver'))
        .map((r) => `${r.Properties.TypeName}.${r.Properties.FieldName}`)
        .sort();
      expect(resolved).toEqual(fields.map((f) => `${f.typeName}.${f.fieldName}`).sort());
    }
  });

  it('has the task table with the key schema the DynamoTaskStore uses', () => {
    cognito.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: TASK_TABLE_PARTITION_KEY, KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it('runs Node Lambdas (arm64) configured from the environment: the API knows the state machine, steps the plugin templates', () => {
    const fns = Object.values(
      cognito.findResources('AWS::Lambda::Function', {
        Properties: { Runtime: Match.stringLikeRegexp('^nodejs2'), Environment: Match.anyValue() },
      }),
    );
    const ours = fns.filter((f) => f.Properties.Environment.Variables.TASK_TABLE);
    // The API resolver and the eight lifecycle steps (start, stop, query, check finder/queue/complete, release workers, notify).
    expect(ours).toHaveLength(9);
    for (const f of ours) {
      expect(f.Properties.Architectures).toEqual(['arm64']);
      expect(Object.keys(f.Properties.Environment.Variables)).toEqual(
        expect.arrayContaining([
          'TASK_TABLE',
          'S3_PLUGIN_TEMPLATE_URL',
          'ECR_PLUGIN_TEMPLATE_URL',
          'STACK_NAME_PREFIX',
        ]),
      );
    }
    expect(ours.filter((f) => f.Properties.Environment.Variables.STATE_MACHINE_ARN)).toHaveLength(1);
    expect(ours.filter((f) => f.Properties.Environment.Variables.NOTIFY_TOPIC_ARN)).toHaveLength(1);
    // The same templates as outputs: a task deployed with create-stack --template-url, as the original's guides do.
    const outputs = cognito.toJSON().Outputs;
    expect(outputs.S3PluginTemplateUrl.Value).toEqual(ours[0].Properties.Environment.Variables.S3_PLUGIN_TEMPLATE_URL);
    expect(outputs.EcrPluginTemplateUrl.Value).toEqual(
      ours[0].Properties.Environment.Variables.ECR_PLUGIN_TEMPLATE_URL,
    );
  });

  it('orchestrates with a state machine invoking each lifecycle step, logging and tracing on', () => {
    const sm = Object.values(cognito.findResources('AWS::StepFunctions::StateMachine'));
    expect(sm).toHaveLength(1);
    const definition = definitionOf(sm[0] as never);
    for (const state of [
      'StartStack',
      'StopStack',
      'CreateQueryStackStatus',
      'DeleteQueryStackStatus',
      'CheckFinder',
      'CheckQueueEmpty',
      'CheckComplete',
      'ReleaseWorkers',
      'Notify',
      'MonitorWait',
    ]) {
      expect(Object.keys(definition.States as object)).toContain(state);
    }
    expect(sm[0].Properties.TracingConfiguration).toEqual({ Enabled: true });
    expect(sm[0].Properties.LoggingConfiguration.Level).toBe('ALL');
  });

  it("mails task outcomes to the admin (Cognito hub) and lets the API read a failed plugin stack's events", () => {
    cognito.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: { Ref: 'AdminEmail' } });
    const statements = Object.values(cognito.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement,
    );
    expect(statements).toContainEqual(
      expect.objectContaining({ Action: 'cloudformation:DescribeStackEvents', Effect: 'Allow' }),
    );
  });

  it('keeps every log group on a retention', () => {
    for (const t of [cognito, oidc, s3, ecr]) {
      const groups = Object.values(t.findResources('AWS::Logs::LogGroup'));
      expect(groups.length).toBeGreaterThan(0);
      for (const g of groups) expect(g.Properties.RetentionInDays).toBe(30);
    }
  });

  it('uploads both plugin templates as assets, pointing at assets the main stack itself publishes', () => {
    const published = new Set(
      Object.values(stacks.cognito.node.findAll()).flatMap((c) => {
        const hash = (c as { assetHash?: string }).assetHash;
        return hash ? [hash] : [];
      }),
    );
    for (const t of [stacks.cognito.s3Template, stacks.cognito.ecrTemplate]) {
      expect(JSON.stringify(stacks.cognito.resolve(t.templateUrl))).toContain('https://s3.');
      const pairs = Object.entries(t.republished);
      expect(pairs.length).toBeGreaterThan(0);
      const text = JSON.stringify(t.template);
      const referenced = new Set(text.match(/[0-9a-f]{64}/g) ?? []);
      expect(referenced.size).toBeGreaterThan(0);
      for (const h of referenced) expect(published, h).toContain(h);
      expect(Object.keys((t.template as { Parameters?: object }).Parameters ?? {})).not.toContain('BootstrapVersion');
      expect((t.template as { AWSTemplateFormatVersion?: string }).AWSTemplateFormatVersion).toBe('2010-09-09');
    }
  });

  it("names the plugin templates' assets in its own template, so that `cdk gc` keeps them while no task runs", () => {
    const metadata = cognito.toJSON().Metadata['DataTransferHub::PluginAssets'] as string[];
    const expected = [
      ...new Set([stacks.cognito.s3Template, stacks.cognito.ecrTemplate].flatMap((t) => Object.values(t.republished))),
    ].sort();
    expect(metadata).toEqual(expected);
    // The worker bundle and the task image are among them (what the per-task stacks run).
    const manifest = JSON.stringify(stacks.cognito.s3Template.template);
    expect(metadata.some((h) => manifest.includes(`${h}.mjs`))).toBe(true);
    expect(metadata.some((h) => manifest.includes(`:${h}`))).toBe(true);
  });

  it("shares one task VPC and ECS cluster among all tasks, passed to the plugin stacks as the original's network parameters", () => {
    for (const t of [cognito, oidc]) {
      t.resourceCountIs('AWS::EC2::VPC', 1);
      t.resourceCountIs('AWS::EC2::InternetGateway', 1);
      t.resourceCountIs('AWS::EC2::NatGateway', 0);
      t.resourceCountIs('AWS::ECS::Cluster', 1);
      t.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'REJECT' });
      expect(t.toJSON().Outputs.TaskClusterVpc.Description).toBe('Task VPC ID');
      expect(t.toJSON().Outputs.TaskClusterName.Description).toBe('Task Cluster Name');
    }
    const start = Object.values(cognito.findResources('AWS::Lambda::Function')).find(
      (f) => f.Properties.Environment?.Variables?.PLUGIN_NETWORK_PARAMETERS,
    );
    const network = JSON.stringify(start?.Properties.Environment.Variables.PLUGIN_NETWORK_PARAMETERS);
    const [vpcId] = Object.keys(cognito.findResources('AWS::EC2::VPC'));
    const [clusterId] = Object.keys(cognito.findResources('AWS::ECS::Cluster'));
    const subnetIds = Object.keys(cognito.findResources('AWS::EC2::Subnet'));
    for (const name of ['ec2VpcId', 'ec2Subnets', 'ecsVpcId', 'ecsSubnetA', 'ecsSubnetB', 'ecsClusterName'])
      expect(network).toContain(name);
    expect(network).toContain(vpcId);
    expect(network).toContain(clusterId);
    for (const id of subnetIds) expect(network).toContain(id);
    // No plugin template makes a VPC or internet gateway of its own any more.
    for (const t of [stacks.cognito.s3Template, stacks.cognito.ecrTemplate]) {
      const types = Object.values((t.template as { Resources: Record<string, { Type: string }> }).Resources).map(
        (r) => r.Type,
      );
      expect(types).not.toContain('AWS::EC2::VPC');
      expect(types).not.toContain('AWS::EC2::InternetGateway');
    }
  });
});

describe('main stack: least privilege', () => {
  it('grants CloudFormation rights on the plugin stacks only, status tables read-only', () => {
    cognito.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: [
              'cloudformation:CreateStack',
              'cloudformation:DeleteStack',
              'cloudformation:DescribeStacks',
              'cloudformation:TagResource',
            ],
            Resource: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':stack/DTH-\\*$')])] },
          }),
        ]),
      },
    });
    cognito.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: ['dynamodb:Scan', 'dynamodb:Query', 'dynamodb:GetItem'] }),
        ]),
      },
    });
  });

  it('lets CloudFormation alone hold the rights on plugin resources, through a service role the start step hands it', () => {
    const roles = cognito.findResources('AWS::IAM::Role');
    const cfnRoles = Object.entries(roles).filter(([, r]) =>
      JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('cloudformation.amazonaws.com'),
    );
    expect(cfnRoles.map(([id]) => id)).toHaveLength(1);
    const [cfnRoleId] = cfnRoles[0];
    const granted = actions(statementsOf(cognito, cfnRoleId));
    expect(granted).toEqual(
      expect.arrayContaining(['ec2:*', 'ecs:*', 'autoscaling:*', 'lambda:*', 'iam:CreateRole', 'iam:PassRole']),
    );

    // Every kind of resource the plugin templates declare is within the role's rights (else CreateStack fails in AWS).
    const service: Record<string, string> = {
      StepFunctions: 'states',
      AutoScaling: 'autoscaling',
      CloudWatch: 'cloudwatch',
    };
    const types = new Set(
      [stacks.cognito.s3Template, stacks.cognito.ecrTemplate].flatMap((t) =>
        Object.values((t.template as { Resources: Record<string, { Type: string }> }).Resources).map((r) => r.Type),
      ),
    );
    for (const type of types) {
      if (type === 'AWS::CDK::Metadata') continue;
      if (type.startsWith('Custom::')) {
        expect(granted, type).toContain('lambda:*');
        continue;
      }
      const ns = type.split('::')[1];
      const prefix = service[ns] ?? ns.toLowerCase();
      expect(
        granted.some((a) => a.startsWith(`${prefix}:`)),
        `${type} needs ${prefix}:… on the plugin stack role`,
      ).toBe(true);
    }
    if (types.has('AWS::S3::Bucket'))
      expect(granted).toEqual(
        expect.arrayContaining([
          's3:CreateBucket',
          's3:DeleteBucket',
          's3:PutBucketPolicy',
          's3:PutEncryptionConfiguration',
        ]),
      );

    // The start step's role: no plugin-resource rights of its own, iam:PassRole on that one role only.
    const start = Object.values(cognito.findResources('AWS::Lambda::Function')).find(
      (f) => f.Properties.Environment?.Variables?.PLUGIN_STACK_ROLE_ARN,
    );
    expect(start?.Properties.Environment.Variables.PLUGIN_STACK_ROLE_ARN).toEqual({ 'Fn::GetAtt': [cfnRoleId, 'Arn'] });
    const startRoleId = roleOf(start?.Properties.Role);
    const startActions = actions(statementsOf(cognito, startRoleId));
    for (const broad of ['ec2:*', 'ecs:*', 'iam:CreateRole', 'lambda:*']) expect(startActions).not.toContain(broad);
    const passRole = statementsOf(cognito, startRoleId).filter((st) => [st.Action].flat().includes('iam:PassRole'));
    expect(passRole.map((st) => st.Resource)).toEqual([{ 'Fn::GetAtt': [cfnRoleId, 'Arn'] }]);
  });

  it("bounds the plugin stack role's IAM rights: DTH-* roles only, each created or given a policy with the permissions boundary, which stays", () => {
    const [cfnRoleId] = Object.entries(cognito.findResources('AWS::IAM::Role')).find(([, r]) =>
      JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('cloudformation.amazonaws.com'),
    )!;
    const [boundaryId] = Object.keys(cognito.findResources('AWS::IAM::ManagedPolicy'));
    const statements = statementsOf(cognito, cfnRoleId);
    const iam = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('iam:')));
    for (const s of iam) {
      const resource = JSON.stringify(s.Resource);
      if (s.Effect === 'Deny') continue;
      if ([s.Action].flat().includes('iam:CreateServiceLinkedRole')) {
        expect(s.Condition?.StringEquals['iam:AWSServiceName']).toEqual([
          'autoscaling.amazonaws.com',
          'ecs.amazonaws.com',
        ]);
        continue;
      }
      expect(resource, JSON.stringify(s.Action)).toMatch(/:(role|instance-profile)\/DTH-\*"/);
    }
    const escalating = [
      'iam:CreateRole',
      'iam:PutRolePolicy',
      'iam:AttachRolePolicy',
      'iam:PutRolePermissionsBoundary',
    ];
    for (const action of escalating) {
      const grants = iam.filter((s) => s.Effect === 'Allow' && [s.Action].flat().includes(action));
      expect(grants.length, action).toBe(1);
      expect(grants[0].Condition, action).toEqual({ StringEquals: { 'iam:PermissionsBoundary': { Ref: boundaryId } } });
    }
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Action: 'iam:DeleteRolePermissionsBoundary', Resource: '*' }),
    );
    // What CloudFormation needs to delete the roles and instance profiles it made.
    expect(actions(iam)).toEqual(
      expect.arrayContaining([
        'iam:DeleteRole',
        'iam:DeleteRolePolicy',
        'iam:DetachRolePolicy',
        'iam:ListRolePolicies',
        'iam:ListAttachedRolePolicies',
        'iam:ListInstanceProfilesForRole',
        'iam:RemoveRoleFromInstanceProfile',
        'iam:DeleteInstanceProfile',
        'iam:GetRole',
      ]),
    );
    // The boundary itself: no IAM write, no role assumption; only other task roles may be passed.
    const boundary = Object.values(cognito.findResources('AWS::IAM::ManagedPolicy'))[0].Properties.PolicyDocument
      .Statement as Statement[];
    const bounded = actions(boundary);
    expect(bounded.filter((a) => a.startsWith('iam:'))).toEqual(['iam:PassRole']);
    expect(bounded.some((a) => a.startsWith('sts:') || a === '*' || a === 'iam:*')).toBe(false);
    expect(JSON.stringify(boundary.find((s) => s.Action === 'iam:PassRole')?.Resource)).toMatch(/:role\/DTH-\*"/);
    // The start step hands the boundary to every plugin stack.
    const start = Object.values(cognito.findResources('AWS::Lambda::Function')).find(
      (f) => f.Properties.Environment?.Variables?.PLUGIN_ROLE_BOUNDARY_ARN,
    );
    expect(start?.Properties.Environment.Variables.PLUGIN_ROLE_BOUNDARY_ARN).toEqual({ Ref: boundaryId });
  });

  it('puts every role of both plugin templates under the boundary the hub passes', () => {
    for (const t of [stacks.cognito.s3Template, stacks.cognito.ecrTemplate]) {
      const template = t.template as {
        Parameters: Record<string, { Default?: string }>;
        Resources: Record<string, Resource>;
      };
      expect(template.Parameters[PLUGIN_PARAMETERS.permissionsBoundary].Default).toBe('');
      const roles = Object.values(template.Resources).filter((r) => r.Type === 'AWS::IAM::Role');
      expect(roles.length).toBeGreaterThan(3);
      for (const r of roles) {
        expect(r.Properties.PermissionsBoundary).toEqual({
          'Fn::If': [
            expect.stringMatching(/HasBoundary/),
            { Ref: PLUGIN_PARAMETERS.permissionsBoundary },
            { Ref: 'AWS::NoValue' },
          ],
        });
      }
    }
  });

  it("scopes the API Lambda: secrets only when tagged as task credentials, listings of this account's buckets only", () => {
    const api = Object.values(cognito.findResources('AWS::Lambda::Function')).find(
      (f) => f.Properties.Environment?.Variables?.STATE_MACHINE_ARN,
    );
    const statements = statementsOf(cognito, roleOf(api?.Properties.Role));
    const secretReads = statements.filter((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue'));
    expect(secretReads).toHaveLength(1);
    expect(secretReads[0].Condition).toEqual({
      StringEquals: { [`secretsmanager:ResourceTag/${CREDENTIAL_SECRET_TAG.key}`]: CREDENTIAL_SECRET_TAG.value },
    });
    const s3Reads = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('s3:')));
    expect(s3Reads.map((s) => s.Condition)).toEqual([
      { StringEquals: { 's3:ResourceAccount': { Ref: 'AWS::AccountId' } } },
    ]);
    expect(actions(statements).filter((a) => a.startsWith('s3:'))).toEqual(['s3:ListBucket', 's3:GetBucketLocation']);
  });

  it("lets the stop step stop a task's ECS tasks and copy flow, and the finder check ask ECS and Step Functions whether its finder runs", () => {
    const byFile = (file: string) => {
      const fn = Object.values(cognito.findResources('AWS::Lambda::Function')).find((f) =>
        String(f.Properties.Description ?? '').includes(file),
      );
      return statementsOf(cognito, roleOf(fn?.Properties.Role));
    };
    const stop = byFile('stop-stack.ts');
    expect(actions(stop)).toEqual(
      expect.arrayContaining([
        'ecs:ListTasks',
        'ecs:StopTask',
        'ecs:DescribeTasks',
        'states:ListExecutions',
        'states:StopExecution',
        'cloudformation:DeleteStack',
      ]),
    );
    const stopTask = stop.find((s) => [s.Action].flat().includes('ecs:StopTask'))!;
    expect(JSON.stringify(stopTask.Condition)).toContain('ecs:cluster');
    expect(JSON.stringify(stop.find((s) => [s.Action].flat().includes('states:StopExecution'))?.Resource)).toContain(
      ':execution:DTH-*',
    );
    const finder = byFile('check-finder.ts');
    expect(actions(finder)).toEqual(
      expect.arrayContaining(['ecs:ListTasks', 'ecs:DescribeTasks', 'states:ListExecutions', 'logs:FilterLogEvents']),
    );
  });
});

describe('main stack: lifecycle state machine (walked with answered steps)', () => {
  const machine = () =>
    definitionOf(Object.values(cognito.findResources('AWS::StepFunctions::StateMachine'))[0] as never);

  it('hands the monitor over to a new execution of itself (same task, action MONITOR) before the 25,000-event history limit', () => {
    const started: unknown[] = [];
    const run = walk(machine(), { taskId: 't1', action: 'START' }, (state, input) => {
      if (state === 'ContinueAsNewExecution') {
        started.push(input);
        return { executionArn: 'x' };
      }
      if (state === 'StartStack') return { ...(input as object), result: 'WAIT' };
      if (state === 'CreateQueryStackStatus') return { ...(input as object), result: 'NEXT' };
      return { ...(input as object), result: 'WAIT' }; // a finder that never finishes
    });
    expect(run.last).toBe('ContinuedAsNew');
    expect(run.end).toBe('Succeed');
    expect(started).toEqual([
      {
        StateMachineArn: expect.stringContaining(':stateMachine:'),
        Input: { taskId: 't1', action: 'MONITOR', AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: expect.any(String) },
      },
    ]);
    // Events per execution stay far below 25,000: entered states ≈ events / 2 (Lambda tasks 5 events each, others 2).
    const events = run.path.reduce((n, s) => n + (/^Check|Query|Start|Stop|Notify/.test(s) ? 5 : 2), 0);
    expect(events).toBeLessThan(20_000);
    // The continuation starts in the monitor loop, not by creating the stack again.
    const continued = walk(machine(), { taskId: 't1', action: 'MONITOR' }, (state, input) =>
      state === 'CheckFinder' ? { ...(input as object), result: 'END' } : { ...(input as object), result: 'END' },
    );
    expect(continued.path.slice(0, 3)).toEqual(['Action', 'StartMonitor', 'MonitorWait']);
    expect(continued.path).not.toContain('StartStack');
  });

  it('the state machine may start its own continuation (states:StartExecution on itself)', () => {
    const [sm] = Object.values(cognito.findResources('AWS::StepFunctions::StateMachine'));
    const statements = statementsOf(cognito, roleOf(sm.Properties.RoleArn));
    const start = statements.find((s) => [s.Action].flat().includes('states:StartExecution'));
    expect(JSON.stringify(start?.Resource)).toContain('-TaskLifecycle');
    expect(JSON.stringify(sm.Properties.StateMachineName)).toContain('-TaskLifecycle');
  });

  it('stops monitoring a FIXED_RATE task once its first pass is listed (as the original), a ONE_TIME task only at DONE/ERROR', () => {
    const answer = (scheduleType: string) => (state: string, input: unknown) => {
      if (state === 'StartStack') return { ...(input as object), result: 'WAIT' };
      if (state === 'CreateQueryStackStatus') return { ...(input as object), result: 'NEXT' };
      if (state === 'CheckFinder') return { ...(input as object), scheduleType, result: 'NEXT' };
      if (state === 'CheckQueueEmpty') return { ...(input as object), result: 'NEXT' };
      return { ...(input as object), result: 'END' };
    };
    const scheduled = walk(machine(), { taskId: 't', action: 'START' }, answer('FIXED_RATE'));
    expect(scheduled.last).toBe('ScheduledTaskListed');
    expect(scheduled.path).not.toContain('CheckQueueEmpty');
    const once = walk(machine(), { taskId: 't', action: 'START' }, answer('ONE_TIME'));
    expect(once.path).toEqual(expect.arrayContaining(['CheckQueueEmpty', 'CheckComplete', 'ReleaseWorkers', 'Notify']));
    expect(once.last).toBe('Notified');
  });

  it("stop: calls the stop step again while the task's ECS tasks are stopping, then polls the deletion", () => {
    let calls = 0;
    const run = walk(machine(), { taskId: 't', action: 'STOP' }, (state, input) => {
      if (state === 'StopStack') {
        calls++;
        return { ...(input as object), tasksStopping: calls < 3, result: 'WAIT' };
      }
      if (state === 'DeleteQueryStackStatus') return { ...(input as object), result: 'END' };
      throw new Error(`unexpected ${state}`);
    });
    expect(calls).toBe(3);
    expect(run.path.filter((s) => s === 'TasksStoppingWait')).toHaveLength(2);
    expect(run.path).toContain('DeleteQueryStackStatus');
    expect(run.last).toBe('Done');
  });
});

describe('plugin template parameters come from the schema', () => {
  const check = (t: Template, schema: readonly ParamSpec[]) => {
    const params = t.toJSON().Parameters as Record<
      string,
      { Type: string; Default?: unknown; AllowedValues?: string[]; Description?: string }
    >;
    const declared = schema.filter((p) => p.template !== false);
    // Exactly the schema's declared parameters plus the orchestrator's, and nothing else but CDK's own (SSM AMI, bootstrap).
    const own = Object.keys(params).filter((k) => !k.startsWith('SsmParameterValue') && k !== 'BootstrapVersion');
    const optional = Object.values(PLUGIN_OPTIONAL_PARAMETERS).filter((k) => k in params);
    expect(own.sort()).toEqual(
      [...declared.map((p) => p.name), ...Object.values(PLUGIN_PARAMETERS), ...optional].sort(),
    );
    for (const p of declared) {
      const tpl = p.template as Exclude<ParamSpec['template'], false>;
      const cfn = params[p.name];
      expect(cfn.Type, p.name).toBe(tpl.cfnType ?? 'String');
      // A required one has none (as the original's srcBucket/destBucket): CreateStack without it is refused at once.
      if (p.required) expect(cfn.Default, p.name).toBeUndefined();
      else expect(String(cfn.Default), p.name).toBe(p.default ?? '');
      expect(cfn.AllowedValues, p.name).toEqual(p.values ? [...p.values] : undefined);
      expect(cfn.Description, p.name).toContain(p.description);
    }
    const ui = t.toJSON().Metadata['AWS::CloudFormation::Interface'];
    for (const p of declared)
      expect(ui.ParameterLabels[p.name], p.name).toEqual({ default: (p.template as { label: string }).label });
    const grouped = ui.ParameterGroups.flatMap((g: { Parameters: string[] }) => g.Parameters);
    expect(grouped.sort()).toEqual(own.sort());
    return ui.ParameterGroups.map((g: { Label: { default: string } }) => g.Label.default);
  };

  it("S3: every schema parameter with its type, default, AllowedValues and description; the original's groups and labels", () => {
    expect(check(s3, S3_PARAMETERS).slice(0, 5)).toEqual([
      'Source Information',
      'Destination Information',
      'Notification Information',
      'EC2 Cluster Information',
      'Advanced Options',
    ]);
    expect(s3.toJSON().Metadata['AWS::CloudFormation::Interface'].ParameterLabels.srcPrefixListBucket).toEqual({
      default: 'Bucket Name for Source Prefix List File',
    });
  });

  it("ECR: every parameter the schema declares for the template (local-only ones absent); the original's groups", () => {
    expect(check(ecr, ECR_PARAMETERS).slice(0, 4)).toEqual([
      'Type',
      'Source Information',
      'Destination Information',
      'Notification Information',
    ]);
    expect(Object.keys(ecr.findParameters('insecure'))).toEqual([]);
  });

  it('every parameter the console sends reaches a parameter the template declares, under its own name', () => {
    // The wizard with every optional field used: our additions (endpoint, patterns, registries) are sent only when set.
    const state = initialState();
    state.s3 = { ...state.s3, destEndpoint: 'https://s3.example.com', include: '*.csv', exclude: 'tmp/**' };
    const s3Keys = createInput(state).parameters.map((p) => p.ParameterKey);
    state.type = 'ECR';
    state.ecr = {
      ...state.ecr,
      sourceType: 'Public',
      srcRegistry: 'ghcr.io',
      destKind: 'Registry',
      destRegistry: 'registry.example.com',
    };
    const ecrKeys = createInput(state).parameters.map((p) => p.ParameterKey);
    expect(s3Keys).toEqual(expect.arrayContaining(['ec2CronExpression', 'destEndpoint', 'include', 'exclude']));
    for (const key of s3Keys) expect(Object.keys(s3.findParameters(key)), key).toEqual([key]);
    for (const key of ecrKeys) expect(Object.keys(ecr.findParameters(key)), key).toEqual([key]);
    // The one local-only setting (plain-HTTP registries) is sent only when set, and refused by name in the cloud.
    expect(ecrKeys).not.toContain('insecure');
  });
});

describe('S3 plugin stack', () => {
  it('declares the orchestrator contract parameters and every S3 schema parameter by its name; the network must be given', () => {
    for (const p of Object.values(PLUGIN_PARAMETERS)) expect(Object.keys(s3.findParameters(p))).toEqual([p]);
    for (const p of S3_PARAMETERS) {
      expect(S3_PARAM_NAMES as readonly string[]).toContain(p.name);
      expect(Object.keys(s3.findParameters(p.name))).toEqual([p.name]);
    }
    expect(s3.toJSON().AWSTemplateFormatVersion).toBe('2010-09-09');
    // The hub always passes its network; a standalone deploy without one is refused with a message naming it.
    const assertions = s3.toJSON().Rules.NetworkGiven.Assertions as { Assert: unknown; AssertDescription: string }[];
    expect(assertions.map((a) => a.Assert)).toEqual(
      ['ec2VpcId', 'ec2Subnets'].map((p) => ({ 'Fn::Not': [{ 'Fn::Equals': [{ Ref: p }, ''] }] })),
    );
    expect(assertions.map((a) => a.AssertDescription)).toEqual([
      expect.stringMatching(/^ec2VpcId: the VPC the task runs in is required/),
      expect.stringMatching(/^ec2Subnets: the subnets the task runs in is required/),
    ]);
  });

  it("keeps the original's String whole numbers, refusing at CreateStack those out of the schema's bounds", () => {
    const params = s3.toJSON().Parameters as Record<
      string,
      { Type: string; Default?: string; AllowedPattern?: string; ConstraintDescription?: string; Description: string }
    >;
    for (const name of ['workerNumber', 'finderNumber', 'finderDepth']) {
      const p = params[name];
      expect(p.Type, name).toBe('String'); // as the original's
      const spec = S3_PARAMETERS.find((s) => s.name === name)!;
      const min = spec.min ?? 0;
      const max = spec.max ?? 0;
      const pattern = new RegExp(p.AllowedPattern ?? '(?!)');
      const inside = [p.Default ?? '', '', String(min), ` ${max} `, String(max - 1), `00${min}`, String(min + 7)];
      for (const ok of inside) expect(pattern.test(ok), `${name} "${ok}"`).toBe(true);
      const outside = ['eight', '-1', '1.5', '0x10', String(max + 1), `${max}0`, '99999999999'];
      if (min > 0) outside.push(String(min - 1));
      for (const bad of outside) expect(pattern.test(bad), `${name} "${bad}"`).toBe(false);
      expect(p.ConstraintDescription).toBe(`a whole number from ${spec.min} to ${spec.max}`);
    }
  });

  it("runs a standalone template's ec2CronExpression as cron(<fields>), and rate(...) or cron(...) as written", () => {
    for (const [template, type] of [
      [s3, 'S3'],
      [ecr, 'ECR'],
    ] as const) {
      const json = template.toJSON() as CfnTemplate;
      const [rule] = Object.values(template.findResources('AWS::Events::Rule'));
      const scheduleOf = (ec2CronExpression: string) =>
        resolve(json, rule.Properties.ScheduleExpression, {
          [PLUGIN_PARAMETERS.schedule]: '',
          [PLUGIN_PARAMETERS.taskParams]: '',
          ec2CronExpression,
        });
      expect(scheduleOf('0/60 * * * ? *'), type).toBe('cron(0/60 * * * ? *)');
      expect(scheduleOf('rate(1 hour)'), type).toBe('rate(1 hour)');
      expect(scheduleOf('rate(30 minutes)'), type).toBe('rate(30 minutes)');
      expect(scheduleOf('cron(0 12 * * ? *)'), type).toBe('cron(0 12 * * ? *)');
      // The orchestrator's expression wins whatever the cron parameter holds.
      expect(
        resolve(json, rule.Properties.ScheduleExpression, {
          [PLUGIN_PARAMETERS.schedule]: 'rate(2 hours)',
          [PLUGIN_PARAMETERS.taskParams]: '{}',
          ec2CronExpression: '',
        }),
      ).toBe('rate(2 hours)');
    }
  });

  it("reads a standalone S3 task's subnet list with spaces after its commas (the original's list parameter took it)", () => {
    const json = s3.toJSON() as CfnTemplate;
    const given = { ec2Subnets: 'subnet-0a, subnet-0b,subnet-0c ' };
    const [group] = Object.values(s3.findResources('AWS::AutoScaling::AutoScalingGroup'));
    expect(resolve(json, group.Properties.VPCZoneIdentifier, given)).toEqual(['subnet-0a', 'subnet-0b', 'subnet-0c']);
    const [rule] = Object.values(s3.findResources('AWS::Events::Rule'));
    const network = rule.Properties.Targets[0].EcsParameters.NetworkConfiguration.AwsVpcConfiguration;
    expect(resolve(json, network.Subnets, given)).toEqual(['subnet-0a', 'subnet-0b', 'subnet-0c']);
  });

  it("keeps the original's logical IDs of its queue, dead-letter queue, status table and alarm topic (its guides find them by name)", () => {
    const resources = s3.toJSON().Resources as Record<string, { Type: string }>;
    expect(resources.S3TransferQueue?.Type).toBe('AWS::SQS::Queue');
    expect(resources.S3TransferQueueDLQ?.Type).toBe('AWS::SQS::Queue');
    expect(resources.S3TransferTable?.Type).toBe('AWS::DynamoDB::Table');
    expect(resources.S3TransferAlarmTopic?.Type).toBe('AWS::SNS::Topic');
    // The ECR plugin's status table and copy tasks' log group, by the names of the original's debugging guide.
    const ecrResources = ecr.toJSON().Resources as Record<string, { Type: string }>;
    expect(ecrResources.ECRTransferTable?.Type).toBe('AWS::DynamoDB::Table');
    expect(ecrResources.DTHECRContainerLogGroup?.Type).toBe('AWS::Logs::LogGroup');
  });

  it('deployed on its own, hands the finder every parameter exactly as given: backslashes, quotes and separators included', async () => {
    const [finderDef] = Object.values(s3.findResources('AWS::ECS::TaskDefinition'));
    const taskParams = (
      finderDef.Properties.ContainerDefinitions[0].Environment as { Name: string; Value: unknown }[]
    ).find((e) => e.Name === 'TASK_PARAMS')?.Value as { 'Fn::If': [string, unknown, unknown] };
    const [condition, , assembled] = taskParams['Fn::If'];
    expect(condition).toBe('HasTaskParams');
    // Every declared parameter at its default, but those below, as an operator's create-stack would pass them.
    const template = s3.toJSON() as CfnTemplate;
    const given: Record<string, string> = {
      ...Object.fromEntries(
        Object.entries(template.Parameters ?? {}).map(([k, v]) => [
          k,
          String((v as { Default?: unknown }).Default ?? ''),
        ]),
      ),
      srcBucket: 'src-bucket',
      srcRegion: 'us-west-2',
      destBucket: 'dst-bucket',
      destRegion: 'us-east-1',
      srcPrefix: 'logs\\new "quoted" \\u0041',
      destPrefix: 'a","destBucket":"evil',
      include: 'x\\*.txt',
    };
    const text = String(resolve(template, assembled, given));
    const env = {
      AWS_REGION: 'us-east-1',
      QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/q',
      STATUS_TABLE: 't',
    };
    // Before: JSON of raw values: "logs\new" read as a line break, a quote or a backslash made it unreadable.
    const config = await loadCloudRoleConfig({ ...env, TASK_PARAMS: text });
    expect(config.params).toMatchObject({
      srcBucket: 'src-bucket',
      srcPrefix: 'logs\\new "quoted" \\u0041',
      destPrefix: 'a","destBucket":"evil',
      destBucket: 'dst-bucket',
      include: ['x\\*.txt'],
    });
    // A cut or hand-edited one is refused, naming the variable, never read short.
    await expect(
      loadCloudRoleConfig({ ...env, TASK_PARAMS: text.replace(',"srcRegion":"', ',"srcRegon":"') }),
    ).rejects.toThrow(/^TASK_PARAMS: is not a parameter set as the plugin template assembles it/);
  });

  it("takes parameters too large for CloudFormation from SSM (TaskParamsPath): the finder and the workers read it, with a grant on the task's path", () => {
    expect(Object.keys(s3.findParameters(PLUGIN_OPTIONAL_PARAMETERS.taskParamsPath))).toEqual([
      PLUGIN_OPTIONAL_PARAMETERS.taskParamsPath,
    ]);
    const path = { Ref: PLUGIN_OPTIONAL_PARAMETERS.taskParamsPath };
    const [finderDef] = Object.values(s3.findResources('AWS::ECS::TaskDefinition'));
    const env = Object.fromEntries(
      (finderDef.Properties.ContainerDefinitions[0].Environment as { Name: string; Value: unknown }[]).map((e) => [
        e.Name,
        e.Value,
      ]),
    );
    expect(env).toMatchObject({ TASK_PARAMS_PATH: path });
    // The workers' environment file, written by the user data.
    const [launchTemplate] = Object.values(s3.findResources('AWS::EC2::LaunchTemplate'));
    expect(JSON.stringify(launchTemplate.Properties.LaunchTemplateData.UserData)).toContain(
      'TASK_PARAMS_PATH=",{"Ref":"TaskParamsPath"}',
    );
    const [instanceProfile] = Object.values(s3.findResources('AWS::IAM::InstanceProfile'));
    for (const role of [roleOf(finderDef.Properties.TaskRoleArn), instanceProfile.Properties.Roles[0].Ref as string]) {
      const reads = statementsOf(s3, role).filter((st) => actions([st]).includes('ssm:GetParametersByPath'));
      expect(reads, role).toHaveLength(1);
      expect(JSON.stringify(reads[0].Resource), role).toContain('parameter/dth/task-params/",{"Ref":"TaskId"}');
    }
  });

  it("outputs what the control plane reads, and the original's outputs by their descriptions", () => {
    for (const o of [
      PLUGIN_OUTPUTS.statusTable,
      PLUGIN_OUTPUTS.queueUrl,
      PLUGIN_OUTPUTS.dlqUrl,
      PLUGIN_OUTPUTS.finderLogGroup,
      PLUGIN_OUTPUTS.workerLogGroup,
      'WorkerAutoScalingGroupName',
      PLUGIN_OUTPUTS.ecsCluster,
      PLUGIN_OUTPUTS.ecsTaskFamilies,
      PLUGIN_OUTPUTS.finderTaskFamily,
    ]) {
      expect(Object.keys(s3.findOutputs(o))).toEqual([o]);
    }
    const descriptions = Object.values(s3.toJSON().Outputs as Record<string, { Description?: string }>).map(
      (o) => o.Description,
    );
    for (const d of [
      'Finder Log Group Name',
      'Worker Log Group Name',
      'Queue Name',
      'Dead Letter Queue Name',
      'Alarm Topic Name',
      'Stack Name',
      'Worker ASG Name',
      'DynamoDB Table Name',
    ])
      expect(descriptions).toContain(d);
    // Under the original's keys too, each with the value of ours (before: only ours; a script reading the original's
    // CommonTableName4099A6E9 got nothing).
    const outputs = s3.toJSON().Outputs as Record<string, { Description?: string; Value: unknown }>;
    const ours: Partial<Record<keyof typeof ORIGINAL_S3_OUTPUTS, string>> = {
      statusTable: PLUGIN_OUTPUTS.statusTable,
      finderLogGroup: PLUGIN_OUTPUTS.finderLogGroup,
      workerLogGroup: PLUGIN_OUTPUTS.workerLogGroup,
      workerGroup: 'WorkerAutoScalingGroupName',
    };
    for (const [name, { key, description }] of Object.entries(ORIGINAL_S3_OUTPUTS)) {
      expect(outputs[key], key).toMatchObject({ Description: description });
      const same = ours[name as keyof typeof ORIGINAL_S3_OUTPUTS];
      if (same) expect(outputs[key].Value, key).toEqual(outputs[same].Value);
    }
    expect(outputs[ORIGINAL_S3_OUTPUTS.stackName.key].Value).toEqual({ Ref: 'AWS::StackName' });
  });

  it('describes its log group outputs as the original did (its console looks them up by description)', () => {
    for (const t of [s3, ecr]) {
      expect(t.findOutputs(PLUGIN_OUTPUTS.finderLogGroup)[PLUGIN_OUTPUTS.finderLogGroup].Description).toBe(
        'Finder Log Group Name',
      );
      expect(t.findOutputs(PLUGIN_OUTPUTS.workerLogGroup)[PLUGIN_OUTPUTS.workerLogGroup].Description).toBe(
        'Worker Log Group Name',
      );
    }
  });

  it('has the status table with the exact key schema of DynamoStatusStore', () => {
    s3.hasResourceProperties('AWS::DynamoDB::Table', { KeySchema: STATUS_KEYS, BillingMode: 'PAY_PER_REQUEST' });
  });

  it('queues jobs with a dead-letter queue, an alarm on its depth and an e-mail subscription when alarmEmail is given', () => {
    s3.resourceCountIs('AWS::SQS::Queue', 2);
    // SQS gives up on a job after the task's maxAttempts deliveries (5 when blank), as the workers count them.
    s3.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: {
        deadLetterTargetArn: Match.anyValue(),
        maxReceiveCount: { 'Fn::If': ['MaxAttemptsBlank', 5, { Ref: 'maxAttempts' }] },
      },
      SqsManagedSseEnabled: true,
    });
    expect(s3.toJSON().Conditions.MaxAttemptsBlank).toEqual({ 'Fn::Equals': [{ Ref: 'maxAttempts' }, ''] });
    s3.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      MetricName: 'ApproximateNumberOfMessagesVisible',
      AlarmActions: [Match.anyValue()],
    });
    const [subscription] = Object.values(s3.findResources('AWS::SNS::Subscription'));
    expect(subscription.Properties).toMatchObject({ Protocol: 'email', Endpoint: { Ref: 'alarmEmail' } });
    expect(s3.toJSON().Conditions[subscription.Condition]).toEqual({
      'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'alarmEmail' }, ''] }],
    });
  });

  it('runs in the VPC and subnets it is given: one outbound-only security group, every subnet for the fleet and the schedule', () => {
    s3.resourceCountIs('AWS::EC2::VPC', 0);
    s3.resourceCountIs('AWS::EC2::SecurityGroup', 1);
    s3.hasResourceProperties('AWS::EC2::SecurityGroup', {
      VpcId: { Ref: 'ec2VpcId' },
      SecurityGroupEgress: [Match.objectLike({ CidrIp: '0.0.0.0/0' })],
    });
    expect(
      Object.values(s3.findResources('AWS::EC2::SecurityGroup'))[0].Properties.SecurityGroupIngress,
    ).toBeUndefined();
    // Spaces dropped, then split at the commas (`subnet-a, subnet-b`).
    const subnets = { 'Fn::Split': [',', { 'Fn::Join': ['', { 'Fn::Split': [' ', { Ref: 'ec2Subnets' }] }] }] };
    s3.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', { VPCZoneIdentifier: subnets });
    const rule = Object.values(s3.findResources('AWS::Events::Rule'))[0];
    expect(rule.Properties.Targets[0].EcsParameters.NetworkConfiguration.AwsVpcConfiguration).toMatchObject({
      Subnets: subnets,
      AssignPublicIp: 'ENABLED',
    });
    // The first pass (at creation) runs in the first subnet given.
    const [firstRun] = Object.values(s3.findResources('Custom::AWS'));
    expect(JSON.stringify(firstRun.Properties.Create)).toContain(JSON.stringify({ 'Fn::Select': [0, subnets] }));
  });

  it('runs the finder as a scheduled Fargate task (`dth finder`, family per stack, pinned architecture) and once at creation', () => {
    s3.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RequiresCompatibilities: ['FARGATE'],
      ContainerDefinitions: [Match.objectLike({ Command: ['finder'] })],
      Family: { 'Fn::Join': ['', [{ Ref: 'AWS::StackName' }, '-Finder']] },
      RuntimePlatform: { CpuArchitecture: 'X86_64', OperatingSystemFamily: 'LINUX' },
    });
    const finder = Object.values(s3.findResources('AWS::ECS::TaskDefinition'))[0].Properties.ContainerDefinitions[0];
    expect(finder.Environment.map((e: { Name: string }) => e.Name)).toEqual(
      expect.arrayContaining(['QUEUE_URL', 'DLQ_URL', 'STATUS_TABLE', 'TASK_PARAMS', 'TASK_ID']),
    );
    // finderEc2Memory sizes the task as it sized the original's finder instance; the heap, which holds the parts
    // compared at once (finderNumber), gets three quarters of it, not Node's quarter.
    const size = (key: string) => ({ 'Fn::FindInMap': ['FinderSize', { Ref: 'finderEc2Memory' }, key] });
    s3.hasResourceProperties('AWS::ECS::TaskDefinition', { Cpu: size('Cpu'), Memory: size('Memory') });
    expect(finder.Environment).toContainEqual({
      Name: 'NODE_OPTIONS',
      Value: { 'Fn::Join': ['', ['--max-old-space-size=', size('Heap')]] },
    });
    expect(s3.toJSON().Mappings.FinderSize).toMatchObject({
      '8': { Cpu: '1024', Memory: '8192', Heap: '6144' },
      '16': { Cpu: '2048', Memory: '16384', Heap: '12288' },
      '32': { Cpu: '4096', Memory: '30720' },
      '64': { Cpu: '8192', Memory: '61440' },
      '512': { Cpu: '16384', Memory: '122880', Heap: '92160' },
    });
    s3.hasResource('AWS::Events::Rule', {
      Condition: 'HasSchedule',
      Properties: {
        ScheduleExpression: {
          'Fn::If': ['HasOrchestratorSchedule', { Ref: PLUGIN_PARAMETERS.schedule }, Match.anyValue()],
        },
        Targets: [Match.objectLike({ EcsParameters: Match.anyValue() })],
      },
    });
    expect(JSON.stringify(s3.findResources('Custom::AWS'))).toContain('runTask');
  });

  it('gives the finder the queue depth of both queues (its first pass used to fail FINDER_ERROR on the dead-letter queue)', () => {
    const [taskDef] = Object.values(s3.findResources('AWS::ECS::TaskDefinition'));
    const statements = statementsOf(s3, roleOf(taskDef.Properties.TaskRoleArn));
    const depth = statements.filter((s) => [s.Action].flat().includes('sqs:GetQueueAttributes'));
    const resources = JSON.stringify(depth.map((s) => s.Resource));
    const queueIds = Object.keys(s3.findResources('AWS::SQS::Queue'));
    for (const id of queueIds) expect(resources).toContain(id);
    expect(actions(statements)).toEqual(
      expect.arrayContaining([
        'sqs:SendMessage',
        's3:ListBucket',
        's3:GetObject',
        'secretsmanager:GetSecretValue',
        'dynamodb:PutItem',
      ]),
    );
    expect(actions(statements)).not.toContain('s3:PutObject');
  });

  it("runs JobWorkers on Graviton: ARM64 AMI, IMDSv2, the original's group name, step scaling on the backlog", () => {
    s3.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      MinSize: { Ref: 'minCapacity' },
      MaxSize: { Ref: 'maxCapacity' },
      DesiredCapacity: { Ref: 'desiredCapacity' },
      AutoScalingGroupName: { 'Fn::Join': ['', [{ Ref: 'AWS::StackName' }, '-Worker-ASG']] },
    });
    expect(JSON.stringify(s3.toJSON().Parameters)).toMatch(/al2023-ami-kernel-[^"]*arm64/);
    for (const t of s3.toJSON().Parameters.workerInstanceType.AllowedValues as string[])
      expect(t).toMatch(/^(c6g|c7g|m6g|m7g|c6gn|c7gn|t4g)\./);
    const lt = Object.values(s3.findResources('AWS::EC2::LaunchTemplate'))[0];
    expect(lt.Properties.LaunchTemplateData.MetadataOptions).toEqual({ HttpTokens: 'required' });
    s3.hasResourceProperties('AWS::AutoScaling::ScalingPolicy', {
      PolicyType: 'StepScaling',
      StepAdjustments: Match.arrayWith([Match.objectLike({ ScalingAdjustment: 1 })]),
    });
  });

  it('fails the stack when a worker does not boot: CloudFormation waits for one signal per instance', () => {
    const [asgId, asg] = Object.entries(s3.findResources('AWS::AutoScaling::AutoScalingGroup'))[0];
    expect((asg as Resource).CreationPolicy).toEqual({
      ResourceSignal: { Count: { Ref: 'desiredCapacity' }, Timeout: 'PT15M' },
    });
    const workerRoleId = Object.keys(s3.findResources('AWS::IAM::Role')).find((id) => id.startsWith('WorkersRole'))!;
    const statements = statementsOf(s3, workerRoleId);
    const signal = statements.find((s) => [s.Action].flat().includes('cloudformation:SignalResource'));
    expect(signal?.Resource).toEqual({ Ref: 'AWS::StackId' });
    const userData = JSON.stringify(
      Object.values(s3.findResources('AWS::EC2::LaunchTemplate'))[0].Properties.LaunchTemplateData.UserData,
    );
    expect(userData).toContain(`--logical-resource-id '${asgId}'`);
  });

  it('gives the workers what they do and no more: copy, verify, CloudWatch agent, and delete only under srcEvent CreateAndDelete', () => {
    const workerRoleId = Object.keys(s3.findResources('AWS::IAM::Role')).find((id) => id.startsWith('WorkersRole'))!;
    const statements = statementsOf(s3, workerRoleId);
    expect(actions(statements)).toEqual(
      expect.arrayContaining([
        'sqs:ReceiveMessage',
        'sqs:DeleteMessage',
        'sqs:ChangeMessageVisibility',
        'sqs:SendMessage',
        'sqs:GetQueueAttributes',
        's3:GetObject',
        's3:PutObject',
        's3:PutObjectAcl',
        's3:AbortMultipartUpload',
        's3:ListMultipartUploadParts',
        's3:ListBucketMultipartUploads',
        'secretsmanager:GetSecretValue',
        'kms:Decrypt',
        'kms:GenerateDataKey',
        'logs:PutLogEvents',
        'logs:DescribeLogStreams',
        'cloudwatch:PutMetricData',
        'ec2:DescribeTags',
      ]),
    );
    expect(statements.find((s) => [s.Action].flat().includes('cloudwatch:PutMetricData'))?.Condition).toEqual({
      StringEquals: { 'cloudwatch:namespace': 'CWAgent' },
    });
    // s3:DeleteObject lives in its own policy, which exists only when the task replicates deletions.
    const deletes = Object.values(s3.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p.Properties.PolicyDocument).includes('s3:DeleteObject'),
    );
    expect(deletes).toHaveLength(1);
    expect(deletes[0].Condition).toBe('UseDeleteEvents');
    expect(s3.toJSON().Conditions.UseDeleteEvents).toEqual({
      'Fn::And': [
        { 'Fn::Equals': [{ Ref: 'srcType' }, 'Amazon_S3'] },
        { 'Fn::Equals': [{ Ref: 'srcEvent' }, 'CreateAndDelete'] },
      ],
    });
  });

  it('wires S3 event notifications only when srcEvent asks for them: created objects, and removed ones for CreateAndDelete, under srcPrefix', () => {
    const [notifications] = Object.values(s3.findResources('Custom::S3BucketNotifications'));
    expect(notifications.Condition).toBe('UseSourceEvents');
    const configurations = notifications.Properties.NotificationConfiguration.QueueConfigurations;
    expect(configurations).toHaveLength(1); // the original's one queue configuration
    expect(configurations[0].Events).toEqual({
      'Fn::If': ['UseDeleteEvents', ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'], ['s3:ObjectCreated:*']],
    });
    expect(JSON.stringify(configurations[0].Filter)).toContain('{"Name":"prefix","Value":{"Ref":"srcPrefix"}}');
  });

  it("has the original's dashboard (named <stack>-Dashboard-<region>) and the worker metric filters", () => {
    const [dashboard] = Object.values(s3.findResources('AWS::CloudWatch::Dashboard'));
    expect(dashboard.Properties.DashboardName).toEqual({
      'Fn::Join': ['', [{ Ref: 'AWS::StackName' }, '-Dashboard-', { Ref: 'AWS::Region' }]],
    });
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const w of [
      'Network',
      'Transferred/Failed Objects',
      'Running/Waiting Jobs History',
      'Network In/Out',
      'CPU Utilization (Average)',
      'Memory / Disk (Average)',
      'Desired / InService Instances',
      'GroupInServiceInstances',
    ]) {
      expect(body).toContain(w);
    }
    s3.resourceCountIs('AWS::Logs::MetricFilter', Object.keys(WORKER_METRICS).length);
    // The body as CloudWatch reads it once deployed (references stand as "X"): the original's eight widgets in its
    // order, its number widget included, and every chart point one minute (a metric without a period sums 5 minutes).
    const joined = dashboard.Properties.DashboardBody['Fn::Join'][1] as unknown[];
    const widgets = (
      JSON.parse(joined.map((part) => (typeof part === 'string' ? part : 'X')).join('')) as {
        widgets: { type: string; properties: { title: string; metrics: unknown[][]; period?: number } }[];
      }
    ).widgets;
    expect(widgets.map((w) => [w.type, w.properties.title])).toEqual([
      ['metric', 'Network'],
      ['metric', 'Transferred/Failed Objects'],
      ['metric', 'Running/Waiting Jobs History'],
      ['metric', 'Running/Waiting Jobs'],
      ['metric', 'Network In/Out'],
      ['metric', 'CPU Utilization (Average)'],
      ['metric', 'Memory / Disk (Average)'],
      ['metric', 'Desired / InService Instances'],
    ]);
    expect(JSON.stringify(widgets[3])).toContain('"view":"singleValue"');
    for (const w of widgets) {
      for (const m of w.properties.metrics) {
        const options = m[m.length - 1] as { period?: number };
        expect(options.period ?? w.properties.period, `${w.properties.title}: ${JSON.stringify(m)}`).toBe(60);
      }
    }
    // The EC2 widgets read AWS/EC2 by minute: the workers report by minute only with detailed monitoring (as the
    // original's launch template); basic monitoring's 5-minute sums would read as 5× the traffic of one minute.
    const [launchTemplate] = Object.values(s3.findResources('AWS::EC2::LaunchTemplate'));
    expect(launchTemplate.Properties.LaunchTemplateData.Monitoring).toEqual({ Enabled: true });
  });

  it('builds the worker metric filters from the log contract: FailedObjects counts failed objects, not crashed workers', () => {
    const filters = Object.values(s3.findResources('AWS::Logs::MetricFilter')).map(
      (r) =>
        r.Properties as {
          FilterPattern: string;
          MetricTransformations: { MetricName: string; MetricValue: string }[];
        },
    );
    const byName = Object.fromEntries(
      filters.map((f) => [
        f.MetricTransformations[0].MetricName,
        { pattern: f.FilterPattern, value: f.MetricTransformations[0].MetricValue },
      ]),
    );
    expect(byName).toEqual(
      Object.fromEntries(
        Object.values(WORKER_METRICS).map((m) => [
          m.metricName,
          { pattern: `{ $.event = "${m.event}" }`, value: metricFilterValue(m) },
        ]),
      ),
    );
    expect(byName[WORKER_METRICS.failedObjects.metricName].pattern).not.toContain(LOG_EVENTS.workerCrashed);
  });

  it("builds the image task's chart metrics from the log contract: copies from the copy log group, failures for good from the lister's", () => {
    const groups = Object.fromEntries(Object.entries(ecr.findResources('AWS::Logs::LogGroup')).map(([id]) => [id, id]));
    const outputGroup = (key: string) => (ecr.toJSON().Outputs[key].Value as { Ref: string }).Ref;
    const copyGroup = outputGroup(PLUGIN_OUTPUTS.workerLogGroup);
    const listerGroup = outputGroup(PLUGIN_OUTPUTS.finderLogGroup);
    expect(groups[copyGroup] && groups[listerGroup]).toBeTruthy();
    const filters = Object.values(ecr.findResources('AWS::Logs::MetricFilter')).map((r) => ({
      group: (r.Properties.LogGroupName as { Ref: string }).Ref,
      pattern: r.Properties.FilterPattern as string,
      name: r.Properties.MetricTransformations[0].MetricName as string,
      value: r.Properties.MetricTransformations[0].MetricValue as string,
      namespace: r.Properties.MetricTransformations[0].MetricNamespace,
    }));
    const filter = (m: (typeof IMAGE_METRICS)[keyof typeof IMAGE_METRICS], group: string) => ({
      group,
      pattern: `{ $.event = "${m.event}" }`,
      name: m.metricName,
      value: metricFilterValue(m),
      // The namespace the API reads for the task's stack (control-plane/aws/cloudwatch-telemetry.ts).
      namespace: { 'Fn::Join': ['', [`${METRICS_NAMESPACE_PREFIX}/`, { Ref: 'AWS::StackName' }]] },
    });
    expect(filters).toEqual(
      expect.arrayContaining([
        filter(IMAGE_METRICS.completedObjects, copyGroup),
        filter(IMAGE_METRICS.bytesTransferred, copyGroup),
        filter(IMAGE_METRICS.failedObjects, listerGroup),
      ]),
    );
    expect(filters).toHaveLength(3);
    // The names the console's charts read for every task (the S3 workers' names).
    expect(IMAGE_METRICS.completedObjects.metricName).toBe(WORKER_METRICS.completedObjects.metricName);
    expect(IMAGE_METRICS.failedObjects.metricName).toBe(WORKER_METRICS.failedObjects.metricName);
  });

  it('reads credentials from Secrets Manager by name only (GetSecretValue on the two named secrets)', () => {
    const reads = Object.values(s3.findResources('AWS::IAM::Policy'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[])
      .filter((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue'));
    expect(reads.length).toBeGreaterThan(0);
    for (const s of reads) {
      const resource = JSON.stringify(s.Resource);
      expect(resource.includes('srcCredentials') || resource.includes('destCredentials'), resource).toBe(true);
      expect(resource).toContain('-??????');
    }
  });
});

describe('ECR plugin stack', () => {
  it("declares the image engine parameters by their engine names, the original's network (required) and alarm parameters, a daily standalone schedule", () => {
    for (const p of ECR_PARAMETERS.filter((x) => x.template !== false)) {
      expect(ECR_PARAM_NAMES as readonly string[]).toContain(p.name);
      expect(Object.keys(ecr.findParameters(p.name))).toEqual([p.name]);
    }
    const assertions = ecr.toJSON().Rules.NetworkGiven.Assertions as { Assert: unknown }[];
    expect(assertions.map((a) => a.Assert)).toEqual(
      ['ecsClusterName', 'ecsVpcId', 'ecsSubnetA', 'ecsSubnetB'].map((p) => ({
        'Fn::Not': [{ 'Fn::Equals': [{ Ref: p }, ''] }],
      })),
    );
    const [rule] = Object.values(ecr.findResources('AWS::Events::Rule'));
    expect(JSON.stringify(rule.Properties.ScheduleExpression)).toContain('rate(1 day)');
    for (const o of [
      PLUGIN_OUTPUTS.statusTable,
      PLUGIN_OUTPUTS.finderLogGroup,
      PLUGIN_OUTPUTS.workerLogGroup,
      PLUGIN_OUTPUTS.stateMachine,
      PLUGIN_OUTPUTS.ecsCluster,
      PLUGIN_OUTPUTS.ecsTaskFamilies,
    ]) {
      expect(Object.keys(ecr.findOutputs(o))).toEqual([o]);
    }
    ecr.hasResourceProperties('AWS::DynamoDB::Table', { KeySchema: STATUS_KEYS });
    ecr.resourceCountIs('AWS::EC2::VPC', 0);
    ecr.resourceCountIs('AWS::ECS::Cluster', 0);
  });

  it('lists images with a Lambda, then copies each in Fargate (`dth ecr copy-one`), 10 at a time, 3 attempts 60 s apart, status in DynamoDB', () => {
    const sm = Object.values(ecr.findResources('AWS::StepFunctions::StateMachine'));
    expect(sm).toHaveLength(1);
    expect(sm[0].Properties.StateMachineName).toEqual({
      'Fn::Join': ['', [{ Ref: 'AWS::StackName' }, '-ECRReplicationSM']],
    });
    const definition = JSON.stringify(sm[0].Properties.DefinitionString);
    expect(definition).toContain(`\\"MaxConcurrency\\":${IMAGE_COPY_CONCURRENCY}`);
    expect(definition).toContain('ecs:runTask.sync');
    expect(definition).toContain(`\\"MaxAttempts\\":${IMAGE_COPY_RETRIES}`);
    expect(definition).toContain('\\"IntervalSeconds\\":60');
    expect(definition).toContain('dynamodb:updateItem');
    expect(definition).toContain('\\"Name\\":\\"IMAGE\\"');
    expect(definition).toContain('{"Ref":"ecsClusterName"}');
    ecr.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RequiresCompatibilities: ['FARGATE'],
      ContainerDefinitions: [Match.objectLike({ Command: ['ecr', 'copy-one'] })],
      Family: { 'Fn::Join': ['', [{ Ref: 'AWS::StackName' }, '-ImageCopy']] },
      RuntimePlatform: { CpuArchitecture: 'X86_64', OperatingSystemFamily: 'LINUX' },
    });
    ecr.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: Match.stringLikeRegexp('^nodejs2'),
      Environment: { Variables: Match.objectLike({ STATUS_TABLE: Match.anyValue(), TASK_PARAMS: Match.anyValue() }) },
    });
    ecr.hasResource('AWS::Events::Rule', { Condition: 'HasSchedule' });
    // The list travels through S3, not the state (256 KB): the lister writes it, a Distributed Map reads it.
    expect(definition).toContain('\\"Mode\\":\\"DISTRIBUTED\\",\\"ExecutionType\\":\\"STANDARD\\"');
    expect(definition).toContain(':states:::s3:getObject');
    expect(definition).toContain('\\"Key.$\\":\\"$.listKey\\"');
    expect(definition).toContain('\\"executionName.$\\":\\"$$.Execution.Name\\"');
    const [listsId] = Object.keys(ecr.findResources('AWS::S3::Bucket'));
    expect(definition).toContain(`{"Ref":"${listsId}"}`);
    ecr.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ IMAGE_LIST_BUCKET: { Ref: listsId } }) },
    });
    // The lister reads manifest digests on both registries (ECR: BatchGetImage) to leave unchanged images out.
    ecr.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: Match.arrayWith(['ecr:ListImages', 'ecr:BatchGetImage']) }),
        ]),
      },
    });
  });

  it("e-mails a copy run that failed or timed out as a whole (alarm on the state machine's metrics, the alarm topic)", () => {
    const [[machineId]] = Object.entries(ecr.findResources('AWS::StepFunctions::StateMachine'));
    const alarms = Object.values(ecr.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(1);
    const alarm = alarms[0].Properties;
    expect(alarm).toMatchObject({
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
    const metrics = (
      alarm.Metrics as {
        MetricStat?: { Metric: { MetricName: string; Namespace: string; Dimensions: { Value: unknown }[] } };
      }[]
    ).flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric] : []));
    expect(metrics.map((m) => m.MetricName).sort()).toEqual(['ExecutionsFailed', 'ExecutionsTimedOut']);
    for (const m of metrics)
      expect(m).toMatchObject({ Namespace: 'AWS/States', Dimensions: [{ Value: { Ref: machineId } }] });
    const [topicId] = Object.keys(ecr.findResources('AWS::SNS::Topic'));
    expect(alarm.AlarmActions).toEqual([{ Ref: topicId }]);
  });

  it("e-mails each image that failed every attempt to alarmEmail (the original's per-image message)", () => {
    const definition = JSON.stringify(
      Object.values(ecr.findResources('AWS::StepFunctions::StateMachine'))[0].Properties.DefinitionString,
    );
    expect(definition).toContain(':states:::sns:publish');
    expect(definition).toContain('Failed to copy image');
    const [topicId] = Object.keys(ecr.findResources('AWS::SNS::Topic'));
    expect(definition).toContain(`{"Ref":"${topicId}"}`);
    const [subscription] = Object.values(ecr.findResources('AWS::SNS::Subscription'));
    expect(subscription.Properties).toMatchObject({
      Protocol: 'email',
      Endpoint: { Ref: 'alarmEmail' },
      TopicArn: { Ref: topicId },
    });
    expect(subscription.Condition).toBeDefined();
  });

  it('runs the copy tasks in the given network and cluster, reading the two named secrets', () => {
    ecr.hasResourceProperties('AWS::EC2::SecurityGroup', { VpcId: { Ref: 'ecsVpcId' } });
    const definition = JSON.stringify(
      Object.values(ecr.findResources('AWS::StepFunctions::StateMachine'))[0].Properties.DefinitionString,
    );
    expect(definition).toContain('{"Ref":"ecsSubnetA"}');
    expect(definition).toContain('{"Ref":"ecsSubnetB"}');
    const [taskDef] = Object.values(ecr.findResources('AWS::ECS::TaskDefinition'));
    const statements = statementsOf(ecr, roleOf(taskDef.Properties.TaskRoleArn));
    const secrets = JSON.stringify(
      statements.filter((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue')).map((s) => s.Resource),
    );
    expect(secrets).toContain('srcCredential');
    expect(secrets).toContain('destCredential');
    expect(actions(statements)).toEqual(
      expect.arrayContaining(['ecr:GetAuthorizationToken', 'ecr:PutImage', 'ecr:CreateRepository']),
    );
  });

  it('takes parameters too large for CloudFormation from SSM (TaskParamsPath), and lets the copy task record its image', () => {
    expect(Object.keys(ecr.findParameters(PLUGIN_OPTIONAL_PARAMETERS.taskParamsPath))).toEqual([
      PLUGIN_OPTIONAL_PARAMETERS.taskParamsPath,
    ]);
    // TaskParamsPath, or — deployed on its own — the template's own SSM copy of the set (test/plugins/ecr/standalone-params.test.ts).
    const path = {
      'Fn::If': ['TaskParamsKeptByTemplate', expect.anything(), { Ref: PLUGIN_OPTIONAL_PARAMETERS.taskParamsPath }],
    };
    const [taskDef] = Object.values(ecr.findResources('AWS::ECS::TaskDefinition'));
    const architecture = taskDef.Properties.RuntimePlatform.CpuArchitecture;
    // The lister compares the image of the platform the copy task runs on (includeUntagged=false).
    ecr.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          TASK_PARAMS_PATH: {
            'Fn::If': [
              'TaskParamsKeptByTemplate',
              Match.anyValue(),
              { Ref: PLUGIN_OPTIONAL_PARAMETERS.taskParamsPath },
            ],
          },
          COPY_PLATFORM: architecture === 'ARM64' ? 'linux/arm64' : 'linux/amd64',
        }),
      },
    });
    const env = Object.fromEntries(
      (taskDef.Properties.ContainerDefinitions[0].Environment as { Name: string; Value: unknown }[]).map((e) => [
        e.Name,
        e.Value,
      ]),
    );
    expect(env).toMatchObject({
      TASK_PARAMS_PATH: path,
      STATUS_TABLE: { Ref: Object.keys(ecr.findResources('AWS::DynamoDB::Table'))[0] },
    });
    const ssmReads = Object.values(ecr.findResources('AWS::IAM::Policy')).filter((pol) =>
      JSON.stringify(pol).includes('ssm:GetParametersByPath'),
    );
    expect(ssmReads).toHaveLength(2);
  });

  it('an image whose copy task failed without a Cause (its own time limit: States.Timeout) is still marked FAILED and e-mailed', async () => {
    const [machine] = Object.values(ecr.findResources('AWS::StepFunctions::StateMachine'));
    const parts = machine.Properties.DefinitionString['Fn::Join'][1] as unknown[];
    const definition = JSON.parse(parts.map((p) => (typeof p === 'string' ? p : 'TOKEN')).join('')) as Json;
    let processor: Record<string, Json> | undefined;
    const find = (o: Json): void => {
      if (!o || typeof o !== 'object' || processor) return;
      for (const [k, v] of Object.entries(o)) {
        if (k === 'ItemProcessor') processor = v as Record<string, Json>;
        else find(v as Json);
      }
    };
    find(definition);
    expect(processor).toBeDefined();
    // One image's child execution, its services answered here: every copy attempt fails with `failure`.
    const runImage = async (failure: StatesError) => {
      const calls: { state: string; input: Json }[] = [];
      const run = await runExecution(
        processor!,
        { image: 'team/app:v1' },
        {
          task: async (_resource, input, state) => {
            calls.push({ state: state.name, input });
            if (state.name === 'CopyImage') throw failure;
            return {};
          },
          wait: async () => {},
        },
        { executionName: 'item-1' },
      );
      return { run, calls };
    };
    for (const [failure, cause] of [
      [new StatesError('States.Timeout'), 'States.Timeout'],
      [
        new StatesError('States.TaskFailed', '{"StopCode":"EssentialContainerExited"}'),
        '{"StopCode":"EssentialContainerExited"}',
      ],
    ] as const) {
      const { run, calls } = await runImage(failure);
      expect(run.status, `${run.error}: ${run.cause}`).toBe('SUCCEEDED');
      expect(calls.filter((c) => c.state === 'CopyImage')).toHaveLength(1 + IMAGE_COPY_RETRIES);
      expect(calls.find((c) => c.state === 'MarkFailed')?.input).toEqual({ failedImage: 'team/app:v1', cause });
      expect(JSON.stringify(calls.find((c) => c.state === 'TellFailure')?.input)).toContain(
        JSON.stringify(cause).slice(1, -1),
      );
    }
  });

  it('records each image DONE with an update DynamoDB accepts (status is a reserved word), FAILED through the lister function', async () => {
    const [machine] = Object.values(ecr.findResources('AWS::StepFunctions::StateMachine'));
    const [tableId] = Object.keys(ecr.findResources('AWS::DynamoDB::Table'));
    const parts = machine.Properties.DefinitionString['Fn::Join'][1] as unknown[];
    const definition = parts
      .map((p) =>
        typeof p === 'string' ? p : JSON.stringify(p) === JSON.stringify({ Ref: tableId }) ? 'TABLE' : 'TOKEN',
      )
      .join('');
    const states: Record<string, { Resource?: string; Parameters: Record<string, unknown> }> = {};
    const collect = (o: unknown): void => {
      if (!o || typeof o !== 'object') return;
      for (const [k, v] of Object.entries(o)) {
        if (k === 'MarkDone' || k === 'MarkFailed') states[k] = v as (typeof states)[string];
        collect(v);
      }
    };
    collect(JSON.parse(definition));
    expect(Object.keys(states).sort()).toEqual(['MarkDone', 'MarkFailed']);
    // MarkFailed hands the image and the ECS failure to the lister function, whose status store keeps the counts
    // (test/plugins/ecr/image-lister.test.ts records it so on dynalite).
    expect(states.MarkFailed.Parameters).toEqual({ 'failedImage.$': '$.image', 'cause.$': '$.failure.Cause' });
    // Step Functions' input for one image (JsonPath fields resolved as the service would).
    const input: Record<string, string> = {
      '$.image': 'team/app:v1',
      '$$.State.EnteredTime': '2026-12-01T00:00:00Z',
    };
    const resolve = (o: unknown): unknown => {
      if (!o || typeof o !== 'object') return o;
      return Object.fromEntries(
        Object.entries(o).map(([k, v]) => (k.endsWith('.$') ? [k.slice(0, -2), input[v as string]] : [k, resolve(v)])),
      );
    };
    const { DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } = await import(
      '@aws-sdk/client-dynamodb'
    );
    const { localDynamoClient } = await import('../adapters/aws/clients.js');
    const { ensureStatusTable } = await import('../../worker/adapters/aws/index.js');
    const dynamo: InstanceType<typeof DynamoDBClient> = localDynamoClient();
    const tableName = `ecr-updates-${Date.now().toString(36)}`;
    await ensureStatusTable(dynamo, tableName);
    const key = { [STATUS_TABLE_PARTITION_KEY]: { S: 'team/app:v1' }, [STATUS_TABLE_SORT_KEY]: { S: '#object' } };
    await dynamo.send(new PutItemCommand({ TableName: tableName, Item: { ...key, status: { S: 'IN_PROGRESS' } } }));
    const p = resolve(states.MarkDone.Parameters) as Record<string, unknown>;
    await dynamo.send(
      new UpdateItemCommand({ ...p, TableName: tableName } as ConstructorParameters<typeof UpdateItemCommand>[0]),
    );
    const item = (await dynamo.send(new GetItemCommand({ TableName: tableName, Key: key }))).Item;
    expect(item).toMatchObject({
      status: { S: 'DONE' },
      verified: { BOOL: true },
      finishedAt: { S: '2026-12-01T00:00:00Z' },
    });
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
