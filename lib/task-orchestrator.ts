import { Aws, Duration } from 'aws-cdk-lib';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  Choice,
  Condition,
  CustomState,
  DefinitionBody,
  LogLevel,
  Pass,
  StateMachine,
  Succeed,
  Wait,
  WaitTime,
  type IChainable,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';

/** The step Lambdas (control-plane/aws/handlers/*.ts), one per lifecycle step. */
export interface LifecycleSteps {
  startStack: NodejsFunction;
  stopStack: NodejsFunction;
  queryStackStatus: NodejsFunction;
  checkFinder: NodejsFunction;
  checkQueueEmpty: NodejsFunction;
  checkComplete: NodejsFunction;
  releaseWorkers: NodejsFunction;
  notify: NodejsFunction;
}

export interface TaskOrchestratorProps {
  /** The step Lambdas the states invoke. */
  readonly steps: LifecycleSteps;
  /**
   * Wait between stack status polls.
   * @default Duration.seconds(15)
   */
  readonly stackPollInterval?: Duration;
  /**
   * Wait between monitor passes.
   * @default Duration.seconds(60)
   */
  readonly monitorInterval?: Duration;
  /**
   * Monitor passes one execution makes before it hands over to a new execution of itself. Step Functions ends a
   * standard execution at 25,000 history events; a pass is at most 27 events (Wait, Pass, 4 Choices, 3 Lambda
   * tasks), and creating the stack can take up to ~5,000 (15 s polls for 2 hours): 500 passes stay far below.
   * @default 500 (8 h 20 min at one pass a minute)
   */
  readonly monitorPassesPerExecution?: number;
  /**
   * Name of the state machine (the monitor starts its continuation by this name).
   * @default `<stack name>-TaskLifecycle`
   */
  readonly stateMachineName?: string;
}

/**
 * The lifecycle state machine, input `{ taskId, action: 'START' | 'STOP' | 'MONITOR' }` (control-plane/README.md):
 * START: startStack → poll queryStackStatus → monitor loop (checkFinder → checkQueueEmpty → checkComplete) → releaseWorkers → notify
 * (also when the stack could not be created).
 * FIXED_RATE tasks leave the loop once a pass is listed (as the original: the first; later passes run on their own).
 * MONITOR: the monitor loop of a task whose previous execution handed over before the history limit.
 * STOP: stopStack (again, after a wait, while the stack's ECS tasks are stopping) → poll queryStackStatus until deleted.
 * Every step returns its input plus `result` WAIT/NEXT/END.
 */
export class TaskOrchestrator extends Construct {
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: TaskOrchestratorProps) {
    super(scope, id);
    const s = props.steps;
    const poll = props.stackPollInterval ?? Duration.seconds(15);
    const every = props.monitorInterval ?? Duration.seconds(60);
    const passesPerExecution = props.monitorPassesPerExecution ?? 500;
    const stateMachineName = props.stateMachineName ?? `${Aws.STACK_NAME}-TaskLifecycle`;
    const invoke = (name: string, fn: NodejsFunction) =>
      new LambdaInvoke(this, name, {
        lambdaFunction: fn,
        payloadResponseOnly: true,
        retryOnServiceExceptions: true,
      }).addRetry({ errors: ['States.TaskFailed'], maxAttempts: 3, interval: Duration.seconds(10), backoffRate: 2 });
    const result = (v: string) => Condition.stringEquals('$.result', v);
    const done = new Succeed(this, 'Done');

    // Monitor loop. The state is reset to { taskId, monitorPasses } at every pass, so it never grows.
    // Every way out of the monitor: a finished one-time task's workers are released, then the outcome is mailed.
    const notify = invoke('ReleaseWorkers', s.releaseWorkers)
      .next(invoke('Notify', s.notify))
      .next(new Succeed(this, 'Notified'));
    const startMonitor = new Pass(this, 'StartMonitor', { parameters: { 'taskId.$': '$.taskId', monitorPasses: 0 } });
    const monitorWait = new Wait(this, 'MonitorWait', { time: WaitTime.duration(every) });
    const countPass = new Pass(this, 'CountPass', {
      parameters: { 'taskId.$': '$.taskId', 'monitorPasses.$': 'States.MathAdd($.monitorPasses, 1)' },
    });
    const continueAsNew = new CustomState(this, 'ContinueAsNewExecution', {
      stateJson: {
        Type: 'Task',
        Resource: `arn:${Aws.PARTITION}:states:::states:startExecution`,
        Parameters: {
          'StateMachineArn.$': '$$.StateMachine.Id',
          Input: {
            'taskId.$': '$.taskId',
            action: 'MONITOR',
            'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id',
          },
        },
        ResultPath: null,
      },
    }).next(new Succeed(this, 'ContinuedAsNew'));
    const checkFinder = invoke('CheckFinder', s.checkFinder);
    const checkQueue = invoke('CheckQueueEmpty', s.checkQueueEmpty);
    const checkComplete = invoke('CheckComplete', s.checkComplete);
    startMonitor.next(monitorWait);
    monitorWait.next(countPass);
    countPass.next(
      new Choice(this, 'HandOver?')
        .when(Condition.numberGreaterThanEquals('$.monitorPasses', passesPerExecution), continueAsNew)
        .otherwise(checkFinder),
    );
    const scheduled = Condition.and(
      Condition.isPresent('$.scheduleType'),
      Condition.stringEquals('$.scheduleType', 'FIXED_RATE'),
    );
    checkFinder.next(
      new Choice(this, 'FinderDone?')
        .when(result('END'), notify)
        .when(result('WAIT'), monitorWait)
        .when(scheduled, new Succeed(this, 'ScheduledTaskListed'))
        .otherwise(checkQueue),
    );
    checkQueue.next(
      new Choice(this, 'QueueEmpty?')
        .when(result('END'), notify)
        .when(result('WAIT'), monitorWait)
        .otherwise(checkComplete),
    );
    checkComplete.next(new Choice(this, 'Complete?').when(result('END'), notify).otherwise(monitorWait));

    // Stack creation / deletion polling. A stack that could not be requested or created ends the task in ERROR:
    // notify says so (it mails final outcomes only, so a task stopped meanwhile ends quietly).
    const pollStack = (name: string, onCreated: IChainable, onEnd: IChainable) => {
      const wait = new Wait(this, `${name}Wait`, { time: WaitTime.duration(poll) });
      const query = invoke(`${name}QueryStackStatus`, s.queryStackStatus);
      wait.next(query);
      query.next(
        new Choice(this, `${name}Settled?`).when(result('WAIT'), wait).when(result('NEXT'), onCreated).otherwise(onEnd),
      );
      return wait;
    };
    const start = invoke('StartStack', s.startStack);
    start.next(
      new Choice(this, 'StackRequested?')
        .when(result('WAIT'), pollStack('Create', startMonitor, notify))
        .otherwise(notify),
    );
    const stop = invoke('StopStack', s.stopStack);
    const tasksStopping = Condition.and(
      Condition.isPresent('$.tasksStopping'),
      Condition.booleanEquals('$.tasksStopping', true),
    );
    stop.next(
      new Choice(this, 'StackDeleting?')
        .when(tasksStopping, new Wait(this, 'TasksStoppingWait', { time: WaitTime.duration(poll) }).next(stop))
        .when(result('WAIT'), pollStack('Delete', done, done))
        .otherwise(done),
    );

    const definition = new Choice(this, 'Action')
      .when(Condition.stringEquals('$.action', 'STOP'), stop)
      .when(Condition.stringEquals('$.action', 'MONITOR'), startMonitor)
      .otherwise(start);
    const logs = new LogGroup(this, 'Logs', { retention: RetentionDays.ONE_MONTH });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName,
      definitionBody: DefinitionBody.fromChainable(definition),
      comment: 'Data Transfer Hub task lifecycle',
      tracingEnabled: true,
      logs: { destination: logs, level: LogLevel.ALL, includeExecutionData: false },
      timeout: Duration.days(365),
    });
    // The continuation: StartExecution of this state machine (by name: its ARN attribute would depend on its own role).
    StateMachine.fromStateMachineName(this, 'Self', stateMachineName).grantStartExecution(this.stateMachine);
  }
}
