/**
 * Walks a synthesized Step Functions definition (Amazon States Language) the way the service would, for the states
 * this project's lifecycle machine uses: Choice, Pass (Parameters, States.MathAdd), Wait (not waited), Task (answered
 * by the test, per state name) and Succeed/Fail. Lets a test prove what the machine does with given step answers
 * without an AWS account (moto records executions but does not run them).
 */

type Json = Record<string, unknown>;

export interface Walk {
  /** Names of the states entered, in order. */
  path: string[];
  /** The state's data when the machine ended. */
  output: unknown;
  /** The final state's type: Succeed or Fail. */
  end: 'Succeed' | 'Fail';
  /** The final state's name. */
  last: string;
}

/** `$`, `$.a.b`, `$$.X.Y` (context). */
function read(path: string, data: unknown, context: Json): unknown {
  const [root, rest] = path.startsWith('$$') ? [context, path.slice(2)] : [data, path.slice(1)];
  let v: unknown = root;
  for (const key of rest.split('.').filter(Boolean)) {
    if (v === null || typeof v !== 'object' || !(key in (v as Json))) return undefined;
    v = (v as Json)[key];
  }
  return v;
}

function evalIntrinsic(expr: string, data: unknown, context: Json): unknown {
  const add = /^States\.MathAdd\(([^,]+),\s*(-?\d+)\)$/.exec(expr);
  if (add) return Number(read(add[1].trim(), data, context)) + Number(add[2]);
  if (expr.startsWith('$')) return read(expr, data, context);
  throw new Error(`intrinsic not supported by the walker: ${expr}`);
}

function applyParameters(template: unknown, data: unknown, context: Json): unknown {
  if (Array.isArray(template)) return template.map((t) => applyParameters(t, data, context));
  if (template === null || typeof template !== 'object') return template;
  const out: Json = {};
  for (const [k, v] of Object.entries(template as Json)) {
    if (k.endsWith('.$')) out[k.slice(0, -2)] = evalIntrinsic(v as string, data, context);
    else out[k] = applyParameters(v, data, context);
  }
  return out;
}

function matches(rule: Json, data: unknown, context: Json): boolean {
  if (rule.And) return (rule.And as Json[]).every((r) => matches(r, data, context));
  if (rule.Or) return (rule.Or as Json[]).some((r) => matches(r, data, context));
  if (rule.Not) return !matches(rule.Not as Json, data, context);
  const value = read(rule.Variable as string, data, context);
  if ('IsPresent' in rule) return (value !== undefined) === rule.IsPresent;
  if ('StringEquals' in rule) return value === rule.StringEquals;
  if ('BooleanEquals' in rule) return value === rule.BooleanEquals;
  if ('NumericGreaterThanEquals' in rule)
    return typeof value === 'number' && value >= (rule.NumericGreaterThanEquals as number);
  if ('NumericEquals' in rule) return value === rule.NumericEquals;
  throw new Error(`choice rule not supported by the walker: ${JSON.stringify(rule)}`);
}

function setResult(data: unknown, resultPath: unknown, result: unknown): unknown {
  if (resultPath === null) return data;
  if (resultPath === undefined || resultPath === '$') return result;
  const keys = (resultPath as string).replace(/^\$\.?/, '').split('.');
  const copy = JSON.parse(JSON.stringify(data ?? {})) as Json;
  let at = copy;
  for (const k of keys.slice(0, -1)) {
    at[k] ??= {};
    at = at[k] as Json;
  }
  at[keys[keys.length - 1]] = result;
  return copy;
}

/**
 * Runs `definition` from its StartAt with `input`. `task(stateName, input)` answers every Task state (its return is the
 * task's result); `maxStates` guards against a loop the test did not mean.
 */
export function walk(
  definition: Json,
  input: unknown,
  task: (state: string, input: unknown) => unknown,
  options: { maxStates?: number; context?: Json } = {},
): Walk {
  const states = definition.States as Record<string, Json>;
  const context = options.context ?? {
    Execution: { Id: 'arn:aws:states:us-east-1:123456789012:execution:m:e1' },
    StateMachine: { Id: 'arn:aws:states:us-east-1:123456789012:stateMachine:m' },
  };
  let name = definition.StartAt as string;
  let data = input;
  const path: string[] = [];
  for (let i = 0; i < (options.maxStates ?? 100_000); i++) {
    const state = states[name];
    if (!state) throw new Error(`no state ${name}`);
    path.push(name);
    switch (state.Type) {
      case 'Succeed':
      case 'Fail':
        return { path, output: data, end: state.Type, last: name };
      case 'Choice': {
        const choice = (state.Choices as Json[]).find((c) => matches(c, data, context));
        name = (choice?.Next ?? state.Default) as string;
        if (!name) throw new Error(`choice ${path[path.length - 1]} has no match and no default`);
        continue;
      }
      case 'Pass':
        data = setResult(
          data,
          state.ResultPath,
          state.Parameters ? applyParameters(state.Parameters, data, context) : (state.Result ?? data),
        );
        break;
      case 'Wait':
        break;
      case 'Task': {
        const params = state.Parameters as Json | undefined;
        const payload =
          params && 'Payload.$' in params
            ? read(params['Payload.$'] as string, data, context)
            : params
              ? applyParameters(params, data, context)
              : data;
        data = setResult(data, state.ResultPath, task(name, payload));
        break;
      }
      default:
        throw new Error(`state type ${String(state.Type)} not supported by the walker`);
    }
    if (state.End) return { path, output: data, end: 'Succeed', last: name };
    name = state.Next as string;
  }
  throw new Error(`the machine did not end within ${options.maxStates} states: ${path.slice(-20).join(' → ')}`);
}

/** The definition of a synthesized state machine resource (DefinitionString is a Fn::Join of strings and refs). */
export function definitionOf(resource: { Properties: { DefinitionString: unknown } }): Json {
  const def = resource.Properties.DefinitionString;
  const text =
    typeof def === 'string'
      ? def
      : (def as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1]
          .map((p) => (typeof p === 'string' ? p : `ref-${JSON.stringify(p).replace(/"/g, '')}`))
          .join('');
  return JSON.parse(text) as Json;
}
