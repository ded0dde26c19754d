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
import { copyFileSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { CloudFormationClient, GetTemplateCommand, ListStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import {
  DeleteRouteTableCommand,
  DescribeRouteTablesCommand,
  DisassociateRouteTableCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { TASK_TABLE_PARTITION_KEY } from '../../control-plane/core/task-table.js';
import { answerCustomResources, type CustomResourceEffects } from './custom-resources.js';
import { clientConfig, type Credentials } from './emulator.js';
import type { CfnTemplate } from './emulator-template.js';
import {
  deployedFunctions,
  describeStack,
  type DeployedFunction,
  type DeployedHub,
  type DeployedStack,
} from './hub-deploy.js';
import { invoke, trustForFunctions } from './lambda-runner.js';
import {
  bootInstance,
  computeEnvironment,
  describeTaskDefinition,
  LogShipper,
  resourceOf,
  runTaskOverrides,
  startProcess,
  type ContainerOverride,
  type RoleProcess,
} from './plugin-compute.js';
import { roleCredentials } from './roles.js';
import { runExecution, StatesError, type ExecutionResult, type Json } from './state-machine.js';

const REPO = join(import.meta.dirname, '..', '..');

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
  readonly processes: (RoleProcess & { stackId: string })[] = [];
  /** Executions of plugin state machines started by custom resources or schedules. */
  readonly pluginExecutions: Promise<ExecutionResult>[] = [];
  private readonly stacks = new Map<string, PluginStack>();
  private readonly failedPluginExecutions: ExecutionResult[] = [];
  private readonly hubFunctions: Map<string, DeployedFunction>;

  constructor(
    readonly operator: Credentials,
    readonly hub: DeployedHub,
    /** The cloud assembly deployed (the task image's files are an asset of it). */
    readonly assembly: string,
    readonly workDir: string,
    /** Certificate authorities the task image trusts besides the public ones (the test registry's own). */
    readonly trustedCa?: string,
  ) {
    this.hubFunctions = new Map(Object.values(hub.functions).map((f) => [f.arn, f]));
    // The in-process functions (the image lister) trust the test registries as the task image does.
    if (trustedCa) this.untrust = trustForFunctions(trustedCa);
  }

  private readonly untrust?: () => void;

  /** Invokes a deployed function with its role's credentials. */
  async invoke(fn: DeployedFunction, event: unknown): Promise<unknown> {
    return invoke(fn, event, await roleCredentials(this.operator, fn.roleArn, fn.id), this.operator);
  }

  /**
   * Runs a lifecycle execution the API started (recorded by the emulator: its input is read back) to its end, and the
   * executions it hands over to (StartExecution of its own state machine, as a long monitor continues as new).
   */
  async runLifecycle(executionArn: string): Promise<ExecutionResult> {
    const sfn = new SFNClient(clientConfig(this.operator));
    const path: string[] = [];
    let next: string | undefined = executionArn;
    let result: ExecutionResult | undefined;
    while (next) {
      const execution = await sfn.send(new DescribeExecutionCommand({ executionArn: next }));
      const handedOver: string[] = [];
      result = await runExecution(
        this.hub.stateMachine.definition,
        JSON.parse(execution.input!) as Json,
        {
          task: async (resource, input) => {
            if (resource === 'arn:aws:states:::states:startExecution') {
              // Recorded in the emulator by the state machine's role, run after this execution ends.
              const { StateMachineArn, Input } = input as { StateMachineArn: string; Input: Json };
              if (StateMachineArn !== this.hub.stateMachine.arn)
                throw new StatesError('States.Runtime', `starts another state machine: ${StateMachineArn}`);
              const machine = new SFNClient(
                clientConfig(await roleCredentials(this.operator, this.hub.stateMachine.roleArn, 'lifecycle')),
              );
              const started = await machine.send(
                new StartExecutionCommand({
                  stateMachineArn: StateMachineArn,
                  input: typeof Input === 'string' ? Input : JSON.stringify(Input),
                }),
              );
              machine.destroy();
              handedOver.push(started.executionArn!);
              return { ExecutionArn: started.executionArn!, StartDate: new Date().toISOString() };
            }
            const fn = this.hubFunctions.get(resource);
            if (!fn)
              throw new StatesError('States.Runtime', `the lifecycle calls ${resource}, not a function of the hub`);
            if (fn.id === 'StopStackFn') await this.beforeStackDeletion((input as { taskId: string }).taskId);
            return (await this.invoke(fn, input)) as Json;
          },
          wait: () => this.tick(),
        },
        {
          executionName: execution.name!,
          executionArn: next,
          stateMachineArn: this.hub.stateMachine.arn,
          maxStates: 2_000,
        },
      );
      path.push(...result.path);
      next = result.status === 'SUCCEEDED' ? handedOver.shift() : undefined;
    }
    sfn.destroy();
    return { ...result!, path };
  }

  /** The newest execution of the lifecycle state machine whose name starts with `prefix` (stopTask's STOP execution). */
  async latestExecution(prefix: string): Promise<string> {
    const sfn = new SFNClient(clientConfig(this.operator));
    const list =
      (await sfn.send(new ListExecutionsCommand({ stateMachineArn: this.hub.stateMachine.arn }))).executions ?? [];
    sfn.destroy();
    const found = list
      .filter((e) => e.name?.startsWith(prefix))
      .sort((a, b) => (b.startDate?.getTime() ?? 0) - (a.startDate?.getTime() ?? 0))[0];
    if (!found) throw new Error(`no execution "${prefix}…" was started`);
    return found.executionArn!;
  }

  /**
   * One pass of "the cloud": answer plugin stacks' custom resources, boot instances of created stacks; then a short
   * wait. A plugin execution that failed ends the lifecycle run here (the monitor would wait for it forever).
   */
  async tick(): Promise<void> {
    const failed = this.failedPluginExecutions.find(() => true);
    if (failed)
      throw new StatesError(
        'Emulator.PluginExecutionFailed',
        `${failed.error}: ${failed.cause} (at ${failed.path.slice(-3).join(' > ')})`,
      );
    const cfn = new CloudFormationClient(clientConfig(this.operator));
    const summaries = (await cfn.send(new ListStacksCommand({}))).StackSummaries ?? [];
    for (const s of summaries) {
      if (
        !s.StackName?.startsWith(`${this.hub.functions.StartStackFn.environment.STACK_NAME_PREFIX}-`) ||
        s.StackStatus === 'DELETE_COMPLETE'
      )
        continue;
      let stack = this.stacks.get(s.StackId!);
      if (!stack) {
        const template = JSON.parse(
          (await cfn.send(new GetTemplateCommand({ StackName: s.StackId }))).TemplateBody!,
        ) as CfnTemplate;
        const kind = /S3 plugin/.test(String(template.Description)) ? 'S3' : 'ECR';
        stack = { stackId: s.StackId!, name: s.StackName, kind, template, answered: new Set(), booted: false };
        this.stacks.set(s.StackId!, stack);
      }
      if (s.StackStatus === 'CREATE_IN_PROGRESS')
        await answerCustomResources(this.operator, stack.stackId, this.effects(stack), stack.answered);
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
      ? { FinderFirstRun: (id) => this.runFinder(stack, runTaskOverrides(stack.template, id)) }
      : {
          FirstRun: () => {
            this.pluginExecutions.push(
              this.runImageCopies(stack).then((r) => {
                if (r.status === 'FAILED') this.failedPluginExecutions.push(r);
                return r;
              }),
            );
          },
        };
  }

  private home(name: string): string {
    const dir = join(this.workDir, `${name}-${randomUUID().slice(0, 8)}`);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  /**
   * The task image's files (an asset of the assembly, by image tag) in a fresh directory: its dth.mjs alone, plus the
   * better-sqlite3 its Dockerfile installs beside it, if it does (linked from this checkout), and the Node flags of its
   * ENTRYPOINT (`["node", flags…, "/opt/dth/dth.mjs"]`). Nothing is built.
   */
  private taskImageBundle(imageTag: string, home: string): { bundle: string; nodeArgs: string[] } {
    const manifest = JSON.parse(readFileSync(join(this.assembly, 'DataTransferHub.assets.json'), 'utf8')) as {
      dockerImages: Record<
        string,
        { source: { directory: string }; destinations: Record<string, { imageTag: string }> }
      >;
    };
    const image = Object.values(manifest.dockerImages).find((d) =>
      Object.values(d.destinations).some((x) => x.imageTag === imageTag),
    );
    if (!image) throw new Error(`no image asset tagged ${imageTag}`);
    const context = join(this.assembly, image.source.directory);
    copyFileSync(join(context, 'dth.mjs'), join(home, 'dth.mjs'));
    const dockerfile = readFileSync(join(context, 'Dockerfile'), 'utf8');
    if (/npm install[^\n]*better-sqlite3/.test(dockerfile)) {
      mkdirSync(join(home, 'node_modules'), { recursive: true });
      symlinkSync(join(REPO, 'node_modules', 'better-sqlite3'), join(home, 'node_modules', 'better-sqlite3'));
    }
    const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile);
    const argv = entrypoint ? (JSON.parse(entrypoint[1]) as string[]) : [];
    if (argv[0] !== 'node' || argv.at(-1) !== '/opt/dth/dth.mjs') {
      throw new Error(`the task image's ENTRYPOINT is not ["node", flags…, "/opt/dth/dth.mjs"]: ${entrypoint?.[1]}`);
    }
    return { bundle: join(home, 'dth.mjs'), nodeArgs: argv.slice(1, -1) };
  }

  private async fargateTask(
    stack: PluginStack,
    constructId: string,
    name: string,
    overrides: ContainerOverride[] = [],
  ): Promise<RoleProcess> {
    const deployed = await describeStack(this.operator, stack.stackId);
    const def = await describeTaskDefinition(this.operator, stack.template, deployed, constructId);
    // As ECS's RunTask: an override must name a container of the task definition.
    for (const o of overrides)
      if (o.name !== def.containerName)
        throw new Error(`RunTask override names container "${o.name}"; the task definition has "${def.containerName}"`);
    const overridden = Object.fromEntries(
      overrides.flatMap((o) => (o.environment ?? []).map((e) => [e.name, e.value])),
    );
    const credentials = await roleCredentials(this.operator, def.taskRoleArn, name);
    const home = this.home(name);
    const image = this.taskImageBundle(def.image.split(':').pop()!, home);
    const taskId = randomUUID().replace(/-/g, '');
    const logs = new LogShipper(this.operator, def.logGroup, `${def.streamPrefix}/${def.containerName}/${taskId}`);
    const trust: Record<string, string> = this.trustedCa
      ? { NODE_EXTRA_CA_CERTS: this.trustedCa, SSL_CERT_FILE: this.trustedCa }
      : {};
    const proc = startProcess(
      name,
      image,
      def.command,
      { ...computeEnvironment(credentials, home), ...trust, ...def.environment, ...overridden },
      logs,
    );
    this.processes.push({ ...proc, stackId: stack.stackId });
    return proc;
  }

  /**
   * ECS RunTask of the finder task definition (the FinderFirstRun custom resource, with the environment its call
   * overrides; the schedule runs the same task without it).
   */
  private async runFinder(stack: PluginStack, overrides: ContainerOverride[]): Promise<void> {
    await this.fargateTask(stack, 'FinderTask', 'finder', overrides);
  }

  /** An instance of the JobWorker launch template, booted into `dth worker` as its user data sets it up. */
  private async bootWorker(stack: PluginStack): Promise<void> {
    const deployed = await describeStack(this.operator, stack.stackId);
    const home = this.home('worker');
    const boot = await bootInstance(this.operator, deployed, home);
    const credentials = await roleCredentials(this.operator, boot.roleArn, 'worker');
    const logs = new LogShipper(this.operator, boot.logGroup, `i-${randomUUID().slice(0, 17).replace(/-/g, '')}`);
    this.processes.push({
      ...startProcess(
        'worker',
        boot,
        boot.command,
        { ...computeEnvironment(credentials, home), ...boot.environment },
        logs,
      ),
      stackId: stack.stackId,
    });
  }

  /** The ECR plugin's state machine, started by its FirstRun custom resource: lister Lambda, Map of Fargate copies, status writes. */
  private async runImageCopies(stack: PluginStack): Promise<ExecutionResult> {
    const deployed = await describeStack(this.operator, stack.stackId);
    stack.functions ??= await deployedFunctions(
      this.operator,
      stack.template,
      deployed,
      join(this.hub.functions.ApiFn.codeDir, '..', stack.name),
    );
    const machineArn = resourceOf(deployed, 'AWS::StepFunctions::StateMachine', 'CopyFlowStateMachine').physicalId;
    const sfn = new SFNClient(clientConfig(this.operator));
    const machine = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: machineArn }));
    sfn.destroy();
    const machineCredentials = await roleCredentials(this.operator, machine.roleArn!, 'image-copies');
    const byArn = new Map(Object.values(stack.functions).map((f) => [f.arn, f]));
    return runExecution(
      JSON.parse(machine.definition!) as Record<string, unknown>,
      {},
      {
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
          if (reader.Resource !== 'arn:aws:states:::s3:getObject')
            throw new StatesError('States.Runtime', `ItemReader ${String(reader.Resource)} is not emulated here`);
          const { Bucket, Key } = parameters as { Bucket: string; Key: string };
          const s3 = new S3Client(clientConfig(machineCredentials));
          const text = await (await s3.send(new GetObjectCommand({ Bucket, Key }))).Body!.transformToString();
          s3.destroy();
          return JSON.parse(text) as Json[];
        },
        wait: () => new Promise((r) => setTimeout(r, SHORT_WAIT_MS)),
      },
      {
        executionName: `first-run-${randomUUID().slice(0, 8)}`,
        executionArn: `${machineArn.replace(':stateMachine:', ':execution:')}:first-run`,
      },
    );
  }

  /** ecs:runTask.sync of the copy task definition with the state's container overrides; fails the state like a non-zero exit. */
  private async runCopyTask(stack: PluginStack, input: Json): Promise<Json> {
    const state = input as {
      Overrides?: { ContainerOverrides?: { Name: string; Environment?: { Name: string; Value: string }[] }[] };
    };
    // Step Functions' ecs:runTask parameters are ECS's RunTask request in PascalCase.
    const overrides = (state.Overrides?.ContainerOverrides ?? []).map((o) => ({
      name: o.Name,
      environment: (o.Environment ?? []).map((e) => ({ name: e.Name, value: e.Value })),
    }));
    const proc = await this.fargateTask(stack, 'CopyFlowCopyTask', 'copy', overrides);
    const code = await proc.exited;
    if (code !== 0)
      throw new StatesError('States.TaskFailed', `copy task exited ${code}: ${proc.output().slice(-2000)}`);
    return {};
  }

  /**
   * What the deletion of a task's stack does on AWS that the emulator does not, done when the stop step is about to
   * delete it: the stack's instances and tasks stop first (the Auto Scaling group depends on the queue, so
   * CloudFormation deletes it, terminating its instances, before the queue); and the route tables of its VPC go
   * (the emulator's CloudFormation has no delete for AWS::EC2::RouteTable, so the VPC would never be deleted there).
   */
  private async beforeStackDeletion(taskId: string): Promise<void> {
    const ddb = new DynamoDBClient(clientConfig(this.operator));
    const item = (
      await ddb.send(
        new GetItemCommand({
          TableName: this.hub.outputs.TaskTableName,
          Key: { [TASK_TABLE_PARTITION_KEY]: { S: taskId } },
        }),
      )
    ).Item;
    ddb.destroy();
    const stackId = item?.stackId?.S;
    if (!stackId) return;
    await Promise.all(this.processes.filter((p) => p.stackId === stackId).map((p) => p.stop()));
    const stack = await describeStack(this.operator, stackId);
    const ec2 = new EC2Client(clientConfig(this.operator));
    for (const vpc of Object.values(stack.resources).filter((r) => r.type === 'AWS::EC2::VPC')) {
      const tables =
        (await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [vpc.physicalId] }] })))
          .RouteTables ?? [];
      for (const t of tables.filter((t) => !t.Associations?.some((a) => a.Main))) {
        for (const a of t.Associations ?? [])
          await ec2.send(new DisassociateRouteTableCommand({ AssociationId: a.RouteTableAssociationId }));
        await ec2.send(new DeleteRouteTableCommand({ RouteTableId: t.RouteTableId }));
      }
    }
    ec2.destroy();
  }

  /** Stops every process still running (instances terminated, tasks stopped). */
  async shutdown(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.stop()));
    await Promise.allSettled(this.pluginExecutions);
    this.untrust?.();
  }

  /** The plugin stack a task got, as last seen. */
  async pluginStack(stackId: string): Promise<DeployedStack & { status: string }> {
    return describeStack(this.operator, stackId);
  }
}
