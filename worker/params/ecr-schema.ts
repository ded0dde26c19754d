/**
 * Every image (ECR plugin) task parameter, once: the original ECR template's 16 in its order, then ours.
 */
import { param, type ParamSpec } from './spec.js';
import { BOOLEAN_VALUES, ECR_SOURCE_TYPES, SRC_LISTS } from './values.js';

const SRC = 'Source Information' as const;
const DEST = 'Destination Information' as const;
const ECS = 'ECS Cluster Information' as const;
const OWN_CLUSTER = 'the plugin stack makes its own VPC and ECS cluster; running in an existing cluster is not supported yet';

export const ECR_PARAMETERS = [
  param({
    name: 'sourceType', kind: 'enum', values: ECR_SOURCE_TYPES, default: 'Amazon_ECR', side: 'source', origin: 'original',
    description: 'Amazon_ECR, or Public for any other registry (Docker Hub, gcr.io, quay.io, ghcr.io, a private registry).',
    label: { en: 'Source type', zh: '源类型' },
    help: { en: 'Public: images named with their registry, or Docker Hub names.', zh: 'Public：镜像名包含仓库地址，或 Docker Hub 名称。' },
    valueLabels: { Amazon_ECR: { en: 'Amazon ECR', zh: 'Amazon ECR' }, Public: { en: 'Public container registry', zh: '公共容器仓库' } },
    template: { group: 'Type', label: 'Source Type' }, cli: 'source-type',
  }),
  param({
    name: 'srcRegion', kind: 'region', default: '', side: 'source', origin: 'original',
    description: 'Region of the source ECR (Amazon_ECR only).',
    label: { en: 'Source region', zh: '源区域' }, help: { en: 'e.g. us-west-2.', zh: '例如 us-west-2。' },
    template: { group: 'Source Information', label: 'Source Region Name' }, cli: 'src-region',
  }),
  param({
    name: 'srcAccountId', kind: 'accountId', default: '', side: 'source', origin: 'original',
    description: 'AWS account id of the source ECR; blank: this account.',
    label: { en: 'Source account ID', zh: '源账号 ID' }, help: { en: '12 digits; blank when the source is in this account.', zh: '12 位数字；源在本账号中时留空。' },
    template: { group: SRC, label: 'Source AWS Account ID' }, cli: 'src-account-id',
  }),
  param({
    name: 'srcList', kind: 'enum', values: SRC_LISTS, default: 'ALL', side: 'source', origin: 'original',
    description: 'ALL: every repository and tag of the source ECR; SELECTED: the images of srcImageList (Public sources: always SELECTED).',
    label: { en: 'Images', zh: '镜像' }, help: { en: 'All images of the source ECR, or the images you list.', zh: '源 ECR 的全部镜像，或您列出的镜像。' },
    valueLabels: { ALL: { en: 'All images', zh: '全部镜像' }, SELECTED: { en: 'Selected images', zh: '指定镜像' } },
    template: { group: SRC, label: 'Source Image List Type' }, cli: 'src-list',
  }),
  param({
    name: 'srcImageList', kind: 'imageList', default: '', side: 'source', origin: 'original',
    description: 'Images separated by commas or lines: repo:tag, repo (latest), repo:ALL_TAGS (every tag). Public: an image may name its registry (quay.io/org/img:tag; default docker.io).',
    label: { en: 'Image list', zh: '镜像列表' },
    help: { en: 'One per line or comma separated, e.g. ubuntu:14.04, mysql, public.ecr.aws/amazonlinux/amazonlinux:latest, my-ecr-repo:ALL_TAGS.', zh: '每行一个或以逗号分隔，例如 ubuntu:14.04、mysql、public.ecr.aws/amazonlinux/amazonlinux:latest、my-ecr-repo:ALL_TAGS。' },
    template: { group: SRC, label: 'Source Image List' }, cli: 'src-image-list',
  }),
  param({
    name: 'srcCredential', kind: 'secretName', default: '', side: 'source', origin: 'original',
    description: 'Secret with the source login: access_key_id/secret_access_key for ECR, username/password for a registry; blank: this account or anonymous.',
    label: { en: 'Source credentials', zh: '源凭证' }, help: { en: 'Blank for this account\'s ECR or a public registry.', zh: '本账号 ECR 或公共仓库留空。' },
    template: { group: SRC, label: 'Source Credentials' }, cli: 'src-credential',
  }),
  param({
    name: 'destRegion', kind: 'region', default: '', side: 'destination', origin: 'original',
    description: 'Region of the destination ECR (required unless destRegistry is given).',
    label: { en: 'Destination region', zh: '目标区域' }, help: { en: 'e.g. cn-north-1.', zh: '例如 cn-north-1。' },
    template: { group: DEST, label: 'Destination Region Name' }, cli: 'dest-region',
  }),
  param({
    name: 'destAccountId', kind: 'accountId', default: '', side: 'destination', origin: 'original',
    description: 'AWS account id of the destination ECR; blank: this account.',
    label: { en: 'Destination account ID', zh: '目标账号 ID' }, help: { en: '12 digits; blank when the destination is in this account.', zh: '12 位数字；目标在本账号中时留空。' },
    template: { group: DEST, label: 'Destination AWS Account ID' }, cli: 'dest-account-id',
  }),
  param({
    name: 'destPrefix', kind: 'text', default: '', side: 'destination', origin: 'original',
    description: 'Repository prefix at the destination: images land at <prefix>/<repository>:<tag>.',
    label: { en: 'Destination prefix', zh: '目标前缀' }, help: { en: 'e.g. mirror gives mirror/nginx:1.27.', zh: '例如 mirror 得到 mirror/nginx:1.27。' },
    template: { group: DEST, label: 'Destination Repo Prefix' }, cli: 'dest-prefix',
  }),
  param({
    name: 'destCredential', kind: 'secretName', default: '', side: 'destination', origin: 'original',
    description: 'Secret with the destination login; blank: this account\'s role.',
    label: { en: 'Destination credentials', zh: '目标凭证' }, help: { en: 'Blank for this account\'s ECR.', zh: '本账号 ECR 留空。' },
    template: { group: DEST, label: 'Destination Credentials' }, cli: 'dest-credential',
  }),
  param({
    name: 'includeUntagged', kind: 'boolean', values: BOOLEAN_VALUES, default: 'true', side: 'source', origin: 'original',
    description: 'The original\'s multi-arch choice: true copies every platform of a multi-arch image and its index (skopeo --all); false only the image of the copying machine\'s platform. Untagged images: includeUntaggedByDigest.',
    label: { en: 'All platforms of multi-arch images', zh: '多架构镜像的全部平台' },
    help: { en: 'Off: only the copy task\'s platform (the original console\'s "Only transfer the \'Tagged\' images" box sets this off).', zh: '关闭：仅复制任务所在平台的镜像（原控制台的“仅传输带标签的镜像”选项会关闭此项）。' },
    template: { group: SRC, label: 'Include Untagged' }, cli: 'include-untagged',
  }),
  param({
    name: 'ecsClusterName', kind: 'text', default: '', side: 'task', origin: 'original', unused: OWN_CLUSTER,
    description: 'ECS cluster of the original\'s copy tasks; accepted, not used.',
    label: { en: 'ECS cluster name', zh: 'ECS 集群名称' }, help: { en: 'Accepted for compatibility; not used.', zh: '为兼容而接受；不使用。' },
    template: { group: ECS, label: 'ECS Cluster Name' }, cli: false,
  }),
  param({
    name: 'ecsVpcId', kind: 'text', default: '', side: 'task', origin: 'original', unused: OWN_CLUSTER,
    description: 'VPC of the original\'s copy tasks; accepted, not used.',
    label: { en: 'VPC ID', zh: 'VPC ID' }, help: { en: 'Accepted for compatibility; not used.', zh: '为兼容而接受；不使用。' },
    template: { group: ECS, label: 'VPC ID' }, cli: false,
  }),
  param({
    name: 'ecsSubnetA', kind: 'text', default: '', side: 'task', origin: 'original', unused: OWN_CLUSTER,
    description: 'First subnet of the original\'s copy tasks; accepted, not used.',
    label: { en: 'First subnet ID', zh: '第一个子网 ID' }, help: { en: 'Accepted for compatibility; not used.', zh: '为兼容而接受；不使用。' },
    template: { group: ECS, label: 'First Subnet ID' }, cli: false,
  }),
  param({
    name: 'ecsSubnetB', kind: 'text', default: '', side: 'task', origin: 'original', unused: OWN_CLUSTER,
    description: 'Second subnet of the original\'s copy tasks; accepted, not used.',
    label: { en: 'Second subnet ID', zh: '第二个子网 ID' }, help: { en: 'Accepted for compatibility; not used.', zh: '为兼容而接受；不使用。' },
    template: { group: ECS, label: 'Second Subnet ID' }, cli: false,
  }),
  param({
    name: 'alarmEmail', kind: 'email', default: '', side: 'task', origin: 'original',
    description: 'Email address told when an image fails every retry; blank: no email.',
    label: { en: 'Alarm email', zh: '告警邮箱' }, help: { en: 'Confirm the subscription email AWS sends to it.', zh: '请确认 AWS 发送到该邮箱的订阅邮件。' },
    template: { group: 'Notification Information', label: 'Alarm Email', allowedPattern: '^$|^\\w[-\\w.+]*@([A-Za-z0-9][-A-Za-z0-9]+\\.)+[A-Za-z]{2,14}$', constraintDescription: 'an email address, or blank' },
    cli: false,
  }),
  // --- Ours ---
  param({
    name: 'ec2CronExpression', kind: 'schedule', default: '', side: 'task', origin: 'ours',
    description: 'When the copy runs again: an EventBridge cron (6 fields) or rate(...) expression; blank: rate(1 day) for FIXED_RATE tasks (the original\'s schedule).',
    label: { en: 'Schedule (cron expression)', zh: '调度（cron 表达式）' },
    help: { en: 'e.g. 0 3 * * ? * every day at 03:00 UTC, or rate(12 hours). Blank: once a day.', zh: '例如 0 3 * * ? * 表示每天 UTC 03:00，或 rate(12 hours)。留空：每天一次。' },
    aliases: [{ name: 'scheduleExpression', note: 'our earlier name (API and console before the schema), rate(...) expressions' }],
    template: { group: 'Advanced Options', label: 'Cron Expression' }, cli: false,
  }),
  param({
    name: 'includeUntaggedByDigest', kind: 'boolean', values: BOOLEAN_VALUES, default: 'false', side: 'source', origin: 'ours',
    description: 'ECR source listed with ALL: also copy images that have no tag, each by its digest (repo@sha256:…), to the same digest.',
    label: { en: 'Include untagged images (by digest)', zh: '包含无标签镜像（按摘要）' },
    help: { en: 'Only with All images of an Amazon ECR source.', zh: '仅适用于 Amazon ECR 源的全部镜像。' },
    template: { group: SRC, label: 'Include Untagged Images by Digest' }, cli: 'include-untagged-by-digest',
  }),
  param({
    name: 'srcRegistry', kind: 'registry', default: '', side: 'source', origin: 'ours',
    description: 'Registry host[:port] of a Public source (default docker.io; images naming their own registry use that one), or an explicit ECR host.',
    label: { en: 'Source registry', zh: '源仓库地址' }, help: { en: 'host[:port], e.g. ghcr.io. Blank: Docker Hub for Public sources.', zh: 'host[:port]，例如 ghcr.io。留空：Public 源使用 Docker Hub。' },
    template: { group: SRC, label: 'Source Registry' }, cli: 'src-registry',
  }),
  param({
    name: 'destRegistry', kind: 'registry', default: '', side: 'destination', origin: 'ours',
    description: 'Registry host[:port] of a non-ECR destination (blank: ECR of destAccountId in destRegion).',
    label: { en: 'Destination registry', zh: '目标仓库地址' }, help: { en: 'Blank for Amazon ECR.', zh: 'Amazon ECR 留空。' },
    template: { group: DEST, label: 'Destination Registry' }, cli: 'dest-registry',
  }),
  param({
    name: 'insecure', kind: 'boolean', values: BOOLEAN_VALUES, default: 'false', side: 'engine', origin: 'ours',
    description: 'Plain HTTP and no TLS verification for both registries (local test registries only).',
    label: { en: 'Plain HTTP registry (local testing only)', zh: '明文 HTTP 仓库（仅限本地测试）' }, help: { en: 'Local testing only.', zh: '仅限本地测试。' },
    template: false, cli: 'insecure',
  }),
  param({
    name: 'concurrency', kind: 'integer', default: '10', min: 1, max: 50, side: 'engine', origin: 'ours',
    description: 'Images copied at once by the local engine (the cloud plugin copies 10 at a time).',
    label: { en: 'Images in flight', zh: '并发镜像数' }, help: { en: '1 to 50.', zh: '1 到 50。' },
    template: false, cli: 'concurrency',
  }),
  param({
    name: 'maxAttempts', kind: 'integer', default: '3', min: 1, max: 10, side: 'engine', origin: 'ours',
    description: 'Attempts per image by the local engine (the cloud plugin retries 3 times).',
    label: { en: 'Attempts per image', zh: '每个镜像尝试次数' }, help: { en: '1 to 10.', zh: '1 到 10。' },
    template: false, cli: 'max-attempts',
  }),
] as const satisfies readonly ParamSpec[];

export type EcrParamName = (typeof ECR_PARAMETERS)[number]['name'];

export const ORIGINAL_ECR_PARAMETER_NAMES = ECR_PARAMETERS.filter((p) => p.origin === 'original').map((p) => p.name);
