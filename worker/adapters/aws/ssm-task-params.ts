/**
 * Task parameters too large for a CloudFormation parameter (4,096 bytes) or a Lambda environment (4 KB in all) — an
 * image list of a few hundred names is — kept in SSM Parameter Store: standard-tier String parameters of at most
 * 4,000 bytes each, `<path>/0000`, `<path>/0001`, …, then `<path>/count` holding how many, written last. A reader
 * trusts only a complete set (every chunk up to `count`), so a half-written or half-deleted one is an error, never a
 * shorter list.
 */
import { readFileSync } from 'node:fs';
import {
  DeleteParametersCommand,
  GetParametersByPathCommand,
  PutParameterCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { envValue, type Env } from '../../core/env-values.js';
import { InvalidParameterError } from '../../core/errors.js';
import { parameterListToObject } from '../../core/parameter-list.js';
import { isTemplateBuilt, readTemplateBuilt, taskParamsChunkName, taskParamsCountName } from '../../params/index.js';

/**
 * TASK_PARAMS of a task whose parameters are in SSM: `{"taskParamsPath": "<path>"}` (never empty: an empty TaskParams
 * means a standalone deploy to the plugin template).
 */
export const TASK_PARAMS_POINTER = 'taskParamsPath';

/** Below the standard tier's 4 KB, measured in UTF-8 bytes. */
export const SSM_CHUNK_BYTES = 4000;

/** Splits text into pieces of at most `maxBytes` UTF-8 bytes, never inside a character. */
export function splitUtf8(text: string, maxBytes: number): string[] {
  const chunks: string[] = [];
  let current = '';
  let bytes = 0;
  for (const ch of text) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > maxBytes) {
      chunks.push(current);
      current = '';
      bytes = 0;
    }
    current += ch;
    bytes += n;
  }
  if (current || chunks.length === 0) chunks.push(current);
  return chunks;
}

/** Writes the text under `path` (replacing what was there); returns how many chunks it took. */
export async function writeTaskParams(ssm: SSMClient, path: string, text: string): Promise<number> {
  const chunks = splitUtf8(text, SSM_CHUNK_BYTES);
  // Chunks a shorter earlier version left behind would be ignored (count says how many), but are not kept either.
  await deleteTaskParams(ssm, path);
  for (const [i, value] of chunks.entries()) {
    await ssm.send(
      new PutParameterCommand({
        Name: taskParamsChunkName(path, i),
        Value: value,
        Type: 'String',
        Tier: 'Standard',
        Overwrite: true,
      }),
    );
  }
  await ssm.send(
    new PutParameterCommand({
      Name: taskParamsCountName(path),
      Value: String(chunks.length),
      Type: 'String',
      Tier: 'Standard',
      Overwrite: true,
    }),
  );
  return chunks.length;
}

async function readAll(ssm: SSMClient, path: string): Promise<Map<string, string>> {
  const values = new Map<string, string>();
  let next: string | undefined;
  do {
    const page = await ssm.send(new GetParametersByPathCommand({ Path: path, Recursive: false, NextToken: next }));
    for (const p of page.Parameters ?? []) if (p.Name) values.set(p.Name, p.Value ?? '');
    next = page.NextToken;
  } while (next);
  return values;
}

/** Reads the text written under `path`; throws naming the path when it is missing or incomplete. */
export async function readTaskParams(ssm: SSMClient, path: string): Promise<string> {
  const values = await readAll(ssm, path);
  const countText = values.get(taskParamsCountName(path));
  const count = Number(countText);
  if (countText === undefined || !Number.isInteger(count) || count < 1) {
    throw new Error(`SSM ${path}: no complete set of task parameters there (${values.size} parameter(s), no count)`);
  }
  let text = '';
  for (let i = 0; i < count; i++) {
    const chunk = values.get(taskParamsChunkName(path, i));
    if (chunk === undefined) throw new Error(`SSM ${path}: part ${i + 1} of ${count} is missing`);
    text += chunk;
  }
  return text;
}

/** Deletes every parameter under `path` (10 per call, the API's limit). */
export async function deleteTaskParams(ssm: SSMClient, path: string): Promise<void> {
  const names = [...(await readAll(ssm, path)).keys()];
  for (let i = 0; i < names.length; i += 10)
    await ssm.send(new DeleteParametersCommand({ Names: names.slice(i, i + 10) }));
}

/** A JSON object of task parameters, or CloudFormation's `[{ParameterKey, ParameterValue}]` list; errors name `source`. */
export function parseTaskParamsJson(text: string, source: string): Record<string, unknown> {
  // A standalone plugin stack's own assembly: values unescaped, read by position.
  if (isTemplateBuilt(text)) {
    const built = readTemplateBuilt(text);
    if (!built) throw new InvalidParameterError(source, 'is not a parameter set as the plugin template assembles it');
    return built;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new InvalidParameterError(source, `is not valid JSON: ${(err as Error).message}`);
  }
  if (Array.isArray(parsed)) return parameterListToObject(parsed, source);
  if (!parsed || typeof parsed !== 'object')
    throw new InvalidParameterError(source, 'must hold a JSON object of task parameters');
  return parsed as Record<string, unknown>;
}

/**
 * A cloud role's task parameters: from SSM when TASK_PARAMS_PATH (or a TASK_PARAMS pointer) names where the control
 * plane put them (they did not fit a CloudFormation parameter), else TASK_PARAMS (JSON), else TASK_PARAMS_FILE. The SSM
 * client is made only if needed.
 */
export async function taskParamsFromEnv(env: Env, ssm: () => SSMClient): Promise<Record<string, unknown>> {
  const fromSsm = async (path: string) =>
    parseTaskParamsJson(await readTaskParams(ssm(), path), `TASK_PARAMS_PATH (SSM ${path})`);
  const path = envValue(env, 'TASK_PARAMS_PATH');
  if (path) return fromSsm(path);
  const inline = envValue(env, 'TASK_PARAMS');
  const file = envValue(env, 'TASK_PARAMS_FILE');
  if (inline && file)
    throw new InvalidParameterError('TASK_PARAMS', 'set either TASK_PARAMS or TASK_PARAMS_FILE, not both');
  if (inline) {
    const parsed = parseTaskParamsJson(inline, 'TASK_PARAMS');
    const pointer = parsed[TASK_PARAMS_POINTER];
    return typeof pointer === 'string' && Object.keys(parsed).length === 1 ? fromSsm(pointer) : parsed;
  }
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new InvalidParameterError(
        'TASK_PARAMS_FILE',
        `cannot read "${file}" (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
    return parseTaskParamsJson(text, 'TASK_PARAMS_FILE');
  }
  throw new InvalidParameterError(
    'TASK_PARAMS',
    'is required: the task parameters as a JSON object (or TASK_PARAMS_PATH / TASK_PARAMS_FILE)',
  );
}
