import { Aws, CfnCondition, CfnRule, Duration, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  AllowedMethods,
  type CfnDistribution,
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
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
  /**
   * Built console directory. Nothing is deployed but config.json when it has no index.html.
   * @default portal/dist
   */
  distDir?: string;
  /**
   * Use only what CloudFront offers in the China regions as well: an origin access identity (origin access control
   * does not exist there), legacy cache settings instead of a cache policy, no IPv6 — as the original's China template.
   * @default false
   */
  chinaCompatible?: boolean;
}

/** The console's own domain: an alternate domain name with its certificate (required in the China regions). */
export interface ConsoleDomain {
  /**
   * The domain as a URL, `https://dth.example.cn` (ICP-registered in China; the original's OidcCustomerDomain).
   * May be a parameter token; empty: no custom domain.
   */
  url: string;
  /** Id of a certificate in the IAM certificate store (China regions: CloudFront there cannot use ACM). May be empty. */
  iamCertificateId: string;
  /** ARN of an ACM certificate in us-east-1 (other regions; e.g. an imported one). May be empty. */
  acmCertificateArn: string;
}

/** Console: private bucket behind CloudFront (origin access control or identity, HTTPS only, security headers). */
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
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.OBJECT_WRITER,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [{ expiration: Duration.days(90) }],
    });
    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      serverAccessLogsBucket: logs,
      serverAccessLogsPrefix: 'console-bucket/',
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
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
      enableIpv6: !props.chinaCompatible,
      defaultBehavior: {
        origin: props.chinaCompatible
          ? S3BucketOrigin.withOriginAccessIdentity(this.bucket)
          : S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        responseHeadersPolicy: headers,
      },
      // Client-side routes: unknown paths serve the app.
      errorResponses: [403, 404].map((httpStatus) => ({
        httpStatus,
        responseHttpStatus: 200,
        responsePagePath: '/index.html',
        ttl: Duration.seconds(0),
      })),
      enableLogging: true,
      logBucket: logs,
      logFilePrefix: 'cloudfront/',
    });
    if (props.chinaCompatible) {
      // China regions have no managed cache policies: cache by path only, nothing forwarded (the original's setting).
      const cfn = this.distribution.node.defaultChild as CfnDistribution;
      cfn.addPropertyDeletionOverride('DistributionConfig.DefaultCacheBehavior.CachePolicyId');
      cfn.addPropertyOverride('DistributionConfig.DefaultCacheBehavior.ForwardedValues', {
        QueryString: false,
        Cookies: { Forward: 'none' },
      });
    }
    this.url = `https://${this.distribution.distributionDomainName}`;
    this.distDir = props.distDir ?? PORTAL_DIST;
    this.deploysConsole = portalBuilt(this.distDir);
  }

  /**
   * Serves the console on its own domain when a certificate is given (IAM certificate id, else ACM ARN); without
   * one the distribution keeps its default domain and certificate. Returns the console URL either way.
   */
  useDomain(domain: ConsoleDomain): string {
    const stack = Stack.of(this);
    const given = (id: string, value: string) =>
      new CfnCondition(this, id, { expression: Fn.conditionNot(Fn.conditionEquals(value, '')) });
    const hasIam = given('HasIamCertificate', domain.iamCertificateId);
    const hasAcm = given('HasAcmCertificate', domain.acmCertificateArn);
    const hasCertificate = new CfnCondition(this, 'HasCertificate', { expression: Fn.conditionOr(hasIam, hasAcm) });
    const hasDomain = given('HasDomain', domain.url);
    // `https://host/…` → host; the padding keeps Fn::Select in range when the domain is empty.
    const host = Fn.select(2, Fn.split('/', Fn.join('', [domain.url, '///'])));
    const isSet = (value: string) => Fn.conditionNot(Fn.conditionEquals(value, ''));
    new CfnRule(stack, 'CertificateNeedsDomain', {
      ruleCondition: Fn.conditionOr(isSet(domain.iamCertificateId), isSet(domain.acmCertificateArn)),
      assertions: [
        {
          assert: isSet(domain.url),
          assertDescription: 'A console certificate needs the console domain (OidcCustomerDomain)',
        },
      ],
    });
    const certificate = (key: string, value: string) => ({
      [key]: value,
      SslSupportMethod: 'sni-only',
      MinimumProtocolVersion: 'TLSv1.2_2021',
    });
    const cfn = this.distribution.node.defaultChild as CfnDistribution;
    cfn.addPropertyOverride(
      'DistributionConfig.Aliases',
      Fn.conditionIf(hasCertificate.logicalId, [host], Aws.NO_VALUE),
    );
    cfn.addPropertyOverride(
      'DistributionConfig.ViewerCertificate',
      Fn.conditionIf(
        hasIam.logicalId,
        certificate('IamCertificateId', domain.iamCertificateId),
        Fn.conditionIf(hasAcm.logicalId, certificate('AcmCertificateArn', domain.acmCertificateArn), {
          CloudFrontDefaultCertificate: true,
        }),
      ),
    );
    return Fn.conditionIf(hasDomain.logicalId, `https://${host}`, this.url).toString();
  }

  /** Uploads the console (when built) and its config.json (always); call once the API and sign-in exist. */
  deploy(config: ConsoleConfig): BucketDeployment {
    const sources = [Source.jsonData('config.json', config)];
    if (this.deploysConsole) sources.unshift(Source.asset(this.distDir));
    return new BucketDeployment(this, 'Deploy', {
      destinationBucket: this.bucket,
      sources,
      distribution: this.distribution,
      distributionPaths: ['/index.html', '/config.json'],
      prune: false,
      memoryLimit: 512,
    });
  }
}
