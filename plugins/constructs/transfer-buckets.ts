import { type CfnCondition, Stack } from 'aws-cdk-lib';
import { Bucket, type IBucket } from 'aws-cdk-lib/aws-s3';
import { type CfnPolicy, Grant, type IGrantable, type IRole, Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export interface TransferBucketsProps {
  /** Source bucket name (the task's srcBucket; may be a parameter token). */
  readonly sourceBucketName: string;
  /** Destination bucket name (destBucket). */
  readonly destinationBucketName: string;
  /** Secrets Manager secret name holding the source's keys (srcCredentials; empty: this account's role or anonymous). */
  readonly sourceSecretName: string;
  /** Secret name of the destination's keys (destCredentials). */
  readonly destinationSecretName: string;
}

/**
 * The two buckets of an S3 task and the named credential secrets, with grants per use. The buckets may be in
 * another account or outside AWS: then the grants are unused and the secret's keys sign the requests instead.
 */
export class TransferBuckets extends Construct {
  readonly source: IBucket;
  readonly destination: IBucket;
  readonly sourceSecret: ISecret;
  readonly destinationSecret: ISecret;

  constructor(scope: Construct, id: string, props: TransferBucketsProps) {
    super(scope, id);
    this.source = Bucket.fromBucketName(this, 'Source', props.sourceBucketName);
    this.destination = Bucket.fromBucketName(this, 'Destination', props.destinationBucketName);
    this.sourceSecret = Secret.fromSecretNameV2(this, 'SourceSecret', props.sourceSecretName);
    this.destinationSecret = Secret.fromSecretNameV2(this, 'DestinationSecret', props.destinationSecretName);
  }

  /** List both sides (ListObjectsV2; HeadBucket and the bucket's region are checked at start). */
  grantList(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions: ['s3:ListBucket', 's3:GetBucketLocation'],
      resourceArns: [this.source.bucketArn, this.destination.bucketArn],
    });
  }

  /** Read source objects: body (GET, range GET), HEAD, versions, tags (copied with the object). */
  grantReadSource(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions: ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectTagging'],
      resourceArns: [this.source.arnForObjects('*')],
    });
  }

  /**
   * Write destination objects: PUT (with ACL and tags), multipart uploads (resume: list parts; abort), and HEAD/GET of
   * what was written (verification). Multipart uploads left by an interrupted worker are found by listing them.
   */
  grantWriteDestination(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions: [
        's3:GetObject',
        's3:PutObject',
        's3:PutObjectAcl',
        's3:PutObjectTagging',
        's3:AbortMultipartUpload',
        's3:ListMultipartUploadParts',
      ],
      resourceArns: [this.destination.arnForObjects('*')],
    }).combine(
      Grant.addToPrincipal({
        grantee,
        actions: ['s3:ListBucketMultipartUploads'],
        resourceArns: [this.destination.bucketArn],
      }),
    );
  }

  /**
   * Delete destination objects: the source's delete events (srcEvent CreateAndDelete) only. A separate policy under
   * `condition`, so that a task without delete events cannot delete anything.
   */
  grantDeleteDestination(role: IRole, condition: CfnCondition): Policy {
    const policy = new Policy(this, 'DeleteReplicatedObjects', {
      statements: [
        new PolicyStatement({ actions: ['s3:DeleteObject'], resources: [this.destination.arnForObjects('*')] }),
      ],
      roles: [role],
    });
    (policy.node.defaultChild as CfnPolicy).cfnOptions.condition = condition;
    return policy;
  }

  /** Read the two named credential secrets (GetSecretValue; -?????? is the suffix Secrets Manager appends). */
  grantReadSecrets(grantee: IGrantable): Grant {
    return this.sourceSecret.grantRead(grantee).combine(this.destinationSecret.grantRead(grantee));
  }

  /**
   * Read the prefix list object from `bucketName` (srcPrefixListBucket: a bucket of this account, read with the role
   * whatever the source's credentials). A separate policy under `condition` (the parameter is given).
   */
  grantReadPrefixList(role: IRole, bucketName: string, condition: CfnCondition): Policy {
    const bucket = Bucket.fromBucketName(this, 'PrefixListBucket', bucketName);
    const policy = new Policy(this, 'ReadPrefixList', {
      statements: [new PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects('*')] })],
      roles: [role],
    });
    (policy.node.defaultChild as CfnPolicy).cfnOptions.condition = condition;
    return policy;
  }

  /** Use SSE-KMS keys of this account, through S3 only (kms:ViaService), to read and write encrypted objects. */
  grantUseKmsThroughS3(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      // Any key of this account in any region (the buckets' keys are unknown at deploy; the condition keeps them to S3 use).
      resourceArns: [Stack.of(this).formatArn({ service: 'kms', region: '*', resource: 'key', resourceName: '*' })],
      conditions: { StringLike: { 'kms:ViaService': 's3.*' } },
    });
  }
}
