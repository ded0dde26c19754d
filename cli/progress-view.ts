import type { TransferProgress } from '../worker/s3/run-transfer.js';

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(s % 60).padStart(2, '0')}s`;
}

/** One line of the TTY progress bar: objects, bytes, rate, ETA. */
export function progressLine(p: TransferProgress, width = 24): string {
  const frac =
    p.bytesTotal > 0 ? Math.min(1, p.bytesDone / p.bytesTotal) : p.total > 0 ? (p.done + p.skipped) / p.total : 0;
  const filled = Math.round(frac * width);
  const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
  return (
    `[${bar}] ${p.done + p.skipped}/${p.total} objects  ${formatBytes(p.bytesDone)}/${formatBytes(p.bytesTotal)}  ` +
    `${formatBytes(p.bytesPerSecond)}/s  ETA ${formatDuration(p.etaSeconds)}${p.failed ? `  ${p.failed} failed` : ''}`
  );
}

/**
 * A progress line on a terminal that log lines never run into: a log line clears it, prints on its own line, and the
 * progress is drawn again below.
 */
export class TerminalProgress {
  private line = '';

  show(text: string): void {
    this.line = text;
    process.stderr.write(`\r${text}\x1b[K`);
  }

  log(text: string): void {
    process.stderr.write(`${this.line ? '\r\x1b[K' : ''}${text}\n${this.line}`);
  }

  end(): void {
    if (this.line) process.stderr.write('\n');
    this.line = '';
  }
}
