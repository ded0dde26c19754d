/**
 * One task: general configuration, live progress, and the original's tabs (Details, Engine, Monitoring with metrics
 * and finder/worker logs, Options) plus failed objects. An unknown id says "not found" at once.
 */
import { useCallback, useEffect, useState } from 'react';
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import CopyToClipboard from '@cloudscape-design/components/copy-to-clipboard';
import ContentLayout from '@cloudscape-design/components/content-layout';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Spinner from '@cloudscape-design/components/spinner';
import Tabs from '@cloudscape-design/components/tabs';
import type { FailedObject, Task } from '../../api/types.js';
import { usePortal } from '../../app/context.js';
import { hrefOf } from '../../app/routes.js';
import { NarrowableTable } from '../../components/narrowable-table.js';
import { StopTaskModal, taskName } from '../../components/stop-task-modal.js';
import { TaskStatus } from '../../components/task-status.js';
import { useTaskError } from '../../components/use-task-error.js';
import { formatTime } from '../../lib/format.js';
import {
  engineKey,
  errorHintKey,
  FINDER_LOG_GROUP,
  isDeletable,
  isRunning,
  paramsOf,
  scheduleKey,
  sourceKindOf,
  sourceName,
  stackOutput,
  WORKER_LOG_GROUP,
} from '../../lib/task-view.js';
import type { StringKey } from '../../i18n/index.js';
import { labelOf } from '../create-task/fields.js';
import { LogBrowser } from './log-browser.js';
import { MetricCharts } from './metric-charts.js';
import { nextScheduledRun, ParameterPairs, scheduleText } from './parameter-pairs.js';
import { ProgressPanel } from './progress-panel.js';

const S3_SOURCE = [
  'srcType',
  'srcEndpoint',
  'srcRegion',
  'srcBucket',
  'srcPrefix',
  'srcPrefixsListFile',
  'srcPrefixListBucket',
  'srcInCurrentAccount',
  'srcCredentials',
  'srcEvent',
  'isPayerRequest',
  'includeMetadata',
  'srcSkipCompare',
];
const S3_DEST = [
  'destRegion',
  'destBucket',
  'destPrefix',
  'destEndpoint',
  'destInCurrentAccount',
  'destCredentials',
  'destStorageClass',
  'destAcl',
  'destPutObjectSSEType',
  'destPutObjectSSEKmsKeyId',
  'destSSE',
  'destKMSKey',
];
const S3_ENGINE = ['maxCapacity', 'minCapacity', 'desiredCapacity'];
const S3_ADVANCED = [
  'finderDepth',
  'finderEc2Memory',
  'finderNumber',
  'workerNumber',
  'bandwidthLimit',
  'include',
  'exclude',
  'multipartThreshold',
  'chunkSize',
  'workerConcurrency',
];
const ECR_SOURCE = ['sourceType', 'srcRegistry', 'srcRegion', 'srcAccountId', 'srcCredential', 'insecure'];
const ECR_DEST = ['destRegion', 'destAccountId', 'destRegistry', 'destCredential', 'destPrefix'];
const ECR_IMAGES = ['srcList', 'includeUntagged'];
const POLL_RUNNING_MS = 2000;
const POLL_IDLE_MS = 15_000;

function ErrorAlert({ task, onFinderLogs }: { task: Task; onFinderLogs: () => void }) {
  const { t } = usePortal();
  const { code, message } = useTaskError(task);
  const images = task.type === 'ECR';
  const hint = errorHintKey(code, task.type);
  // A recurring task records a run's error and stays running: a warning, with what happens next.
  const running = task.progress !== 'ERROR';
  return (
    <Alert
      type={running ? 'warning' : 'error'}
      header={t(running ? 'lastRunErrorTitle' : 'errorTitle')}
      action={
        code === 'FINDER_ERROR' && stackOutput(task, FINDER_LOG_GROUP) ? (
          <Button onClick={onFinderLogs}>{t(images ? 'openFinderLogsImages' : 'openFinderLogs')}</Button>
        ) : undefined
      }
    >
      <SpaceBetween size="xs">
        {message ? (
          <Box variant="p" data-testid="task-error">
            {message}
          </Box>
        ) : null}
        {hint ? <Box variant="p">{t(hint)}</Box> : null}
        {running ? <Box variant="p">{t('lastRunErrorNext')}</Box> : null}
      </SpaceBetween>
    </Alert>
  );
}

/** Failed items shown at most (the tab's count is the task's; the list says when it shows fewer). */
const FAILURES_SHOWN = 100;

function Failures({ task }: { task: Task }) {
  const { ops, t } = usePortal();
  const [items, setItems] = useState<FailedObject[]>([]);
  const [error, setError] = useState<string>();
  const images = task.type === 'ECR';
  // biome-ignore lint/correctness/useExhaustiveDependencies: read the list again when the failure count changes
  useEffect(() => {
    ops.listFailedObjects(task.id, FAILURES_SHOWN).then(
      (read) => {
        setItems(read);
        setError(undefined);
      },
      // Said, not shown as "no failures" (before: a failed read looked like a clean task).
      (e: Error) => setError(e.message),
    );
  }, [ops, task.id, task.progressInfo?.failed]);
  const total = task.progressInfo?.failed ?? items.length;
  return (
    <NarrowableTable
      items={items}
      trackBy="key"
      variant="embedded"
      wrapLines
      ariaLabels={{ tableLabel: t(images ? 'tabFailuresImages' : 'tabFailures', { count: items.length }) }}
      header={
        error ? (
          <Alert type="error">{t('failuresLoadFailed', { error })}</Alert>
        ) : total > items.length && items.length > 0 ? (
          <Box variant="small">{t('failuresFirst', { shown: items.length, total })}</Box>
        ) : undefined
      }
      empty={
        <Box textAlign="center" color="inherit">
          {error ? '-' : t(images ? 'noFailuresImages' : 'noFailures')}
        </Box>
      }
      columnDefinitions={[
        { id: 'key', header: t(images ? 'failedImage' : 'failedKey'), cell: (f) => f.key, isRowHeader: true },
        { id: 'attempts', header: t('failedAttempts'), cell: (f) => f.attempts ?? '-' },
        { id: 'error', header: t('failedError'), cell: (f) => f.error ?? '-' },
      ]}
    />
  );
}

/** The outcome messages the hub sent (cloud: e-mail through SNS) or recorded (local hub). */
function Notifications({ task }: { task: Task }) {
  const { t, lang } = usePortal();
  const items = (task.notifications ?? []).map((n, i) => ({ ...n, key: `${n.time}-${i}` }));
  return (
    <NarrowableTable
      items={items}
      trackBy="key"
      variant="embedded"
      wrapLines
      ariaLabels={{ tableLabel: t('tabNotifications', { count: items.length }) }}
      empty={
        <Box textAlign="center" color="inherit">
          {t('noNotifications')}
        </Box>
      }
      columnDefinitions={[
        { id: 'time', header: t('notifTime'), cell: (n) => formatTime(n.time, lang), width: 180 },
        { id: 'status', header: t('status'), cell: (n) => <TaskStatus progress={n.progress} />, width: 140 },
        { id: 'subject', header: t('notifSubject'), cell: (n) => n.subject ?? '-', isRowHeader: true },
        {
          id: 'message',
          header: t('notifMessage'),
          cell: (n) => (
            <Box variant="code" fontSize="body-s">
              <span style={{ whiteSpace: 'pre-wrap' }}>{n.message ?? ''}</span>
            </Box>
          ),
        },
        {
          id: 'channel',
          header: t('notifChannel'),
          cell: (n) => (n.channel ? t(n.channel === 'SNS' ? 'channelSNS' : 'channelLOCAL') : '-'),
          width: 160,
        },
      ]}
    />
  );
}

/** The task page's tabs, and the monitoring tab's log views an address may name (`finder-logs`, `worker-logs`). */
const TABS = ['details', 'engine', 'images', 'monitoring', 'options', 'failures', 'notifications'];
const LOG_TABS: Record<string, string> = { 'finder-logs': 'finder', 'worker-logs': 'worker' };

function openedTab(tab: string | undefined): { tab: string; monitor: string } {
  if (tab && LOG_TABS[tab]) return { tab: 'monitoring', monitor: LOG_TABS[tab] };
  // An unknown tab in the address opens Details (before: no tab selected, an empty panel).
  return { tab: tab && TABS.includes(tab) ? tab : 'details', monitor: 'metrics' };
}

function addressTab(tab: string, monitor: string): string | undefined {
  if (tab === 'details') return undefined;
  if (tab === 'monitoring' && monitor !== 'metrics') return `${monitor}-logs`;
  return tab;
}

export default function TaskDetail({ id, tab }: { id: string; tab?: string }) {
  const { ops, t, lang, navigate } = usePortal();
  const [task, setTask] = useState<Task | null>();
  const [loadError, setLoadError] = useState<string>();
  const [stopping, setStopping] = useState<Task>();
  const opened = openedTab(tab);
  const [activeTab, setActiveTabState] = useState(opened.tab);
  const [monitorTab, setMonitorTabState] = useState(opened.monitor);
  // The tab is kept in the address (replaced, not a history entry): a reload or a shared link opens it again.
  const keepInAddress = (to: string, monitor: string) =>
    window.history.replaceState(null, '', hrefOf({ name: 'task', id, tab: addressTab(to, monitor) }));
  const openTab = (to: string, monitor = monitorTab) => {
    setActiveTabState(to);
    setMonitorTabState(monitor);
    keepInAddress(to, monitor);
  };

  const load = useCallback(async () => {
    try {
      setTask(await ops.getTask(id));
      setLoadError(undefined);
    } catch (err) {
      setLoadError((err as Error).message);
    }
  }, [ops, id]);

  useEffect(() => {
    void load();
  }, [load]);
  // Poll fast while the task changes, slowly once it has settled, never for a task that does not exist.
  const settled = task === null || (task && !isRunning(task.progress) && task.progress !== 'STOPPING');
  // biome-ignore lint/correctness/useExhaustiveDependencies: the timer depends on whether the task exists, not on each answer
  useEffect(() => {
    if (task === null) return;
    const timer = setInterval(() => void load(), settled ? POLL_IDLE_MS : POLL_RUNNING_MS);
    return () => clearInterval(timer);
  }, [load, settled, task === null]);

  if (task === null) {
    return (
      <ContentLayout header={<Header variant="h1">{t('notFoundTitle')}</Header>}>
        <Alert type="warning" action={<Button onClick={() => navigate('/tasks')}>{t('backToTasks')}</Button>}>
          <span data-testid="task-not-found">{t('notFoundBody', { id })}</span>
        </Alert>
      </ContentLayout>
    );
  }
  if (!task) {
    return loadError ? (
      <Alert
        type="error"
        header={t('loadFailed', { error: '' })}
        action={<Button onClick={() => void load()}>{t('refresh')}</Button>}
      >
        {loadError}
      </Alert>
    ) : (
      <Box textAlign="center" padding="xxl">
        <Spinner size="large" />
      </Box>
    );
  }

  const p = paramsOf(task);
  const images = task.type === 'ECR';
  const finderGroup = stackOutput(task, FINDER_LOG_GROUP);
  const workerGroup = stackOutput(task, WORKER_LOG_GROUP);
  const logTabs = [
    ...(finderGroup
      ? [
          {
            id: 'finder',
            label: t(images ? 'finderLogsImages' : 'finderLogs'),
            content: <LogBrowser group={finderGroup} />,
          },
        ]
      : []),
    ...(workerGroup
      ? [
          {
            id: 'worker',
            label: t(images ? 'workerLogsImages' : 'workerLogs'),
            content: <LogBrowser group={workerGroup} />,
          },
        ]
      : []),
  ];
  const monitoring = (
    <Tabs
      activeTabId={monitorTab}
      onChange={(e) => openTab('monitoring', e.detail.activeTabId)}
      variant="container"
      tabs={[{ id: 'metrics', label: t('metrics'), content: <MetricCharts task={task} /> }, ...logTabs]}
    />
  );
  const s3 = task.type === 'S3EC2';
  const section = (title: StringKey, keys: string[]) => (
    <Container header={<Header variant="h2">{t(title)}</Header>}>
      <ParameterPairs task={task} keys={keys} />
    </Container>
  );
  const nextRun = nextScheduledRun(task);
  const scheduleItems = [
    { label: t('scheduleSection'), value: scheduleText(task, t) },
    ...(nextRun ? [{ label: t('nextScheduledRun'), value: nextRun }] : []),
  ];
  const tabs = [
    {
      id: 'details',
      label: t('tabDetails'),
      content: (
        <SpaceBetween size="l">
          {section('sourceSection', s3 ? S3_SOURCE : ECR_SOURCE)}
          {section('destinationSection', s3 ? S3_DEST : ECR_DEST)}
        </SpaceBetween>
      ),
    },
    s3
      ? {
          id: 'engine',
          label: t('tabEngine'),
          content: (
            <SpaceBetween size="l">
              <Container header={<Header variant="h2">{t('engineSection')}</Header>}>
                <SpaceBetween size="l">
                  <ParameterPairs task={task} keys={S3_ENGINE} />
                  <KeyValuePairs items={scheduleItems} />
                </SpaceBetween>
              </Container>
              {section('advancedSection', S3_ADVANCED)}
            </SpaceBetween>
          ),
        }
      : {
          id: 'images',
          label: t('tabImages'),
          content: (
            <Container header={<Header variant="h2">{t('tabImages')}</Header>}>
              <SpaceBetween size="l">
                <ParameterPairs task={task} keys={ECR_IMAGES} />
                {p.srcImageList ? (
                  <Box variant="code">
                    <pre style={{ margin: 0, whiteSpace: 'pre-wrap' }}>
                      {p.srcImageList.split(/\s*[,\n]\s*/).join('\n')}
                    </pre>
                  </Box>
                ) : null}
                <KeyValuePairs items={scheduleItems} />
              </SpaceBetween>
            </Container>
          ),
        },
    { id: 'monitoring', label: t('tabMonitoring'), content: monitoring },
    {
      id: 'options',
      label: t('tabOptions'),
      content: (
        <Container>
          <KeyValuePairs
            columns={2}
            items={[
              { label: t('taskId'), value: task.id },
              { label: labelOf(task.type, 'description', lang), value: task.description || t('none') },
              { label: labelOf(task.type, 'alarmEmail', lang), value: p.alarmEmail || t('none') },
            ]}
          />
        </Container>
      ),
    },
    {
      id: 'failures',
      label: t(task.type === 'ECR' ? 'tabFailuresImages' : 'tabFailures', { count: task.progressInfo?.failed ?? 0 }),
      content: <Failures task={task} />,
    },
    {
      id: 'notifications',
      label: t('tabNotifications', { count: task.notifications?.length ?? 0 }),
      content: <Notifications task={task} />,
    },
  ];

  const running = isRunning(task.progress);
  return (
    <ContentLayout
      header={
        <Header
          variant="h1"
          description={task.description || undefined}
          actions={
            <SpaceBetween direction="horizontal" size="xs">
              <Button iconName="refresh" ariaLabel={t('refresh')} onClick={() => void load()} />
              <Button onClick={() => navigate(`/create?clone=${encodeURIComponent(task.id)}`)}>{t('cloneTask')}</Button>
              {running || !isDeletable(task.progress) ? (
                <Button disabled={!running} onClick={() => setStopping(task)}>
                  {t('stopTask')}
                </Button>
              ) : (
                <Button onClick={() => setStopping(task)}>{t('deleteTask')}</Button>
              )}
            </SpaceBetween>
          }
        >
          {taskName(task)}
        </Header>
      }
    >
      <SpaceBetween size="l">
        {loadError ? (
          // The page keeps what it last read, and says it is no longer current (before: "In progress" with no word
          // while the hub was down).
          <Alert type="warning" header={t('taskRefreshFailed')} data-testid="task-refresh-failed">
            {loadError}
          </Alert>
        ) : null}
        {task.progress === 'ERROR' || (task.progress === 'IN_PROGRESS' && task.errorCode) ? (
          <ErrorAlert
            task={task}
            onFinderLogs={() => {
              openTab('monitoring', 'finder');
            }}
          />
        ) : null}
        <Container header={<Header variant="h2">{t('generalConfig')}</Header>}>
          <ColumnLayout columns={1}>
            <KeyValuePairs
              columns={4}
              items={[
                { label: t('engineType'), value: t(engineKey(task)) },
                { label: t('sourceType'), value: sourceName(sourceKindOf(task), lang) },
                {
                  label: t('status'),
                  value: (
                    <span data-testid="task-status">
                      <TaskStatus progress={task.progress} />
                    </span>
                  ),
                },
                { label: t('scheduleType'), value: t(scheduleKey(task)) },
                { label: t('createdAt'), value: formatTime(task.createdAt, lang) },
                { label: t('stoppedAt'), value: formatTime(task.stoppedAt, lang) },
                {
                  label: t('taskId'),
                  // Copied, not a link to this very page (as it was).
                  value: (
                    <CopyToClipboard
                      variant="inline"
                      textToCopy={task.id}
                      copyButtonAriaLabel={t('copyTaskId')}
                      copySuccessText={t('copied')}
                      copyErrorText={t('copyFailed')}
                    />
                  ),
                },
              ]}
            />
          </ColumnLayout>
        </Container>
        <ProgressPanel task={task} />
        <Tabs activeTabId={activeTab} onChange={(e) => openTab(e.detail.activeTabId)} tabs={tabs} />
      </SpaceBetween>
      <StopTaskModal
        task={stopping}
        onClose={() => setStopping(undefined)}
        onChanged={(next) => setTask((cur) => (cur ? { ...cur, ...next } : cur))}
      />
    </ContentLayout>
  );
}
