/**
 * Task metrics as the original's Monitoring tab: four graphs over a chosen time range (1 hour … 1 week), one point
 * per period, drawn from getMetricHistoryData's real series (unix-second x values).
 */
import { useCallback, useEffect, useState } from 'react';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import LineChart from '@cloudscape-design/components/line-chart';
import Link from '@cloudscape-design/components/link';
import SegmentedControl from '@cloudscape-design/components/segmented-control';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import { GRAPHS, type GraphName } from '../../api/operations.js';
import type { MetricHistory, Task } from '../../api/types.js';
import { usePortal } from '../../app/context.js';
import { formatBytes, toDate } from '../../lib/format.js';
import { dashboardUrl } from '../../lib/task-view.js';
import type { StringKey } from '../../i18n/index.js';
import './metric-charts.css';

/** Time ranges of the original (seconds) and the period that keeps each graph at ≤ ~200 points. */
export const RANGES = [
  { id: '1h', key: 'range1h', seconds: 3600, period: 60 },
  { id: '3h', key: 'range3h', seconds: 3 * 3600, period: 60 },
  { id: '12h', key: 'range12h', seconds: 12 * 3600, period: 300 },
  { id: '1d', key: 'range1d', seconds: 86400, period: 600 },
  { id: '3d', key: 'range3d', seconds: 3 * 86400, period: 1800 },
  { id: '1w', key: 'range1w', seconds: 7 * 86400, period: 3600 },
] as const satisfies readonly { id: string; key: StringKey; seconds: number; period: number }[];
export type RangeId = (typeof RANGES)[number]['id'];

const TITLES: Record<GraphName, StringKey> = {
  Network: 'chartNetwork',
  TransferredFailedObjects: 'chartObjects',
  RunningWaitingJobHistory: 'chartJobs',
  DesiredInServiceInstances: 'chartInstances',
};

/** An image task's graphs say images, not objects; it has no instances of its own (Fargate tasks). */
const IMAGE_TITLES: Partial<Record<GraphName, StringKey>> = {
  TransferredFailedObjects: 'chartObjectsImages',
  RunningWaitingJobHistory: 'chartJobsImages',
};
const IMAGE_GRAPHS = GRAPHS.filter((g) => g !== 'DesiredInServiceInstances');
const IMAGE_SERIES: Record<string, StringKey> = {
  TransferredObjects: 'seriesTransferredImages',
  FailedObjects: 'seriesFailedImages',
  RunningJob: 'seriesRunningImages',
  WaitingJob: 'seriesWaitingImages',
};

/** Legend names: the API's series names in the console's language (unknown names as they are). */
const SERIES: Record<string, StringKey> = {
  TransferredObjects: 'seriesTransferredObjects',
  FailedObjects: 'seriesFailedObjects',
  Completed: 'seriesCompleted',
  Failed: 'seriesFailed',
  Running: 'seriesRunning',
  RunningJob: 'seriesRunning',
  RunningJobs: 'seriesRunning',
  Waiting: 'seriesWaiting',
  WaitingJob: 'seriesWaiting',
  WaitingJobs: 'seriesWaiting',
  Desired: 'seriesDesired',
  DesiredCapacity: 'seriesDesired',
  InService: 'seriesInService',
  InServiceInstances: 'seriesInService',
  Network: 'seriesBytes',
  BytesTransferred: 'seriesBytes',
  CompletedBytes: 'seriesBytes',
  NetworkIn: 'seriesNetworkIn',
  NetworkOut: 'seriesNetworkOut',
  BytesPerSecond: 'seriesRate',
};

function Graph({
  graph,
  data,
  error,
  loading,
  range,
  images,
}: {
  graph: GraphName;
  /** An image task's graph: its titles and legends say images. */
  images: boolean;
  data?: MetricHistory;
  error?: string;
  loading: boolean;
  range: { start: number; end: number };
}) {
  const { t, lang } = usePortal();
  const bytes = graph === 'Network';
  const times = (data?.xaxis.categories ?? []).map((c) => toDate(c));
  const title = t((images && IMAGE_TITLES[graph]) || TITLES[graph]);
  const seriesKey = (name: string) => (images && IMAGE_SERIES[name]) || SERIES[name];
  const series = (data?.series ?? []).map((s) => ({
    title: seriesKey(s.name) ? t(seriesKey(s.name)) : s.name,
    type: 'line' as const,
    // The original marks a period without data as -1: a gap, not a value.
    data: s.data.flatMap((y, i) => {
      const x = times[i];
      return x && Number.isFinite(y) && y >= 0 ? [{ x, y }] : [];
    }),
  }));
  const locale = lang === 'zh' ? 'zh-CN' : 'en-US';
  return (
    <div data-testid={`chart-${graph}`} className="dth-metric-chart">
      <Container header={<Header variant="h3">{title}</Header>}>
        <LineChart
          height={180}
          ariaLabel={title}
          statusType={error ? 'error' : loading && !data ? 'loading' : 'finished'}
          errorText={error ? t('chartError', { error }) : undefined}
          loadingText={t('chartLoading')}
          empty={
            <Box textAlign="center" color="inherit">
              {t('chartNoData')}
            </Box>
          }
          series={series}
          xScaleType="time"
          xDomain={[new Date(range.start * 1000), new Date(range.end * 1000)]}
          xTitle={t('chartTime')}
          yTitle={bytes ? t('chartNetworkY') : t('chartCount')}
          xTickFormatter={(d) =>
            d.toLocaleString(locale, {
              month: 'numeric',
              day: 'numeric',
              hour: '2-digit',
              minute: '2-digit',
              hour12: false,
            })
          }
          yTickFormatter={bytes ? byteTick : countTick}
          hideFilter
          legendTitle={t('chartFilterLabel')}
          i18nStrings={{
            detailPopoverDismissAriaLabel: t('dismiss'),
            legendAriaLabel: t('chartFilterLabel'),
            chartAriaRoleDescription: t('chartDetails'),
          }}
        />
      </Container>
    </div>
  );
}

/**
 * Axis labels of small values: ticks fall between whole counts and whole bytes (0.2, 0.4 objects; 0.5 B, which read
 * as "0 B, 0 B, 1 B, 1 B"), and only whole ones are labelled.
 */
export function countTick(y: number): string {
  return Number.isInteger(y) ? y.toLocaleString() : '';
}

export function byteTick(y: number): string {
  return y < 1024 && !Number.isInteger(y) ? '' : formatBytes(y);
}

export function MetricCharts({ task }: { task: Task }) {
  const { ops, t, config } = usePortal();
  const [rangeId, setRangeId] = useState<RangeId>('3h');
  const [data, setData] = useState<Partial<Record<GraphName, MetricHistory>>>({});
  const [errors, setErrors] = useState<Partial<Record<GraphName, string>>>({});
  const [loading, setLoading] = useState(true);
  const [window_, setWindow] = useState({ start: 0, end: 0 });
  const images = task.type === 'ECR';
  const graphs = images ? IMAGE_GRAPHS : GRAPHS;

  const load = useCallback(async () => {
    const range = RANGES.find((r) => r.id === rangeId) ?? RANGES[1];
    const end = Math.floor(Date.now() / 1000);
    const start = end - range.seconds;
    // Room after now (2 % of the range, ~7 px): the latest sample's marker is drawn whole instead of cut in half by
    // the chart's right edge.
    setWindow({ start, end: end + Math.round(range.seconds * 0.02) });
    setLoading(true);
    const results = await Promise.allSettled(
      graphs.map((g) => ops.getMetricHistory(task.id, g, start, end, range.period)),
    );
    const next: Partial<Record<GraphName, MetricHistory>> = {};
    const failed: Partial<Record<GraphName, string>> = {};
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') next[graphs[i]] = r.value;
      else failed[graphs[i]] = (r.reason as Error).message;
    });
    setData(next);
    setErrors(failed);
    setLoading(false);
  }, [ops, task.id, rangeId, graphs]);

  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), 30_000);
    return () => clearInterval(timer);
  }, [load]);

  const dashboard = dashboardUrl(task, config);
  return (
    <SpaceBetween size="m">
      <SpaceBetween direction="horizontal" size="s" alignItems="center">
        <SegmentedControl
          label={t('timeRange')}
          selectedId={rangeId}
          onChange={(e) => setRangeId(e.detail.selectedId as RangeId)}
          options={RANGES.map((r) => ({ id: r.id, text: t(r.key) }))}
        />
        <Button iconName="refresh" ariaLabel={t('refresh')} loading={loading} onClick={() => void load()} />
        {dashboard ? (
          <Link external href={dashboard}>
            {t('dashboard')}
          </Link>
        ) : null}
        {loading ? <StatusIndicator type="loading">{t('chartLoading')}</StatusIndicator> : null}
      </SpaceBetween>
      <ColumnLayout columns={2}>
        {graphs.map((g) => (
          <Graph key={g} graph={g} data={data[g]} error={errors[g]} loading={loading} range={window_} images={images} />
        ))}
      </ColumnLayout>
    </SpaceBetween>
  );
}
