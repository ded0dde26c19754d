/**
 * The original CLI's configuration (`dthcli run -t Finder|Worker`, aws-solutions/data-transfer-hub-cli): a config file
 * (YAML or JSON; `--config FILE`, else `./config.json`, `./config.yaml` or `./config.yml`, the first there is) and its
 * environment variables, which win over the file, as viper reads them there. Read into this engine's task
 * parameters, queue and status table, so a config written for the original runs the same finder and worker as a task
 * stack does.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { type Env, envValue } from '../worker/core/env-values.js';
import { InvalidParameterError, refusalOf } from '../worker/core/errors.js';
import { S3_PARAMETERS, type S3ParamName } from '../worker/params/s3-schema.js';
import { closestName } from '../worker/params/spec.js';

const MiB = 1024 * 1024;

/** One setting of the original CLI: its config-file key, its environment variable, and what it sets here. */
interface OriginalSetting {
  /** The key in the config file (`options.` ones nested under `options:`); matched without regard to case. */
  key: string;
  env: string;
  /** The task parameter it sets; absent: the role's queue or table, or a setting this engine has no use for. */
  param?: S3ParamName;
  /** A true/false setting: viper read Go's forms (1, t, TRUE, …), this engine's parameters take true or false. */
  bool?: true;
  /** The original gives sizes in MiB. `below`: it used multipart from the threshold on, this engine above it. */
  mib?: 'size' | 'below';
  /**
   * The original CLI's value when the setting is not given, where it differs from the task parameter's default
   * (viper reads an unset true/false as false; its own default storage class is STANDARD). The engine's tuning
   * (part size, multipart threshold, workers) keeps this engine's defaults: they are its speed.
   */
  cliDefault?: string;
  /** Why a setting without a parameter is read and not used (printed once at start when it is set). */
  unused?: string;
}

const UNUSED_GIANT =
  'giant objects are split into parts recorded in the status table, with no Step Functions merge or table of its own';

/** The original CLI's settings (cmd/root.go there), in its order. */
export const ORIGINAL_SETTINGS: readonly OriginalSetting[] = [
  { key: 'srcType', env: 'SOURCE_TYPE', param: 'srcType' },
  { key: 'srcBucket', env: 'SRC_BUCKET', param: 'srcBucket' },
  { key: 'srcPrefix', env: 'SRC_PREFIX', param: 'srcPrefix' },
  { key: 'srcPrefixList', env: 'SRC_PREFIX_LIST', param: 'srcPrefixsListFile' },
  { key: 'srcPrefixListBucket', env: 'SRC_PREFIX_LIST_BUCKET', param: 'srcPrefixListBucket' },
  { key: 'srcRegion', env: 'SRC_REGION', param: 'srcRegion' },
  { key: 'srcEndpoint', env: 'SRC_ENDPOINT', param: 'srcEndpoint' },
  { key: 'srcCredential', env: 'SRC_CREDENTIALS', param: 'srcCredentials' },
  { key: 'srcInCurrentAccount', env: 'SRC_IN_CURRENT_ACCOUNT', param: 'srcInCurrentAccount', bool: true },
  { key: 'skipCompare', env: 'SKIP_COMPARE', param: 'srcSkipCompare', bool: true },
  { key: 'payerRequest', env: 'PAYER_REQUEST', param: 'isPayerRequest', bool: true },
  { key: 'destBucket', env: 'DEST_BUCKET', param: 'destBucket' },
  { key: 'destPrefix', env: 'DEST_PREFIX', param: 'destPrefix' },
  { key: 'destRegion', env: 'DEST_REGION', param: 'destRegion' },
  { key: 'destCredential', env: 'DEST_CREDENTIALS', param: 'destCredentials' },
  {
    key: 'destInCurrentAccount',
    env: 'DEST_IN_CURRENT_ACCOUNT',
    param: 'destInCurrentAccount',
    bool: true,
    cliDefault: 'false',
  },
  { key: 'destStorageClass', env: 'DEST_STORAGE_CLASS', param: 'destStorageClass', cliDefault: 'STANDARD' },
  { key: 'destAcl', env: 'DEST_ACL', param: 'destAcl' },
  { key: 'destSSEType', env: 'DEST_SSE_TYPE', param: 'destPutObjectSSEType' },
  { key: 'destSSEKMSKeyId', env: 'DEST_SSE_KMS_KEY_ID', param: 'destPutObjectSSEKmsKeyId' },
  { key: 'jobTableName', env: 'JOB_TABLE_NAME' },
  { key: 'jobQueueName', env: 'JOB_QUEUE_NAME' },
  { key: 'singlePartTableName', env: 'SINGLE_PART_TABLE_NAME', unused: UNUSED_GIANT },
  { key: 'sfnArn', env: 'SFN_ARN', unused: UNUSED_GIANT },
  { key: 'options.maxKeys', env: 'MAX_KEYS', unused: 'listings are read 1,000 keys a page, as S3 answers at most' },
  { key: 'options.chunkSize', env: 'CHUNK_SIZE', param: 'chunkSize', mib: 'size' },
  { key: 'options.multipartThreshold', env: 'MULTIPART_THRESHOLD', param: 'multipartThreshold', mib: 'below' },
  { key: 'options.giantFileThreshold', env: 'GIANT_FILE_THRESHOLD', param: 'giantFileThreshold', mib: 'size' },
  {
    key: 'options.messageBatchSize',
    env: 'MESSAGE_BATCH_SIZE',
    unused: 'messages are sent 10 a batch, the most SQS takes',
  },
  { key: 'options.finderDepth', env: 'FINDER_DEPTH', param: 'finderDepth' },
  { key: 'options.finderNumber', env: 'FINDER_NUMBER', param: 'finderNumber' },
  { key: 'options.workerNumber', env: 'WORKER_NUMBER', param: 'workerNumber' },
  {
    key: 'options.includeMetadata',
    env: 'INCLUDE_METADATA',
    param: 'includeMetadata',
    bool: true,
    cliDefault: 'false',
  },
];

/** The files the original looks for in the working directory without --config (viper's order of extensions). */
const DEFAULT_CONFIG_FILES = ['config.json', 'config.yaml', 'config.yml'];

/** What a config file and the environment say, read into this engine's terms. */
export interface OriginalCliConfig {
  /** The task parameters, as TASK_PARAMS would give them. */
  params: Record<string, string>;
  /** jobQueueName: a queue name (or URL). */
  queueName?: string;
  /** jobTableName: the status table. */
  tableName?: string;
  /** The file read, if any. */
  configFile?: string;
  /** Settings given that this engine reads and does not use, with why. */
  unused: { setting: string; why: string }[];
  /** Where a parameter's value came from, as the user wrote it: `srcCredential in config.yaml`, `SRC_CREDENTIALS`. */
  origin(param: string): string | undefined;
  /** Where a setting (a task parameter, or the original's own key) could be given: `srcBucket (config file) or SRC_BUCKET`. */
  whereToSet(paramOrKey: string): string;
}

/** The config file's settings, flattened to lower-cased dotted keys (`options.chunksize`), as viper matches them. */
function flatten(value: unknown, prefix: string, out: Map<string, { key: string; value: unknown }>): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    out.set(prefix.toLowerCase(), { key: prefix, value });
    return;
  }
  for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
}

function readConfigFile(path: string): Map<string, { key: string; value: unknown }> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new InvalidParameterError('--config', `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new InvalidParameterError(
      '--config',
      `${path} is not YAML or JSON: ${(err as Error).message.split('\n')[0]}`,
    );
  }
  if (doc !== null && doc !== undefined && (typeof doc !== 'object' || Array.isArray(doc)))
    throw new InvalidParameterError('--config', `${path} must hold key: value settings (e.g. srcBucket: my-bucket)`);
  const flat = new Map<string, { key: string; value: unknown }>();
  if (doc) flatten(doc, '', flat);
  return flat;
}

/** Go's strconv.ParseBool forms (lower-cased), which viper's GetBool reads. */
const GO_BOOLEANS: Record<string, string> = {
  '1': 'true',
  t: 'true',
  true: 'true',
  '0': 'false',
  f: 'false',
  false: 'false',
};

function asText(value: unknown, where: string): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'object') throw new InvalidParameterError(where, 'must be one value, not a list or a map');
  return String(value).trim();
}

/** A size the original gives in MiB, as this engine's bytes; `below`: one byte under it (the original's ≥, ours >). */
function fromMiB(text: string, mib: 'size' | 'below', where: string): string {
  if (!/^\d+$/.test(text)) throw new InvalidParameterError(where, `"${text}" is not a whole number of MiB`);
  const bytes = Number(text) * MiB;
  return String(mib === 'below' && bytes > 0 ? bytes - 1 : bytes);
}

/**
 * The file's keys that are not the original's: this engine's own task parameters by name (destEndpoint, include, …),
 * what the original could not say, matched exactly as TASK_PARAMS reads them. Any other key is refused by name.
 */
function ownParameters(
  fromFile: Map<string, { key: string; value: unknown }>,
  fileName: string | undefined,
): Map<string, string> {
  const originalKeys = new Set(ORIGINAL_SETTINGS.map((s) => s.key.toLowerCase()));
  const ownNames = new Set<string>(S3_PARAMETERS.map((p) => p.name));
  const own = new Map<string, string>();
  const unknown: InvalidParameterError[] = [];
  for (const [lower, { key, value }] of fromFile) {
    if (originalKeys.has(lower)) continue;
    if (ownNames.has(key)) {
      const text = asText(value, `${key} in ${fileName}`);
      if (text) own.set(key, text);
      continue;
    }
    const meant = closestName([...ORIGINAL_SETTINGS.map((s) => s.key), ...ownNames], key);
    const hint = meant ? `; did you mean ${meant}?` : '';
    const message = `is neither a setting of the original CLI nor a task parameter (in ${fileName})${hint}`;
    unknown.push(new InvalidParameterError(key, message));
  }
  if (unknown.length) throw refusalOf(unknown[0], unknown.slice(1));
  return own;
}

/**
 * Reads the original CLI's configuration: `configPath` (--config) or the first default file in `cwd`, then the
 * environment over it. Unknown keys in the file are refused by name (with the closest known one): the original
 * ignored them, so a misspelt key silently fell back to a default.
 */
export function readOriginalCliConfig(options: { configPath?: string; cwd: string; env: Env }): OriginalCliConfig {
  const { env, cwd } = options;
  const configFile = options.configPath
    ? resolve(cwd, options.configPath)
    : DEFAULT_CONFIG_FILES.map((f) => resolve(cwd, f)).find((f) => existsSync(f));
  const fileName = options.configPath ?? (configFile ? basename(configFile) : undefined);
  const fromFile = configFile ? readConfigFile(configFile) : new Map<string, { key: string; value: unknown }>();
  const own = ownParameters(fromFile, fileName);
  const params: Record<string, string> = {};
  const origins = new Map<string, string>();
  const unused: { setting: string; why: string }[] = [];
  let queueName: string | undefined;
  let tableName: string | undefined;
  for (const setting of ORIGINAL_SETTINGS) {
    const envText = envValue(env, setting.env);
    const fileEntry = fromFile.get(setting.key.toLowerCase());
    const where = envText !== undefined ? setting.env : `${fileEntry?.key ?? setting.key} in ${fileName}`;
    let text = envText ?? asText(fileEntry?.value, where);
    if ((text === undefined || text === '') && setting.param && setting.cliDefault) {
      params[setting.param] = setting.cliDefault;
      continue;
    }
    if (text === undefined || text === '') continue;
    if (setting.key === 'jobQueueName') queueName = text;
    else if (setting.key === 'jobTableName') tableName = text;
    else if (setting.unused) unused.push({ setting: setting.key, why: setting.unused });
    if (!setting.param) continue;
    if (setting.mib) text = fromMiB(text, setting.mib, where);
    params[setting.param] = setting.bool ? (GO_BOOLEANS[text.toLowerCase()] ?? text) : text;
    origins.set(setting.param, where);
  }
  for (const [param, text] of own) {
    const twin = origins.get(param);
    if (twin) throw new InvalidParameterError(param, `is given twice (in ${fileName}), also as ${twin}: keep one`);
    params[param] = text;
    origins.set(param, `${param} in ${fileName}`);
  }
  const byName = new Map(
    ORIGINAL_SETTINGS.flatMap((s) => [...(s.param ? [[s.param, s] as const] : []), [s.key, s] as const]),
  );
  return {
    params,
    queueName,
    tableName,
    configFile,
    unused,
    origin: (param) => origins.get(param),
    whereToSet: (name) => {
      const setting = byName.get(name);
      return setting ? `${setting.key} (config file) or ${setting.env}` : name;
    },
  };
}
