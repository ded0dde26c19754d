/**
 * Findings of cfn-lint 1.51 and of the CloudFormation validator inside aws-cdk-lib that the templates keep, each with
 * its reason (template-lint checks in cdk-app.test.ts). Errors are never accepted from cfn-lint; a finding not listed
 * here fails the test.
 */
export interface AcceptedFinding {
  /** Rule id (cfn-lint W…, validator W…/F…). */
  rule: string;
  /** Which tool reports it. */
  tool: 'cfn-lint' | 'validator';
  /** The finding's message must match (narrows the acceptance to the case reviewed). */
  message?: RegExp;
  reason: string;
}

export const ACCEPTED_FINDINGS: AcceptedFinding[] = [
  {
    tool: 'cfn-lint',
    rule: 'W3005',
    reason:
      "CDK adds an explicit DependsOn on a function's role (so its policy exists before the function runs) and on queues a " +
      'notification targets, where a GetAtt already orders them: redundant, harmless ordering',
  },
  {
    tool: 'cfn-lint',
    rule: 'W1032',
    message: /\{'Ref': '(srcBucket|destBucket|srcPrefixListBucket)'\}/,
    reason:
      "cfn-lint resolves the bucket ARN with the parameter's default: empty for srcPrefixListBucket, whose grant exists " +
      'only when one is given (srcBucket and destBucket are required, without a default, as the original)',
  },
  {
    tool: 'cfn-lint',
    rule: 'W1030',
    message: /\{'Ref': '(ec2VpcId|ecsVpcId)'\} is not a 'AWS::EC2::VPC.Id'/,
    reason:
      'The network parameters default to blank (a task may leave them blank: the hub fills in its task VPC); the ' +
      "template's NetworkGiven rule refuses a blank one at deploy, before any resource is made",
  },
  {
    tool: 'cfn-lint',
    rule: 'W1033',
    message: /^'' is not a 'AWS::EC2::Subnet.Id' .* when 'Fn::Split' is resolved$/,
    reason: 'ec2Subnets defaults to blank like the VPC (see W1030): NetworkGiven refuses a blank one at deploy',
  },
  {
    tool: 'validator',
    rule: 'W1030',
    message: /PermissionsBoundary: \{'Ref': 'PermissionsBoundaryArn'\} default ''/,
    reason:
      'PermissionsBoundary is Fn::If(HasBoundary, Ref PermissionsBoundaryArn, AWS::NoValue): the empty default never becomes a boundary',
  },
  {
    tool: 'validator',
    rule: 'W1032',
    message: /^ScheduleExpression: Resolved parameter-dependent value "cron\(\)"/,
    reason:
      'The validator resolves cron(<ec2CronExpression>) with a blank cron; that branch is taken only under HasCronExpression ' +
      "(a cron is given), otherwise the orchestrator's expression or the standalone rate applies",
  },
  {
    tool: 'validator',
    rule: 'W9052',
    reason: "The validator's analysis budget runs out on the S3 plugin template; cfn-lint checks it in full",
  },
  {
    tool: 'validator',
    rule: 'F3014',
    message: /ViewerCertificate: Exactly one of/,
    reason:
      "The OIDC console's ViewerCertificate is Fn::If(IAM certificate, Fn::If(ACM certificate, default certificate)); the validator " +
      'flags any conditional certificate, cfn-lint accepts it, and app.test.ts proves each branch sets exactly one certificate kind',
  },
];
