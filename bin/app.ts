#!/usr/bin/env -S npx tsx
/**
 * The CDK app: `npx cdk deploy DataTransferHub` (Cognito sign-in, AWS regions) or `npx cdk deploy DataTransferHubOidc`
 * (OpenID Connect sign-in, China regions). The plugin stacks can also be deployed on their own for one task
 * (`DthS3Plugin`, `DthEcrPlugin`, with --parameters). cdk-nag AwsSolutions checks run at every synth.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildApp } from '../lib/app.js';

const app = new App();
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
buildApp(app);
app.synth();
