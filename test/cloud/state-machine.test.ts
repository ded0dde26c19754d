/**
 * The interpreter the emulator run follows deployed definitions with (state-machine.ts): the Amazon States Language
 * semantics the project's definitions use, and a loud refusal of anything else.
 */
import { describe, expect, it } from 'vitest';
import { runExecution, StatesError, type ExecutionHooks, type Json } from './state-machine.js';

const noWait: Pick<ExecutionHooks, 'wait'> = { wait: async () => undefined };
const run = (
  definition: Record<string, unknown>,
  input: Json,
  task: ExecutionHooks['task'],
  extra: Partial<ExecutionHooks> = {},
) =>
  runExecution(
    definition,
    input,
    { ...noWait, task, ...extra },
    { executionName: 'exec-1', stateMachineArn: 'arn:aws:states:us-east-1:1:stateMachine:m' },
  );

describe('state machine interpreter', () => {
  it('follows Choice rules on the task result, loops through Wait, and ends at Succeed with the last output', async () => {
    let calls = 0;
    const definition = {
      StartAt: 'Check',
      States: {
        Check: { Type: 'Task', Resource: 'arn:fn', Next: 'Done?' },
        'Done?': {
          Type: 'Choice',
          Choices: [{ Variable: '$.result', StringEquals: 'WAIT', Next: 'Pause' }],
          Default: 'End',
        },
        Pause: { Type: 'Wait', Seconds: 60, Next: 'Check' },
        End: { Type: 'Succeed' },
      },
    };
    const out = await run(definition, { taskId: 't' }, async (resource, input) => ({
      ...(input as object),
      result: ++calls < 3 ? 'WAIT' : 'END',
      resource,
    }));
    expect(out.status).toBe('SUCCEEDED');
    expect(out.path).toEqual(['Check', 'Done?', 'Pause', 'Check', 'Done?', 'Pause', 'Check', 'Done?', 'End']);
    expect(out.output).toEqual({ taskId: 't', result: 'END', resource: 'arn:fn' });
  });

  it('applies Parameters (paths, context, States.MathAdd) and ResultPath, retries a failed task, then catches', async () => {
    let attempts = 0;
    const definition = {
      StartAt: 'Count',
      States: {
        Count: {
          Type: 'Pass',
          Parameters: {
            'n.$': 'States.MathAdd($.n, 1)',
            'name.$': '$$.Execution.Name',
            'machine.$': '$$.StateMachine.Id',
          },
          Next: 'Flaky',
        },
        Flaky: {
          Type: 'Task',
          Resource: 'arn:flaky',
          ResultPath: '$.out',
          Next: 'Ok',
          Retry: [{ ErrorEquals: ['States.TaskFailed'], MaxAttempts: 2 }],
          Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'Caught' }],
        },
        Ok: { Type: 'Succeed' },
        Caught: { Type: 'Succeed' },
      },
    };
    const out = await run(definition, { n: 1 }, async () => {
      attempts++;
      throw new Error('boom');
    });
    expect(attempts).toBe(3); // the first try and two retries
    expect(out.path).toEqual(['Count', 'Flaky', 'Caught']);
    expect(out.output).toEqual({
      n: 2,
      name: 'exec-1',
      machine: 'arn:aws:states:us-east-1:1:stateMachine:m',
      failure: { Error: 'Error', Cause: 'boom' },
    });
  });

  it('runs a Map over the items its ItemReader reads, MaxConcurrency at a time, and fails when an item fails', async () => {
    let running = 0;
    let most = 0;
    const definition = {
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          MaxConcurrency: 2,
          ResultPath: null,
          End: true,
          ItemReader: { Resource: 'arn:aws:states:::s3:getObject', Parameters: { Bucket: 'b', 'Key.$': '$.listKey' } },
          ItemProcessor: {
            ProcessorConfig: { Mode: 'DISTRIBUTED' },
            StartAt: 'Copy',
            States: { Copy: { Type: 'Task', Resource: 'arn:copy', End: true } },
          },
        },
      },
    };
    const readItems = async (_: Record<string, unknown>, p: Json) =>
      (p as { Key: string }).Key === 'list.json' ? [{ image: 'a' }, { image: 'b' }, { image: 'c' }] : [];
    const task = async (_: string, input: Json) => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 20));
      running--;
      if ((input as { image: string }).image === 'fail') throw new StatesError('States.TaskFailed', 'no');
      return {};
    };
    expect((await run(definition, { listKey: 'list.json' }, task, { readItems })).status).toBe('SUCCEEDED');
    expect(most).toBe(2);
    const failing = await run(definition, { listKey: 'x' }, task, { readItems: async () => [{ image: 'fail' }] });
    expect([failing.status, failing.error]).toEqual(['FAILED', 'States.TaskFailed']);
  });

  it('refuses what it does not implement, naming the state and field, instead of running it wrongly', async () => {
    const out = await run(
      { StartAt: 'P', States: { P: { Type: 'Parallel', Branches: [], End: true } } },
      {},
      async () => ({}),
    );
    expect([out.status, out.cause]).toEqual(['FAILED', expect.stringContaining('"P" (Parallel)')]);
    const odd = await run(
      { StartAt: 'T', States: { T: { Type: 'Task', Resource: 'arn:x', ResultSelector: {}, End: true } } },
      {},
      async () => ({}),
    );
    expect(odd.cause).toMatch(/ResultSelector/);
    const fn = await run(
      { StartAt: 'P', States: { P: { Type: 'Pass', Parameters: { 'x.$': 'States.Format($.a)' }, End: true } } },
      {},
      async () => ({}),
    );
    expect(fn.cause).toMatch(/States\.Format/);
  });
});
