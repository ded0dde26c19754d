/**
 * IAM policy evaluation as AWS does it for identity policies (Allow/Deny, Action/NotAction, Resource/NotResource,
 * `*` and `?` wildcards), used by the static grant check, and the few places where the emulator's evaluation differs
 * from AWS's (used to present the deployed roles to it faithfully, roles.ts).
 */

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, unknown>;
}

export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement | PolicyStatement[];
}

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
export const statements = (doc: PolicyDocument): PolicyStatement[] =>
  Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];

/** IAM wildcard match: `*` any run of characters, `?` exactly one; actions are case-insensitive. */
export function wildcardMatch(pattern: string, value: string, caseInsensitive = false): boolean {
  const re = new RegExp(
    `^${pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('')}$`,
    caseInsensitive ? 'i' : '',
  );
  return re.test(value);
}

export function statementAllowsAction(s: PolicyStatement, action: string): boolean {
  if (s.NotAction) return !list(s.NotAction).some((p) => wildcardMatch(p, action, true));
  return list(s.Action).some((p) => wildcardMatch(p, action, true));
}

function statementCoversResource(s: PolicyStatement, resource: string): boolean {
  if (s.NotResource) return !list(s.NotResource).some((p) => wildcardMatch(p, resource));
  return list(s.Resource).some((p) => wildcardMatch(p, resource));
}

/** Condition keys of a request and their values (e.g. `s3:ResourceAccount`, `ecs:cluster`). */
export type RequestContext = Record<string, string>;

/**
 * Whether a statement's Condition holds for the request: every operator's keys must be in `context` and match
 * (StringEquals/ArnEquals exactly, StringLike/ArnLike by wildcard; keys case-insensitive as AWS's). A condition on a key
 * the request does not carry does not hold.
 */
function conditionHolds(condition: Record<string, unknown>, context: RequestContext): boolean {
  const ctx = Object.fromEntries(Object.entries(context).map(([k, v]) => [k.toLowerCase(), v]));
  return Object.entries(condition).every(([operator, keys]) =>
    Object.entries(keys as Record<string, string | string[]>).every(([key, wanted]) => {
      const value = ctx[key.toLowerCase()];
      if (value === undefined) return false;
      const values = list(wanted);
      if (operator === 'StringEquals' || operator === 'ArnEquals') return values.includes(value);
      if (operator === 'StringLike' || operator === 'ArnLike') return values.some((p) => wildcardMatch(p, value));
      return false;
    }),
  );
}

/**
 * Whether `action` on `resource` is allowed by the documents: some Allow matches and no Deny does. A statement with a
 * Condition matches only when the request's `context` satisfies it (the keys a call carries — tag of the secret, the
 * bucket's account, the task's cluster — are named by the caller); without context, conditioned statements do not match.
 */
export function isAllowed(
  docs: PolicyDocument[],
  action: string,
  resource: string,
  context: RequestContext = {},
): boolean {
  const all = docs.flatMap(statements);
  const matches = (s: PolicyStatement) =>
    (!s.Condition || conditionHolds(s.Condition, context)) &&
    statementAllowsAction(s, action) &&
    statementCoversResource(s, resource);
  return all.some((s) => s.Effect === 'Allow' && matches(s)) && !all.some((s) => s.Effect === 'Deny' && matches(s));
}

/**
 * Requests moto names after the API operation where AWS authorizes them as another action: the emulator checks
 * `s3:HeadBucket` (AWS: s3:ListBucket) and the SQS batch operations under their own names (AWS: the single-message
 * action). Emulator action → the IAM action AWS checks.
 */
export const EMULATOR_ACTION_ALIASES: Record<string, string> = {
  's3:HeadBucket': 's3:ListBucket',
  'sqs:SendMessageBatch': 'sqs:SendMessage',
  'sqs:DeleteMessageBatch': 'sqs:DeleteMessage',
  'sqs:ChangeMessageVisibilityBatch': 'sqs:ChangeMessageVisibility',
};

/** Services whose requests the emulator checks against the real resource ARN; the others it checks against `*`. */
export const EMULATOR_RESOURCE_ACCURATE = ['s3', 's3-object-lambda', 'sqs'];

export const serviceOf = (action: string) => action.split(':')[0].toLowerCase();
