/** A JSON log line as the structured logger writes it (worker/core/log.ts). */
export type LogLine = Record<string, unknown>;

/** The JSON lines of a process's output (other lines — a person's message, a progress bar — left out). */
export function jsonLines(output: string): LogLine[] {
  return output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);
}

/** What a CloudWatch metric filter `{ $.event = "<event>" }` with value 1 or `$.<field>` adds up over these lines. */
export function metricSum(lines: LogLine[], metric: { event: string; value?: number; field?: string }): number {
  return lines
    .filter((l) => l.event === metric.event)
    .reduce((sum, l) => sum + (metric.field ? Number(l[metric.field]) : (metric.value ?? 1)), 0);
}
