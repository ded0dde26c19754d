/**
 * The parts of AWS the emulator records but does not run, done here with the project's real code:
 * - Step Functions: the hub's lifecycle state machine (and the ECR plugin's) runs in state-machine.ts; each Lambda
 *   task invokes the deployed function in-process (lambda-runner.ts) with its role's credentials.
 * - CloudFormation custom resources: answered (custom-resources.ts) after doing what they do: the S3 plugin's first
 *   finder run (ECS RunTask) and the ECR plugin's first run (StartExecution).
 * - ECS and EC2: the finder, image copy and JobWorker processes (plugin-compute.ts).
 * Everything the code calls goes to the emulator, with the deployed roles' credentials.
 */
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudFormationClient, GetTemplateCommand, ListStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient, UpdateItemCommand, type UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, DescribeStateMachineCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { answerCustomResources, type CustomResourceEffects } from './custom-resources.js';
import { clientConfig, type Credentials } from './emulator.js';
import type { CfnTemplate } from './emulator-template.js';
import { deployedFunctions, describeStack, type DeployedFunction, type DeployedHub, type DeployedStack } from './hub-deploy.js';
import { invoke } from './lambda-runner.js';
import {
  bootInstance, computeEnvironment, describeTaskDefinition, LogShipper, resourceOf, startProcess, type RoleProcess,
} from './plugin-compute.js';
import { roleCredentials } from './roles.js';
import { runExecution, StatesError, type ExecutionResult, type Json } from './state-machine.js';

/** Real waits (15 s stack polls, 60 s monitor passes, retry intervals) become this. */
const SHORT_WAIT_MS = 250;

interface PluginStack {
  stackId: string;
  name: string;
  kind: 'S3' | 'ECR';
  template: CfnTemplate;
  answered: Set<string>;
  booted: boolean;
  functions?: Record<string, DeployedFunction>;
}

export class EmulatedCloud {
  /** Every process started (finder, workers, copy tasks), for assertions and teardown. */
  readonly processes: RoleProcess[] = [];
  /** Executions of plugin state machines started by custom resources or schedules. */
  readonly pluginExecutions: Promise<ExecutionResult>[] = [];
  private readonly stacks = new Map<string, PluginStack>();
  private readonly hubFunctions: Map<string, DeployedFunction>;

  constructor(
    readonly operator: Credentials,
    readonly hub: DeployedHub,
    /** The cloud assembly deployed (the task image's files are an asset of it). */
    readonly assembly: string,
    readonly workDir: string,
  ) {
    this.hubFunctions = new Map(Object.values(hub.functions).map((f) => [f.arn, f]));
  }

  /** Invokes a deployed function with its role's credentials. */
  async invoke(fn: DeployedFunction, event: unknown): Promise<unknown> {
    return invoke(fn, event, await roleCredentials(this.operator, fn.roleArn, fn.id));
  }

  /** Runs a lifecycle execution the API started (recorded by the emulator: its input is read back) to its end. */
  async runLifecycle(executionArn: string): Promise<ExecutionResult> {
    const sfn = new SFNClient(clientConfig(this.operator));
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    sfn.destroy();
    return runExecution(this.hub.stateMachine.definition, JSON.parse(execution.input!) as Json, {
      task: async (resource, input) => {
        const fn = this.hubFunctions.get(resource);
        if (!fn) throw new StatesError('States.Runtime', `the lifecycle calls ${resource}, not a function of the hub`);
        return (await this.invoke(fn, input)) as Json;
      },
      wait: () => this.tick(),
    }, { executionName: execution.name!, executionArn, maxStates: 2_000 });
  }

  /** The newest execution of the lifecycle state machine whose name starts with `prefix` (stopTask's STOP execution). */
  async latestExecution(prefix: string): Promise<string> {
    const sfn = new SFNClient(clientConfig(this.operator));
    const list = (await sfn.send(new ListExecutionsCommand({ stateMachineArn: this.hub.stateMachine.arn }))).executions ?? [];
    sfn.destroy();
    const found = list.filter((e) => e.name?.startsWith(prefix)).sort((a, b) => (b.startDate?.getTime() ?? 0) - (a.startDate?.getTime() ?? 0))[0];
    if (!found) throw new Error(`no execution "${prefix}…" was started`);
    return found.executionArn!;
  }

  /** One pass of "the cloud": answer plugin stacks' custom resources, boot instances of created stacks; then a short wait. */
  async tick(): Promise<void> {
    const cfn = new CloudFormationClient(clientConfig(this.operator));
    const summaries = (await cfn.send(new ListStacksCommand({}))).StackSummaries ?? [];
    for (const s of summaries) {
      if (!s.StackName?.startsWith(`${this.hub.functions.StartStackFn.environment.STACK_NAME_PREFIX}-`) || s.StackStatus === 'DELETE_COMPLETE') continue;
      let stack = this.stacks.get(s.StackId!);
      if (!stack) {
        const template = JSON.parse((await cfn.send(new GetTemplateCommand({ StackName: s.StackId }))).TemplateBody!) as CfnTemplate;
        const kind = /S3 plugin/.test(String(template.Description)) ? 'S3' : 'ECR';
        stack = { stackId: s.StackId!, name: s.StackName, kind, template, answered: new Set(), booted: false };
        this.stacks.set(s.StackId!, stack);
      }
      if (s.StackStatus === 'CREATE_IN_PROGRESS') await answerCustomResources(this.operator, stack.stackId, this.effects(stack), stack.answered);
      if (s.StackStatus === 'CREATE_COMPLETE' && !stack.booted) {
        stack.booted = true;
        if (stack.kind === 'S3') await this.bootWorker(stack);
      }
    }
    cfn.destroy();
    await new Promise((r) => setTimeout(r, SHORT_WAIT_MS));
  }

  private effects(stack: PluginStack): CustomResourceEffects {
    return stack.kind === 'S3'
      ? { FinderFirstRun: () => this.runFinder(stack) }
      : { FirstRun: () => { this.pluginExecutions.push(this.runImageCopies(stack)); } };
  }

  private home(name: string): string {
    const dir = join(this.workDir, `${name}-${randomUUID().slice(0, 8)}`);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  /** The task image's dth.mjs (an asset of the assembly, by image tag), alone in a fresh directory: what the container runs. */
  private taskImageBundle(imageTag: string, home: string): string {
    const manifest = JSON.parse(readFileSync(join(this.assembly, 'DataTransferHub.assets.json'), 'utf8')) as {
      dockerImages: Record<string, { source: { directory: string }; destinations: Record<string, { imageTag: string }> }>;
    };
    const image = Object.values(manifest.dockerImages).find((d) => Object.values(d.destinations).some((x) => x.imageTag === imageTag));
    if (!image) throw new Error(`no image asset tagged ${imageTag}`);
    copyFileSync(join(this.assembly, image.source.directory, 'dth.mjs'), join(home, 'dth.mjs'));
    return join(home, 'dth.mjs');
  }

  private async fargateTask(stack: PluginStack, constructId: string, name: string, extraEnv: Record<string, string> = {}): Promise<RoleProcess> {
    const deployed = await describeStack(this.operator, stack.stackId);
    const def = await describeTaskDefinition(this.operator, stack.template, deployed, constructId);
    const credentials = await roleCredentials(this.operator, def.taskRoleArn, name);
    const home = this.home(name);
    const bundle = this.taskImageBundle(def.image.split(':').pop()!, home);
    const taskId = randomUUID().replace(/-/g, '');
    const logs = new LogShipper(this.operator, def.logGroup, `${def.streamPrefix}/${def.containerName}/${taskId}`);
    const proc = startProcess(name, bundle, def.command, { ...computeEnvironment(credentials, home), ...def.environment, ...extraEnv }, logs);
    this.processes.push(proc);
    return proc;
  }

  /** ECS RunTask of the finder task definition (the FinderFirstRun custom resource; the schedule runs the same). */
  private async runFinder(stack: PluginStack): Promise<void> {
    await this.fargateTask(stack, 'FinderTask', 'finder');
  }

  /** An instance of the JobWorker launch template, booted into `dth worker` as its user data sets it up. */
  private async bootWorker(stack: PluginStack): Promise<void> {
    const deployed = await describeStack(this.operator, stack.stackId);
    const home = this.home('worker');
    const boot = await bootInstance(this.operator, deployed, home);
    const credentials = await roleCredentials(this.operator, boot.roleArn, 'worker');
    const logs = new LogShipper(this.operator, boot.logGroup, `i-${randomUUID().slice(0, 17).replace(/-/g, '')}`);
    this.processes.push(startProcess('worker', boot.bundle, boot.command, { ...computeEnvironment(credentials, home), ...boot.environment }, logs));
  }

  /** The ECR plugin's state machine, started by its FirstRun custom resource: lister Lambda, Map of Fargate copies, status writes. */
  private async runImageCopies(stack: PluginStack): Promise<ExecutionResult> {
    const deployed = await describeStack(this.operator, stack.stackId);
    stack.functions ??= await deployedFunctions(this.operator, stack.template, deployed, join(this.hub.functions.ApiFn.codeDir, '..', stack.name));
    const machineArn = resourceOf(deployed, 'AWS::StepFunctions::StateMachine', 'CopyImages').physicalId;
    const sfn = new SFNClient(clientConfig(this.operator));
    const machine = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: machineArn }));
    sfn.destroy();
    const machineCredentials = await roleCredentials(this.operator, machine.roleArn!, 'image-copies');
    const byArn = new Map(Object.values(stack.functions).map((f) => [f.arn, f]));
    return runExecution(JSON.parse(machine.definition!) as Record<string, unknown>, {}, {
      task: async (resource, input) => {
        const fn = byArn.get(resource);
        if (fn) return (await this.invoke(fn, input)) as Json;
        if (resource === 'arn:aws:states:::ecs:runTask.sync') return this.runCopyTask(stack, input);
        if (resource === 'arn:aws:states:::dynamodb:updateItem') {
          const ddb = new DynamoDBClient(clientConfig(machineCredentials));
          await ddb.send(new UpdateItemCommand(input as unknown as UpdateItemCommandInput));
          ddb.destroy();
          return {};
        }
        throw new StatesError('States.Runtime', `resource ${resource} is not emulated here`);
      },
      readItems: async (reader, parameters) => {
        if (reader.Resource !== 'arn:aws:states:::s3:getObject') throw new StatesError('States.Runtime', `ItemReader ${String(reader.Resource)} is not emulated here`);
        const { Bucket, Key } = parameters as { Bucket: string; Key: string };
        const s3 = new S3Client(clientConfig(machineCredentials));
        const text = await (await s3.send(new GetObjectCommand({ Bucket, Key }))).Body!.transformToString();
        s3.destroy();
        return JSON.parse(text) as Json[];
      },
      wait: () => new Promise((r) => setTimeout(r, SHORT_WAIT_MS)),
    }, { executionName: `first-run-${randomUUID().slice(0, 8)}`, executionArn: `${machineArn.replace(':stateMachine:', ':execution:')}:first-run` });
  }

  /** ecs:runTask.sync of the copy task definition with the state's container overrides; fails the state like a non-zero exit. */
  private async runCopyTask(stack: PluginStack, input: Json): Promise<Json> {
    const overrides = (input as { Overrides?: { ContainerOverrides?: { Environment?: { Name: string; Value: string }[] }[] } }).Overrides;
    const env = Object.fromEntries((overrides?.ContainerOverrides?.[0]?.Environment ?? []).map((e) => [e.Name, e.Value]));
    const proc = await this.fargateTask(stack, 'CopyTask', 'copy', env);
    const code = await proc.exited;
    if (code !== 0) throw new StatesError('States.TaskFailed', `copy task exited ${code}: ${proc.output().slice(-2000)}`);
    return {};
  }

  /** Stops every process still running (instances terminated, tasks stopped). */
  async shutdown(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.stop()));
    await Promise.allSettled(this.pluginExecutions);
  }

  /** The plugin stack a task got, as last seen. */
  async pluginStack(stackId: string): Promise<DeployedStack & { status: string }> {
    return describeStack(this.operator, stackId);
  }
}
