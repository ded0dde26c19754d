/**
 * Runs a deployed state machine definition (Amazon States Language) in-process. The emulator stores definitions and
 * records executions but does not run them (its Lambda needs Docker); this follows the definition exactly as read back
 * with DescribeStateMachine and hands each Task's resource to the caller, which runs the real code behind it. Waits go
 * through the caller too (shortened). Only what the project's definitions use is implemented; anything else is an
 * error naming the state and field, so a new shape of definition fails here instead of being run wrongly.
 */

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export class StatesError extends Error {
  constructor(
    readonly error: string,
    /** Absent as in some of Step Functions' own errors (a task's States.Timeout may carry none). */
    readonly cause?: string,
  ) {
    super(cause === undefined ? error : `${error}: ${cause}`);
  }
}

export interface ExecutionHooks {
  /** Runs a Task state's resource with its effective input (after InputPath and Parameters); returns the result. */
  task(resource: string, input: Json, state: { name: string; definition: Record<string, unknown> }): Promise<Json>;
  /** A Wait state (or a retry interval): the real seconds; the caller decides how long to really wait. */
  wait(seconds: number, stateName: string): Promise<void>;
  /** Items of a Map state's ItemReader (e.g. a JSON array object in S3). */
  readItems?(reader: Record<string, unknown>, parameters: Json): Promise<Json[]>;
  /** Called when a state is entered (history). */
  enter?(stateName: string, input: Json): void;
}

export interface ExecutionResult {
  status: 'SUCCEEDED' | 'FAILED';
  output?: Json;
  error?: string;
  cause?: string;
  /** Names of the states entered, in order. */
  path: string[];
}

interface Context {
  Execution: { Id: string; Name: string; Input: Json; StartTime: string };
  StateMachine?: { Id: string };
  State?: { Name: string; EnteredTime: string };
  Map?: { Item: { Index: number; Value: Json } };
}

const SUPPORTED: Record<string, string[]> = {
  Task: [
    'Type',
    'Resource',
    'Parameters',
    'InputPath',
    'OutputPath',
    'ResultPath',
    'Retry',
    'Catch',
    'Next',
    'End',
    'Comment',
    'TimeoutSeconds',
    'HeartbeatSeconds',
  ],
  Choice: ['Type', 'Choices', 'Default', 'Comment', 'InputPath', 'OutputPath'],
  Wait: ['Type', 'Seconds', 'SecondsPath', 'Next', 'End', 'Comment', 'InputPath', 'OutputPath'],
  Pass: ['Type', 'Result', 'Parameters', 'InputPath', 'OutputPath', 'ResultPath', 'Next', 'End', 'Comment'],
  Succeed: ['Type', 'Comment', 'InputPath', 'OutputPath'],
  Fail: ['Type', 'Error', 'Cause', 'Comment'],
  Map: [
    'Type',
    'ItemReader',
    'ItemProcessor',
    'ItemsPath',
    'MaxConcurrency',
    'ResultPath',
    'Label',
    'Next',
    'End',
    'Comment',
    'Retry',
    'Catch',
    'InputPath',
    'OutputPath',
    'ItemSelector',
  ],
};

/** JSONPath as ASL uses it: `$`, `$.a.b`, `$.a[0]`, and `$$.` for the context object. */
export function readPath(data: Json, context: Context, path: string): Json | undefined {
  const [root, rest] = path.startsWith('$$') ? [context as unknown as Json, path.slice(2)] : [data, path.slice(1)];
  if (!path.startsWith('$')) throw new StatesError('States.Runtime', `"${path}" is not a path`);
  let cur: Json | undefined = root;
  for (const m of rest.matchAll(/\.([^.[\]]+)|\[(\d+)\]/g)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = m[1] !== undefined ? (cur as Record<string, Json>)[m[1]] : (cur as Json[])[Number(m[2])];
  }
  return cur;
}

function writePath(data: Json, path: string, value: Json): Json {
  if (path === '$') return value;
  const keys = path.slice(2).split('.');
  const out = structuredClone(data ?? {}) as Record<string, Json>;
  let cur = out;
  keys.slice(0, -1).forEach((k) => {
    if (!cur[k] || typeof cur[k] !== 'object') cur[k] = {};
    cur = cur[k] as Record<string, Json>;
  });
  cur[keys[keys.length - 1]] = value;
  return out;
}

/** Payload template: keys ending in `.$` take the value at their path. */
function applyParameters(template: Json, data: Json, context: Context): Json {
  if (Array.isArray(template)) return template.map((t) => applyParameters(t, data, context));
  if (!template || typeof template !== 'object') return template;
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(template)) {
    if (k.endsWith('.$')) {
      if (typeof v !== 'string') throw new StatesError('States.Runtime', `${k}: a path must be a string`);
      if (v.startsWith('States.')) {
        out[k.slice(0, -2)] = intrinsic(v, data, context);
        continue;
      }
      const value = readPath(data, context, v);
      // As Step Functions: a path that is absent from the input fails the state (it is no null).
      if (value === undefined)
        throw new StatesError(
          'States.Runtime',
          `The JSONPath '${v}' specified for the field '${k}' could not be found in the input`,
        );
      out[k.slice(0, -2)] = value;
    } else out[k] = applyParameters(v, data, context);
  }
  return out;
}

/** The intrinsic functions the project's definitions use (States.MathAdd); any other is an error naming it. */
function intrinsic(expr: string, data: Json, context: Context): Json {
  const m = /^States\.MathAdd\(\s*([^,]+?)\s*,\s*([^)]+?)\s*\)$/.exec(expr);
  if (!m) throw new StatesError('States.Runtime', `intrinsic function not supported here: ${expr}`);
  const arg = (a: string) => Number(a.startsWith('$') ? readPath(data, context, a) : a);
  return arg(m[1]) + arg(m[2]);
}

function choiceMatches(rule: Record<string, Json>, data: Json, context: Context): boolean {
  if (rule.And) return (rule.And as Record<string, Json>[]).every((r) => choiceMatches(r, data, context));
  if (rule.Or) return (rule.Or as Record<string, Json>[]).some((r) => choiceMatches(r, data, context));
  if (rule.Not) return !choiceMatches(rule.Not as Record<string, Json>, data, context);
  const value = readPath(data, context, rule.Variable as string);
  for (const [op, expected] of Object.entries(rule)) {
    if (op === 'Variable' || op === 'Next') continue;
    switch (op) {
      case 'StringEquals':
        return value === expected;
      case 'BooleanEquals':
        return value === expected;
      case 'NumericEquals':
        return value === expected;
      case 'NumericGreaterThan':
        return typeof value === 'number' && value > (expected as number);
      case 'NumericGreaterThanEquals':
        return typeof value === 'number' && value >= (expected as number);
      case 'NumericLessThan':
        return typeof value === 'number' && value < (expected as number);
      case 'IsPresent':
        return (value !== undefined) === expected;
      default:
        throw new StatesError('States.Runtime', `Choice operator ${op} is not supported`);
    }
  }
  throw new StatesError('States.Runtime', 'Choice rule has no operator');
}

function errorMatches(names: string[], error: string): boolean {
  return (
    names.includes(error) ||
    names.includes('States.ALL') ||
    (names.includes('States.TaskFailed') && error !== 'States.Timeout')
  );
}

function asStatesError(err: unknown): StatesError {
  if (err instanceof StatesError) return err;
  const e = err as { name?: string; message?: string };
  return new StatesError(e?.name && e.name !== 'Error' ? e.name : 'Error', e?.message ?? String(err));
}

export interface RunOptions {
  executionName: string;
  executionArn?: string;
  stateMachineArn?: string;
  /** Gives up (FAILED, States.Timeout) after this many states: a loop that never ends is a failure, not a hang. */
  maxStates?: number;
}

/** Runs one execution of `definition` from `input` to its end. */
export async function runExecution(
  definition: Record<string, unknown>,
  input: Json,
  hooks: ExecutionHooks,
  options: RunOptions,
): Promise<ExecutionResult> {
  const context: Context = {
    Execution: {
      Id: options.executionArn ?? options.executionName,
      Name: options.executionName,
      Input: input,
      StartTime: new Date().toISOString(),
    },
    ...(options.stateMachineArn ? { StateMachine: { Id: options.stateMachineArn } } : {}),
  };
  return runStates(definition, input, hooks, context, options.maxStates ?? 10_000);
}

async function runStates(
  machine: Record<string, unknown>,
  input: Json,
  hooks: ExecutionHooks,
  context: Context,
  maxStates: number,
): Promise<ExecutionResult> {
  const states = machine.States as Record<string, Record<string, unknown>>;
  let name = machine.StartAt as string;
  let data = input;
  const path: string[] = [];
  for (;;) {
    if (path.length >= maxStates)
      return { status: 'FAILED', error: 'States.Timeout', cause: `more than ${maxStates} states entered`, path };
    const state = states[name];
    if (!state) return { status: 'FAILED', error: 'States.Runtime', cause: `no state "${name}"`, path };
    path.push(name);
    hooks.enter?.(name, data);
    const unsupported = Object.keys(state).filter((k) => !(SUPPORTED[state.Type as string] ?? []).includes(k));
    if (!SUPPORTED[state.Type as string] || unsupported.length) {
      return {
        status: 'FAILED',
        error: 'States.Runtime',
        cause: `state "${name}" (${state.Type}): not supported by this interpreter: ${unsupported.join(', ') || state.Type}`,
        path,
      };
    }
    context.State = { Name: name, EnteredTime: new Date().toISOString() };
    const effective =
      state.InputPath === null ? {} : (readPath(data, context, (state.InputPath as string | undefined) ?? '$') ?? null);
    const output = (result: Json): Json => {
      const placed =
        state.ResultPath === null ? data : writePath(data, (state.ResultPath as string | undefined) ?? '$', result);
      return state.OutputPath === null
        ? {}
        : (readPath(placed, context, (state.OutputPath as string | undefined) ?? '$') ?? null);
    };
    try {
      switch (state.Type) {
        case 'Succeed':
          return { status: 'SUCCEEDED', output: effective, path };
        case 'Fail':
          return { status: 'FAILED', error: state.Error as string, cause: state.Cause as string, path };
        case 'Choice': {
          const rule = (state.Choices as Record<string, Json>[]).find((r) => choiceMatches(r, effective, context));
          const next = (rule?.Next as string | undefined) ?? (state.Default as string | undefined);
          if (!next) throw new StatesError('States.NoChoiceMatched', `no choice of "${name}" matched`);
          name = next;
          data = effective;
          continue;
        }
        case 'Wait': {
          const seconds = state.SecondsPath
            ? Number(readPath(effective, context, state.SecondsPath as string))
            : Number(state.Seconds);
          await hooks.wait(seconds, name);
          data = effective;
          break;
        }
        case 'Pass':
          data = output(
            state.Parameters
              ? applyParameters(state.Parameters as Json, effective, context)
              : ((state.Result as Json | undefined) ?? effective),
          );
          break;
        case 'Task':
        case 'Map':
          data = output(
            await withRetries(state, name, hooks, () =>
              state.Type === 'Task'
                ? hooks.task(
                    state.Resource as string,
                    state.Parameters ? applyParameters(state.Parameters as Json, effective, context) : effective,
                    { name, definition: state },
                  )
                : runMap(state, name, effective, hooks, context, maxStates),
            ),
          );
          break;
      }
    } catch (err) {
      const e = asStatesError(err);
      const handler = (
        (state.Catch ?? []) as { ErrorEquals: string[]; Next: string; ResultPath?: string | null }[]
      ).find((c) => errorMatches(c.ErrorEquals, e.error));
      if (!handler) return { status: 'FAILED', error: e.error, cause: e.cause, path };
      const errorOutput: Json = e.cause === undefined ? { Error: e.error } : { Error: e.error, Cause: e.cause };
      data = handler.ResultPath === null ? data : writePath(data, handler.ResultPath ?? '$', errorOutput);
      name = handler.Next;
      continue;
    }
    if (state.End) return { status: 'SUCCEEDED', output: data, path };
    name = state.Next as string;
  }
}

async function withRetries<T>(
  state: Record<string, unknown>,
  name: string,
  hooks: ExecutionHooks,
  attempt: () => Promise<T>,
): Promise<T> {
  const retriers = (state.Retry ?? []) as {
    ErrorEquals: string[];
    MaxAttempts?: number;
    IntervalSeconds?: number;
    BackoffRate?: number;
  }[];
  const counts = retriers.map(() => 0);
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      const e = asStatesError(err);
      const i = retriers.findIndex((r) => errorMatches(r.ErrorEquals, e.error));
      if (i < 0 || counts[i] >= (retriers[i].MaxAttempts ?? 3)) throw e;
      const r = retriers[i];
      await hooks.wait((r.IntervalSeconds ?? 1) * (r.BackoffRate ?? 2) ** counts[i], `${name} (retry)`);
      counts[i]++;
    }
  }
}

/** A Map state: items from ItemsPath or the ItemReader, each through the ItemProcessor, MaxConcurrency at a time. */
async function runMap(
  state: Record<string, unknown>,
  name: string,
  input: Json,
  hooks: ExecutionHooks,
  context: Context,
  maxStates: number,
): Promise<Json> {
  let items: Json[];
  if (state.ItemReader) {
    const reader = state.ItemReader as Record<string, unknown>;
    if (!hooks.readItems) throw new StatesError('States.Runtime', `Map "${name}": no ItemReader support given`);
    items = await hooks.readItems(reader, applyParameters((reader.Parameters ?? {}) as Json, input, context));
  } else {
    items = (readPath(input, context, (state.ItemsPath as string | undefined) ?? '$') ?? []) as Json[];
  }
  const processor = state.ItemProcessor as Record<string, unknown>;
  const limit = Number(state.MaxConcurrency ?? 0) || items.length || 1;
  const results: Json[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      const itemInput = state.ItemSelector
        ? applyParameters(state.ItemSelector as Json, input, {
            ...context,
            Map: { Item: { Index: index, Value: items[index] } },
          })
        : items[index];
      const child = await runStates(
        processor,
        itemInput,
        hooks,
        { ...context, Map: { Item: { Index: index, Value: items[index] } } },
        maxStates,
      );
      if (child.status === 'FAILED')
        throw new StatesError(child.error ?? 'States.Runtime', child.cause ?? `item ${index} failed`);
      results[index] = child.output ?? null;
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
