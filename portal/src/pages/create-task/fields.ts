/**
 * The wizard's typed field table: for every field, its control, label, description (what it is), constraint (the
 * rule, shown before any error), options and when it shows. Panels render fields from here by key; the review step
 * and the task detail page take their labels from here too, so a parameter has one human name everywhere.
 */
import type { Lang } from '../../i18n/index.js';
import type { EcrForm, S3Form } from './types.js';

export interface Localized { en: string; zh: string }
export interface FieldOption { value: string; label: Localized | string }

export interface FieldContext {
  /** The hub runs locally (no CloudFormation stack, no alarm e-mail needed). */
  local: boolean;
}

export interface FieldDef<F> {
  key: keyof F & string;
  control: 'input' | 'textarea' | 'select' | 'radio' | 'toggle' | 'secret' | 'region';
  label: Localized;
  description?: Localized;
  constraint?: Localized;
  placeholder?: string;
  options?: readonly FieldOption[];
  /** Shown (and sent) only when this holds. */
  when?: (form: F, ctx: FieldContext) => boolean;
}

export type FieldTable<F> = { [K in keyof F & string]?: FieldDef<F> & { key: K } };

export function text(value: Localized | string, lang: Lang): string {
  return typeof value === 'string' ? value : value[lang];
}

const YES_NO: readonly FieldOption[] = [{ value: 'true', label: { en: 'Yes', zh: '是' } }, { value: 'false', label: { en: 'No', zh: '否' } }];

export const S3_SOURCE_KINDS: readonly FieldOption[] = [
  { value: 'Amazon_S3', label: 'Amazon S3' },
  { value: 'Amazon_S3_Compatible', label: { en: 'Amazon S3 compatible storage', zh: 'Amazon S3 兼容存储' } },
  { value: 'Aliyun_OSS', label: { en: 'Alibaba Cloud OSS', zh: '阿里云 OSS' } },
  { value: 'Tencent_COS', label: { en: 'Tencent Cloud COS', zh: '腾讯云 COS' } },
  { value: 'Qiniu_Kodo', label: { en: 'Qiniu Kodo', zh: '七牛云 Kodo' } },
  { value: 'Google_GCS', label: 'Google Cloud Storage' },
];

export const STORAGE_CLASS_OPTIONS: readonly FieldOption[] = [
  { value: 'STANDARD', label: { en: 'Standard', zh: '标准' } },
  { value: 'STANDARD_IA', label: { en: 'Standard-IA', zh: '标准 - 不频繁访问' } },
  { value: 'ONEZONE_IA', label: { en: 'One Zone-IA', zh: '单区 - 不频繁访问' } },
  { value: 'INTELLIGENT_TIERING', label: { en: 'Intelligent-Tiering', zh: '智能分层' } },
];

/** The seven canned ACLs, in the original console's order. */
export const ACL_OPTIONS: readonly FieldOption[] = [
  'bucket-owner-full-control', 'private', 'public-read', 'public-read-write', 'authenticated-read', 'aws-exec-read', 'bucket-owner-read',
].map((value) => ({ value, label: value }));

export const FINDER_MEMORY_OPTIONS: readonly FieldOption[] = ['8', '16', '32', '64', '128', '256', '384', '512'].map((value) => ({ value, label: `${value} GB` }));

const isAmazonS3 = (f: S3Form) => f.sourceKind === 'Amazon_S3';
const srcNeedsSecret = (f: S3Form) => !(isAmazonS3(f) && f.srcInCurrentAccount === 'true');

export const S3_FIELDS: FieldTable<S3Form> = {
  sourceKind: {
    key: 'sourceKind', control: 'select', options: S3_SOURCE_KINDS,
    label: { en: 'Source type', zh: '源类型' },
    description: { en: 'Where the objects are now.', zh: '对象当前所在的存储。' },
  },
  srcBucket: {
    key: 'srcBucket', control: 'input',
    label: { en: 'Source bucket', zh: '源存储桶' },
    description: { en: 'The bucket to copy from.', zh: '要从中复制的存储桶。' },
    constraint: { en: '3–63 characters: lowercase letters, digits, dots and hyphens.', zh: '3–63 个字符：小写字母、数字、点和连字符。' },
  },
  transferType: {
    key: 'transferType', control: 'radio',
    label: { en: 'What to transfer', zh: '传输内容' },
    options: [
      { value: 'FullBucket', label: { en: 'Full bucket', zh: '整个存储桶' } },
      { value: 'SinglePrefix', label: { en: 'Objects with a specific prefix', zh: '指定前缀的对象' } },
      { value: 'MultiplePrefix', label: { en: 'Objects with different prefixes (prefix list file)', zh: '多个前缀的对象（前缀列表文件）' } },
    ],
  },
  srcPrefix: {
    key: 'srcPrefix', control: 'input', when: (f) => f.transferType === 'SinglePrefix',
    label: { en: 'Source prefix', zh: '源前缀' },
    description: { en: 'Only objects whose key starts with this are copied.', zh: '只复制键以此开头的对象。' },
    constraint: { en: 'Up to 1024 characters, e.g. logs/2024/', zh: '最多 1024 个字符，例如 logs/2024/' },
  },
  srcPrefixsListFile: {
    key: 'srcPrefixsListFile', control: 'input', when: (f) => f.transferType === 'MultiplePrefix',
    label: { en: 'Prefix list file', zh: '前缀列表文件' },
    description: { en: 'Key of a .txt object in the source bucket with one prefix per line.', zh: '源存储桶中 .txt 对象的键，每行一个前缀。' },
    constraint: { en: 'An object key such as my_prefix_list.txt, not a local file.', zh: '对象键，如 my_prefix_list.txt，而不是本地文件。' },
  },
  srcEndpoint: {
    key: 'srcEndpoint', control: 'input', when: (f) => f.sourceKind === 'Amazon_S3_Compatible', placeholder: 'https://s3.example.com',
    label: { en: 'Source endpoint URL', zh: '源终端节点 URL' },
    description: { en: 'The S3 API address of the store.', zh: '存储的 S3 API 地址。' },
    constraint: { en: 'Starts with https:// (or http:// for a store on your network).', zh: '以 https:// 开头（内网存储可用 http://）。' },
  },
  srcRegion: {
    key: 'srcRegion', control: 'region', when: (f) => f.sourceKind !== 'Google_GCS',
    label: { en: 'Source region', zh: '源区域' },
    description: { en: 'The region of the source bucket.', zh: '源存储桶所在区域。' },
    constraint: { en: 'A region name, e.g. us-west-2, cn-north-1, cn-hangzhou.', zh: '区域名称，例如 us-west-2、cn-north-1、cn-hangzhou。' },
  },
  srcInCurrentAccount: {
    key: 'srcInCurrentAccount', control: 'radio', options: YES_NO, when: isAmazonS3,
    label: { en: 'Is the source bucket in this account?', zh: '源存储桶是否在本账号中？' },
    description: { en: 'Yes: read with this deployment\'s role. No: read with a stored credential, or anonymously for public data.', zh: '是：使用本部署的角色读取。否：使用已保存的凭证读取，公开数据可匿名读取。' },
  },
  srcCredentials: {
    key: 'srcCredentials', control: 'secret', when: srcNeedsSecret,
    label: { en: 'Source credentials', zh: '源凭证' },
    description: { en: 'A secret holding access_key_id and secret_access_key. None: anonymous requests (public data).', zh: '包含 access_key_id 和 secret_access_key 的密钥。无：匿名请求（公开数据）。' },
  },
  isPayerRequest: {
    key: 'isPayerRequest', control: 'toggle', when: (f) => srcNeedsSecret(f) && f.srcCredentials !== '',
    label: { en: 'Requester pays', zh: '请求者付费' },
    description: { en: 'The source bucket bills the requester (you) for reads.', zh: '源存储桶向请求者（您）收取读取费用。' },
  },
  srcEvent: {
    key: 'srcEvent', control: 'select', when: (f) => isAmazonS3(f) && f.srcInCurrentAccount === 'true',
    label: { en: 'S3 event', zh: 'S3 事件' },
    description: { en: 'Copy new objects within seconds from S3 event notifications, between scheduled comparisons.', zh: '在定时比较之间，通过 S3 事件通知在数秒内复制新对象。' },
    options: [
      { value: 'No', label: { en: 'No', zh: '否' } },
      { value: 'Create', label: { en: 'Create', zh: '创建' } },
      { value: 'CreateAndDelete', label: { en: 'Create and delete', zh: '创建和删除' } },
    ],
  },
  srcSkipCompare: {
    key: 'srcSkipCompare', control: 'radio',
    label: { en: 'Compare with the destination before transfer?', zh: '传输前是否与目标比较？' },
    description: { en: 'Yes: copy only objects missing or different at the destination. No: copy everything.', zh: '是：只复制目标中缺失或不同的对象。否：复制全部。' },
    // The parameter is "skip compare": Yes (compare) sends false.
    options: [{ value: 'false', label: { en: 'Yes', zh: '是' } }, { value: 'true', label: { en: 'No', zh: '否' } }],
  },
  destBucket: {
    key: 'destBucket', control: 'input',
    label: { en: 'Destination bucket', zh: '目标存储桶' },
    description: { en: 'The Amazon S3 bucket to copy into.', zh: '要复制到的 Amazon S3 存储桶。' },
    constraint: { en: '3–63 characters: lowercase letters, digits, dots and hyphens.', zh: '3–63 个字符：小写字母、数字、点和连字符。' },
  },
  destPrefix: {
    key: 'destPrefix', control: 'input',
    label: { en: 'Destination prefix', zh: '目标前缀' },
    description: { en: 'Put in front of every key at the destination; a / is added after it.', zh: '加在目标中每个键的前面，其后自动加 /。' },
    constraint: { en: 'Optional. Do not end it with /.', zh: '可选。不要以 / 结尾。' },
  },
  destRegion: {
    key: 'destRegion', control: 'region',
    label: { en: 'Destination region', zh: '目标区域' },
    description: { en: 'The region of the destination bucket.', zh: '目标存储桶所在区域。' },
    constraint: { en: 'A region name, e.g. us-west-2 or cn-northwest-1.', zh: '区域名称，例如 us-west-2 或 cn-northwest-1。' },
  },
  destEndpoint: {
    key: 'destEndpoint', control: 'input', placeholder: 'https://s3.example.com',
    label: { en: 'Destination endpoint URL', zh: '目标终端节点 URL' },
    description: { en: 'Only for an S3-compatible destination; blank for Amazon S3.', zh: '仅用于 S3 兼容的目标；Amazon S3 请留空。' },
    constraint: { en: 'Optional. Starts with https:// or http://.', zh: '可选。以 https:// 或 http:// 开头。' },
  },
  destInCurrentAccount: {
    key: 'destInCurrentAccount', control: 'radio', options: YES_NO,
    label: { en: 'Is the destination bucket in this account?', zh: '目标存储桶是否在本账号中？' },
    description: { en: 'No: write with a stored credential (e.g. a bucket in the China regions).', zh: '否：使用已保存的凭证写入（例如中国区域的存储桶）。' },
  },
  destCredentials: {
    key: 'destCredentials', control: 'secret', when: (f) => f.destInCurrentAccount === 'false',
    label: { en: 'Destination credentials', zh: '目标凭证' },
    description: { en: 'A secret holding access_key_id and secret_access_key with write access.', zh: '包含具有写权限的 access_key_id 和 secret_access_key 的密钥。' },
  },
  destStorageClass: {
    key: 'destStorageClass', control: 'select', options: STORAGE_CLASS_OPTIONS,
    label: { en: 'Storage class', zh: '存储类别' },
    description: { en: 'Storage class of the copied objects.', zh: '复制后对象的存储类别。' },
  },
  destAcl: {
    key: 'destAcl', control: 'select', options: ACL_OPTIONS,
    label: { en: 'Object ACL', zh: '对象 ACL' },
    description: { en: 'Canned ACL set on every copied object.', zh: '为每个复制的对象设置的预设 ACL。' },
  },
  destPutObjectSSEType: {
    key: 'destPutObjectSSEType', control: 'select',
    label: { en: 'Encryption', zh: '加密类型' },
    description: { en: 'Server-side encryption of the copied objects.', zh: '复制后对象的服务端加密。' },
    options: [
      { value: 'None', label: { en: 'None (bucket default)', zh: '无（存储桶默认）' } },
      { value: 'AES256', label: 'SSE-S3 (AES256)' },
      { value: 'AWS_KMS', label: 'SSE-KMS' },
    ],
  },
  destPutObjectSSEKmsKeyId: {
    key: 'destPutObjectSSEKmsKeyId', control: 'input', when: (f) => f.destPutObjectSSEType === 'AWS_KMS',
    label: { en: 'KMS key ID', zh: 'KMS 密钥 ID' },
    description: { en: 'The KMS key that encrypts the copied objects.', zh: '用于加密复制后对象的 KMS 密钥。' },
    constraint: { en: 'Key ID, alias or ARN.', zh: '密钥 ID、别名或 ARN。' },
  },
  includeMetadata: {
    key: 'includeMetadata', control: 'radio', options: YES_NO,
    label: { en: 'Include object metadata?', zh: '是否包含对象元数据？' },
    description: { en: 'Copy Content-Type, Cache-Control and user metadata (one more request per object).', zh: '复制 Content-Type、Cache-Control 和用户元数据（每个对象多一次请求）。' },
  },
  include: {
    key: 'include', control: 'input', placeholder: '*.parquet, data/**',
    label: { en: 'Include patterns', zh: '包含模式' },
    description: { en: 'Copy only keys matching one of these globs.', zh: '只复制匹配这些通配模式之一的键。' },
    constraint: { en: 'Optional. Comma separated.', zh: '可选。用逗号分隔。' },
  },
  exclude: {
    key: 'exclude', control: 'input', placeholder: 'tmp/**, *.log',
    label: { en: 'Exclude patterns', zh: '排除模式' },
    description: { en: 'Skip keys matching one of these globs.', zh: '跳过匹配这些通配模式之一的键。' },
    constraint: { en: 'Optional. Comma separated.', zh: '可选。用逗号分隔。' },
  },
  maxCapacity: {
    key: 'maxCapacity', control: 'input',
    label: { en: 'Maximum instances', zh: '最大实例数' },
    description: { en: 'Most worker instances the fleet scales out to.', zh: '工作节点集群最多扩展到的实例数。' },
    constraint: { en: 'Whole number, at least the minimum.', zh: '整数，不小于最小值。' },
  },
  minCapacity: {
    key: 'minCapacity', control: 'input',
    label: { en: 'Minimum instances', zh: '最小实例数' },
    constraint: { en: 'Whole number.', zh: '整数。' },
  },
  desiredCapacity: {
    key: 'desiredCapacity', control: 'input',
    label: { en: 'Desired instances', zh: '期望实例数' },
    constraint: { en: 'Whole number between the minimum and the maximum.', zh: '介于最小值和最大值之间的整数。' },
  },
  workerNumber: {
    key: 'workerNumber', control: 'input',
    label: { en: 'Worker threads', zh: '工作线程数' },
    description: { en: 'Objects copied at once by each worker.', zh: '每个工作节点同时复制的对象数。' },
    constraint: { en: 'Whole number from 1 to 100.', zh: '1 到 100 的整数。' },
  },
  finderDepth: {
    key: 'finderDepth', control: 'input',
    label: { en: 'Finder depth', zh: '查找深度' },
    description: { en: 'Accepted for compatibility: the streaming finder needs no tuning.', zh: '为兼容而保留：流式查找无需调优。' },
    constraint: { en: 'Whole number.', zh: '整数。' },
  },
  finderNumber: {
    key: 'finderNumber', control: 'input',
    label: { en: 'Finder threads', zh: '查找线程数' },
    description: { en: 'Accepted for compatibility: the streaming finder needs no tuning.', zh: '为兼容而保留：流式查找无需调优。' },
    constraint: { en: 'Whole number.', zh: '整数。' },
  },
  finderEc2Memory: {
    key: 'finderEc2Memory', control: 'select', options: FINDER_MEMORY_OPTIONS,
    label: { en: 'Finder memory', zh: '查找内存' },
    description: { en: 'Accepted for compatibility: the streaming finder lists in constant memory.', zh: '为兼容而保留：流式查找以固定内存列举。' },
  },
};

const ecrSource = (f: EcrForm) => f.sourceType === 'Amazon_ECR';
const ecrDest = (f: EcrForm) => f.destKind === 'Amazon_ECR';

export const ECR_FIELDS: FieldTable<EcrForm> = {
  sourceType: {
    key: 'sourceType', control: 'radio',
    label: { en: 'Source type', zh: '源类型' },
    options: [
      { value: 'Amazon_ECR', label: 'Amazon ECR' },
      { value: 'Public', label: { en: 'Public container registry (Docker Hub, Quay, GHCR, …)', zh: '公共容器镜像仓库（Docker Hub、Quay、GHCR 等）' } },
    ],
  },
  srcRegistry: {
    key: 'srcRegistry', control: 'input', when: (f) => !ecrSource(f), placeholder: 'docker.io',
    label: { en: 'Source registry', zh: '源镜像仓库' },
    description: { en: 'Host name of the registry; blank means Docker Hub. Images may also name their registry.', zh: '镜像仓库主机名；留空表示 Docker Hub。镜像也可以自带仓库名。' },
    constraint: { en: 'Optional. host or host:port, without https://.', zh: '可选。host 或 host:port，不带 https://。' },
  },
  srcRegion: {
    key: 'srcRegion', control: 'region', when: ecrSource,
    label: { en: 'Source region', zh: '源区域' },
    constraint: { en: 'A region name, e.g. us-west-2.', zh: '区域名称，例如 us-west-2。' },
  },
  srcInCurrentAccount: {
    key: 'srcInCurrentAccount', control: 'radio', options: YES_NO, when: ecrSource,
    label: { en: 'Is the source in this account?', zh: '源是否在本账号中？' },
  },
  srcAccountId: {
    key: 'srcAccountId', control: 'input', when: (f) => ecrSource(f) && f.srcInCurrentAccount === 'false',
    label: { en: 'Source account ID', zh: '源账号 ID' },
    constraint: { en: '12 digits.', zh: '12 位数字。' },
  },
  srcCredential: {
    key: 'srcCredential', control: 'secret', when: (f) => !ecrSource(f) || f.srcInCurrentAccount === 'false',
    label: { en: 'Source credentials', zh: '源凭证' },
    description: { en: 'A secret with the registry login (or ECR access keys). None: anonymous pulls.', zh: '包含镜像仓库登录信息（或 ECR 访问密钥）的密钥。无：匿名拉取。' },
  },
  srcList: {
    key: 'srcList', control: 'radio',
    label: { en: 'Images', zh: '镜像' },
    options: [
      { value: 'ALL', label: { en: 'All images of the source registry', zh: '源仓库中的所有镜像' } },
      { value: 'SELECTED', label: { en: 'Selected images', zh: '指定镜像' } },
    ],
    constraint: { en: 'All images is possible for an Amazon ECR source only.', zh: '只有 Amazon ECR 源可以选择所有镜像。' },
  },
  srcImageList: {
    key: 'srcImageList', control: 'textarea', when: (f) => f.srcList === 'SELECTED',
    placeholder: 'ubuntu:24.04\nmysql\npublic.ecr.aws/amazonlinux/amazonlinux:latest\nmy-ecr-repo:ALL_TAGS',
    label: { en: 'Image list', zh: '镜像列表' },
    description: { en: 'One image per line (or comma separated): name, name:tag, or name:ALL_TAGS.', zh: '每行一个镜像（或用逗号分隔）：名称、名称:标签，或 名称:ALL_TAGS。' },
    constraint: { en: 'No tag means latest. Up to 4096 characters.', zh: '不写标签表示 latest。最多 4096 个字符。' },
  },
  includeUntagged: {
    key: 'includeUntagged', control: 'toggle',
    label: { en: 'Include untagged images', zh: '包含无标签镜像' },
    description: { en: 'Also copy images that have no tag.', zh: '同时复制没有标签的镜像。' },
  },
  insecure: {
    key: 'insecure', control: 'toggle',
    label: { en: 'Plain HTTP registries', zh: '明文 HTTP 镜像仓库' },
    description: { en: 'For registries without TLS on your own network (local testing only).', zh: '用于内网中没有 TLS 的镜像仓库（仅限本地测试）。' },
  },
  destKind: {
    key: 'destKind', control: 'radio',
    label: { en: 'Destination type', zh: '目标类型' },
    options: [
      { value: 'Amazon_ECR', label: 'Amazon ECR' },
      { value: 'Registry', label: { en: 'Another registry', zh: '其他镜像仓库' } },
    ],
  },
  destRegion: {
    key: 'destRegion', control: 'region', when: ecrDest,
    label: { en: 'Destination region', zh: '目标区域' },
    constraint: { en: 'A region name, e.g. cn-north-1.', zh: '区域名称，例如 cn-north-1。' },
  },
  destInCurrentAccount: {
    key: 'destInCurrentAccount', control: 'radio', options: YES_NO, when: ecrDest,
    label: { en: 'Is the destination in this account?', zh: '目标是否在本账号中？' },
  },
  destAccountId: {
    key: 'destAccountId', control: 'input', when: (f) => ecrDest(f) && f.destInCurrentAccount === 'false',
    label: { en: 'Destination account ID', zh: '目标账号 ID' },
    constraint: { en: '12 digits.', zh: '12 位数字。' },
  },
  destRegistry: {
    key: 'destRegistry', control: 'input', when: (f) => !ecrDest(f), placeholder: 'registry.example.com:5000',
    label: { en: 'Destination registry', zh: '目标镜像仓库' },
    constraint: { en: 'host or host:port, without https://.', zh: 'host 或 host:port，不带 https://。' },
  },
  destCredential: {
    key: 'destCredential', control: 'secret', when: (f) => !ecrDest(f) || f.destInCurrentAccount === 'false',
    label: { en: 'Destination credentials', zh: '目标凭证' },
    description: { en: 'A secret with the registry login (or ECR access keys) allowed to push.', zh: '包含可推送的镜像仓库登录信息（或 ECR 访问密钥）的密钥。' },
  },
  destPrefix: {
    key: 'destPrefix', control: 'input',
    label: { en: 'Destination repository prefix', zh: '目标仓库前缀' },
    description: { en: 'Put in front of every repository name at the destination.', zh: '加在目标中每个仓库名称的前面。' },
    constraint: { en: 'Optional. Lowercase path, e.g. mirror/team-a.', zh: '可选。小写路径，例如 mirror/team-a。' },
  },
};

/** Fields shared by both task types (not task parameters except alarmEmail). */
export const COMMON_TEXT = {
  description: {
    label: { en: 'Description', zh: '描述' },
    description: { en: 'A note to recognise the task by.', zh: '用于识别任务的说明。' },
    constraint: { en: 'Optional. Up to 256 characters.', zh: '可选。最多 256 个字符。' },
  },
  alarmEmail: {
    label: { en: 'Alarm e-mail', zh: '告警邮箱' },
    description: { en: 'Failures and the result of a one-time task are sent here.', zh: '失败和一次性任务的结果会发送到此邮箱。' },
    constraintCloud: { en: 'An e-mail address.', zh: '电子邮件地址。' },
    constraintLocal: { en: 'Optional on the local hub (events show in the console).', zh: '本地中心可选（事件显示在控制台中）。' },
  },
  schedule: {
    label: { en: 'Task scheduling', zh: '任务调度' },
    description: { en: 'Run once, or again and again to copy what changed since the last run.', zh: '运行一次，或定期运行以复制自上次运行以来的变化。' },
  },
} satisfies Record<string, Record<string, Localized>>;

/** A parameter's human name (task detail, review, error messages); the key itself when no field shows it. */
export function labelOf(type: 'S3EC2' | 'ECR', key: string, lang: Lang): string {
  const table = (type === 'S3EC2' ? S3_FIELDS : ECR_FIELDS) as Record<string, FieldDef<unknown> | undefined>;
  const def = table[key] ?? (S3_FIELDS as Record<string, FieldDef<unknown> | undefined>)[key] ?? (ECR_FIELDS as Record<string, FieldDef<unknown> | undefined>)[key];
  if (def) return text(def.label, lang);
  if (key === 'alarmEmail') return text(COMMON_TEXT.alarmEmail.label, lang);
  if (key === 'description') return text(COMMON_TEXT.description.label, lang);
  return EXTRA_LABELS[key] ? text(EXTRA_LABELS[key], lang) : key;
}

/** Names of parameters no wizard field edits (sent by other consoles, the CLI or derived). */
const EXTRA_LABELS: Record<string, Localized> = {
  srcType: { en: 'Source type', zh: '源类型' },
  ec2CronExpression: { en: 'Task scheduling', zh: '任务调度' },
  scheduleExpression: { en: 'Task scheduling', zh: '任务调度' },
  srcPrefixListBucket: { en: 'Prefix list bucket', zh: '前缀列表存储桶' },
  destSSE: { en: 'Encryption', zh: '加密类型' },
  destKMSKey: { en: 'KMS key ID', zh: 'KMS 密钥 ID' },
  ec2VpcId: { en: 'VPC', zh: 'VPC' },
  ec2Subnets: { en: 'Subnets', zh: '子网' },
  multipartThreshold: { en: 'Multipart threshold', zh: '分段上传阈值' },
  chunkSize: { en: 'Part size', zh: '分段大小' },
  workerConcurrency: { en: 'Objects in flight per worker', zh: '每个工作节点并行对象数' },
};

export function optionLabel(def: FieldDef<unknown> | undefined, value: string, lang: Lang): string {
  const option = def?.options?.find((o) => o.value === value);
  return option ? text(option.label, lang) : value;
}
