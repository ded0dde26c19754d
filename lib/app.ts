import type { App } from 'aws-cdk-lib';
import { EcrPluginStack } from '../plugins/ecr/ecr-plugin-stack.js';
import { S3PluginStack } from '../plugins/s3/s3-plugin-stack.js';
import { MainStack } from './main-stack.js';

export interface DthApp {
  cognito: MainStack;
  oidc: MainStack;
  s3Plugin: S3PluginStack;
  ecrPlugin: EcrPluginStack;
}

/** Every stack of the app (bin/app.ts; tests build the same app). */
export function buildApp(app: App, options: { portalDist?: string } = {}): DthApp {
  return {
    cognito: new MainStack(app, 'DataTransferHub', { authType: 'COGNITO', portalDist: options.portalDist }),
    oidc: new MainStack(app, 'DataTransferHubOidc', { authType: 'OIDC', portalDist: options.portalDist }),
    s3Plugin: new S3PluginStack(app, 'DthS3Plugin'),
    ecrPlugin: new EcrPluginStack(app, 'DthEcrPlugin'),
  };
}
