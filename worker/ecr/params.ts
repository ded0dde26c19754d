/**
 * Image task parameters, with the original ECR plugin's names, values and defaults, parsed and validated in one place
 * (pure; shared by the API, the console and the CLI). srcRegistry/destRegistry name non-ECR registries (host[:port]).
 * A blank account id is the current account: its registry host is found at run time (STS), so it is undefined here.
 */
import { InvalidParameterError } from '../core/errors.js';
import { paramBool, paramInt, paramText, type RawParams } from '../core/param-values.js';

export const ECR_SOURCE_TYPES = ['Amazon_ECR', 'Public'] as const;
export const SRC_LISTS = ['ALL', 'SELECTED'] as const;

export interface ImageRef {
  /** Registry host[:port] written in front of the image (Public sources: `quay.io/org/img`); undefined = the task's source registry. */
  registry?: string;
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
  /**
   * Registry host for Public sources (default docker.io), or an explicit ECR host. Undefined for an Amazon_ECR source
   * without one: the ECR registry of srcAccountId (blank: the current account) in srcRegion, resolved at run time.
   */
  srcRegistry?: string;
  destRegion?: string;
  destAccountId?: string;
  destCredential?: string;
  /** A non-ECR destination; undefined = the ECR registry of destAccountId (blank: the current account) in destRegion. */
  destRegistry?: string;
  destPrefix: string;
  /**
   * The original's meaning (its multiArchOption): true = every platform of a multi-arch image and its index
   * (skopeo --all); false = only the image for the copying machine's platform ("system").
   */
  includeUntagged: boolean;
  /** ECR source listed with ALL: also copy images without a tag, each by digest (listed as `repo:sha256-<hex>`). */
  includeUntaggedByDigest: boolean;
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
const ECR_HOST = /^(\d{12})\.dkr\.ecr\.([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com(?:\.cn)?$/;

/** The account and region of an ECR registry host (`<account>.dkr.ecr.<region>.amazonaws.com[.cn]`), else undefined. */
export function ecrHostParts(host: string | undefined): { accountId: string; region: string } | undefined {
  const m = host ? ECR_HOST.exec(host.toLowerCase()) : null;
  return m ? { accountId: m[1], region: m[2] } : undefined;
}

/** The registry host of an account's ECR in a region (`.amazonaws.com.cn` in the China regions). */
export function ecrRegistryHost(accountId: string, region: string): string {
  return `${accountId}.dkr.ecr.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
}

/**
 * Docker's rule: the first path element names a registry when it has a dot or a port, or is `localhost`
 * (`quay.io/org/img`, `127.0.0.1:5000/app`); otherwise the name is a repository of the default registry.
 */
function splitRegistry(name: string): { registry?: string; repository: string } {
  const slash = name.indexOf('/');
  const first = slash > 0 ? name.slice(0, slash) : '';
  if (first && (first.includes('.') || first.includes(':') || first === 'localhost')) return { registry: first.toLowerCase(), repository: name.slice(slash + 1) };
  return { repository: name };
}

/**
 * Parses `repo:tag`, `repo` (latest) or `repo:ALL_TAGS` lines, separated by commas or line breaks; the error names
 * the line number and text. With `registries` (Public sources), an image may name its registry
 * (`quay.io/org/img:tag`), as the original's `docker://<image>` did.
 */
export function parseImageList(text: string, field = 'srcImageList', options: { registries?: boolean } = {}): ImageRef[] {
  const refs: ImageRef[] = [];
  text.split(/\r?\n|,/).forEach((rawLine, i) => {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) return;
    const colon = line.lastIndexOf(':');
    const hasTag = colon > line.lastIndexOf('/');
    const name = hasTag ? line.slice(0, colon) : line;
    const tag = hasTag ? line.slice(colon + 1) : 'latest';
    const { registry, repository } = options.registries ? splitRegistry(name) : { registry: undefined, repository: name };
    if (registry !== undefined && !REGISTRY.test(registry)) throw new InvalidParameterError(field, `line ${i + 1} "${line}": "${registry}" is not a registry host[:port]`);
    if (!REPOSITORY.test(repository)) throw new InvalidParameterError(field, `line ${i + 1} "${line}": "${repository}" is not a repository name`);
    if (tag !== 'ALL_TAGS' && !TAG.test(tag)) throw new InvalidParameterError(field, `line ${i + 1} "${line}": "${tag}" is not a tag`);
    refs.push(registry === undefined ? { repository, tag } : { registry, repository, tag });
  });
  return refs;
}

/** An ECR side needs a region: the parameter, or the one in an explicit ECR registry host. */
function ecrRegion(raw: Raw, regionField: string, registry: string | undefined): string | undefined {
  return paramText(raw, regionField) ?? ecrHostParts(registry)?.region;
}

export function parseEcrTaskParams(raw: Raw): EcrTaskParams {
  const sourceType = (paramText(raw, 'sourceType') ?? 'Amazon_ECR') as EcrTaskParams['sourceType'];
  if (!ECR_SOURCE_TYPES.includes(sourceType)) throw new InvalidParameterError('sourceType', `"${sourceType}" is not one of ${ECR_SOURCE_TYPES.join(', ')}`);
  // The original defaults srcList to ALL (every image of the source ECR); a Public source has no catalogue to list.
  const srcList = (paramText(raw, 'srcList') ?? (sourceType === 'Amazon_ECR' ? 'ALL' : 'SELECTED')) as EcrTaskParams['srcList'];
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
  const srcRegistry = paramText(raw, 'srcRegistry') ?? (sourceType === 'Public' ? 'docker.io' : undefined);
  const destRegistry = paramText(raw, 'destRegistry');
  for (const [f, v] of [['srcRegistry', srcRegistry], ['destRegistry', destRegistry]] as const) {
    if (v !== undefined && !REGISTRY.test(v)) throw new InvalidParameterError(f, `"${v}" is not a registry host[:port]`);
  }
  const srcRegion = sourceType === 'Amazon_ECR' ? ecrRegion(raw, 'srcRegion', srcRegistry) : paramText(raw, 'srcRegion');
  if (sourceType === 'Amazon_ECR' && !srcRegion) throw new InvalidParameterError('srcRegion', 'is required for an Amazon_ECR source (the region of the source ECR)');
  const destRegion = ecrRegion(raw, 'destRegion', destRegistry);
  if (!destRegion && !destRegistry) throw new InvalidParameterError('destRegion', 'is required (the region of the destination ECR), or give destRegistry');

  const listText = paramText(raw, 'srcImageList');
  if (srcList === 'SELECTED' && !listText) throw new InvalidParameterError('srcImageList', 'is required when srcList is SELECTED');
  const srcImageList = srcList === 'SELECTED' ? parseImageList(listText!, 'srcImageList', { registries: sourceType === 'Public' }) : [];
  if (srcList === 'SELECTED' && srcImageList.length === 0) throw new InvalidParameterError('srcImageList', 'names no image');

  const destPrefix = (paramText(raw, 'destPrefix') ?? '').replace(/^\/+|\/+$/g, '');
  if (destPrefix && !REPOSITORY.test(destPrefix)) throw new InvalidParameterError('destPrefix', `"${destPrefix}" is not a valid repository path prefix`);
  return {
    sourceType, srcList, srcImageList, srcRegion, srcAccountId: paramText(raw, 'srcAccountId'), srcCredential: paramText(raw, 'srcCredential'),
    srcRegistry, destRegion, destAccountId: paramText(raw, 'destAccountId'), destCredential: paramText(raw, 'destCredential'), destRegistry,
    destPrefix, includeUntagged: paramBool(raw, 'includeUntagged', true), includeUntaggedByDigest: paramBool(raw, 'includeUntaggedByDigest', false),
    insecure: paramBool(raw, 'insecure', false), concurrency: paramInt(raw, 'concurrency', 10, 1, 50), maxAttempts: paramInt(raw, 'maxAttempts', 3, 1, 10),
  };
}

export const ECR_PARAM_NAMES = [
  'sourceType', 'srcList', 'srcImageList', 'srcRegion', 'srcAccountId', 'srcCredential', 'srcRegistry', 'destRegion',
  'destAccountId', 'destCredential', 'destRegistry', 'destPrefix', 'includeUntagged', 'includeUntaggedByDigest', 'insecure', 'concurrency',
  'maxAttempts',
] as const;
