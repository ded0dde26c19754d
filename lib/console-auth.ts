import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AuthorizationType, type AuthorizationMode } from 'aws-cdk-lib/aws-appsync';
import {
  AccountRecovery,
  CfnUserPoolUser,
  FeaturePlan,
  Mfa,
  OAuthScope,
  StandardThreatProtectionMode,
  UserPool,
  UserPoolClient,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';

export type ConsoleAuthProps =
  | { kind: 'COGNITO'; adminEmail: string; consoleUrl: string }
  | { kind: 'OIDC'; issuer: string; clientId: string };

/**
 * Who may call the API: a Cognito user pool with one admin user (AWS regions), or an external OIDC provider
 * (China regions, no Cognito hosted UI). Both hand the console an ID token that AppSync verifies.
 */
export class ConsoleAuth extends Construct {
  readonly authorizationMode: AuthorizationMode;
  readonly authType: 'COGNITO' | 'OIDC';
  readonly clientId: string;
  /** The hosted UI's host (`<prefix>.auth.<region>.amazoncognito.com`); blank under OIDC. */
  readonly cognitoDomain: string;
  /** The hosted UI's domain prefix alone, as the original's UserPoolDomain output gave it; blank under OIDC. */
  readonly cognitoDomainPrefix: string;
  readonly oidcIssuer: string;
  readonly userPool?: UserPool;

  constructor(scope: Construct, id: string, props: ConsoleAuthProps) {
    super(scope, id);
    this.authType = props.kind;
    if (props.kind === 'OIDC') {
      this.clientId = props.clientId;
      this.oidcIssuer = props.issuer;
      this.cognitoDomain = '';
      this.cognitoDomainPrefix = '';
      this.authorizationMode = {
        authorizationType: AuthorizationType.OIDC,
        openIdConnectConfig: { oidcProvider: props.issuer, clientId: props.clientId },
      };
      return;
    }
    const pool = new UserPool(this, 'UserPool', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      passwordPolicy: {
        minLength: 12,
        requireDigits: true,
        requireLowercase: true,
        requireUppercase: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const domain = pool.addDomain('Domain', {
      cognitoDomain: { domainPrefix: `dth-${Aws.ACCOUNT_ID}-${this.node.addr.slice(0, 8)}` },
    });
    const client = new UserPoolClient(this, 'ConsoleClient', {
      userPool: pool,
      generateSecret: false,
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
        callbackUrls: [`${props.consoleUrl}/`, props.consoleUrl],
        logoutUrls: [`${props.consoleUrl}/`],
      },
      preventUserExistenceErrors: true,
    });
    new CfnUserPoolUser(this, 'Admin', {
      userPoolId: pool.userPoolId,
      username: props.adminEmail,
      desiredDeliveryMediums: ['EMAIL'],
      userAttributes: [
        { name: 'email', value: props.adminEmail },
        { name: 'email_verified', value: 'true' },
      ],
    });
    this.userPool = pool;
    this.clientId = client.userPoolClientId;
    this.oidcIssuer = '';
    this.cognitoDomainPrefix = domain.domainName;
    this.cognitoDomain = `${domain.domainName}.auth.${Aws.REGION}.amazoncognito.com`;
    this.authorizationMode = { authorizationType: AuthorizationType.USER_POOL, userPoolConfig: { userPool: pool } };
  }
}
