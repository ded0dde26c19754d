import { Duration } from 'aws-cdk-lib';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  Choice, Condition, DefinitionBody, LogLevel, StateMachine, Succeed, Wait, WaitTime, type IChainable,
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
  notify: NodejsFunction;
}

export interface TaskOrchestratorProps {
  steps: LifecycleSteps;
  /** Wait between stack status polls. Default 15 s. */
  stackPollInterval?: Duration;
  /** Wait between monitor passes. Default 60 s. */
  monitorInterval?: Duration;
}

/**
 * The lifecycle state machine, input `{ taskId, action: 'START' | 'STOP' }` (control-plane/README.md):
 * START: startStack → poll queryStackStatus → monitor loop (checkFinder → checkQueueEmpty → checkComplete) → notify
 * (also when the stack could not be created).
 * STOP: stopStack → poll queryStackStatus until deleted. Every step returns its input plus `result` WAIT/NEXT/END.
 */
export class TaskOrchestrator extends Construct {
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: TaskOrchestratorProps) {
    super(scope, id);
    const s = props.steps;
    const poll = props.stackPollInterval ?? Duration.seconds(15);
    const every = props.monitorInterval ?? Duration.seconds(60);
    const invoke = (name: string, fn: NodejsFunction) => new LambdaInvoke(this, name, {
      lambdaFunction: fn, payloadResponseOnly: true,
      retryOnServiceExceptions: true,
    }).addRetry({ errors: ['States.TaskFailed'], maxAttempts: 3, interval: Duration.seconds(10), backoffRate: 2 });
    const result = (v: string) => Condition.stringEquals('$.result', v);
    const done = new Succeed(this, 'Done');

    // Monitor loop.
    const notify = invoke('Notify', s.notify).next(new Succeed(this, 'Notified'));
    const monitorWait = new Wait(this, 'MonitorWait', { time: WaitTime.duration(every) });
    const checkFinder = invoke('CheckFinder', s.checkFinder);
    const checkQueue = invoke('CheckQueueEmpty', s.checkQueueEmpty);
    const checkComplete = invoke('CheckComplete', s.checkComplete);
    monitorWait.next(checkFinder);
    checkFinder.next(new Choice(this, 'FinderDone?').when(result('END'), notify).when(result('WAIT'), monitorWait).otherwise(checkQueue));
    checkQueue.next(new Choice(this, 'QueueEmpty?').when(result('END'), notify).when(result('WAIT'), monitorWait).otherwise(checkComplete));
    checkComplete.next(new Choice(this, 'Complete?').when(result('END'), notify).otherwise(monitorWait));

    // Stack creation / deletion polling.
    // A stack that could not be requested or created ends the task in ERROR: notify says so (it mails final
    // outcomes only, so a task stopped meanwhile ends quietly).
    const pollStack = (name: string, onCreated: IChainable, onEnd: IChainable) => {
      const wait = new Wait(this, `${name}Wait`, { time: WaitTime.duration(poll) });
      const query = invoke(`${name}QueryStackStatus`, s.queryStackStatus);
      wait.next(query);
      query.next(new Choice(this, `${name}Settled?`).when(result('WAIT'), wait).when(result('NEXT'), onCreated).otherwise(onEnd));
      return wait;
    };
    const start = invoke('StartStack', s.startStack);
    start.next(new Choice(this, 'StackRequested?').when(result('WAIT'), pollStack('Create', monitorWait, notify)).otherwise(notify));
    const stop = invoke('StopStack', s.stopStack);
    stop.next(new Choice(this, 'StackDeleting?').when(result('WAIT'), pollStack('Delete', done, done)).otherwise(done));

    const definition = new Choice(this, 'Action')
      .when(Condition.stringEquals('$.action', 'STOP'), stop)
      .otherwise(start);
    const logs = new LogGroup(this, 'Logs', { retention: RetentionDays.ONE_MONTH });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      definitionBody: DefinitionBody.fromChainable(definition),
      comment: 'Data Transfer Hub task lifecycle',
      tracingEnabled: true,
      logs: { destination: logs, level: LogLevel.ALL, includeExecutionData: false },
      timeout: Duration.days(365),
    });
  }
}
