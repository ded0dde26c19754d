/**
 * getMetricHistoryData's answer, the same from CloudWatch and from the local hub's samples, in the original's shape:
 * series named as the original's, values per period, `xaxis.categories` the union of the points' times in unix
 * seconds (sorted), a series without a point at a time holds -1 there (the original's gap marker; its console draws
 * -1 as 0 or as a gap).
 */
import { InvalidParameterError } from '../../worker/core/errors.js';

/** Series of each graph, in the order the original answered them. `Throughput` is ours (bytes per second). */
export const GRAPH_SERIES = {
  Network: ['Network'],
  TransferredFailedObjects: ['TransferredObjects', 'FailedObjects'],
  RunningWaitingJobHistory: ['WaitingJob', 'RunningJob'],
  DesiredInServiceInstances: ['DesiredCapacity', 'InServiceInstances'],
  Throughput: ['BytesPerSecond'],
} as const;

export type GraphName = keyof typeof GRAPH_SERIES;
export type SeriesName = (typeof GRAPH_SERIES)[GraphName][number];

export const MISSING_POINT = -1;

export interface MetricHistory {
  series: { name: string; data: number[] }[];
  xaxis: { categories: number[] };
}

export function isGraphName(name: string): name is GraphName {
  return Object.hasOwn(GRAPH_SERIES, name);
}

/** Points of each series of a graph (time in unix seconds → value) → the answer, gaps filled with -1. */
export function alignSeries(graph: GraphName, points: Partial<Record<string, Map<number, number>>>): MetricHistory {
  const names = GRAPH_SERIES[graph] as readonly string[];
  const times = [...new Set(names.flatMap((n) => [...(points[n]?.keys() ?? [])]))].sort((a, b) => a - b);
  return {
    series: names.map((name) => ({ name, data: times.map((t) => points[name]?.get(t) ?? MISSING_POINT) })),
    xaxis: { categories: times },
  };
}

/**
 * A time argument: unix seconds as the original takes them (digits, e.g. "1764547200"); an ISO 8601 time is accepted
 * too (ours). Anything else is an error naming the argument.
 */
export function parseMetricTime(value: string | null | undefined, field: 'startTime' | 'endTime'): Date | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const text = String(value).trim();
  const date = /^\d+$/.test(text)
    ? new Date(Number(text) * 1000)
    : /^\d{4}-\d{2}-\d{2}T/.test(text)
      ? new Date(text)
      : new Date(NaN);
  if (Number.isNaN(date.getTime()))
    throw new InvalidParameterError(field, `"${text}" is not a time: give unix seconds (e.g. 1764547200)`);
  return date;
}

/** At most this many points per series: the original sized its periods for 1,440 points (one a minute for a day). */
export const MAX_POINTS = 1440;

/**
 * The period of a chart: the one asked for, made long enough that the range holds at most MAX_POINTS points, and a
 * multiple of `step` seconds (CloudWatch: 60; its older data only in 300 / 3600 steps, see `cloudWatchStep`).
 */
export function chartPeriod(start: Date, end: Date, asked: number, step = 1): number {
  const rangeSec = Math.max(0, (end.getTime() - start.getTime()) / 1000);
  const wanted = Math.max(asked, Math.ceil(rangeSec / MAX_POINTS), step);
  return Math.ceil(wanted / step) * step;
}

/** CloudWatch keeps 1-minute data for 15 days, 5-minute data for 63 days, then hourly: periods must follow. */
export function cloudWatchStep(start: Date, now: Date): number {
  const ageDays = (now.getTime() - start.getTime()) / 86_400_000;
  return ageDays > 63 ? 3600 : ageDays > 15 ? 300 : 60;
}
