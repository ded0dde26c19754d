export function formatBytes(n: number | undefined | null): string {
  if (n === undefined || n === null) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

/** Bytes per second as "1.5 MiB/s"; "-" when there is no rate yet. */
export function formatRate(bytesPerSecond: number | undefined | null): string {
  if (bytesPerSecond === undefined || bytesPerSecond === null || !Number.isFinite(bytesPerSecond) || bytesPerSecond <= 0) return '-';
  return `${formatBytes(bytesPerSecond)}/s`;
}

export function formatEta(seconds: number | undefined | null): string {
  if (seconds === undefined || seconds === null || !Number.isFinite(seconds)) return '-';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

export function paramValue(params: { ParameterKey: string; ParameterValue: string }[], key: string): string {
  return params.find((p) => p.ParameterKey === key)?.ParameterValue ?? '';
}

/** "bucket/prefix" or "registry" shown in the tasks list. */
export function taskEnds(task: { type: string; parameters: { ParameterKey: string; ParameterValue: string }[] }): { source: string; destination: string } {
  const p = (k: string) => paramValue(task.parameters, k);
  if (task.type === 'ECR') {
    return { source: p('srcRegistry') || `${p('srcAccountId')} ${p('srcRegion')}`.trim() || p('sourceType'), destination: `${p('destRegistry') || p('destAccountId')}${p('destPrefix') ? '/' + p('destPrefix') : ''}` };
  }
  return { source: `${p('srcBucket')}/${p('srcPrefix')}`, destination: `${p('destBucket')}/${p('destPrefix')}` };
}
