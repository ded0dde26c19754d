import { Duration } from 'aws-cdk-lib';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays, type ILogGroup } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { LOCK_FILE, REPO_ROOT } from './paths.js';

export interface HandlerFunctionProps {
  /** Entry file (absolute), exporting `handler`. */
  entry: string;
  /**
   * Environment variables of the function.
   * @default - none
   */
  environment?: Record<string, string>;
  /** @default Duration.seconds(60) */
  timeout?: Duration;
  /** @default 512 (MiB) */
  memorySize?: number;
  /** @default - none */
  description?: string;
  /**
   * Log group of the function.
   * @default - a new one with one month retention
   */
  logGroup?: ILogGroup;
}

/**
 * A Node 22 arm64 Lambda function bundled by the local esbuild (never Docker), ESM output, with its own log group
 * (one month retention).
 */
export function handlerFunction(scope: Construct, id: string, props: HandlerFunctionProps): NodejsFunction {
  const logGroup = props.logGroup ?? new LogGroup(scope, `${id}Logs`, { retention: RetentionDays.ONE_MONTH });
  return new NodejsFunction(scope, id, {
    entry: props.entry,
    handler: 'handler',
    // Node 22: nodejs20.x is deprecated on Lambda (creation ends 2027-02); the bundle targets node20, which 22 runs.
    runtime: Runtime.NODEJS_22_X,
    architecture: Architecture.ARM_64,
    memorySize: props.memorySize ?? 512,
    timeout: props.timeout ?? Duration.seconds(60),
    description: props.description,
    environment: props.environment,
    logGroup,
    projectRoot: REPO_ROOT,
    depsLockFilePath: LOCK_FILE,
    bundling: {
      forceDockerBundling: false,
      format: OutputFormat.ESM,
      target: 'node20',
      minify: true,
      sourceMap: false,
      externalModules: ['@aws-sdk/*', 'better-sqlite3'],
      banner:
        "import { createRequire as __dthCreateRequire } from 'node:module'; const require = __dthCreateRequire(import.meta.url);",
    },
  });
}
