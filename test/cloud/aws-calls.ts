/**
 * Every AWS call the code makes, found in the code itself: each `new XxxCommand(` of an AWS SDK client (service from
 * the package it is imported from) and each operation of the hand-written S3 client (S3ObjectStore's methods). Calls
 * are named `service:Operation` after the API operation; `iamActions` says which IAM actions AWS checks for each.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export const REPO = join(import.meta.dirname, '..', '..');

/** SDK package → IAM service prefix. */
const PACKAGE_SERVICE: Record<string, string> = {
  '@aws-sdk/client-sqs': 'sqs',
  '@aws-sdk/client-dynamodb': 'dynamodb',
  '@aws-sdk/lib-dynamodb': 'dynamodb',
  '@aws-sdk/client-secrets-manager': 'secretsmanager',
  '@aws-sdk/client-cloudformation': 'cloudformation',
  '@aws-sdk/client-cloudwatch-logs': 'logs',
  '@aws-sdk/client-cloudwatch': 'cloudwatch',
  '@aws-sdk/client-sfn': 'states',
  '@aws-sdk/client-sns': 'sns',
  '@aws-sdk/client-ecr': 'ecr',
  '@aws-sdk/client-s3': 's3',
  '@aws-sdk/client-ssm': 'ssm',
  '@aws-sdk/client-sts': 'sts',
  '@aws-sdk/client-ecs': 'ecs',
  '@aws-sdk/client-ec2': 'ec2',
  '@aws-sdk/client-iam': 'iam',
  '@aws-sdk/client-auto-scaling': 'autoscaling',
};

/** The document client's commands are named after the item, not the API operation. */
const DOCUMENT_CLIENT_OPERATIONS: Record<string, string> = {
  Get: 'GetItem',
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  Query: 'Query',
  Scan: 'Scan',
  BatchWrite: 'BatchWriteItem',
  BatchGet: 'BatchGetItem',
  TransactWrite: 'TransactWriteItems',
  TransactGet: 'TransactGetItems',
};

/**
 * S3ObjectStore (worker/adapters/s3/s3-object-store.ts), the hand-written S3 client: each public method and the S3
 * operations it sends. A method not listed here fails the scan: its operations must be named before it is used.
 */
export const OBJECT_STORE_OPERATIONS: Record<string, string[]> = {
  checkAccess: ['ListObjectsV2'],
  list: ['ListObjectsV2'],
  listLevel: ['ListObjectsV2'],
  head: ['HeadObject'],
  headPart: ['HeadObject'],
  open: ['GetObject'],
  get: ['GetObject'],
  getTags: ['GetObjectTagging'],
  put: ['PutObject'],
  createMultipart: ['CreateMultipartUpload'],
  uploadPart: ['UploadPart'],
  completeMultipart: ['CompleteMultipartUpload'],
  abortMultipart: ['AbortMultipartUpload'],
  listUploads: ['ListMultipartUploads'],
  copyFrom: ['CopyObject'],
  delete: ['DeleteObject'],
};
export const OBJECT_STORE_FILE = 'worker/adapters/s3/s3-object-store.ts';

/** Where the code that runs in the cloud (or calls AWS from the user's machine) lives. */
export const CODE_ROOTS = ['worker', 'control-plane', 'cli', 'plugins/ecr/runtime', 'plugins/s3/runtime'];

function files(root: string): string[] {
  const abs = join(REPO, root);
  try {
    if (statSync(abs).isFile()) return [abs];
  } catch {
    return [];
  }
  return readdirSync(abs)
    .flatMap((f) => files(join(root, f)))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
}

/** SDK calls: `service:Operation` → files making it. */
export function scanSdkCalls(roots = CODE_ROOTS): Map<string, Set<string>> {
  const calls = new Map<string, Set<string>>();
  for (const file of roots.flatMap(files)) {
    const text = readFileSync(file, 'utf8');
    const imported = new Map<string, string>();
    for (const m of text.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*'(@aws-sdk\/[^']+)'/g)) {
      for (const name of m[1].split(',').map(
        (s) =>
          s
            .trim()
            .replace(/^type\s+/, '')
            .split(/\s+as\s+/)
            .pop()!,
      ))
        if (name) imported.set(name, m[2]);
    }
    for (const m of text.matchAll(/new\s+([A-Z][A-Za-z0-9]*Command)\s*\(/g)) {
      const pkg = imported.get(m[1]);
      if (!pkg)
        throw new Error(
          `${relative(REPO, file)}: ${m[1]} is not imported from an @aws-sdk package (cannot tell its service)`,
        );
      const service = PACKAGE_SERVICE[pkg];
      if (!service) throw new Error(`${relative(REPO, file)}: package ${pkg} has no IAM service in aws-calls.ts`);
      const bare = m[1].replace(/Command$/, '');
      const operation = pkg === '@aws-sdk/lib-dynamodb' ? (DOCUMENT_CLIENT_OPERATIONS[bare] ?? bare) : bare;
      const id = `${service}:${operation}`;
      if (!calls.has(id)) calls.set(id, new Set());
      calls.get(id)!.add(relative(REPO, file));
    }
  }
  return calls;
}

/** The public methods of S3ObjectStore as declared in its file (so a new one is seen). */
export function objectStoreMethods(): string[] {
  const text = readFileSync(join(REPO, OBJECT_STORE_FILE), 'utf8');
  const body = text.slice(text.indexOf('export class S3ObjectStore'));
  return [...body.matchAll(/^ {2}(?:async\s+)?(?:\*\s*)?([a-z][A-Za-z0-9]*)\s*\(/gm)]
    .map((m) => m[1])
    .filter((n) => n !== 'constructor');
}

/** The S3 operations named inside S3ObjectStore (call('X') / mapError(err, 'X')): all must be operations of the table. */
export function objectStoreNamedOperations(): string[] {
  const text = readFileSync(join(REPO, OBJECT_STORE_FILE), 'utf8');
  return [...new Set([...text.matchAll(/(?:call|mapError)\((?:err, )?'([A-Z][A-Za-z0-9]+)'/g)].map((m) => m[1]))];
}

/** The IAM actions AWS checks for one API operation (service authorization reference), where not `service:Operation`. */
const ACTIONS: Record<string, string[]> = {
  's3:ListObjectsV2': ['s3:ListBucket'],
  's3:HeadObject': ['s3:GetObject'],
  's3:HeadBucket': ['s3:ListBucket'],
  's3:CreateMultipartUpload': ['s3:PutObject'],
  's3:UploadPart': ['s3:PutObject'],
  's3:CompleteMultipartUpload': ['s3:PutObject'],
  's3:CopyObject': ['s3:PutObject'], // and s3:GetObject on the source object: listed with the call's resources
  's3:ListParts': ['s3:ListMultipartUploadParts'],
  's3:ListMultipartUploads': ['s3:ListBucketMultipartUploads'],
  'sqs:SendMessageBatch': ['sqs:SendMessage'],
  'sqs:DeleteMessageBatch': ['sqs:DeleteMessage'],
  'sqs:ChangeMessageVisibilityBatch': ['sqs:ChangeMessageVisibility'],
  'ecr:GetDownloadUrlForLayer': ['ecr:GetDownloadUrlForLayer'],
  // No permission is needed: AWS answers GetCallerIdentity to any signed request.
  'sts:GetCallerIdentity': [],
};

export function iamActions(call: string): string[] {
  return ACTIONS[call] ?? [call];
}
