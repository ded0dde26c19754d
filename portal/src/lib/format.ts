export function formatBytes(n: number | undefined | null): string {
  if (n === undefined || n === null || !Number.isFinite(n)) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

/** Bytes per second as "1.5 MiB/s"; "-" when there is no rate yet. */
export function formatRate(bytesPerSecond: number | undefined | null): string {
  if (
    bytesPerSecond === undefined ||
    bytesPerSecond === null ||
    !Number.isFinite(bytesPerSecond) ||
    bytesPerSecond <= 0
  )
    return '-';
  return `${formatBytes(bytesPerSecond)}/s`;
}

export function formatEta(seconds: number | undefined | null): string {
  if (seconds === undefined || seconds === null || !Number.isFinite(seconds)) return '-';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

/** A timestamp (ISO text, epoch ms or epoch seconds as number or text) as a Date, or undefined. */
export function toDate(value: string | number | undefined | null): Date | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
  // Below 10^11 a number is seconds (year 5138 in ms), above it milliseconds.
  const d = Number.isNaN(n) ? new Date(value) : new Date(n < 1e11 ? n * 1000 : n);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

export function formatTime(value: string | number | undefined | null, lang: 'en' | 'zh'): string {
  const d = toDate(value);
  return d ? d.toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-US', { hour12: false }) : '-';
}
