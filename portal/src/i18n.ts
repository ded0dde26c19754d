/** English and Chinese strings; every key exists in both (a test checks it). */
export const STRINGS = {
  en: {
    appName: 'Data Transfer Hub', home: 'Home', tasks: 'Tasks', createTask: 'Create task', signOut: 'Sign out', language: '中文',
    homeIntro: 'Move S3 objects between regions and clouds, and container images between registries — secure, verified, trackable.',
    homeS3: 'S3 objects: from Amazon S3, Aliyun OSS, Tencent COS, Qiniu Kodo, Google GCS or any S3-compatible store into S3, every object verified.',
    homeEcr: 'Container images: from ECR or public registries into ECR, every platform and digest kept.',
    getStarted: 'Get started',
    loginTitle: 'Sign in to the local hub', loginHelp: 'Paste the API token that `dth serve` printed when it started.', token: 'API token', signIn: 'Sign in',
    badToken: 'The hub rejected this token.',
    engine: 'Engine', chooseEngine: 'Choose what to transfer', s3Engine: 'S3 objects (Amazon S3 Transfer)', ecrEngine: 'Container images (Amazon ECR Transfer)',
    source: 'Source', destination: 'Destination', settings: 'Settings', review: 'Review and create',
    schedule: 'Schedule', oneTime: 'One time', fixedRate: 'Fixed rate', description: 'Description', descriptionHelp: 'Up to 250 characters.', noSecret: 'None (this account, or anonymous)', required: 'Required.',
    estimate: 'Estimate', estimateResult: 'Would copy {objects} objects, {bytes}; estimated cost ${cost}',
    estimatePartial: '(partial: listing stopped at the time limit after {scanned} source objects; the task itself lists everything)',
    next: 'Next', previous: 'Previous', cancel: 'Cancel', create: 'Create task', creating: 'Creating…',
    taskList: 'Tasks', refresh: 'Refresh', stop: 'Stop', status: 'Status', created: 'Created', type: 'Engine type', id: 'Task ID', all: 'All statuses',
    noTasks: 'No tasks yet', details: 'Details', parameters: 'Parameters', progress: 'Progress', objects: 'Objects', bytes: 'Bytes', rate: 'Rate', eta: 'ETA',
    failed: 'Failed', verified: 'Verified', failures: 'Failed objects', logs: 'Logs', charts: 'Charts', dashboard: 'CloudWatch dashboard', error: 'Error',
    transferred: 'Transferred / failed objects', throughput: 'Throughput (bytes/s)', noData: 'No data yet',
  },
  zh: {
    appName: '数据传输解决方案', home: '首页', tasks: '任务', createTask: '创建任务', signOut: '退出', language: 'English',
    homeIntro: '在区域和云之间迁移 S3 对象，在镜像仓库之间迁移容器镜像——安全、可校验、可追踪。',
    homeS3: 'S3 对象：从 Amazon S3、阿里云 OSS、腾讯云 COS、七牛 Kodo、Google GCS 或任意 S3 兼容存储复制到 S3，逐个对象校验。',
    homeEcr: '容器镜像：从 ECR 或公共仓库复制到 ECR，保留所有平台和摘要。',
    getStarted: '开始使用',
    loginTitle: '登录本地中心', loginHelp: '粘贴 `dth serve` 启动时打印的 API 令牌。', token: 'API 令牌', signIn: '登录',
    badToken: '本地中心拒绝了此令牌。',
    engine: '引擎', chooseEngine: '选择传输类型', s3Engine: 'S3 对象（Amazon S3 传输）', ecrEngine: '容器镜像（Amazon ECR 传输）',
    source: '源', destination: '目标', settings: '设置', review: '检查并创建',
    schedule: '计划', oneTime: '一次性', fixedRate: '固定频率', description: '描述', descriptionHelp: '最多 250 个字符。', noSecret: '无（本账号或匿名访问）', required: '必填。',
    estimate: '预估', estimateResult: '将复制 {objects} 个对象，{bytes}；预估费用 ${cost}',
    estimatePartial: '（部分结果：列举在时限内于 {scanned} 个源对象处停止；任务本身会列举全部对象）',
    next: '下一步', previous: '上一步', cancel: '取消', create: '创建任务', creating: '创建中…',
    taskList: '任务列表', refresh: '刷新', stop: '停止', status: '状态', created: '创建时间', type: '引擎类型', id: '任务 ID', all: '全部状态',
    noTasks: '暂无任务', details: '详情', parameters: '参数', progress: '进度', objects: '对象', bytes: '字节', rate: '速率', eta: '剩余时间',
    failed: '失败', verified: '已校验', failures: '失败对象', logs: '日志', charts: '图表', dashboard: 'CloudWatch 仪表板', error: '错误',
    transferred: '已传输 / 失败对象', throughput: '吞吐量（字节/秒）', noData: '暂无数据',
  },
} as const;

export type Lang = keyof typeof STRINGS;
export type StringKey = keyof (typeof STRINGS)['en'];

export function translate(lang: Lang, key: StringKey, vars: Record<string, string | number> = {}): string {
  let s: string = STRINGS[lang][key] ?? STRINGS.en[key];
  for (const [k, v] of Object.entries(vars)) s = s.replace(`{${k}}`, String(v));
  return s;
}
