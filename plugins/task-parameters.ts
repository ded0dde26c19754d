import { ArnFormat, Aws, CfnCondition, CfnParameter, Fn, type Stack } from 'aws-cdk-lib';
import { CfnParameter as CfnSsmParameter } from 'aws-cdk-lib/aws-ssm';
import toRegexRange from 'to-regex-range';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import {
  PLUGIN_OPTIONAL_PARAMETERS,
  PLUGIN_PARAMETERS,
  taskParamsPath,
} from '../control-plane/core/plugin-contract.js';
import {
  TEMPLATE_BUILT_OPENING,
  taskParamsChunkName,
  taskParamsCountName,
  type ParamSpec,
  type TemplateDeclaration,
  type TemplateGroup,
} from '../worker/params/index.js';

export interface TaskParameters {
  taskId: CfnParameter;
  /** TASK_PARAMS for the engine: the orchestrator's TaskParams JSON, or (standalone deploy) one built from the parameters. */
  taskParamsJson: string;
  /** The EventBridge expression of the scheduled run (valid only where `hasSchedule` holds). */
  scheduleExpression: string;
  hasSchedule: CfnCondition;
  /** Every task parameter of the schema the template declares, by name. */
  params: Record<string, CfnParameter>;
  /** With `paramsFromSsm`: TaskParamsPath, the SSM path of a parameter set too large for TaskParams (else undefined). */
  paramsPath?: CfnParameter;
  /**
   * With `standaloneParamsInSsm`: TASK_PARAMS and TASK_PARAMS_PATH for a role, whichever way the set arrives: TaskParams inline,
   * TaskParamsPath, or — deployed on its own — the set the template assembles, kept in SSM by the template itself.
   */
  roleEnvironment?: { TASK_PARAMS: string; TASK_PARAMS_PATH: string };
  /**
   * With `paramsFromSsm`: ssm:GetParametersByPath on this task's path (taskParamsPath of TaskId) for a role that reads
   * TASK_PARAMS_PATH; no other task's parameters.
   */
  grantReadParams(grantee: IGrantable): void;
}

/** The original's parameter group order. */
const GROUP_ORDER: TemplateGroup[] = [
  'Type',
  'Source Information',
  'Destination Information',
  'Notification Information',
  'EC2 Cluster Information',
  'ECS Cluster Information',
  'Advanced Options',
];

/** A blank, or a whole number from `min` to `max` (leading zeros and surrounding spaces allowed, as the parser reads it). */
export function wholeNumberPattern(min: number | undefined, max: number | undefined): string {
  const digits = min !== undefined && max !== undefined ? `0*${toRegexRange(min, max)}` : '[0-9]+';
  return `^\\s*(?:${digits})?\\s*$`;
}

/** The CloudFormation parameter of one schema record. */
export function cfnParameterProps(spec: ParamSpec & { template: TemplateDeclaration }) {
  const t = spec.template;
  const description = spec.unused ? `${spec.description} (Not used: ${spec.unused}.)` : spec.description;
  if (t.cfnType === 'Number') {
    return {
      type: 'Number',
      default: Number(spec.default ?? 0),
      description,
      minValue: t.minValue,
      maxValue: spec.max,
    };
  }
  // A whole number kept a String parameter, as the original's (workerNumber, finderDepth…): CloudFormation checks it
  // at CreateStack, digits within the schema's bounds (blank: the default). Digits alone let finderDepth=500 create a
  // stack whose finder and workers then refused to start.
  const integer = spec.kind === 'integer' && !t.allowedPattern;
  return {
    type: 'String',
    // A required parameter has no default, as the original's: CreateStack without it is refused at once, naming it
    // (with a blank default the stack was created and its workers failed to start).
    default: spec.required ? undefined : (spec.default ?? ''),
    description: spec.required ? `${description} Required.` : description,
    allowedValues: spec.values ? [...spec.values] : undefined,
    allowedPattern: integer ? wholeNumberPattern(spec.min, spec.max) : t.allowedPattern,
    constraintDescription: integer
      ? `a whole number${spec.min !== undefined && spec.max !== undefined ? ` from ${spec.min} to ${spec.max}` : ''}`
      : t.constraintDescription,
  };
}

/** Every `from` in `value` replaced by `to`: CloudFormation's only string rewrite (Fn::Split, then Fn::Join). */
function replaceAll(value: string, from: string, to: string): string {
  return Fn.join(to, Fn.split(from, value));
}

/**
 * The EventBridge schedule of a standalone deploy's ec2CronExpression, which the API and the console take in three
 * forms: the original's bare cron fields run as `cron(<value>)`; `rate(...)` and `cron(...)` as given. CloudFormation
 * has no string test, so the value is wrapped, then the wrapper rewritten away where it doubled one already there
 * (`cron(rate(…))` → `rate(…)`, `cron(cron(…))` → `cron(…)`; bare cron fields hold no parentheses). A bare wrap
 * made `cron(rate(1 hour))`, which EventBridge refuses, failing the stack on its schedule rule.
 */
export function eventBridgeSchedule(value: string): string {
  const wrapped = Fn.join('', ['cron(', value, ')']);
  const unwrapped = replaceAll(replaceAll(wrapped, 'cron(rate(', 'rate('), 'cron(cron(', 'cron(');
  return replaceAll(unwrapped, '))', ')');
}

/**
 * Declares a task type's parameters on a plugin stack from the schema (worker/params): names, types, defaults,
 * AllowedValues, descriptions, and the original's parameter groups and labels (AWS::CloudFormation::Interface);
 * plus the orchestrator's TaskId, TaskParams and FinderScheduleExpression (control-plane/core/plugin-contract.ts).
 *
 * Schedule: the orchestrator passes FinderScheduleExpression (rate(...) or cron(...), empty for ONE_TIME, with
 * ec2CronExpression blank). Deployed on its own, the template runs on ec2CronExpression (eventBridgeSchedule), or on
 * `standaloneSchedule` when that parameter is blank; neither → one run at creation.
 *
 * When TaskParams is empty (the plugin deployed on its own with `cdk deploy --parameters`), TASK_PARAMS is assembled
 * from the individual parameters, values as given (worker/params/template-built.ts reads them back).
 */
export function declareTaskParameters(
  stack: Stack,
  schema: readonly ParamSpec[],
  options: { standaloneSchedule?: string; paramsFromSsm?: boolean; standaloneParamsInSsm?: boolean } = {},
): TaskParameters {
  const declared = schema.filter((p): p is ParamSpec & { template: TemplateDeclaration } => p.template !== false);
  const taskId = new CfnParameter(stack, PLUGIN_PARAMETERS.taskId, {
    type: 'String',
    default: 'standalone',
    description: 'Task id (set by the Data Transfer Hub orchestrator)',
    allowedPattern: '^[A-Za-z0-9-]{1,64}$',
  });
  const taskParams = new CfnParameter(stack, PLUGIN_PARAMETERS.taskParams, {
    type: 'String',
    default: '',
    description:
      'All task parameters as one JSON object (set by the orchestrator); empty: built from the parameters below',
  });
  const schedule = new CfnParameter(stack, PLUGIN_PARAMETERS.schedule, {
    type: 'String',
    default: '',
    description:
      'EventBridge rate/cron expression of the scheduled run (set by the orchestrator); empty: the cron expression parameter decides',
  });
  const params: Record<string, CfnParameter> = {};
  for (const p of declared) params[p.name] = new CfnParameter(stack, p.name, cfnParameterProps(p));

  const groups: { Label: { default: string }; Parameters: string[] }[] = GROUP_ORDER.map((label) => ({
    Label: { default: label },
    Parameters: declared.filter((p) => p.template.group === label).map((p) => p.name),
  })).filter((g) => g.Parameters.length > 0);
  // paramsFromSsm: the template takes a parameter set too large for CloudFormation (a long image list) from SSM.
  const paramsPath = options.paramsFromSsm
    ? new CfnParameter(stack, PLUGIN_OPTIONAL_PARAMETERS.taskParamsPath, {
        type: 'String',
        default: '',
        allowedPattern: '^(/[A-Za-z0-9_.-]+)*$',
        description:
          'SSM path holding the task parameters when they are too large for TaskParams (set by the orchestrator)',
      })
    : undefined;
  groups.push({
    Label: { default: 'Set by the Data Transfer Hub orchestrator' },
    Parameters: [
      ...Object.values(PLUGIN_PARAMETERS),
      ...(paramsPath ? [PLUGIN_OPTIONAL_PARAMETERS.taskParamsPath] : []),
    ],
  });
  stack.templateOptions.metadata = {
    ...stack.templateOptions.metadata,
    'AWS::CloudFormation::Interface': {
      ParameterGroups: groups,
      ParameterLabels: Object.fromEntries(declared.map((p) => [p.name, { default: p.template.label }])),
    },
  };

  const hasTaskParams = new CfnCondition(stack, 'HasTaskParams', {
    expression: Fn.conditionNot(Fn.conditionEquals(taskParams.valueAsString, '')),
  });
  const hasOrchestratorSchedule = new CfnCondition(stack, 'HasOrchestratorSchedule', {
    expression: Fn.conditionNot(Fn.conditionEquals(schedule.valueAsString, '')),
  });
  const cron = params.ec2CronExpression;
  const hasCron = cron
    ? new CfnCondition(stack, 'HasCronExpression', {
        expression: Fn.conditionNot(Fn.conditionEquals(cron.valueAsString, '')),
      })
    : undefined;
  // Without a standalone default, a standalone stack is scheduled only when a cron is given (HasSchedule below), so
  // the cron is the only reachable branch there.
  const standalone = hasCron
    ? options.standaloneSchedule
      ? Fn.conditionIf(
          hasCron.logicalId,
          eventBridgeSchedule(cron.valueAsString),
          options.standaloneSchedule,
        ).toString()
      : eventBridgeSchedule(cron.valueAsString)
    : (options.standaloneSchedule ?? 'rate(1 day)');
  const scheduleExpression = Fn.conditionIf(
    hasOrchestratorSchedule.logicalId,
    schedule.valueAsString,
    standalone,
  ).toString();
  // Without the orchestrator: scheduled when a cron is given, or when the type has a standalone default schedule.
  const standaloneScheduled =
    hasCron && !options.standaloneSchedule
      ? Fn.conditionAnd(Fn.conditionEquals(taskParams.valueAsString, ''), hasCron)
      : Fn.conditionEquals(taskParams.valueAsString, '');
  const hasSchedule = new CfnCondition(stack, 'HasSchedule', {
    expression: Fn.conditionOr(hasOrchestratorSchedule, standaloneScheduled),
  });

  // No escaping function exists in CloudFormation: values go in as given, and the engines read them by position.
  const parts: string[] = [TEMPLATE_BUILT_OPENING];
  for (const p of declared) parts.push(`,"${p.name}":"`, params[p.name].valueAsString, '"');
  parts.push('}');
  const built = Fn.join('', parts);
  const taskParamsJson = Fn.conditionIf(hasTaskParams.logicalId, taskParams.valueAsString, built).toString();
  // Deployed on its own (neither TaskParams nor TaskParamsPath), the template keeps the set it assembles in SSM itself,
  // under its stack's name, as the original kept its image list: a Lambda's environment holds 4 KB in all, so the
  // original's 4,096-byte srcImageList did not fit beside the other parameters. Intelligent-Tiering: the standard tier
  // (4 KB) when the set fits, else the advanced one (8 KB).
  const ownPath = taskParamsPath(Aws.STACK_NAME);
  let roleEnvironment: TaskParameters['roleEnvironment'];
  if (paramsPath && options.standaloneParamsInSsm) {
    const keptByTemplate = new CfnCondition(stack, 'TaskParamsKeptByTemplate', {
      expression: Fn.conditionAnd(
        Fn.conditionEquals(taskParams.valueAsString, ''),
        Fn.conditionEquals(paramsPath.valueAsString, ''),
      ),
    });
    const kept = [
      { id: 'TaskParamsChunk', name: taskParamsChunkName(ownPath, 0), value: built },
      { id: 'TaskParamsCount', name: taskParamsCountName(ownPath), value: '1' },
    ].map(
      ({ id, name, value }) =>
        new CfnSsmParameter(stack, id, {
          name,
          type: 'String',
          value,
          tier: 'Intelligent-Tiering',
          description: 'Task parameters of this stack, deployed without the Data Transfer Hub orchestrator',
        }),
    );
    for (const p of kept) p.cfnOptions.condition = keptByTemplate;
    roleEnvironment = {
      TASK_PARAMS: Fn.conditionIf(keptByTemplate.logicalId, '', taskParamsJson).toString(),
      TASK_PARAMS_PATH: Fn.conditionIf(keptByTemplate.logicalId, ownPath, paramsPath.valueAsString).toString(),
    };
  }
  const grantReadParams = (grantee: IGrantable) => {
    if (!paramsPath)
      throw new Error('grantReadParams: the template does not take its parameters from SSM (paramsFromSsm)');
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['ssm:GetParametersByPath'],
        resources: [taskParamsPath(taskId.valueAsString), ownPath].map((path) =>
          stack.formatArn({
            service: 'ssm',
            resource: 'parameter',
            resourceName: path.replace(/^\//, ''),
            arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
          }),
        ),
      }),
    );
  };
  return {
    taskId,
    taskParamsJson,
    roleEnvironment,
    scheduleExpression,
    hasSchedule,
    params,
    paramsPath,
    grantReadParams,
  };
}
