/**
 * Image task parameters, with the original ECR plugin's names, parsed and validated in one place (pure; shared
 * by the API, the console and the CLI). srcRegistry/destRegistry name non-ECR registries (host[:port]).
 */
import { InvalidParameterError } from '../core/errors.js';
import { paramBool, paramInt, paramText, type RawParams } from '../core/param-values.js';

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

type Raw = RawParams;



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
  const sourceType = (paramText(raw, 'sourceType') ?? 'Amazon_ECR') as EcrTaskParams['sourceType'];
  if (!ECR_SOURCE_TYPES.includes(sourceType)) throw new InvalidParameterError('sourceType', `"${sourceType}" is not one of ${ECR_SOURCE_TYPES.join(', ')}`);
  const srcList = (paramText(raw, 'srcList') ?? 'SELECTED') as EcrTaskParams['srcList'];
  if (!SRC_LISTS.includes(srcList)) throw new InvalidParameterError('srcList', `"${srcList}" is not one of ALL, SELECTED`);
  if (srcList === 'ALL' && sourceType !== 'Amazon_ECR') throw new InvalidParameterError('srcList', 'ALL is only possible for an Amazon_ECR source; list the images');

  for (const f of ['srcAccountId', 'destAccountId']) {
    const v = paramText(raw, f);
    if (v !== undefined && !ACCOUNT.test(v)) throw new InvalidParameterError(f, `"${v}" is not a 12-digit AWS account id`);
  }
  for (const f of ['srcRegion', 'destRegion']) {
    const v = paramText(raw, f);
    if (v !== undefined && !REGION.test(v)) throw new InvalidParameterError(f, `"${v}" is not an AWS region`);
  }
  const srcRegion = paramText(raw, 'srcRegion');
  const destRegion = paramText(raw, 'destRegion');
  const srcRegistry = paramText(raw, 'srcRegistry')
    ?? (sourceType === 'Amazon_ECR' ? ecrRegistry(paramText(raw, 'srcAccountId'), srcRegion) : 'docker.io');
  if (!srcRegistry) throw new InvalidParameterError('srcAccountId', 'and srcRegion are required for an Amazon_ECR source (or give srcRegistry)');
  const destRegistry = paramText(raw, 'destRegistry') ?? ecrRegistry(paramText(raw, 'destAccountId'), destRegion);
  if (!destRegistry) throw new InvalidParameterError('destAccountId', 'and destRegion are required (or give destRegistry)');
  for (const [f, v] of [['srcRegistry', srcRegistry], ['destRegistry', destRegistry]] as const) {
    if (!REGISTRY.test(v)) throw new InvalidParameterError(f, `"${v}" is not a registry host[:port]`);
  }
  const listText = paramText(raw, 'srcImageList');
  if (srcList === 'SELECTED' && !listText) throw new InvalidParameterError('srcImageList', 'is required when srcList is SELECTED');
  const srcImageList = srcList === 'SELECTED' ? parseImageList(listText!) : [];
  if (srcList === 'SELECTED' && srcImageList.length === 0) throw new InvalidParameterError('srcImageList', 'names no image');

  const destPrefix = (paramText(raw, 'destPrefix') ?? '').replace(/^\/+|\/+$/g, '');
  if (destPrefix && !REPOSITORY.test(destPrefix)) throw new InvalidParameterError('destPrefix', `"${destPrefix}" is not a valid repository path prefix`);
  return {
    sourceType, srcList, srcImageList, srcRegion, srcAccountId: paramText(raw, 'srcAccountId'), srcCredential: paramText(raw, 'srcCredential'),
    srcRegistry, destRegion, destAccountId: paramText(raw, 'destAccountId'), destCredential: paramText(raw, 'destCredential'), destRegistry,
    destPrefix, includeUntagged: paramBool(raw, 'includeUntagged', false), insecure: paramBool(raw, 'insecure', false),
    concurrency: paramInt(raw, 'concurrency', 10, 1, 50), maxAttempts: paramInt(raw, 'maxAttempts', 3, 1, 10),
  };
}

export const ECR_PARAM_NAMES = [
  'sourceType', 'srcList', 'srcImageList', 'srcRegion', 'srcAccountId', 'srcCredential', 'srcRegistry', 'destRegion',
  'destAccountId', 'destCredential', 'destRegistry', 'destPrefix', 'includeUntagged', 'insecure', 'concurrency', 'maxAttempts',
] as const;
