/**
 * The hub template as the emulator can create it: moto 5.2.1 has no CloudFormation model for some resource types, and a
 * stack that references one fails. Those resources are taken out and every reference to them (Ref, Fn::GetAtt,
 * ${X} in Fn::Sub, DependsOn) becomes a placeholder string; everything else is deployed as synthesized.
 */

/** Resource types moto's CloudFormation cannot create (measured: /work/shared/notes/aws-emulator.md). */
export const EMULATOR_CANNOT_CREATE = [
  'AWS::AppSync::GraphQLApi',
  'AWS::AppSync::GraphQLSchema',
  'AWS::AppSync::DataSource',
  'AWS::AppSync::Resolver',
  'AWS::Cognito::UserPool',
  'AWS::Cognito::UserPoolClient',
  'AWS::Cognito::UserPoolDomain',
  'AWS::Cognito::UserPoolUser',
  'AWS::CloudFront::Distribution',
  'AWS::CloudFront::OriginAccessControl',
  'AWS::CloudFront::ResponseHeadersPolicy',
  'AWS::S3::BucketPolicy',
  'AWS::SNS::TopicPolicy',
] as const;

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
  Condition?: string;
  [k: string]: unknown;
}

export interface CfnTemplate {
  Parameters?: Record<string, unknown>;
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: unknown; [k: string]: unknown }>;
  [k: string]: unknown;
}

export const placeholder = (logicalId: string, attribute?: string): string =>
  `placeholder-${logicalId}${attribute ? `-${attribute}` : ''}`;

/** Replaces references to `removed` resources by placeholders, recursively. */
function rewrite(node: unknown, removed: Set<string>): unknown {
  if (Array.isArray(node)) return node.map((n) => rewrite(n, removed));
  if (!node || typeof node !== 'object') return node;
  const obj = node as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length === 1) {
    if (keys[0] === 'Ref' && removed.has(obj.Ref as string)) return placeholder(obj.Ref as string);
    if (keys[0] === 'Fn::GetAtt') {
      const [id, attr] = obj['Fn::GetAtt'] as [string, string];
      if (removed.has(id)) return placeholder(id, attr);
    }
    if (keys[0] === 'Fn::Sub') {
      const sub = obj['Fn::Sub'];
      const [text, vars] = typeof sub === 'string' ? [sub, undefined] : (sub as [string, Record<string, unknown>]);
      const replaced = text.replace(/\$\{([A-Za-z0-9]+)(?:\.([A-Za-z0-9.]+))?\}/g, (m, id: string, attr?: string) =>
        removed.has(id) ? placeholder(id, attr) : m,
      );
      return { 'Fn::Sub': vars ? [replaced, rewrite(vars, removed)] : replaced };
    }
  }
  return Object.fromEntries(keys.map((k) => [k, rewrite(obj[k], removed)]));
}

/** The template without the resource types the emulator cannot create; returns it and the logical ids taken out. */
export function forEmulator(
  template: CfnTemplate,
  cannotCreate: readonly string[] = EMULATOR_CANNOT_CREATE,
): { template: CfnTemplate; removed: Record<string, string> } {
  const removed = new Set(
    Object.entries(template.Resources)
      .filter(([, r]) => cannotCreate.includes(r.Type))
      .map(([id]) => id),
  );
  const resources: Record<string, CfnResource> = {};
  for (const [id, r] of Object.entries(template.Resources)) {
    if (removed.has(id)) continue;
    const out = rewrite(r, removed) as CfnResource;
    if (out.DependsOn !== undefined) {
      const deps = (Array.isArray(out.DependsOn) ? out.DependsOn : [out.DependsOn]).filter((d) => !removed.has(d));
      if (deps.length) out.DependsOn = deps;
      else delete out.DependsOn;
    }
    resources[id] = out;
  }
  const outputs = template.Outputs ? (rewrite(template.Outputs, removed) as CfnTemplate['Outputs']) : undefined;
  return {
    template: { ...template, Resources: resources, ...(outputs ? { Outputs: outputs } : {}) },
    removed: Object.fromEntries([...removed].map((id) => [id, template.Resources[id].Type])),
  };
}
