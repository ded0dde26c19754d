/**
 * The code runs with the credentials of the role the templates give it (AssumeRole in the emulator). With enforcement
 * on, the emulator decides every request from the role's deployed policies — exactly as AWS for S3 and SQS. Where its
 * evaluation differs from AWS's, the role gets an extra inline policy that says the same thing in the emulator's terms
 * (never more than the deployed policy grants on AWS):
 * - services other than S3/SQS are checked against `*`: each granted action is repeated on `*`, so the action set is
 *   still enforced (a missing action is denied); their resource scoping is proven by the static test (iam-grants).
 * - actions named after the operation (s3:HeadBucket, sqs:SendMessageBatch…): granted where AWS's action is.
 * - `?` in a resource pattern is a regular-expression error in the emulator's matcher (HTTP 500): it is written as the
 *   emulator's one-character wildcard, `.`.
 * The service that assumes the role (Lambda, ECS, EC2) is played by the operator: the trust policy names it beside
 * the service (the emulator's trust check fails on a service-only principal, HTTP 500).
 */
import {
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { assumeRole, clientConfig, OPERATOR_ARN, type Credentials } from './emulator.js';
import {
  EMULATOR_ACTION_ALIASES,
  EMULATOR_RESOURCE_ACCURATE,
  serviceOf,
  statementAllowsAction,
  statements,
  type PolicyDocument,
  type PolicyStatement,
} from './iam-policy.js';

export const EMULATOR_POLICY = 'emulator-evaluation';

const asList = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** The extra statements that make the emulator evaluate `docs` as AWS would (see the file comment). */
export function emulatorStatements(docs: PolicyDocument[]): PolicyStatement[] {
  const out: PolicyStatement[] = [];
  for (const s of docs.flatMap(statements)) {
    if (s.Effect !== 'Allow' || s.NotAction || s.NotResource || s.Condition) continue;
    const starred = asList(s.Action).filter((a) => !EMULATOR_RESOURCE_ACCURATE.includes(serviceOf(a)));
    if (starred.length) out.push({ Effect: 'Allow', Action: starred, Resource: '*' });
    const aliases = Object.entries(EMULATOR_ACTION_ALIASES)
      .filter(([, aws]) => statementAllowsAction(s, aws))
      .map(([emulator]) => emulator);
    if (aliases.length) out.push({ Effect: 'Allow', Action: aliases, Resource: s.Resource });
  }
  return out;
}

/** `?` in resource patterns written as the emulator's one-character wildcard. */
function questionMarks(doc: PolicyDocument): PolicyDocument {
  const dot = (v: string | string[] | undefined) =>
    v === undefined ? v : Array.isArray(v) ? v.map((r) => r.replace(/\?/g, '.')) : v.replace(/\?/g, '.');
  return {
    ...doc,
    Statement: statements(doc).map((s) => ({ ...s, Resource: dot(s.Resource), NotResource: dot(s.NotResource) })),
  };
}
const hasQuestionMark = (doc: PolicyDocument) =>
  statements(doc).some((s) => [...asList(s.Resource), ...asList(s.NotResource)].some((r) => r.includes('?')));

/** The role's inline policies as deployed (decoded). */
export async function rolePolicies(operator: Credentials, roleName: string): Promise<Record<string, PolicyDocument>> {
  const iam = new IAMClient(clientConfig(operator));
  const names = (await iam.send(new ListRolePoliciesCommand({ RoleName: roleName }))).PolicyNames ?? [];
  const out: Record<string, PolicyDocument> = {};
  for (const name of names) {
    const doc = (await iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: name }))).PolicyDocument!;
    out[name] = JSON.parse(decodeURIComponent(doc)) as PolicyDocument;
  }
  iam.destroy();
  return out;
}

const presented = new Map<string, Promise<Credentials>>();

/** Presents the role to the emulator (once) and returns credentials of a session of it. */
export function roleCredentials(operator: Credentials, roleArn: string, session: string): Promise<Credentials> {
  let creds = presented.get(roleArn);
  if (!creds) {
    creds = (async () => {
      const roleName = roleArn.split('/').pop()!;
      const docs = await rolePolicies(operator, roleName);
      const iam = new IAMClient(clientConfig(operator));
      for (const [name, doc] of Object.entries(docs)) {
        if (name === EMULATOR_POLICY || !hasQuestionMark(doc)) continue;
        await iam.send(
          new PutRolePolicyCommand({
            RoleName: roleName,
            PolicyName: name,
            PolicyDocument: JSON.stringify(questionMarks(doc)),
          }),
        );
      }
      const trust = JSON.parse(
        decodeURIComponent(
          (await iam.send(new GetRoleCommand({ RoleName: roleName }))).Role!.AssumeRolePolicyDocument!,
        ),
      ) as {
        Statement: { Principal?: Record<string, unknown> }[];
      };
      for (const s of trust.Statement) s.Principal = { ...s.Principal, AWS: OPERATOR_ARN };
      await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: roleName, PolicyDocument: JSON.stringify(trust) }));
      const extra = emulatorStatements(Object.values(docs));
      if (extra.length) {
        await iam.send(
          new PutRolePolicyCommand({
            RoleName: roleName,
            PolicyName: EMULATOR_POLICY,
            PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: extra }),
          }),
        );
      }
      iam.destroy();
      return assumeRole(operator, roleArn, session);
    })();
    presented.set(roleArn, creds);
  }
  return creds;
}
