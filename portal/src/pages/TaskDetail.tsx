import { useCallback, useEffect, useState } from 'react';
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import LineChart from '@cloudscape-design/components/line-chart';
import Link from '@cloudscape-design/components/link';
import ProgressBar from '@cloudscape-design/components/progress-bar';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table from '@cloudscape-design/components/table';
import Tabs from '@cloudscape-design/components/tabs';
import { TASK_FIELDS, type Task } from '../api.js';
import { usePortal } from '../context.js';
import { decodedTask } from '../forms.js';
import { formatBytes, formatEta, formatRate } from '../format.js';
import { TaskStatus } from './status.js';

interface Series { name: string; data: number[] }
interface Failure { key: string; error?: string; attempts?: number }

function Chart({ title, series, categories, empty, yFormat }: { title: string; series: Series[]; categories: string[]; empty: string; yFormat?: (y: number) => string }) {
  return (
    <Container header={<Header variant="h3">{title}</Header>}>
      <LineChart
        height={180}
        hideFilter
        empty={empty}
        xScaleType="time"
        xTickFormatter={(d) => d.toLocaleTimeString()}
        yTickFormatter={yFormat}
        series={series.map((s) => ({ title: s.name, type: 'line' as const, data: s.data.map((y, i) => ({ x: new Date(categories[i]), y })) }))}
      />
    </Container>
  );
}

export function TaskDetail({ id }: { id: string }) {
  const { api, t, config } = usePortal();
  const [task, setTask] = useState<Task | null>();
  const [objects, setObjects] = useState<Series[]>([]);
  const [throughput, setThroughput] = useState<Series[]>([]);
  const [categories, setCategories] = useState<{ o: string[]; t: string[] }>({ o: [], t: [] });
  const [failures, setFailures] = useState<Failure[]>([]);
  const [logs, setLogs] = useState<string[]>([]);

  const load = useCallback(async () => {
    const d = await api.call<{ getTask: Task | null; objects: { series: Series[]; xaxis: { categories: string[] } }; tp: { series: Series[]; xaxis: { categories: string[] } }; failures: Failure[] }>(
      `query($id: ID!) { getTask(id: $id) { ${TASK_FIELDS} }
        objects: getMetricHistoryData(id: $id, graphName: TransferredFailedObjects, period: 5) { series { name data } xaxis { categories } }
        tp: getMetricHistoryData(id: $id, graphName: Throughput, period: 5) { series { name data } xaxis { categories } }
        failures: listTaskObjects(id: $id, status: FAILED, limit: 50) { key error attempts } }`,
      { id },
    );
    setTask(d.getTask && decodedTask(d.getTask));
    setObjects(d.objects.series);
    setThroughput(d.tp.series);
    setCategories({ o: d.objects.xaxis.categories, t: d.tp.xaxis.categories });
    setFailures(d.failures);
    const streams = await api.call<{ listLogStreams: { logStreams: { logStreamName: string }[] } }>(
      'query($id: ID!) { listLogStreams(id: $id, count: 1) { logStreams { logStreamName } } }', { id });
    const stream = streams.listLogStreams.logStreams[0]?.logStreamName;
    if (stream) {
      const ev = await api.call<{ getLogEvents: { logEvents: { message: string }[] } }>(
        'query($id: ID!, $s: String!) { getLogEvents(id: $id, logStreamName: $s, limit: 200) { logEvents { message } } }', { id, s: stream });
      setLogs(ev.getLogEvents.logEvents.map((e) => e.message));
    }
  }, [api, id]);

  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), 2000);
    return () => clearInterval(timer);
  }, [load]);

  if (task === undefined) return <Box>…</Box>;
  if (task === null) return <Alert type="error">{id}</Alert>;
  const p = task.progressInfo;
  const pct = p && p.total ? Math.round(((p.replicated + p.skipped) / p.total) * 100) : 0;
  const stop = async () => { await api.call('mutation($id: String!) { stopTask(id: $id) { id } }', { id }); await load(); };

  return (
    <SpaceBetween size="l">
      <Header variant="h1" description={task.description}
        actions={<Button disabled={!['STARTING', 'IN_PROGRESS', 'ERROR'].includes(task.progress)} onClick={() => void stop()}>{t('stop')}</Button>}>
        {task.id}
      </Header>
      {task.errorMessage ? <Alert type="error" header={task.errorCode}>{task.errorMessage}</Alert> : null}
      <Container header={<Header variant="h2">{t('progress')}</Header>}>
        <SpaceBetween size="m">
          <KeyValuePairs columns={4} items={[
            { label: t('status'), value: <span data-testid="task-status"><TaskStatus progress={task.progress} /></span> },
            { label: t('objects'), value: <span data-testid="task-objects">{p ? `${p.replicated + p.skipped} / ${p.total}` : '-'}</span> },
            { label: t('bytes'), value: p ? `${formatBytes(p.bytesDone)} / ${formatBytes(p.bytesTotal)}` : '-' },
            { label: t('verified'), value: <span data-testid="task-verified">{p?.verified ?? '-'}</span> },
            { label: t('failed'), value: <span data-testid="task-failed">{p?.failed ?? '-'}</span> },
            { label: t('rate'), value: formatRate(p?.rate) },
            { label: t('eta'), value: formatEta(p?.etaSeconds) },
            { label: t('type'), value: `${task.type} · ${task.scheduleType}` },
          ]} />
          <ProgressBar value={pct} />
          {config.dashboardUrlPrefix && task.stackName
            ? <Link external href={`${config.dashboardUrlPrefix}${task.stackName}`}>{t('dashboard')}</Link> : null}
        </SpaceBetween>
      </Container>
      <Tabs tabs={[
        { id: 'charts', label: t('charts'), content: (
          <SpaceBetween size="m">
            <Chart title={t('transferred')} series={objects} categories={categories.o} empty={t('noData')} />
            <Chart title={t('throughput')} series={throughput} categories={categories.t} empty={t('noData')} yFormat={(y) => `${formatBytes(y)}/s`} />
          </SpaceBetween>
        ) },
        { id: 'failures', label: `${t('failures')} (${failures.length})`, content: (
          <Table items={failures} empty={t('noData')} columnDefinitions={[
            { id: 'key', header: 'Key', cell: (f) => f.key },
            { id: 'attempts', header: 'Attempts', cell: (f) => f.attempts },
            { id: 'error', header: t('error'), cell: (f) => f.error },
          ]} />
        ) },
        { id: 'params', label: t('parameters'), content: (
          <KeyValuePairs columns={3} items={task.parameters.map((x) => ({ label: x.ParameterKey, value: x.ParameterValue }))} />
        ) },
        { id: 'logs', label: t('logs'), content: (
          <Box variant="code"><pre style={{ maxHeight: 400, overflow: 'auto', whiteSpace: 'pre-wrap' }}>{logs.join('\n') || t('noData')}</pre></Box>
        ) },
      ]} />
    </SpaceBetween>
  );
}
