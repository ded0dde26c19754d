/**
 * Image task parameters → EcrTaskParams (worker/params/parsed.ts), read against the schema
 * (worker/params/ecr-schema.ts): the original ECR plugin's names, values and defaults, plus ours (srcRegistry /
 * destRegistry for non-ECR registries). Pure; shared by the API, the console and the CLI.
 * A blank account id is the current account: its ECR registry host is found at run time (STS, the token's endpoint),
 * so an ECR side's registry is undefined here unless given.
 */
import { InvalidParameterError } from '../core/errors.js';
import { ParamReader, type RawParams } from '../core/param-values.js';
import {
  ECS_CLUSTER_NAME,
  NETWORK_ID,
  AWS_ACCOUNT_ID,
  AWS_REGION,
  ECR_PARAMETERS,
  fieldLabel,
  fieldSide,
  EMAIL_ADDRESS,
  REGISTRY_HOST,
  REPOSITORY_PATH,
  repositoryPrefix,
  type EcrSourceType,
  type EcrTaskParams,
  type ImageRef,
  type SrcList,
} from '../params/index.js';

export type { EcrTaskParams, ImageRef } from '../params/index.js';
export { ECR_SOURCE_TYPES, SRC_LISTS } from '../params/index.js';

// Tags up to 128 characters (Docker distribution grammar).
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const PINNED = /^([^@]+)@sha256:([0-9a-f]{64})$/;
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
  if (first && (first.includes('.') || first.includes(':') || first === 'localhost'))
    return { registry: first.toLowerCase(), repository: name.slice(slash + 1) };
  return { repository: name };
}

/** One image of a list as written: its line (from 1), and its place in words for an error. */
export interface ImageListEntry {
  line: number;
  /** `line 2, entry 3`: the line when the list has several, the entry when its line holds several (else `entry 1`). */
  place: string;
  /** The entry as written (trimmed), for messages. */
  text: string;
  /** The entry without any whitespace, as the original reads it (`repo : tag` is `repo:tag`). */
  image: string;
}

/**
 * The entries of an image list: separated by line breaks and commas; blank ones and `#` comment lines left out. As
 * the original, a literal `\n` (two characters: a list pasted from a CloudFormation command line,
 * `ParameterValue=ubuntu:14.04,\namazon-linux:latest`) breaks a line too, and whitespace inside an entry is dropped:
 * no repository name, tag or digest holds any.
 */
export function imageListEntries(text: string): ImageListEntry[] {
  const lines = text.split(/\r?\n|\\n/);
  return lines.flatMap((rawLine, lineIndex) => {
    if (rawLine.trim().startsWith('#')) return [];
    const parts = rawLine.split(',');
    return parts
      .map((raw, i) => {
        const place = [lines.length > 1 ? `line ${lineIndex + 1}` : '', parts.length > 1 ? `entry ${i + 1}` : '']
          .filter(Boolean)
          .join(', ');
        return { line: lineIndex + 1, place: place || 'entry 1', text: raw.trim(), image: raw.replace(/\s+/g, '') };
      })
      .filter((e) => e.image !== '' && !e.image.startsWith('#'));
  });
}

/**
 * Parses `repo:tag`, `repo` (latest), `repo:ALL_TAGS` or `repo@sha256:<hex>` entries, separated by commas or line
 * breaks; the error names the entry by its line (and its place on a line that holds several) and its text. With
 * `registries` (Public sources), an image may name its registry (`quay.io/org/img:tag`), as the original's
 * `docker://<image>` did.
 */
export function parseImageList(
  text: string,
  field = 'srcImageList',
  options: { registries?: boolean } = {},
): ImageRef[] {
  return imageListEntries(text).map(({ place, text: written, image }) => {
    // Whitespace inside an entry is dropped (the original's reading): when that joined two images, say so.
    const joined = /\s/.test(written)
      ? ' (spaces inside an entry are dropped: separate images with commas or lines)'
      : '';
    const refused = (what: string) =>
      new InvalidParameterError(
        field,
        `${place} "${written}": ${what}${joined}`,
        fieldLabel(ECR_PARAMETERS, field) ?? 'Image list',
        fieldSide(ECR_PARAMETERS, field),
      );
    // Pinned by digest (`repo@sha256:<hex>`, a tag before it ignored, as docker and skopeo do): copied to that digest,
    // as an untagged image is (tag `sha256:<hex>`, image-names.ts).
    const pinned = PINNED.exec(image);
    const named = pinned ? pinned[1] : image;
    const colon = named.lastIndexOf(':');
    const hasTag = colon > named.lastIndexOf('/');
    const name = hasTag ? named.slice(0, colon) : named;
    const tag = pinned ? `sha256:${pinned[2]}` : hasTag ? named.slice(colon + 1) : 'latest';
    if (image.includes('@') && !pinned) throw refused('a digest must be sha256:<64 hex digits>');
    const { registry, repository } = options.registries
      ? splitRegistry(name)
      : { registry: undefined, repository: name };
    if (registry !== undefined && !REGISTRY_HOST.test(registry))
      throw refused(`"${registry}" is not a registry host[:port]`);
    if (!REPOSITORY_PATH.test(repository))
      throw refused(`"${repository}" is not a repository name${/[A-Z]/.test(repository) ? ' (lowercase only)' : ''}`);
    if (!pinned && tag !== 'ALL_TAGS' && !TAG.test(tag)) throw refused(`"${tag}" is not a tag`);
    return registry === undefined ? { repository, tag } : { registry, repository, tag };
  });
}

export function parseEcrTaskParams(raw: RawParams): EcrTaskParams {
  return ParamReader.parse(ECR_PARAMETERS, raw, 'image (ECR) tasks', readEcrTaskParams);
}

function readEcrTaskParams(r: ParamReader): EcrTaskParams {
  const sourceType = r.oneOf<EcrSourceType>('sourceType');
  // The original defaults srcList to ALL; a Public source has no catalogue, so there the default is SELECTED.
  const srcList: SrcList =
    r.given('srcList') === undefined && sourceType === 'Public' ? 'SELECTED' : r.oneOf<SrcList>('srcList');
  if (srcList === 'ALL' && sourceType !== 'Amazon_ECR')
    throw r.error('srcList', 'ALL is only possible for an Amazon_ECR source; list the images (SELECTED)');

  for (const f of ['srcAccountId', 'destAccountId']) {
    const v = r.text(f);
    if (v !== undefined && !AWS_ACCOUNT_ID.test(v)) throw r.error(f, `"${v}" is not a 12-digit AWS account id`);
  }
  for (const f of ['srcRegion', 'destRegion']) {
    const v = r.text(f);
    if (v !== undefined && !AWS_REGION.test(v)) throw r.error(f, `"${v}" is not an AWS region`);
  }
  // The cloud's schedule, checked wherever the parameters are read (the CLI took what createTask refused).
  r.schedule('ec2CronExpression');
  // The copy tasks' network: checked at createTask, as the original did for the cluster, not when the stack deploys.
  r.shaped('ecsClusterName', ECS_CLUSTER_NAME, 'an ECS cluster name (letters, digits, - and _, up to 255)');
  for (const f of ['ecsVpcId', 'ecsSubnetA', 'ecsSubnetB'])
    r.shaped(f, NETWORK_ID, 'an id (such as vpc-0abc… or subnet-0abc…)');
  const srcAccountId = r.text('srcAccountId');
  const destAccountId = r.text('destAccountId');
  // An ECR side's registry host is derived at run time; given, it is used as is (an ECR host, or another registry).
  const srcRegistry = r.text('srcRegistry') ?? (sourceType === 'Public' ? 'docker.io' : undefined);
  const destRegistry = r.text('destRegistry');
  for (const [f, v] of [
    ['srcRegistry', srcRegistry],
    ['destRegistry', destRegistry],
  ] as const) {
    if (v !== undefined && !REGISTRY_HOST.test(v)) throw r.error(f, `"${v}" is not a registry host[:port]`);
  }
  // An ECR side needs its region: the parameter, or the one in an explicit ECR registry host.
  const srcRegion =
    r.text('srcRegion') ?? (sourceType === 'Amazon_ECR' ? ecrHostParts(srcRegistry)?.region : undefined);
  const destRegion = r.text('destRegion') ?? ecrHostParts(destRegistry)?.region;
  if (sourceType === 'Amazon_ECR' && !srcRegion)
    throw r.error('srcRegion', 'is required for an Amazon_ECR source (the region of the source ECR)');
  if (!destRegion && !destRegistry)
    throw r.error('destRegion', 'is required (the region of the destination ECR), or give destRegistry');

  const listText = r.text('srcImageList');
  if (srcList === 'SELECTED' && !listText)
    // A Public source is SELECTED without srcList given: name the reason its user knows.
    throw r.error(
      'srcImageList',
      sourceType === 'Public'
        ? 'is required for a Public source (the images to copy)'
        : 'is required when srcList is SELECTED',
    );
  const srcImageList =
    srcList === 'SELECTED' && listText
      ? parseImageList(listText, 'srcImageList', { registries: sourceType === 'Public' })
      : [];
  if (srcList === 'SELECTED' && srcImageList.length === 0) throw r.error('srcImageList', 'names no image');

  const destPrefix = repositoryPrefix(r.text('destPrefix') ?? '');
  if (destPrefix && !REPOSITORY_PATH.test(destPrefix))
    throw r.error(
      'destPrefix',
      `"${destPrefix}" is not a valid repository path prefix${/[A-Z]/.test(destPrefix) ? ' (lowercase only)' : ''}`,
    );
  const alarmEmail = r.shaped('alarmEmail', EMAIL_ADDRESS, 'an email address');
  return {
    sourceType,
    srcList,
    srcImageList,
    srcRegion,
    srcAccountId,
    srcCredential: r.text('srcCredential'),
    srcRegistry,
    destRegion,
    destAccountId,
    destCredential: r.text('destCredential'),
    destRegistry,
    destPrefix,
    includeUntagged: r.bool('includeUntagged'),
    includeUntaggedByDigest: r.bool('includeUntaggedByDigest'),
    insecure: r.bool('insecure'),
    concurrency: r.int('concurrency'),
    maxAttempts: r.int('maxAttempts'),
    alarmEmail,
    unused: r.unused(),
  };
}

export const ECR_PARAM_NAMES = ECR_PARAMETERS.map((p) => p.name);

/** The destination is Amazon ECR unless destRegistry names another registry. */
export function destinationIsEcr(params: Pick<EcrTaskParams, 'destRegistry'>): boolean {
  return !params.destRegistry || ecrHostParts(params.destRegistry) !== undefined;
}
