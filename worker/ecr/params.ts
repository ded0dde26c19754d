/**
 * Image task parameters → EcrTaskParams (worker/params/parsed.ts), read against the schema
 * (worker/params/ecr-schema.ts): the original ECR plugin's names, values and defaults, plus ours (srcRegistry /
 * destRegistry for non-ECR registries). Pure; shared by the API, the console and the CLI.
 */
import { InvalidParameterError } from '../core/errors.js';
import { ParamReader, type RawParams } from '../core/param-values.js';
import { ECR_PARAMETERS, type EcrSourceType, type EcrTaskParams, type ImageRef, type SrcList } from '../params/index.js';

export type { EcrTaskParams, ImageRef } from '../params/index.js';
export { ECR_SOURCE_TYPES, SRC_LISTS } from '../params/index.js';

const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const REGISTRY = /^[a-z0-9.-]+(:\d{1,5})?$/i;
// Docker distribution grammar: lowercase path components separated by '/', tags up to 128 chars.
const REPOSITORY = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const EMAIL = /^\w[-\w.+]*@([A-Za-z0-9][-A-Za-z0-9]+\.)+[A-Za-z]{2,14}$/;

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
    if (!REPOSITORY.test(repository)) throw new InvalidParameterError(field, `line ${i + 1} "${line}": "${repository}" is not a repository name`, 'Image list');
    if (tag !== 'ALL_TAGS' && !TAG.test(tag)) throw new InvalidParameterError(field, `line ${i + 1} "${line}": "${tag}" is not a tag`, 'Image list');
    refs.push({ repository, tag });
  });
  return refs;
}

function ecrRegistry(account: string | undefined, region: string | undefined): string | undefined {
  return account && region ? `${account}.dkr.ecr.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}` : undefined;
}

export function parseEcrTaskParams(raw: RawParams): EcrTaskParams {
  const r = new ParamReader(ECR_PARAMETERS, raw, 'image (ECR) tasks');
  const sourceType = r.oneOf<EcrSourceType>('sourceType');
  // The original defaults srcList to ALL; a Public source has no catalogue, so there the default is SELECTED.
  const srcList: SrcList = r.given('srcList') === undefined && sourceType === 'Public' ? 'SELECTED' : r.oneOf<SrcList>('srcList');
  if (srcList === 'ALL' && sourceType !== 'Amazon_ECR') throw r.error('srcList', 'ALL is only possible for an Amazon_ECR source; list the images (SELECTED)');

  for (const f of ['srcAccountId', 'destAccountId']) {
    const v = r.text(f);
    if (v !== undefined && !ACCOUNT.test(v)) throw r.error(f, `"${v}" is not a 12-digit AWS account id`);
  }
  for (const f of ['srcRegion', 'destRegion']) {
    const v = r.text(f);
    if (v !== undefined && !REGION.test(v)) throw r.error(f, `"${v}" is not an AWS region`);
  }
  const srcRegion = r.text('srcRegion');
  const destRegion = r.text('destRegion');
  const srcAccountId = r.text('srcAccountId');
  const destAccountId = r.text('destAccountId');
  if (sourceType === 'Amazon_ECR' && !srcRegion && !r.text('srcRegistry')) throw r.error('srcRegion', 'is required for an Amazon_ECR source');
  if (!destRegion && !r.text('destRegistry')) throw r.error('destRegion', 'is required (or give destRegistry)');
  // Blank account = this account: its ECR host is found at run time (undefined here).
  const srcRegistry = r.text('srcRegistry') ?? (sourceType === 'Amazon_ECR' ? ecrRegistry(srcAccountId, srcRegion) : 'docker.io');
  const destRegistry = r.text('destRegistry') ?? ecrRegistry(destAccountId, destRegion);
  for (const [f, v] of [['srcRegistry', srcRegistry], ['destRegistry', destRegistry]] as const) {
    if (v !== undefined && !REGISTRY.test(v)) throw r.error(f, `"${v}" is not a registry host[:port]`);
  }
  const listText = r.text('srcImageList');
  if (srcList === 'SELECTED' && !listText) throw r.error('srcImageList', 'is required when srcList is SELECTED');
  const srcImageList = srcList === 'SELECTED' ? parseImageList(listText!) : [];
  if (srcList === 'SELECTED' && srcImageList.length === 0) throw r.error('srcImageList', 'names no image');

  const destPrefix = (r.text('destPrefix') ?? '').replace(/^\/+|\/+$/g, '');
  if (destPrefix && !REPOSITORY.test(destPrefix)) throw r.error('destPrefix', `"${destPrefix}" is not a valid repository path prefix`);
  const alarmEmail = r.text('alarmEmail');
  if (alarmEmail && !EMAIL.test(alarmEmail)) throw r.error('alarmEmail', `"${alarmEmail}" is not an email address`);
  return {
    sourceType, srcList, srcImageList, srcRegion, srcAccountId, srcCredential: r.text('srcCredential'), srcRegistry,
    destRegion, destAccountId, destCredential: r.text('destCredential'), destRegistry,
    destPrefix, includeUntagged: r.bool('includeUntagged'), insecure: r.bool('insecure'),
    concurrency: r.int('concurrency'), maxAttempts: r.int('maxAttempts'), alarmEmail, unused: r.unused(),
  };
}

export const ECR_PARAM_NAMES = ECR_PARAMETERS.map((p) => p.name);
