/**
 * Every S3 task parameter, once: the original plugin template's 33 (names, values, defaults, groups, labels) in its
 * order, then ours. See spec.ts for the fields.
 */
import { param, type ParamSpec } from './spec.js';
import {
  ACLS, BOOLEAN_VALUES, FINDER_MEMORY_GIB, SOURCE_TYPES, SOURCE_TYPE_ALIASES, SRC_EVENTS, SSE_TYPES, SSE_TYPE_ALIASES, STORAGE_CLASSES, WORKER_INSTANCE_TYPES,
} from './values.js';

const SRC = 'Source Information' as const;
const DEST = 'Destination Information' as const;
const ADV = 'Advanced Options' as const;
const EC2 = 'EC2 Cluster Information' as const;
const STREAMING_FINDER = 'the finder streams both listings (constant memory, one pass), so it needs no depth, threads or memory size';

export const S3_PARAMETERS = [
  // --- Source (the original's "Source Information" group) ---
  param({
    name: 'srcType', kind: 'enum', values: SOURCE_TYPES, valueAliases: SOURCE_TYPE_ALIASES, default: 'Amazon_S3', side: 'source', origin: 'original',
    description: 'Type of the source store. Amazon_S3 with srcEndpoint and a blank srcRegion is any S3-compatible store.',
    label: { en: 'Source type', zh: '源类型' },
    help: { en: 'Where the objects are. For another S3-compatible store choose Amazon S3 and give its endpoint URL.', zh: '对象所在的存储。其他 S3 兼容存储请选择 Amazon S3 并填写终端节点 URL。' },
    valueLabels: {
      Amazon_S3: { en: 'Amazon S3 (or S3-compatible with an endpoint)', zh: 'Amazon S3（或填写终端节点的 S3 兼容存储）' },
      Aliyun_OSS: { en: 'Alibaba Cloud OSS', zh: '阿里云 OSS' }, Qiniu_Kodo: { en: 'Qiniu Kodo', zh: '七牛云 Kodo' },
      Tencent_COS: { en: 'Tencent Cloud COS', zh: '腾讯云 COS' }, Google_GCS: { en: 'Google Cloud Storage', zh: 'Google Cloud Storage' },
    },
    template: { group: SRC, label: 'Source Type' }, cli: 'src-type',
  }),
  param({
    name: 'srcBucket', kind: 'bucket', required: true, side: 'source', origin: 'original',
    description: 'Source bucket name.',
    label: { en: 'Source bucket', zh: '源存储桶' },
    help: { en: 'Name only, without s3:// or a path.', zh: '仅填写名称，不含 s3:// 或路径。' },
    template: { group: SRC, label: 'Source Bucket' }, cli: 'src-bucket',
  }),
  param({
    name: 'srcPrefix', kind: 'prefix', default: '', side: 'source', origin: 'original', urlEncoded: true,
    description: 'Only objects whose key starts with this prefix (optional).',
    label: { en: 'Source prefix', zh: '源前缀' },
    help: { en: 'Leave blank for the whole bucket.', zh: '留空表示整个存储桶。' },
    template: { group: SRC, label: 'Source Prefix' }, cli: 'src-prefix',
  }),
  param({
    name: 'srcPrefixsListFile', kind: 'objectKey', default: '', side: 'source', origin: 'original',
    description: 'Key of a text object listing one prefix per line (any number of lines), in the source bucket or in srcPrefixListBucket (optional).',
    label: { en: 'Source prefix list file', zh: '源前缀列表文件' },
    help: { en: 'Object key, e.g. my_prefix_list.txt: one prefix per line. Read from the source bucket, or from the prefix list bucket when given.', zh: '对象键，例如 my_prefix_list.txt，每行一个前缀。从源存储桶读取；如填写了前缀列表存储桶则从该桶读取。' },
    template: { group: SRC, label: 'Source Prefix List File' }, cli: 'src-prefixs-list-file',
  }),
  param({
    name: 'srcPrefixListBucket', kind: 'bucket', default: '', side: 'source', origin: 'original',
    description: 'Bucket holding srcPrefixsListFile, read with this account\'s role; blank: the list is in the source bucket.',
    label: { en: 'Prefix list bucket', zh: '前缀列表存储桶' },
    help: { en: 'A bucket of this account and region; leave blank when the list file is in the source bucket.', zh: '本账号本区域的存储桶；列表文件在源存储桶中时留空。' },
    template: { group: SRC, label: 'Bucket Name for Source Prefix List File' }, cli: 'src-prefix-list-bucket',
  }),
  param({
    name: 'srcSkipCompare', kind: 'boolean', values: BOOLEAN_VALUES, default: 'false', side: 'source', origin: 'original',
    description: 'true: send every source object without listing the destination (no comparison).',
    label: { en: 'Skip data comparison', zh: '跳过数据比较' },
    help: { en: 'On: every source object is copied, even when the destination already holds it. Off: only missing or different objects.', zh: '开启：复制所有源对象，即使目标已存在。关闭：仅复制缺失或不同的对象。' },
    template: { group: SRC, label: 'Skip Data Comparison' }, cli: 'src-skip-compare',
  }),
  param({
    name: 'srcRegion', kind: 'region', default: '', side: 'source', origin: 'original',
    description: 'Source region (e.g. us-west-2, cn-hangzhou for OSS, ap-guangzhou for COS, cn-east-1 for Kodo); blank with an endpoint.',
    label: { en: 'Source region', zh: '源区域' },
    help: { en: 'Required for Amazon S3 without an endpoint and for OSS, COS and Kodo.', zh: 'Amazon S3（无终端节点）以及 OSS、COS、Kodo 必填。' },
    template: { group: SRC, label: 'Source Region' }, cli: 'src-region',
  }),
  param({
    name: 'srcEndpoint', kind: 'endpoint', default: '', side: 'source', origin: 'original',
    description: 'Endpoint URL of an S3-compatible source (optional; derived from the region for OSS, COS, Kodo and GCS).',
    label: { en: 'Source endpoint URL', zh: '源终端节点 URL' },
    help: { en: 'e.g. https://minio.example.com:9000. Leave blank for Amazon S3, OSS, COS, Kodo and GCS.', zh: '例如 https://minio.example.com:9000。Amazon S3、OSS、COS、Kodo、GCS 留空。' },
    template: { group: SRC, label: 'Source Endpoint URL' }, cli: 'src-endpoint',
  }),
  param({
    name: 'srcInCurrentAccount', kind: 'boolean', values: BOOLEAN_VALUES, default: 'false', side: 'source', origin: 'original',
    description: 'true: read the source with this account\'s role; false: with srcCredentials, or unsigned (anonymous) when they are blank.',
    label: { en: 'Source in this account', zh: '源在本账号中' },
    help: { en: 'Off and no credentials: requests are sent unsigned (public and open-data buckets).', zh: '关闭且未选择凭证时，请求不签名（公开桶和开放数据桶）。' },
    consoleDefault: 'false',
    template: { group: SRC, label: 'Source In Current Account' }, cli: 'src-in-current-account',
  }),
  param({
    name: 'srcCredentials', kind: 'secretName', default: '', side: 'source', origin: 'original',
    description: 'Name of the secret holding the source access key (access_key_id, secret_access_key); blank: this account or anonymous.',
    label: { en: 'Source credentials', zh: '源凭证' },
    help: { en: 'A secret with access_key_id and secret_access_key. Blank: this account\'s role, or anonymous when the source is not in this account.', zh: '包含 access_key_id 和 secret_access_key 的密钥。留空：使用本账号角色；源不在本账号时为匿名访问。' },
    template: { group: SRC, label: 'Source Credentials' }, cli: 'src-credentials',
  }),
  param({
    name: 'srcEvent', kind: 'enum', values: SRC_EVENTS, default: 'No', side: 'source', origin: 'original',
    description: 'Copy in near real time from S3 event notifications of the source bucket (Amazon S3 source in this account only).',
    label: { en: 'Enable S3 event', zh: '启用 S3 事件' },
    help: { en: 'Create: copy new objects as they arrive. Create and delete: also delete at the destination what is deleted at the source.', zh: 'Create：新对象到达时复制。Create and Delete：源删除对象时也删除目标对象。' },
    valueLabels: { No: { en: 'No', zh: '否' }, Create: { en: 'Create', zh: 'Create（创建）' }, CreateAndDelete: { en: 'Create and delete', zh: 'Create and Delete（创建和删除）' } },
    template: { group: SRC, label: 'Enable S3 Event' }, cli: 'src-event',
  }),
  param({
    name: 'isPayerRequest', kind: 'boolean', values: BOOLEAN_VALUES, default: 'false', side: 'source', origin: 'original',
    description: 'The source bucket is requester-pays: send x-amz-request-payer on its requests.',
    label: { en: 'Requester pays', zh: '请求者付费' },
    help: { en: 'Turn on for a source bucket with Requester Pays enabled; this account pays its requests and data transfer.', zh: '源存储桶启用了请求者付费时开启；由本账号支付请求和流量费用。' },
    template: { group: SRC, label: 'Enable Payer Request' }, cli: 'is-payer-request',
  }),
  // --- Destination ---
  param({
    name: 'destBucket', kind: 'bucket', required: true, side: 'destination', origin: 'original',
    description: 'Destination bucket name.',
    label: { en: 'Destination bucket', zh: '目标存储桶' },
    help: { en: 'Name only, without s3:// or a path.', zh: '仅填写名称，不含 s3:// 或路径。' },
    template: { group: DEST, label: 'Destination Bucket' }, cli: 'dest-bucket',
  }),
  param({
    name: 'destPrefix', kind: 'prefix', default: '', side: 'destination', origin: 'original', urlEncoded: true,
    description: 'Prefix inserted before every key at the destination (optional; "/" is appended).',
    label: { en: 'Destination prefix', zh: '目标前缀' },
    help: { en: 'Objects land at <prefix>/<source key>. Do not end it with /.', zh: '对象写入 <前缀>/<源对象键>。末尾不要加 /。' },
    template: { group: DEST, label: 'Destination Prefix' }, cli: 'dest-prefix',
  }),
  param({
    name: 'destRegion', kind: 'region', default: '', side: 'destination', origin: 'original',
    description: 'Destination region (blank: the source region).',
    label: { en: 'Destination region', zh: '目标区域' },
    help: { en: 'e.g. cn-north-1.', zh: '例如 cn-north-1。' },
    template: { group: DEST, label: 'Destination Region' }, cli: 'dest-region',
  }),
  param({
    name: 'destInCurrentAccount', kind: 'boolean', values: BOOLEAN_VALUES, default: 'true', side: 'destination', origin: 'original',
    description: 'true: write with this account\'s role; false: with destCredentials, or unsigned when they are blank.',
    label: { en: 'Destination in this account', zh: '目标在本账号中' },
    help: { en: 'Off: choose the credentials of the destination account.', zh: '关闭时请选择目标账号的凭证。' },
    template: { group: DEST, label: 'Destination In Current Account' }, cli: 'dest-in-current-account',
  }),
  param({
    name: 'destCredentials', kind: 'secretName', default: '', side: 'destination', origin: 'original',
    description: 'Name of the secret holding the destination access key (access_key_id, secret_access_key).',
    label: { en: 'Destination credentials', zh: '目标凭证' },
    help: { en: 'A secret with access_key_id and secret_access_key. Blank: this account\'s role.', zh: '包含 access_key_id 和 secret_access_key 的密钥。留空：使用本账号角色。' },
    template: { group: DEST, label: 'Destination Credentials' }, cli: 'dest-credentials',
  }),
  param({
    name: 'destStorageClass', kind: 'enum', values: STORAGE_CLASSES, default: 'INTELLIGENT_TIERING', side: 'destination', origin: 'original',
    description: 'Storage class of the copies (default INTELLIGENT_TIERING; with destEndpoint the store\'s default unless given).',
    label: { en: 'Storage class', zh: '存储类别' },
    help: { en: 'Intelligent-Tiering moves objects between access tiers by use.', zh: '智能分层会根据访问情况在不同层级之间移动对象。' },
    valueLabels: {
      STANDARD: { en: 'Standard', zh: '标准' }, STANDARD_IA: { en: 'Standard-IA', zh: '标准-不频繁访问' }, ONEZONE_IA: { en: 'One Zone-IA', zh: '单区-不频繁访问' },
      INTELLIGENT_TIERING: { en: 'Intelligent-Tiering', zh: '智能分层' }, GLACIER_IR: { en: 'Glacier Instant Retrieval', zh: 'Glacier 即时检索' },
      GLACIER: { en: 'Glacier Flexible Retrieval', zh: 'Glacier 灵活检索' }, DEEP_ARCHIVE: { en: 'Glacier Deep Archive', zh: 'Glacier 深度归档' },
      REDUCED_REDUNDANCY: { en: 'Reduced redundancy', zh: '低冗余' },
    },
    template: { group: DEST, label: 'Destination Storage Class' }, cli: 'dest-storage-class',
  }),
  param({
    name: 'destAcl', kind: 'enum', values: ACLS, default: 'bucket-owner-full-control', side: 'destination', origin: 'original',
    description: 'Canned ACL of the copies (default bucket-owner-full-control; with destEndpoint none unless given).',
    label: { en: 'Object ACL', zh: '对象 ACL' },
    help: { en: 'bucket-owner-full-control works with every Object Ownership setting.', zh: 'bucket-owner-full-control 适用于所有对象所有权设置。' },
    template: { group: DEST, label: 'Destination Access Control List' }, cli: 'dest-acl',
  }),
  param({
    name: 'destPutObjectSSEType', kind: 'enum', values: SSE_TYPES, valueAliases: SSE_TYPE_ALIASES, default: 'None', side: 'destination', origin: 'original',
    description: 'Server-side encryption requested on every PUT and multipart upload (for buckets whose policy requires the header).',
    label: { en: 'Encryption type', zh: '加密类型' },
    help: { en: 'None: the bucket\'s default encryption applies. SSE-KMS: give the KMS key, or leave it blank for the AWS managed key.', zh: '无：使用存储桶默认加密。SSE-KMS：填写 KMS 密钥，留空则使用 AWS 托管密钥。' },
    valueLabels: { None: { en: 'None (bucket default)', zh: '无（存储桶默认）' }, AES256: { en: 'SSE-S3 (AES256)', zh: 'SSE-S3（AES256）' }, AWS_KMS: { en: 'SSE-KMS', zh: 'SSE-KMS' } },
    aliases: [{ name: 'destSSE', values: { KMS: 'AWS_KMS', 'aws:kms': 'AWS_KMS' }, note: 'our earlier name (README, console and CLI before the schema), values None/AES256/KMS' }],
    template: { group: DEST, label: 'Destination Bucket PutObjectPolicy SSE Type' }, cli: 'dest-put-object-sse-type',
  }),
  param({
    name: 'destPutObjectSSEKmsKeyId', kind: 'text', default: '', side: 'destination', origin: 'original',
    description: 'KMS key id or ARN for destPutObjectSSEType=AWS_KMS (blank: the AWS managed key aws/s3).',
    label: { en: 'KMS key ID', zh: 'KMS 密钥 ID' },
    help: { en: 'Key id, alias/… or key ARN. Only with SSE-KMS.', zh: '密钥 ID、alias/… 或密钥 ARN。仅用于 SSE-KMS。' },
    aliases: [{ name: 'destKMSKey', note: 'our earlier name (README, console and CLI before the schema)' }],
    template: { group: DEST, label: 'Destination Bucket SSE KMS Key ID' }, cli: 'dest-put-object-sse-kms-key-id',
  }),
  // --- EC2 cluster ---
  param({
    name: 'ec2VpcId', kind: 'text', default: '', side: 'task', origin: 'original',
    description: 'VPC the finder and the workers run in; blank: the hub\'s shared task VPC (a standalone template deploy must name one).',
    label: { en: 'VPC ID', zh: 'VPC ID' }, help: { en: 'Blank: the hub\'s task VPC.', zh: '留空：使用中心的任务 VPC。' },
    template: { group: EC2, label: 'VPC ID' }, cli: false,
  }),
  param({
    name: 'ec2Subnets', kind: 'idList', default: '', side: 'task', origin: 'original',
    description: 'Subnets (comma separated) of that VPC: public ones, or private ones with a NAT gateway or VPC endpoints; blank: the hub\'s.',
    label: { en: 'Subnet IDs', zh: '子网 ID' }, help: { en: 'Blank: the hub\'s task subnets.', zh: '留空：使用中心的任务子网。' },
    template: { group: EC2, label: 'Subnet IDs' }, cli: false,
  }),
  param({
    name: 'finderEc2Memory', kind: 'enum', values: FINDER_MEMORY_GIB, default: '8', side: 'task', origin: 'original', unused: STREAMING_FINDER,
    description: 'Memory (GiB) of the original\'s finder instance; accepted, not needed by the streaming finder.',
    label: { en: 'Finder memory (GiB)', zh: 'Finder 内存（GiB）' }, help: { en: 'Not needed: the finder streams both listings.', zh: '无需设置：Finder 以流式方式比较两侧列表。' },
    template: { group: EC2, label: 'EC2 Finder Memory' }, cli: false,
  }),
  param({
    name: 'ec2CronExpression', kind: 'schedule', default: '0/60 * * * ? *', side: 'task', origin: 'original',
    description: 'When the finder runs again: an EventBridge cron (6 fields, e.g. 0/60 * * * ? *) or rate(...) expression; blank: once.',
    label: { en: 'Schedule (cron expression)', zh: '调度（cron 表达式）' },
    help: { en: 'Minutes hours day-of-month month day-of-week year, e.g. 0 */2 ? * * * every two hours; or rate(30 minutes). Blank: one-time transfer.', zh: '分 时 日 月 星期 年，例如 0 */2 ? * * * 表示每两小时；或 rate(30 minutes)。留空：一次性传输。' },
    aliases: [{ name: 'scheduleExpression', note: 'our earlier name (API and console before the schema), rate(...) expressions' }],
    template: { group: EC2, label: 'EC2 Cron Expression' }, cli: false,
  }),
  // --- Notification ---
  param({
    name: 'alarmEmail', kind: 'email', default: '', side: 'task', origin: 'original',
    description: 'Email address told when objects fail every retry (dead-letter alarm); blank: no email.',
    label: { en: 'Alarm email', zh: '告警邮箱' },
    help: { en: 'Confirm the subscription email AWS sends to it.', zh: '请确认 AWS 发送到该邮箱的订阅邮件。' },
    template: { group: 'Notification Information', label: 'Alarm Email', allowedPattern: '^$|^\\w[-\\w.+]*@([A-Za-z0-9][-A-Za-z0-9]+\\.)+[A-Za-z]{2,14}$', constraintDescription: 'an email address, or blank' },
    cli: false,
  }),
  // --- Advanced options ---
  param({
    name: 'includeMetadata', kind: 'boolean', values: BOOLEAN_VALUES, default: 'true', side: 'destination', origin: 'original', consoleDefault: 'false',
    description: 'Copy object metadata (content type aside: encoding, language, disposition, cache control, expires, user metadata, tags).',
    label: { en: 'Include object metadata', zh: '包含对象元数据' },
    help: { en: 'Costs one more request per object that has tags.', zh: '对有标签的对象，每个对象多一次请求。' },
    template: { group: ADV, label: 'Include Metadata' }, cli: 'include-metadata',
  }),
  param({
    name: 'finderDepth', kind: 'integer', default: '0', min: 0, max: 100, side: 'task', origin: 'original', unused: STREAMING_FINDER,
    description: 'Depth of sub-folders the original\'s finder compared in parallel; accepted, not needed.',
    label: { en: 'Finder depth', zh: 'Finder 深度' }, help: { en: 'Not needed: the finder streams both listings.', zh: '无需设置：Finder 以流式方式比较两侧列表。' },
    template: { group: ADV, label: 'Finder Depth' }, cli: false,
  }),
  param({
    name: 'finderNumber', kind: 'integer', default: '1', min: 1, max: 1000, side: 'task', origin: 'original', unused: STREAMING_FINDER,
    description: 'Finder threads of the original; accepted, not needed.',
    label: { en: 'Finder number', zh: 'Finder 线程数' }, help: { en: 'Not needed: the finder streams both listings.', zh: '无需设置：Finder 以流式方式比较两侧列表。' },
    template: { group: ADV, label: 'Finder Number' }, cli: false,
  }),
  param({
    name: 'workerNumber', kind: 'integer', default: '32', min: 1, max: 512, side: 'engine', origin: 'original',
    description: 'Objects each worker copies at once (the original: threads per instance, default 4).',
    label: { en: 'Objects in flight per worker', zh: '每个 Worker 并发对象数' },
    help: { en: 'Each worker copies this many objects at once; parts of large objects add to it.', zh: '每个 Worker 同时复制的对象数；大对象的分段另计。' },
    aliases: [{ name: 'workerConcurrency', note: 'our earlier name (README and CLI before the schema)' }],
    template: { group: ADV, label: 'Worker Number' }, cli: 'worker-number',
  }),
  param({
    name: 'maxCapacity', kind: 'integer', default: '20', min: 1, max: 1000, side: 'task', origin: 'original',
    description: 'Maximum number of JobWorker instances.',
    label: { en: 'Maximum capacity', zh: '最大实例数' }, help: { en: 'The worker fleet scales on queue depth up to this.', zh: 'Worker 集群按队列深度扩展，最多到此数量。' },
    template: { group: ADV, label: 'Maximum Capacity', cfnType: 'Number', minValue: 1 }, cli: false,
  }),
  param({
    name: 'minCapacity', kind: 'integer', default: '1', min: 0, max: 1000, side: 'task', origin: 'original',
    description: 'Minimum number of JobWorker instances.',
    label: { en: 'Minimum capacity', zh: '最小实例数' }, help: { en: '0 lets the fleet scale to nothing while the queue is empty.', zh: '为 0 时队列为空可缩减到零台。' },
    template: { group: ADV, label: 'Minimum Capacity', cfnType: 'Number', minValue: 0 }, cli: false,
  }),
  param({
    name: 'desiredCapacity', kind: 'integer', default: '1', min: 0, max: 1000, side: 'task', origin: 'original',
    description: 'JobWorker instances at start.',
    label: { en: 'Desired capacity', zh: '期望实例数' }, help: { en: 'Between the minimum and the maximum.', zh: '介于最小值和最大值之间。' },
    template: { group: ADV, label: 'Desired Capacity', cfnType: 'Number', minValue: 0 }, cli: false,
  }),
  // --- Ours ---
  param({
    name: 'destEndpoint', kind: 'endpoint', default: '', side: 'destination', origin: 'ours',
    description: 'Endpoint URL of an S3-compatible destination (optional; blank: Amazon S3 in destRegion).',
    label: { en: 'Destination endpoint URL', zh: '目标终端节点 URL' },
    help: { en: 'Leave blank for Amazon S3.', zh: 'Amazon S3 留空。' },
    template: { group: DEST, label: 'Destination Endpoint URL' }, cli: 'dest-endpoint',
  }),
  param({
    name: 'include', kind: 'patterns', default: '', side: 'source', origin: 'ours',
    description: 'Only keys matching one of these comma-separated globs (* within a path segment, ** across).',
    label: { en: 'Include patterns', zh: '包含模式' },
    help: { en: 'Comma separated, e.g. photos/**/*.jpg. Blank: every key.', zh: '逗号分隔，例如 photos/**/*.jpg。留空：所有对象。' },
    template: { group: SRC, label: 'Include Patterns' }, cli: 'include',
  }),
  param({
    name: 'exclude', kind: 'patterns', default: '', side: 'source', origin: 'ours',
    description: 'Skip keys matching one of these comma-separated globs.',
    label: { en: 'Exclude patterns', zh: '排除模式' },
    help: { en: 'Comma separated, e.g. **/*.tmp.', zh: '逗号分隔，例如 **/*.tmp。' },
    template: { group: SRC, label: 'Exclude Patterns' }, cli: 'exclude',
  }),
  param({
    // 200 MiB (rclone's cutoff too): below it an object is one streamed PUT — one request, and no byte hashed when the
    // source ETag is its MD5; parts are each hashed (README, Benchmark: 50 MiB objects 2.6× the CPU in parts).
    name: 'multipartThreshold', kind: 'bytes', default: '200MiB', min: 1, max: 5 * 1024 ** 3, side: 'engine', origin: 'ours',
    description: 'Objects larger than this are copied in parts (bytes, or e.g. 200MiB); smaller ones in one streamed PUT.',
    label: { en: 'Multipart threshold', zh: '分段阈值' }, help: { en: 'e.g. 200MiB.', zh: '例如 200MiB。' },
    template: { group: ADV, label: 'Multipart Threshold' }, cli: 'multipart-threshold',
  }),
  param({
    name: 'chunkSize', kind: 'bytes', default: '8MiB', min: 5 * 1024 ** 2, max: 5 * 1024 ** 3, side: 'engine', origin: 'ours',
    description: 'Part size of multipart copies (raised to stay within 10,000 parts).',
    label: { en: 'Part size', zh: '分段大小' }, help: { en: 'At least 5MiB.', zh: '至少 5MiB。' },
    template: { group: ADV, label: 'Part Size' }, cli: 'chunk-size',
  }),
  param({
    name: 'partConcurrency', kind: 'integer', default: '4', min: 1, max: 64, side: 'engine', origin: 'ours',
    description: 'Parts of one object uploaded at once.',
    label: { en: 'Parts in flight per object', zh: '每个对象并发分段数' }, help: { en: '1 to 64.', zh: '1 到 64。' },
    template: { group: ADV, label: 'Part Concurrency' }, cli: 'part-concurrency',
  }),
  param({
    name: 'giantFileThreshold', kind: 'bytes', default: '1GiB', min: 5 * 1024 ** 2, max: 5 * 1024 ** 4, side: 'engine', origin: 'ours',
    description: 'Objects this large or larger are split into one queue job per part, so every worker of the fleet copies parts of the same object (the original\'s giantFileThreshold, 1024 MB).',
    label: { en: 'Giant object threshold', zh: '超大对象阈值' },
    help: { en: 'Each part of such an object is its own job for any worker; the last part completes the upload. e.g. 1GiB.', zh: '此类对象的每个分段都是独立任务，任何 Worker 都可处理；最后一个分段完成上传。例如 1GiB。' },
    template: { group: ADV, label: 'Giant Object Threshold' }, cli: 'giant-file-threshold',
  }),
  param({
    name: 'maxAttempts', kind: 'integer', default: '5', min: 1, max: 100, side: 'engine', origin: 'ours',
    description: 'Deliveries of one object before it is dead-lettered and marked FAILED.',
    label: { en: 'Attempts per object', zh: '每个对象尝试次数' }, help: { en: 'The original\'s queue allowed 5.', zh: '原方案队列允许 5 次。' },
    template: { group: ADV, label: 'Max Attempts' }, cli: 'max-attempts',
  }),
  param({
    name: 'workerInstanceType', kind: 'enum', values: WORKER_INSTANCE_TYPES, default: 'c7g.large', side: 'task', origin: 'ours',
    description: 'Graviton instance type of the JobWorkers.',
    label: { en: 'Worker instance type', zh: 'Worker 实例类型' }, help: { en: 'Network-optimised types (c6gn, c7gn) for large objects.', zh: '大对象可选网络优化型（c6gn、c7gn）。' },
    template: { group: EC2, label: 'Worker Instance Type' }, cli: false,
  }),
] as const satisfies readonly ParamSpec[];

export type S3ParamName = (typeof S3_PARAMETERS)[number]['name'];

/** The original's S3 template parameter names, in its order (33). */
export const ORIGINAL_S3_PARAMETER_NAMES = S3_PARAMETERS.filter((p) => p.origin === 'original').map((p) => p.name);
