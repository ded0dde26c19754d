/**
 * Image task parameters, with the original ECR plugin's names, parsed and validated in one place (pure; shared
 * by the API, the console and the CLI). srcRegistry/destRegistry name non-ECR registries (host[:port]).
 */
import { InvalidParameterError } from '../core/errors.js';

export const ECR_SOURCE_TYPES = ['Amazon_ECR', 'Public'] as const;
export const SRC_LISTS = ['ALL', 'SELECTED'] as const;

export interface ImageRef {
  repository: string;
  /** A tag, or 'ALL_TAGS' to expand from the registry. */
  tag: string;
}

export interface EcrTaskParams {
  sourceType: (typeof ECR_SOURCE_TYPES)[number];
  srcList: (typeof SRC_LISTS)[number];
  srcImageList: ImageRef[];
  srcRegion?: string;
  srcAccountId?: string;
  srcCredential?: string;
  /** Registry host for Public sources (default docker.io), or an explicit ECR host. */
  srcRegistry: string;
  destRegion?: string;
  destAccountId?: string;
  destCredential?: string;
  destRegistry: string;
  destPrefix: string;
  includeUntagged: boolean;
  /** Plain HTTP / no TLS verification (local registries only). */
  insecure: boolean;
  concurrency: number;
  maxAttempts: number;
}

type Raw = Record<string, unknown>;

function str(raw: Raw, field: string): string | undefined {
  const v = raw[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw new InvalidParameterError(field, 'must be a string');
  const s = String(v).trim();
  return s === '' ? undefined : s;
}

function bool(raw: Raw, field: string, fallback: boolean): boolean {
  const v = str(raw, field);
  if (v === undefined) return fallback;
  if (/^(true|yes|1)$/i.test(v)) return true;
  if (/^(false|no|0)$/i.test(v)) return false;
  throw new InvalidParameterError(field, `"${v}" is not true or false`);
}

function int(raw: Raw, field: string, fallback: number, min: number, max: number): number {
  const v = str(raw, field);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < min || n > max) throw new InvalidParameterError(field, `must be a whole number from ${min} to ${max}`);
  return n;
}

const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const REGISTRY = /^[a-z0-9.-]+(:\d{1,5})?$/i;
// Docker distribution grammar: lowercase path components separated by '/', tags up to 128 chars.
const REPOSITORY = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** Parses `repo:tag`, `repo` (latest) or `repo:ALL_TAGS` lines; the error names the line number and text. */
export function parseImageList(text: string, field = 'srcImageList'): ImageRef[] {
  const refs: ImageRef[] = [];
  text.split(/\r?\n|,/).forEach((rawLine, i) => {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) return;
    const colon = line.lastIndexOf(':');
    const hasTag = colon > line.lastIndexOf('/');
    const repository = hasTag ? line.slice(0, colon) : line;
    const tag = hasTag ? line.slice(colon + 1) : 'latest';
    if (!REPOSITORY.test(repository)) throw new InvalidParameterError(field, `line ${i + 1} "${line}": "${repository}" is not a repository name`);
    if (tag !== 'ALL_TAGS' && !TAG.test(tag)) throw new InvalidParameterError(field, `line ${i + 1} "${line}": "${tag}" is not a tag`);
    refs.push({ repository, tag });
  });
  return refs;
}

function ecrRegistry(account: string | undefined, region: string | undefined): string | undefined {
  return account && region ? `${account}.dkr.ecr.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}` : undefined;
}

export function parseEcrTaskParams(raw: Raw): EcrTaskParams {
  const sourceType = (str(raw, 'sourceType') ?? 'Amazon_ECR') as EcrTaskParams['sourceType'];
  if (!ECR_SOURCE_TYPES.includes(sourceType)) throw new InvalidParameterError('sourceType', `"${sourceType}" is not one of ${ECR_SOURCE_TYPES.join(', ')}`);
  const srcList = (str(raw, 'srcList') ?? 'SELECTED') as EcrTaskParams['srcList'];
  if (!SRC_LISTS.includes(srcList)) throw new InvalidParameterError('srcList', `"${srcList}" is not one of ALL, SELECTED`);
  if (srcList === 'ALL' && sourceType !== 'Amazon_ECR') throw new InvalidParameterError('srcList', 'ALL is only possible for an Amazon_ECR source; list the images');

  for (const f of ['srcAccountId', 'destAccountId']) {
    const v = str(raw, f);
    if (v !== undefined && !ACCOUNT.test(v)) throw new InvalidParameterError(f, `"${v}" is not a 12-digit AWS account id`);
  }
  for (const f of ['srcRegion', 'destRegion']) {
    const v = str(raw, f);
    if (v !== undefined && !REGION.test(v)) throw new InvalidParameterError(f, `"${v}" is not an AWS region`);
  }
  const srcRegion = str(raw, 'srcRegion');
  const destRegion = str(raw, 'destRegion');
  const srcRegistry = str(raw, 'srcRegistry')
    ?? (sourceType === 'Amazon_ECR' ? ecrRegistry(str(raw, 'srcAccountId'), srcRegion) : 'docker.io');
  if (!srcRegistry) throw new InvalidParameterError('srcAccountId', 'and srcRegion are required for an Amazon_ECR source (or give srcRegistry)');
  const destRegistry = str(raw, 'destRegistry') ?? ecrRegistry(str(raw, 'destAccountId'), destRegion);
  if (!destRegistry) throw new InvalidParameterError('destAccountId', 'and destRegion are required (or give destRegistry)');
  for (const [f, v] of [['srcRegistry', srcRegistry], ['destRegistry', destRegistry]] as const) {
    if (!REGISTRY.test(v)) throw new InvalidParameterError(f, `"${v}" is not a registry host[:port]`);
  }
  const listText = str(raw, 'srcImageList');
  if (srcList === 'SELECTED' && !listText) throw new InvalidParameterError('srcImageList', 'is required when srcList is SELECTED');
  const srcImageList = srcList === 'SELECTED' ? parseImageList(listText!) : [];
  if (srcList === 'SELECTED' && srcImageList.length === 0) throw new InvalidParameterError('srcImageList', 'names no image');

  const destPrefix = (str(raw, 'destPrefix') ?? '').replace(/^\/+|\/+$/g, '');
  if (destPrefix && !REPOSITORY.test(destPrefix)) throw new InvalidParameterError('destPrefix', `"${destPrefix}" is not a valid repository path prefix`);
  return {
    sourceType, srcList, srcImageList, srcRegion, srcAccountId: str(raw, 'srcAccountId'), srcCredential: str(raw, 'srcCredential'),
    srcRegistry, destRegion, destAccountId: str(raw, 'destAccountId'), destCredential: str(raw, 'destCredential'), destRegistry,
    destPrefix, includeUntagged: bool(raw, 'includeUntagged', false), insecure: bool(raw, 'insecure', false),
    concurrency: int(raw, 'concurrency', 10, 1, 50), maxAttempts: int(raw, 'maxAttempts', 3, 1, 10),
  };
}

export const ECR_PARAM_NAMES = [
  'sourceType', 'srcList', 'srcImageList', 'srcRegion', 'srcAccountId', 'srcCredential', 'srcRegistry', 'destRegion',
  'destAccountId', 'destCredential', 'destRegistry', 'destPrefix', 'includeUntagged', 'insecure', 'concurrency', 'maxAttempts',
] as const;
