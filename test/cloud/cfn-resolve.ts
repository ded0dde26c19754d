/**
 * Resolves the intrinsic functions of a synthesized template's IAM policies to concrete ARNs, as CloudFormation would
 * in account 123456789012 / us-east-1, with each resource's physical name standing as its logical id (and each
 * parameter as the value given). Enough for policies and environments: Ref, Fn::GetAtt (Arn), Fn::Join, Fn::Sub,
 * Fn::Select, Fn::Split, Fn::FindInMap.
 */
import type { CfnTemplate } from './emulator-template.js';
import type { PolicyDocument } from './iam-policy.js';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';

const PSEUDO: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': REGION,
  'AWS::AccountId': ACCOUNT,
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': 'Stack',
  'AWS::StackId': `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/Stack/11112222-3333-4444-5555-666677778888`,
  'AWS::NoValue': '',
};

/** Whether the template's condition `name` holds for the parameter values given (Fn::Equals/And/Or/Not, Condition). */
export function conditionHolds(template: CfnTemplate, name: string, parameters: Record<string, string> = {}): boolean {
  const body = (template as { Conditions?: Record<string, unknown> }).Conditions?.[name];
  if (body === undefined) throw new Error(`no condition ${name}`);
  return expressionHolds(template, body, parameters);
}

/** Whether a condition expression (a Conditions body, a rule's RuleCondition or Assert) holds for the values given. */
export function expressionHolds(
  template: CfnTemplate,
  expression: unknown,
  parameters: Record<string, string> = {},
): boolean {
  const evaluate = (node: unknown): boolean => {
    const obj = node as Record<string, unknown>;
    if ('Condition' in obj)
      return evaluate((template as { Conditions?: Record<string, unknown> }).Conditions?.[obj.Condition as string]);
    if ('Fn::Not' in obj) return !evaluate((obj['Fn::Not'] as unknown[])[0]);
    if ('Fn::And' in obj) return (obj['Fn::And'] as unknown[]).every(evaluate);
    if ('Fn::Or' in obj) return (obj['Fn::Or'] as unknown[]).some(evaluate);
    if ('Fn::Equals' in obj) {
      const [a, b] = (obj['Fn::Equals'] as unknown[]).map((v) => resolve(template, v, parameters));
      return a === b;
    }
    if ('Fn::Contains' in obj) {
      const [list, value] = (obj['Fn::Contains'] as unknown[]).map((v) => resolve(template, v, parameters));
      return (list as unknown[]).includes(value);
    }
    throw new Error(`condition ${JSON.stringify(node)} is not evaluated here`);
  };
  return evaluate(expression);
}

/** The ARN of a resource whose physical name is `name`, by type. */
export function arnOf(type: string, name: string): string {
  switch (type) {
    case 'AWS::SQS::Queue':
      return `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`;
    case 'AWS::DynamoDB::Table':
      return `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name}`;
    case 'AWS::Logs::LogGroup':
      return `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${name}:*`;
    case 'AWS::S3::Bucket':
      return `arn:aws:s3:::${name}`;
    case 'AWS::SNS::Topic':
      return `arn:aws:sns:${REGION}:${ACCOUNT}:${name}`;
    case 'AWS::StepFunctions::StateMachine':
      return `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${name}`;
    case 'AWS::IAM::Role':
      return `arn:aws:iam::${ACCOUNT}:role/${name}`;
    case 'AWS::Lambda::Function':
      return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
    case 'AWS::ECS::TaskDefinition':
      return `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${name}:1`;
    case 'AWS::ECS::Cluster':
      return `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${name}`;
    default:
      return `arn:aws:unknown:${REGION}:${ACCOUNT}:${type}/${name}`;
  }
}

/** What `Ref` returns for a resource of this type named `name`. */
function refOf(type: string, name: string): string {
  switch (type) {
    case 'AWS::SQS::Queue':
      return `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${name}`;
    case 'AWS::SNS::Topic':
    case 'AWS::StepFunctions::StateMachine':
    case 'AWS::ECS::TaskDefinition':
      return arnOf(type, name);
    default:
      return name;
  }
}

export function resolve(template: CfnTemplate, node: unknown, parameters: Record<string, string> = {}): unknown {
  const r = (n: unknown) => resolve(template, n, parameters);
  if (Array.isArray(node)) return node.map(r);
  if (!node || typeof node !== 'object') return node;
  const obj = node as Record<string, unknown>;
  const [key] = Object.keys(obj);
  if (Object.keys(obj).length === 1) {
    const arg = obj[key];
    switch (key) {
      case 'Ref': {
        const id = arg as string;
        if (id in PSEUDO) return PSEUDO[id];
        if (template.Parameters && id in template.Parameters) return parameters[id] ?? `param-${id}`;
        const res = template.Resources[id];
        if (!res) throw new Error(`Ref to unknown ${id}`);
        return refOf(res.Type, id);
      }
      case 'Fn::GetAtt': {
        const [id, attr] = arg as [string, string];
        const res = template.Resources[id];
        if (!res) throw new Error(`GetAtt of unknown ${id}`);
        if (attr === 'Arn') return arnOf(res.Type, id);
        return `${id}.${attr}`;
      }
      case 'Fn::Join': {
        const [sep, parts] = arg as [string, unknown[]];
        return (r(parts) as unknown[]).join(sep);
      }
      case 'Fn::Select': {
        const [i, list] = arg as [number, unknown];
        return (r(list) as unknown[])[Number(i)];
      }
      case 'Fn::Split': {
        const [sep, text] = arg as [string, unknown];
        return String(r(text)).split(sep);
      }
      case 'Fn::FindInMap': {
        const [name, top, second] = arg as [string, unknown, unknown];
        const mapping = (template.Mappings as Record<string, Record<string, Record<string, unknown>>> | undefined)?.[
          name
        ];
        let entry = String(r(top));
        // A parameter left to its default resolves as a placeholder: the mapping is then read at the default.
        const ref = (top as { Ref?: string } | null)?.Ref;
        if (ref && mapping && !(entry in mapping))
          entry = String((template.Parameters?.[ref] as { Default?: unknown } | undefined)?.Default);
        const value = mapping?.[entry]?.[String(r(second))];
        if (value === undefined) throw new Error(`Fn::FindInMap ${name} has no ${entry}/${String(r(second))}`);
        return value;
      }
      case 'Fn::Sub': {
        const [text, vars] = typeof arg === 'string' ? [arg, {}] : (arg as [string, Record<string, unknown>]);
        return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
          if (name in vars) return String(r(vars[name]));
          const [id, attr] = name.split('.');
          return String(attr ? r({ 'Fn::GetAtt': [id, attr] }) : r({ Ref: id }));
        });
      }
      case 'Fn::If': {
        const [condition, whenTrue, whenFalse] = arg as [string, unknown, unknown];
        return r(conditionHolds(template, condition, parameters) ? whenTrue : whenFalse);
      }
      default:
        if (key.startsWith('Fn::')) throw new Error(`${key} is not resolved here`);
    }
  }
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, r(v)]));
}

/** Every policy attached to the role `roleId`: its inline Policies and the AWS::IAM::Policy resources naming it, resolved. */
export function rolePolicies(
  template: CfnTemplate,
  roleId: string,
  parameters: Record<string, string> = {},
): PolicyDocument[] {
  const role = template.Resources[roleId];
  if (role?.Type !== 'AWS::IAM::Role') throw new Error(`${roleId} is not a role of the template`);
  const docs: PolicyDocument[] = ((role.Properties?.Policies ?? []) as { PolicyDocument: unknown }[]).map(
    (p) => resolve(template, p.PolicyDocument, parameters) as PolicyDocument,
  );
  for (const r of Object.values(template.Resources)) {
    if (r.Type !== 'AWS::IAM::Policy') continue;
    // A policy under a condition (e.g. s3:DeleteObject only for srcEvent=CreateAndDelete) exists only when it holds.
    if (r.Condition && !conditionHolds(template, r.Condition as string, parameters)) continue;
    const roles = (r.Properties?.Roles ?? []) as { Ref?: string }[];
    if (roles.some((x) => x.Ref === roleId))
      docs.push(resolve(template, r.Properties!.PolicyDocument, parameters) as PolicyDocument);
  }
  return docs;
}

/** The logical id of the only resource of `type` whose construct path contains `pathPart` (aws:cdk:path metadata). */
export function logicalId(template: CfnTemplate, type: string, pathPart: string): string {
  const found = Object.entries(template.Resources).filter(
    ([, r]) =>
      r.Type === type &&
      String((r.Metadata as { 'aws:cdk:path'?: string } | undefined)?.['aws:cdk:path'] ?? '').includes(pathPart),
  );
  if (found.length !== 1)
    throw new Error(`expected one ${type} at "${pathPart}", found ${found.map(([id]) => id).join(', ') || 'none'}`);
  return found[0][0];
}

/** The role a Lambda function runs as. */
export function functionRole(template: CfnTemplate, functionId: string): string {
  const role = template.Resources[functionId]?.Properties?.Role as { 'Fn::GetAtt'?: [string, string] } | undefined;
  if (!role?.['Fn::GetAtt']) throw new Error(`${functionId} has no role reference`);
  return role['Fn::GetAtt'][0];
}
