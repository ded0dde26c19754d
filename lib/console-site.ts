import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
  AllowedMethods, Distribution, HeadersFrameOption, HeadersReferrerPolicy, ResponseHeadersPolicy, ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { PORTAL_DIST, portalBuilt } from './paths.js';

/** The console's runtime configuration (portal/src/auth/config.ts reads /config.json). */
export interface ConsoleConfig {
  authType: 'COGNITO' | 'OIDC';
  apiUrl: string;
  region: string;
  cognitoDomain: string;
  /** Cognito user pool id (blank for OIDC). */
  userPoolId: string;
  oidcIssuer: string;
  clientId: string;
  dashboardUrlPrefix: string;
}

export interface ConsoleSiteProps {
  /** Built console directory; default portal/dist. Nothing is deployed but config.json when it has no index.html. */
  distDir?: string;
}

/** Console: private bucket behind CloudFront (origin access control, HTTPS only, security headers). */
export class ConsoleSite extends Construct {
  readonly bucket: Bucket;
  readonly distribution: Distribution;
  readonly url: string;
  /** True when the console files were included (portal built). */
  readonly deploysConsole: boolean;

  private readonly distDir: string;

  constructor(scope: Construct, id: string, props: ConsoleSiteProps = {}) {
    super(scope, id);
    const logs = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED, blockPublicAccess: BlockPublicAccess.BLOCK_ALL, enforceSSL: true,
      objectOwnership: ObjectOwnership.OBJECT_WRITER, removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [{ expiration: Duration.days(90) }],
    });
    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.S3_MANAGED, blockPublicAccess: BlockPublicAccess.BLOCK_ALL, enforceSSL: true,
      serverAccessLogsBucket: logs, serverAccessLogsPrefix: 'console-bucket/',
      removalPolicy: RemovalPolicy.DESTROY, autoDeleteObjects: true,
    });
    const headers = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      securityHeadersBehavior: {
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override: true },
        xssProtection: { protection: true, modeBlock: true, override: true },
      },
    });
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'Data Transfer Hub console',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        responseHeadersPolicy: headers,
      },
      // Client-side routes: unknown paths serve the app.
      errorResponses: [403, 404].map((httpStatus) => ({ httpStatus, responseHttpStatus: 200, responsePagePath: '/index.html', ttl: Duration.seconds(0) })),
      enableLogging: true, logBucket: logs, logFilePrefix: 'cloudfront/',
    });
    this.url = `https://${this.distribution.distributionDomainName}`;
    this.distDir = props.distDir ?? PORTAL_DIST;
    this.deploysConsole = portalBuilt(this.distDir);
  }

  /** Uploads the console (when built) and its config.json (always); call once the API and sign-in exist. */
  deploy(config: ConsoleConfig): BucketDeployment {
    const sources = [Source.jsonData('config.json', config)];
    if (this.deploysConsole) sources.unshift(Source.asset(this.distDir));
    return new BucketDeployment(this, 'Deploy', {
      destinationBucket: this.bucket, sources, distribution: this.distribution, distributionPaths: ['/index.html', '/config.json'],
      prune: false, memoryLimit: 512,
    });
  }
}
